/* Least privilege after load: once the BPF programs are attached, the agent
 * keeps only the capabilities it still uses. Map and ring buffer access
 * goes through file descriptors already open, which need none. */
#ifndef GW_CAPS_H
#define GW_CAPS_H

#include <stdint.h>

/* Still needed after attach: reading audit logs and object paths the
 * agent's user cannot (DAC_READ_SEARCH), and /proc/PID/exe of processes of
 * other users (SYS_PTRACE). */
#define GW_CAPS_KEEP ((1ull << 2) | (1ull << 19))

/* Reduce the effective, permitted and inheritable sets to keep, drop the
 * rest from the bounding set, and set no_new_privs. 0 or a negative errno. */
int caps__drop_except(uint64_t keep);
/* The effective set of this process (from /proc/self/status), 0 on error. */
uint64_t caps__effective(void);

#endif
