/* Process identity from /proc, for the host sensor. */
#ifndef GW_PROCINFO_H
#define GW_PROCINFO_H

#include <stddef.h>
#include <stdint.h>

struct procinfo {
	uint32_t uid;
	uint64_t start_time;   /* clock ticks since boot */
	char exe[4096];        /* "" when unreadable */
};

/* 0, or -ENOENT when the process is gone. */
int procinfo__read(uint32_t pid, struct procinfo *pi);
/* The name of the entry of directory `dir` whose inode is `ino`; writes ""
 * when none. 0 or a negative errno. */
int dir_name_by_ino(const char *dir, uint64_t ino, char *name, size_t size);

#endif
