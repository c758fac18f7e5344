/* Process identity from /proc, for the host sensor. */
#ifndef GW_PROCINFO_H
#define GW_PROCINFO_H

#include <stddef.h>
#include <stdint.h>

struct procinfo {
	uint32_t uid;
	uint64_t start_time;   /* clock ticks since boot */
	char exe[4096];        /* "" when unreadable */
	char unit[128];        /* systemd unit or container id; "" when none */
	char comm[16];         /* from /proc/PID/stat, readable without privilege */
};

/* Is the process (pid, start_time) still running? A reused pid is not. */
int proc_alive(uint32_t pid, uint64_t start_time);
/* 0, or -ENOENT when the process is gone. */
int procinfo__read(uint32_t pid, struct procinfo *pi);
/* The unit or container named by a /proc/PID/cgroup text: the last
 * "*.service" or "*.scope" component (a container id inside it when there
 * is one). Writes "" when none. */
void cgroup_unit(const char *cgroup, char *unit, size_t size);
/* The name of the entry of the directory open at dirfd (kept open; read
 * from its start) whose inode is `ino`; writes "" when none. Reading an
 * open directory needs no capability, so this works after they are
 * dropped. 0 or a negative errno. */
int dir_name_by_ino(int dirfd, uint64_t ino, char *name, size_t size);

/* Identities of processes seen reading, kept after they exit so that a
 * window can still name a short-lived reader. Direct-mapped by pid with a
 * fixed number of slots: bounded memory, an old entry may be replaced. */
struct proc_cache;

struct proc_cache *proc_cache__new(size_t slots);
void proc_cache__free(struct proc_cache *c);
/* Read the identity of (pid, start_time) from /proc now and keep it; when
 * the process is already gone, keep what the kernel told (uid, exe path). */
void proc_cache__remember(struct proc_cache *c, uint32_t pid, uint64_t start_time, uint32_t uid,
			  const char *exe);
/* Keep the identity pi of process pid (pi->start_time) for the process's
 * whole life, out of reach of slot collisions: for the few processes (the
 * gateway) whose executable must stay known once the agent's capabilities
 * are dropped and /proc/PID/exe of a process holding more is hidden. At most
 * PROC_CACHE_PINNED processes; the entry of one gone is reused. The strings
 * are copied. 0, -ENOSPC when full, -ENOMEM. */
#define PROC_CACHE_PINNED 64
int proc_cache__pin(struct proc_cache *c, uint32_t pid, const struct procinfo *pi);
/* Identity of the process (pid, start_time): fresh from /proc when it is
 * alive (returns 0), else the kept one (returns -ENOENT; pi->exe is "" if
 * nothing was kept). A pinned identity fills what /proc hides. A reused pid
 * is a different process. */
int proc_cache__lookup(struct proc_cache *c, uint32_t pid, uint64_t start_time,
		       struct procinfo *pi);

#endif
