/* Identities kept for a process's life: the gateway's. Once the agent has
 * dropped its capabilities, /proc/PID/exe of a process that holds more (a
 * gateway running as root) can no longer be read, and the kernel names the
 * executable only for what a process does in its own context: a gateway
 * running before the agent started would stay nameless until then (its
 * connects completing in softirq, a lookup after a cache slot collision).
 * So the gateway's processes are named at start, while /proc is readable,
 * and whenever the sensor meets a new one. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "sensor_priv.h"

static int wanted(struct sensor *s, uint32_t pid, const struct procinfo *pi)
{
	struct host_proc p = {
		.pid = pid, .uid = pi->uid, .start_time = pi->start_time,
		.comm = pi->comm, .exe = pi->exe, .unit = pi->unit,
	};

	return s->keep && s->keep(&p, s->keep_ctx);
}

static int keep_one(struct sensor *s, uint32_t pid, const struct procinfo *pi)
{
	int err;

	/* a process known only by its comm (a kernel thread) is not kept */
	if (!pi->exe[0] || !wanted(s, pid, pi))
		return 0;
	err = proc_cache__pin(s->procs, pid, pi);
	if (err == -ENOSPC && !s->keep_full++)
		log_warn("more than %d gateway processes: the identities of the others are not kept",
			 PROC_CACHE_PINNED);
	return err ? err : 1;
}

size_t sensor__keep_procs(struct sensor *s, int (*want)(const struct host_proc *p, void *ctx),
			  void *ctx)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	struct procinfo pi;
	size_t n = 0;

	s->keep = want;
	s->keep_ctx = ctx;
	if (!d) {
		log_warn("failed to list /proc: %s; gateway processes are named as they act",
			 strerror(errno));
		return 0;
	}
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid || pid > UINT32_MAX)
			continue;
		if (procinfo__read((uint32_t)pid, &pi) == 0 && keep_one(s, (uint32_t)pid, &pi) > 0)
			n++;
	}
	closedir(d);
	return n;
}

void sensor__keep_new(struct sensor *s, uint32_t tgid, uint64_t start_time)
{
	struct procinfo pi;

	if (s->keep && proc_cache__lookup(s->procs, tgid, start_time, &pi) == 0)
		keep_one(s, tgid, &pi);
}
