/* Least privilege after load: once the BPF programs are attached, the agent
 * keeps only the capabilities it still uses. Map and ring buffer access
 * goes through file descriptors already open, which need none. */
#ifndef GW_CAPS_H
#define GW_CAPS_H

#include <stddef.h>
#include <stdint.h>

/* Still needed after attach: nothing. The maps and the ring buffer are
 * open descriptors, the watched roots are listed for bucket names through
 * descriptors opened at start, and a reader's executable comes from the
 * kernel with its first read (the ring buffer's exe path), so neither
 * CAP_SYS_PTRACE (/proc/PID/exe of other users) nor CAP_DAC_READ_SEARCH
 * (which would read /etc/shadow and every file on the host) is kept. Audit
 * logs on local disk must be readable by the agent's user. */
#define GW_CAPS_KEEP 0ull

/* Reduce the effective, permitted and inheritable sets to keep, drop the
 * rest from the bounding set, and set no_new_privs. 0 or a negative errno. */
int caps__drop_except(uint64_t keep);
/* The effective set of this process (from /proc/self/status), 0 on error. */
uint64_t caps__effective(void);
/* The capabilities in set by name ("cap_dac_read_search, cap_sys_ptrace"),
 * "none" when empty, into buf (truncated to size). Returns buf. */
const char *caps__names(uint64_t set, char *buf, size_t size);

#endif
