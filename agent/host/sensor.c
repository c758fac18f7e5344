/* See host.h. Loads the sensor (the units of bpf/, linked into one object)
 * with the cheapest hook family the kernel accepts, registers the roots,
 * and serves the ring buffer's rare events. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "hooks.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "sensor_priv.h"
/* The generated skeleton casts away const in its embedded object. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "sensor.skel.h"
#pragma GCC diagnostic pop

_Static_assert(sizeof(struct gw_root_key) == 16, "gw_root_key ABI");
_Static_assert(sizeof(struct gw_root_val) == 8, "gw_root_val ABI");
_Static_assert(sizeof(struct gw_read_key) == 24, "gw_read_key ABI");
_Static_assert(sizeof(struct gw_read_val) == 56, "gw_read_val ABI");
_Static_assert(sizeof(struct gw_verdict) == 24, "gw_verdict ABI");
_Static_assert(sizeof(struct gw_pending) == 16, "gw_pending ABI");
_Static_assert(sizeof(struct gw_last) == 80, "gw_last ABI");
_Static_assert(sizeof(struct gw_conn_key) == 32, "gw_conn_key ABI");
_Static_assert(sizeof(struct gw_conn_val) == 32, "gw_conn_val ABI");
_Static_assert(sizeof(struct gw_connecting) == 32, "gw_connecting ABI");
_Static_assert(sizeof(struct gw_event) == 56 + GW_SAMPLE_DEPTH * GW_NAME_LEN, "gw_event ABI");
_Static_assert(sizeof(struct gw_unattr_key) == 16, "gw_unattr_key ABI");
_Static_assert(sizeof(struct gw_inode_key) == 16, "gw_inode_key ABI");
_Static_assert(sizeof(struct gw_member) == 16, "gw_member ABI");
_Static_assert(sizeof(struct gw_unattr_val) == 24, "gw_unattr_val ABI");
_Static_assert((int)GW_DROP_MAX == (int)HOST_DROP_AGENT, "drop kinds");
_Static_assert((int)GW_DROP_UNATTR_FULL == (int)HOST_DROP_UNATTR, "drop kinds");

/* Hook families (hooks.h), cheapest first. fexit and tp_exit run a program
 * only at the watched syscalls; tp_exit's classic tracepoints cost a little
 * more per watched read than tp_btf, but tp_btf runs at every syscall's
 * exit, and on a gateway most syscalls are not reads (an s3rver GET makes
 * about 125, of which 15 are reads, one of them of the object). */

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings while probing are expected; the fallback is logged. */
	gw_vlog(level == LIBBPF_WARN ? LOG_INFO : LOG_DEBUG, fmt, ap);
	return 0;
}

/* Tracepoint attach needs tracefs; minimal systems do not mount it. */
static int ensure_tracefs(void)
{
	struct stat st;

	/* stat, not access: access() checks with the real uid and without
	 * capabilities, which a dedicated user holding CAP_DAC_READ_SEARCH needs */
	if (stat("/sys/kernel/tracing/events", &st) == 0 ||
	    stat("/sys/kernel/debug/tracing/events", &st) == 0)
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0) {
		log_err("failed to mount tracefs on /sys/kernel/tracing: %s", strerror(errno));
		return -errno;
	}
	log_info("mounted tracefs on /sys/kernel/tracing");
	return 0;
}

static uint64_t kdev(dev_t d)
{
	return ((uint64_t)major(d) << 20) | minor(d);
}

static int add_dev(struct sensor *s, uint64_t dev)
{
	__u32 one = 1;

	if (bpf_map__update_elem(s->skel->maps.root_devs, &dev, sizeof(dev), &one, sizeof(one),
				 BPF_ANY))
		return -errno;
	return 0;
}

/* Filesystems mounted on or below a root hold objects of that root too.
 * Called at start and at every poll, for mounts that come later. */
static void add_mounts_below(struct sensor *s, const char *root, int verbose)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t rlen = strlen(root);
	char line[4096];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok, *fields[5] = { 0 };
		unsigned long maj, min;
		char *end;
		int n = 0;

		for (tok = strtok_r(line, " ", &save); tok && n < 5; tok = strtok_r(NULL, " ", &save))
			fields[n++] = tok;
		if (n < 5 || strncmp(fields[4], root, rlen) != 0 ||
		    (fields[4][rlen] != '/' && fields[4][rlen] != '\0'))
			continue;
		maj = strtoul(fields[2], &end, 10);
		if (*end != ':')
			continue;
		min = strtoul(end + 1, NULL, 10);
		if (add_dev(s, (maj << 20) | min) == 0 && verbose)
			log_info("root %s: also watching the filesystem mounted on %s", root, fields[4]);
	}
	fclose(f);
}

static int add_root(struct sensor *s, const char *path)
{
	struct gw_root_key key = {};
	struct gw_root_val val = {};
	struct stat st;
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
	key.dev = kdev(st.st_dev);
	key.ino = st.st_ino;
	val.root_id = (uint32_t)s->nroots;
	if (bpf_map__update_elem(s->skel->maps.roots, &key, sizeof(key), &val, sizeof(val), BPF_ANY) ||
	    add_dev(s, key.dev)) {
		log_err("failed to register root %s: %s", path, strerror(errno));
		return -errno;
	}
	add_mounts_below(s, real, 1);
	s->roots[s->nroots].path = strdup(real);
	if (!s->roots[s->nroots].path)
		return -ENOMEM;
	s->roots[s->nroots].fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->roots[s->nroots].dev = key.dev;
	s->roots[s->nroots].ino = key.ino;
	s->nroots++;
	return 0;
}

static void drop_roots(struct sensor *s)
{
	for (size_t i = 0; i < s->nroots; i++) {
		free(s->roots[i].path);
		if (s->roots[i].fd >= 0)
			close(s->roots[i].fd);
	}
	s->nroots = 0;
}

/* Open, configure, load, register roots and attach with one family.
 * 0, or a negative errno with nothing left loaded. */
static int try_family(struct sensor *s, int fam, const struct hook_kernel *k,
		      const struct sensor_opts *opts)
{
	int err;

	s->skel = sensor_bpf__open();
	if (!s->skel)
		return -errno;
	s->skel->rodata->samples_per_window = opts->samples;
	bpf_map__set_max_entries(s->skel->maps.reads, opts->max_counts);
	bpf_map__set_max_entries(s->skel->maps.conns, opts->max_conns);
	bpf_map__set_max_entries(s->skel->maps.members, opts->max_inodes ? opts->max_inodes : 65536);
	/* reads in flight are remembered by thread for the tracepoint family only */
	if (fam != HOOK_TRACEPOINT)
		bpf_map__set_max_entries(s->skel->maps.pending, 1);
	err = hooks__select(s->skel, fam, k);
	if (!err)
		err = sensor_bpf__load(s->skel);
	for (size_t i = 0; !err && i < opts->nroots; i++)
		err = add_root(s, opts->roots[i]);
	if (!err)
		err = sensor_bpf__attach(s->skel);
	if (err) {
		sensor_bpf__destroy(s->skel);
		s->skel = NULL;
		drop_roots(s);
	}
	return err;
}

/* Probe the families cheapest first (or the one forced) and load the
 * first that works, logging one line: the family chosen and those refused
 * before it, with why. */
static int load_family(struct sensor *s, const struct hook_kernel *k, const struct sensor_opts *opts)
{
	char refused[512] = "", why[160];
	size_t rlen = 0;
	int err = -EINVAL;

	for (int fam = 0; fam < HOOK_FAMILIES; fam++) {
		if (opts->hooks && strcmp(opts->hooks, hooks__name(fam)) != 0)
			continue;
		why[0] = '\0';
		err = hooks__probe(fam, k, why, sizeof(why));
		if (!err)
			err = try_family(s, fam, k, opts);
		if (!err) {
			s->hooks = hooks__name(fam);
			sensor__setup_slots(s);
			log_info("hook family %s chosen%s%s", s->hooks,
				 rlen ? "; refused by this kernel: " : "", refused);
			return 0;
		}
		/* the probe passed: the load or the attach failed */
		if (!why[0])
			snprintf(why, sizeof(why), "%s", strerror(-err));
		if (opts->hooks) {
			log_err("hook family %s not usable here: %s", hooks__name(fam), why);
			return err;
		}
		if (rlen < sizeof(refused)) {
			int n = snprintf(refused + rlen, sizeof(refused) - rlen, "%s%s (%s)",
					 rlen ? ", " : "", hooks__name(fam), why);
			rlen = n > 0 ? rlen + (size_t)n : rlen;
		}
	}
	if (opts->hooks)
		log_err("unknown hook family '%s' (fexit, tp_exit, tp_btf, raw_tp, tracepoint)", opts->hooks);
	else
		log_err("no hook family loads on this kernel: %s", refused);
	return err;
}

static int load_programs(struct sensor *s, const struct sensor_opts *opts)
{
	struct hook_kernel k;
	int err = hooks__probe_kernel(&k);

	if (err)
		return err;
	err = load_family(s, &k, opts);
	hooks__kernel_free(&k);
	return err;
}

/* A path from an event's innermost components: "a/b/c", ".../b/c" when
 * longer; absolute when absolute is set and the path is complete. */
static void event_path(const struct gw_event *e, int absolute, char *path, size_t size)
{
	size_t len = 0, depth = e->depth < GW_SAMPLE_DEPTH ? e->depth : GW_SAMPLE_DEPTH;

	path[0] = '\0';
	if (e->depth > GW_SAMPLE_DEPTH)
		len = (size_t)snprintf(path, size, ".../");
	else if (absolute)
		len = (size_t)snprintf(path, size, "/");
	for (size_t i = depth; i-- > 0;) {
		char name[GW_NAME_LEN + 1];
		int n;

		memcpy(name, e->names[i], GW_NAME_LEN);
		name[GW_NAME_LEN] = '\0';
		/* the root of the filesystem is "/" and adds nothing */
		if (strcmp(name, "/") == 0)
			continue;
		n = snprintf(path + len, size - len, "%s%s", name, i ? "/" : "");
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
}

static void remember_blinded(struct sensor *s, const struct gw_event *e)
{
	struct blinded *b;

	if (s->nblinded == SENSOR_MAX_BLINDED) {
		s->agent_drops++;
		return;
	}
	b = &s->blinded[s->nblinded++];
	b->tgid = e->tgid;
	b->root_id = e->root_id;
	b->bucket_ino = e->bucket_ino;
	b->start_ns = e->start_ns;
	memcpy(b->comm, e->comm, sizeof(b->comm));
	b->comm[sizeof(b->comm) - 1] = '\0';
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct sensor *s = ctx;
	const struct gw_event *e = data;
	struct sample *smp;

	char path[GW_SAMPLE_DEPTH * (GW_NAME_LEN + 1) + 8];

	if (size < sizeof(*e))
		return 0;
	if (e->kind != GW_EV_SAMPLE) {
		uint64_t ticks = e->start_ns / (1000000000ull / (uint64_t)s->clk_tck);

		event_path(e, 1, path, sizeof(path));
		proc_cache__remember(s->procs, e->tgid, ticks, e->uid, e->has_exe ? path : "");
		sensor__keep_new(s, e->tgid, ticks);
		if (e->kind == GW_EV_UNATTRIBUTED)
			remember_blinded(s, e);
		return 0;
	}
	if (s->nsamples == SENSOR_MAX_SAMPLES) {
		s->agent_drops++;
		return 0;
	}
	smp = &s->samples[s->nsamples];
	event_path(e, 0, path, sizeof(path));
	smp->path = strpool__intern_str(s->next_pool, path);
	if (!smp->path) {
		s->agent_drops++;
		return 0;
	}
	smp->tgid = e->tgid;
	smp->root_id = e->root_id;
	smp->bucket_ino = e->bucket_ino;
	smp->start_ns = e->start_ns;
	s->nsamples++;
	return 0;
}

void sensor__refresh_mounts(struct sensor *s)
{
	for (size_t i = 0; i < s->nroots; i++)
		add_mounts_below(s, s->roots[i].path, 0);
}

int sensor__wait(struct sensor *s, int timeout_ms)
{
	int n = ring_buffer__poll(s->events, timeout_ms);

	return n == -EINTR ? 0 : n < 0 ? n : 0;
}

static int sensor_alloc(struct sensor *s, const struct sensor_opts *opts)
{
	s->ncpus = libbpf_num_possible_cpus();
	s->clk_tck = sysconf(_SC_CLK_TCK);
	if (s->ncpus <= 0 || s->clk_tck <= 0)
		return -EINVAL;
	s->pool = strpool__new();
	s->next_pool = strpool__new();
	s->procs = proc_cache__new(4096);
	/* one buffer large enough for either per-CPU value type */
	s->vals = calloc((size_t)s->ncpus, sizeof(struct gw_read_val) > sizeof(struct gw_conn_val) ?
						   sizeof(struct gw_read_val) : sizeof(struct gw_conn_val));
	s->samples = calloc(SENSOR_MAX_SAMPLES, sizeof(*s->samples));
	if (!s->pool || !s->next_pool || !s->procs || !s->vals || !s->samples ||
	    count_table__init(&s->prev_reads, (size_t)opts->max_counts * 2, sizeof(struct gw_read_key)) < 0 ||
	    count_table__init(&s->prev_conns, (size_t)opts->max_conns * 2, sizeof(struct gw_conn_key)) < 0 ||
	    count_table__init(&s->prev_unattr, SENSOR_MAX_UNATTR, sizeof(struct gw_unattr_key)) < 0)
		return -ENOMEM;
	return 0;
}

struct sensor *sensor__open(const struct sensor_opts *opts)
{
	struct sensor *s = NULL;
	int err;

	libbpf_set_print(libbpf_log);
	err = ensure_tracefs();
	if (err)
		goto fail;
	s = calloc(1, sizeof(*s));
	err = s ? sensor_alloc(s, opts) : -ENOMEM;
	if (err)
		goto fail;
	s->max_counts = opts->max_counts;
	s->max_conns = opts->max_conns;
	err = load_programs(s, opts);
	if (err) {
		log_err("failed to load the BPF programs: %s", strerror(-err));
		goto fail;
	}
	s->events = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_event, s, NULL);
	if (!s->events) {
		err = -errno;
		log_err("failed to open the BPF ring buffer: %s", strerror(errno));
		goto fail;
	}
	sensor__seed_members(s, opts->max_inodes ? opts->max_inodes : 65536);
	s->last_poll_ms = gw_wall_ms();
	log_info("sensor attached: hooks=%s roots=%zu max_counts=%u max_conns=%u samples=%u",
		 s->hooks, s->nroots, opts->max_counts, opts->max_conns, opts->samples);
	return s;
fail:
	sensor__free(s);
	errno = -err;
	return NULL;
}

void sensor__free(struct sensor *s)
{
	if (!s)
		return;
	ring_buffer__free(s->events);
	sensor_bpf__destroy(s->skel);
	drop_roots(s);
	proc_cache__free(s->procs);
	count_table__fini(&s->prev_reads);
	count_table__fini(&s->prev_conns);
	count_table__fini(&s->prev_unattr);
	strpool__free(s->pool);
	strpool__free(s->next_pool);
	free(s->samples);
	free(s->vals);
	free(s->rows);
	free(s->crows);
	free(s->urows);
	free(s);
}
