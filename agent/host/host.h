/* agent/host: the host sensor.
 *
 * In:  watched object roots; the BPF counts in the kernel's maps.
 * Out: one struct host_window per interval: per process x root x bucket the
 *      object reads (ops, bytes, errors) made during the window, and the
 *      lost-update counters.
 *
 * Ownership: a window's rows and strings belong to the sensor and stay valid
 * until the next sensor__poll() or sensor__free().
 */
#ifndef GW_HOST_H
#define GW_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct host_read {
	uint32_t pid;
	uint32_t uid;
	uint64_t start_time;     /* process start, clock ticks since boot (/proc/PID/stat) */
	const char *comm;
	const char *exe;         /* "" when the process is gone */
	const char *root;        /* the watched root, as configured */
	const char *bucket;      /* first directory under the root; "" for files in the root */
	uint64_t ops, bytes, errors;
};

#define HOST_DROP_KINDS 3

struct host_window {
	int64_t start_ms, end_ms;            /* UTC milliseconds */
	struct host_read *reads;             /* sorted by pid, root, bucket */
	size_t nreads;
	uint64_t drops[HOST_DROP_KINDS];     /* lost in the kernel during this window */
	const char *hooks;                   /* the hook family in use */
};

struct sensor_opts {
	const char *const *roots;
	size_t nroots;
	uint32_t max_counts;     /* entries in the counts map (processes x roots x buckets) */
};

struct sensor;

/* Load the programs, register the roots and attach. Mounts tracefs when the
 * kernel's tracepoints need it. NULL with errno set on failure (logged). */
struct sensor *sensor__open(const struct sensor_opts *opts);
/* Handle the sensor's rare events for up to timeout_ms; use it as the sleep
 * between polls. 0 or a negative errno. */
int sensor__wait(struct sensor *s, int timeout_ms);
/* Collect the counts since the previous poll into *w. 0 or a negative errno. */
int sensor__poll(struct sensor *s, struct host_window *w);
void sensor__free(struct sensor *s);

/* Write a window as one JSON line. 0 or a negative errno. */
int host_window__write_json(const struct host_window *w, FILE *out);

#endif
