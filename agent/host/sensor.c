/* See host.h. Loads bpf/reads.bpf.c, registers the roots, polls the counts. */
#include "host.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "counts.h"
#include "log.h"
#include "procinfo.h"
#include "reads.h"
/* The generated skeleton casts away const in its embedded object. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "reads.skel.h"
#pragma GCC diagnostic pop
#include "strpool.h"

_Static_assert(sizeof(struct gw_root_key) == 16, "gw_root_key ABI");
_Static_assert(sizeof(struct gw_root_val) == 8, "gw_root_val ABI");
_Static_assert(sizeof(struct gw_read_key) == 16, "gw_read_key ABI");
_Static_assert(sizeof(struct gw_read_val) == 40, "gw_read_val ABI");
_Static_assert(sizeof(struct gw_pending) == 16, "gw_pending ABI");
_Static_assert(GW_DROP_MAX == HOST_DROP_KINDS, "drop kinds");

struct root_info {
	char *path;
	uint64_t dev, ino;   /* dev in the kernel's encoding */
};

struct sensor {
	struct reads_bpf *skel;
	struct root_info roots[GW_MAX_ROOTS];
	size_t nroots;
	struct count_table prev;
	uint32_t gen;
	int ncpus;
	struct gw_read_val *vals;          /* one per possible CPU */
	uint64_t drops_prev[GW_DROP_MAX];
	int64_t last_poll_ms;
	struct ring_buffer *events;
	struct proc_cache *procs;
	struct strpool *pool;              /* strings of the current window */
	struct host_read *rows;
	size_t cap_rows;
};

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int prio = level == LIBBPF_WARN ? LOG_WARNING : level == LIBBPF_INFO ? LOG_INFO : LOG_DEBUG;

	gw_vlog(prio, fmt, ap);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The ring buffer and BTF we rely on arrived in 5.8. */
static int check_kernel(void)
{
	struct utsname u;
	unsigned long major, minor;
	char *end;

	if (uname(&u) < 0)
		return -errno;
	major = strtoul(u.release, &end, 10);
	minor = *end == '.' ? strtoul(end + 1, NULL, 10) : 0;
	if (major < 5 || (major == 5 && minor < 8)) {
		log_err("kernel %s is too old: gatewatch needs 5.8 or later", u.release);
		return -ENOTSUP;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		log_err("kernel %s has no BTF (/sys/kernel/btf/vmlinux): CO-RE programs cannot load",
			u.release);
		return -ENOTSUP;
	}
	return 0;
}

/* Tracepoint attach needs tracefs; minimal systems do not mount it. */
static int ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0) {
		log_err("failed to mount tracefs on /sys/kernel/tracing: %s", strerror(errno));
		return -errno;
	}
	log_info("mounted tracefs on /sys/kernel/tracing");
	return 0;
}

static int add_root(struct sensor *s, const char *path)
{
	struct gw_root_key key = {};
	struct gw_root_val val = {};
	struct stat st;
	__u32 one = 1;
	char real[PATH_MAX];

	if (s->nroots >= GW_MAX_ROOTS) {
		log_err("too many roots (at most %d): %s", GW_MAX_ROOTS, path);
		return -E2BIG;
	}
	if (!realpath(path, real) || stat(real, &st) < 0) {
		log_err("failed to open root %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("root %s is not a directory", path);
		return -ENOTDIR;
	}
	key.dev = ((uint64_t)major(st.st_dev) << 20) | minor(st.st_dev);
	key.ino = st.st_ino;
	val.root_id = (uint32_t)s->nroots;
	if (bpf_map__update_elem(s->skel->maps.roots, &key, sizeof(key), &val, sizeof(val), BPF_ANY) ||
	    bpf_map__update_elem(s->skel->maps.root_devs, &key.dev, sizeof(key.dev), &one,
				 sizeof(one), BPF_ANY)) {
		log_err("failed to register root %s: %s", path, strerror(errno));
		return -errno;
	}
	s->roots[s->nroots].path = strdup(real);
	if (!s->roots[s->nroots].path)
		return -ENOMEM;
	s->roots[s->nroots].dev = key.dev;
	s->roots[s->nroots].ino = key.ino;
	s->nroots++;
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct sensor *s = ctx;
	const struct gw_event *e = data;

	if (size < sizeof(*e))
		return 0;
	if (e->kind == GW_EV_NEW_READER)
		proc_cache__remember(s->procs, e->tgid);
	return 0;
}

int sensor__wait(struct sensor *s, int timeout_ms)
{
	int n = ring_buffer__poll(s->events, timeout_ms);

	return n == -EINTR ? 0 : n < 0 ? n : 0;
}

struct sensor *sensor__open(const struct sensor_opts *opts)
{
	struct sensor *s;
	int err;

	libbpf_set_print(libbpf_log);
	err = check_kernel();
	if (err)
		goto fail_early;
	err = ensure_tracefs();
	if (err)
		goto fail_early;
	s = calloc(1, sizeof(*s));
	if (!s) {
		err = -ENOMEM;
		goto fail_early;
	}
	s->ncpus = libbpf_num_possible_cpus();
	s->pool = strpool__new();
	s->procs = proc_cache__new(4096);
	s->vals = s->ncpus > 0 ? calloc((size_t)s->ncpus, sizeof(*s->vals)) : NULL;
	err = -ENOMEM;
	if (!s->pool || !s->procs || !s->vals || count_table__init(&s->prev, opts->max_counts) < 0)
		goto fail;
	s->skel = reads_bpf__open();
	if (!s->skel) {
		err = -errno;
		log_err("failed to open the BPF object: %s", strerror(errno));
		goto fail;
	}
	bpf_map__set_max_entries(s->skel->maps.reads, opts->max_counts);
	err = reads_bpf__load(s->skel);
	if (err) {
		log_err("failed to load the BPF programs: %s", strerror(-err));
		goto fail;
	}
	for (size_t i = 0; i < opts->nroots; i++) {
		err = add_root(s, opts->roots[i]);
		if (err)
			goto fail;
	}
	err = reads_bpf__attach(s->skel);
	if (err) {
		log_err("failed to attach the BPF programs: %s", strerror(-err));
		goto fail;
	}
	s->events = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_event, s, NULL);
	if (!s->events) {
		err = -errno;
		log_err("failed to open the BPF ring buffer: %s", strerror(errno));
		goto fail;
	}
	s->last_poll_ms = now_ms();
	log_info("sensor attached: hooks=tracepoint roots=%zu max_counts=%u", s->nroots,
		 opts->max_counts);
	return s;
fail:
	sensor__free(s);
fail_early:
	errno = -err;
	return NULL;
}

void sensor__free(struct sensor *s)
{
	if (!s)
		return;
	ring_buffer__free(s->events);
	reads_bpf__destroy(s->skel);
	proc_cache__free(s->procs);
	for (size_t i = 0; i < s->nroots; i++)
		free(s->roots[i].path);
	count_table__fini(&s->prev);
	strpool__free(s->pool);
	free(s->vals);
	free(s->rows);
	free(s);
}

static int row_cmp(const void *a, const void *b)
{
	const struct host_read *x = a, *y = b;
	int c;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	c = strcmp(x->root, y->root);
	return c ? c : strcmp(x->bucket, y->bucket);
}

/* Sum one key's per-CPU values. */
static int sum_key(struct sensor *s, const struct gw_read_key *key, struct gw_read_val *sum)
{
	memset(sum, 0, sizeof(*sum));
	if (bpf_map__lookup_elem(s->skel->maps.reads, key, sizeof(*key), s->vals,
				 sizeof(*s->vals) * (size_t)s->ncpus, 0))
		return -errno;
	for (int c = 0; c < s->ncpus; c++) {
		sum->ops += s->vals[c].ops;
		sum->bytes += s->vals[c].bytes;
		sum->errors += s->vals[c].errors;
		if (!sum->comm[0] && s->vals[c].comm[0])
			memcpy(sum->comm, s->vals[c].comm, sizeof(sum->comm));
	}
	sum->comm[sizeof(sum->comm) - 1] = '\0';
	return 0;
}

static int add_row(struct sensor *s, size_t *nrows, const struct gw_read_key *key,
		   const struct gw_read_val *sum, const struct count_entry *delta,
		   const struct procinfo *pi)
{
	struct host_read *r;
	char bucket[256] = "";

	if (*nrows == s->cap_rows) {
		size_t cap = s->cap_rows ? s->cap_rows * 2 : 64;
		struct host_read *rows = realloc(s->rows, cap * sizeof(*rows));

		if (!rows)
			return -ENOMEM;
		s->rows = rows;
		s->cap_rows = cap;
	}
	if (key->bucket_ino && key->root_id < s->nroots)
		dir_name_by_ino(s->roots[key->root_id].path, key->bucket_ino, bucket, sizeof(bucket));
	r = &s->rows[(*nrows)++];
	r->pid = key->tgid;
	r->uid = pi->uid;
	r->start_time = pi->start_time;
	r->comm = strpool__intern_str(s->pool, sum->comm);
	r->exe = strpool__intern_str(s->pool, pi->exe);
	r->root = key->root_id < s->nroots ? s->roots[key->root_id].path : "";
	r->bucket = strpool__intern_str(s->pool, bucket);
	if (!r->comm || !r->exe || !r->bucket) {
		(*nrows)--;
		return -ENOMEM;
	}
	r->ops = delta->ops;
	r->bytes = delta->bytes;
	r->errors = delta->errors;
	return 0;
}

static void poll_drops(struct sensor *s, struct host_window *w)
{
	__u64 vals[s->ncpus];

	for (__u32 k = 0; k < GW_DROP_MAX; k++) {
		uint64_t total = 0;

		if (bpf_map__lookup_elem(s->skel->maps.drops, &k, sizeof(k), vals, sizeof(vals), 0))
			continue;
		for (int c = 0; c < s->ncpus; c++)
			total += vals[c];
		w->drops[k] = total - s->drops_prev[k];
		s->drops_prev[k] = total;
	}
}

/* Forget the kernel's counts of processes that are gone, after their last
 * window reported them. */
static void reap(struct sensor *s, const struct gw_read_key *dead, size_t ndead)
{
	for (size_t i = 0; i < ndead; i++)
		bpf_map__delete_elem(s->skel->maps.reads, &dead[i], sizeof(dead[i]), 0);
}

static int poll_key(struct sensor *s, const struct gw_read_key *key, size_t *nrows, int *dead)
{
	struct gw_read_val sum;
	struct count_entry *e, delta;
	struct procinfo pi;
	int err;

	/* Look for death first: a process found dead has made all its reads. */
	*dead = proc_cache__lookup(s->procs, key->tgid, &pi) == -ENOENT;
	err = sum_key(s, key, &sum);
	if (err)
		return err == -ENOENT ? 0 : err;
	e = count_table__get(&s->prev, key);
	if (!e)
		return -ENOSPC;
	delta.ops = sum.ops - e->ops;
	delta.bytes = sum.bytes - e->bytes;
	delta.errors = sum.errors - e->errors;
	e->ops = sum.ops;
	e->bytes = sum.bytes;
	e->errors = sum.errors;
	e->seen = s->gen;
	if (!delta.ops && !delta.bytes && !delta.errors)
		return 0;
	return add_row(s, nrows, key, &sum, &delta, &pi);
}

int sensor__poll(struct sensor *s, struct host_window *w)
{
	struct gw_read_key key, next, *dead = NULL;
	size_t nrows = 0, ndead = 0, capdead = 0;
	struct strpool *pool;
	void *prevp = NULL;
	int err = 0, is_dead;

	pool = strpool__new();
	if (!pool)
		return -ENOMEM;
	strpool__free(s->pool);
	s->pool = pool;
	s->gen++;
	memset(w, 0, sizeof(*w));
	w->start_ms = s->last_poll_ms;
	w->end_ms = now_ms();
	s->last_poll_ms = w->end_ms;
	while (bpf_map__get_next_key(s->skel->maps.reads, prevp, &next, sizeof(next)) == 0) {
		key = next;
		prevp = &key;
		is_dead = 0;
		err = poll_key(s, &key, &nrows, &is_dead);
		if (err == -ENOSPC || err == -ENOMEM) {
			log_warn("window truncated at %zu rows: %s", nrows, strerror(-err));
			break;
		}
		if (is_dead && ndead < capdead) {
			dead[ndead++] = key;
		} else if (is_dead) {
			size_t cap = capdead ? capdead * 2 : 32;
			struct gw_read_key *d = realloc(dead, cap * sizeof(*d));

			if (d) {
				dead = d;
				capdead = cap;
				dead[ndead++] = key;
			}
		}
	}
	reap(s, dead, ndead);
	free(dead);
	count_table__sweep(&s->prev, s->gen);
	/* A key reaped now was seen now; it leaves the table on the next sweep. */
	poll_drops(s, w);
	qsort(s->rows, nrows, sizeof(*s->rows), row_cmp);
	w->reads = s->rows;
	w->nreads = nrows;
	w->hooks = "tracepoint";
	return err == -ENOSPC || err == -ENOMEM ? err : 0;
}
