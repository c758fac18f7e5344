/* gatewatch host: the sensor alone, host windows as JSON lines. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "host/host.h"
#include "lib/args.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "reads.h"

#define HOST_DEFAULT_INTERVAL 10
#define HOST_DEFAULT_MAX_COUNTS 10240
#define HOST_DEFAULT_MAX_CONNS 10240
#define HOST_DEFAULT_SAMPLES 5
#define HOST_DEFAULT_MAX_INODES 65536

static volatile sig_atomic_t host_stop;

static void on_signal(int sig)
{
	(void)sig;
	host_stop = 1;
}

static void host_usage(FILE *out)
{
	fprintf(out,
		"usage: gatewatch host --root DIR [--root DIR...] [OPTIONS]\n"
		"\n"
		"Count object reads per process under the roots, in the kernel, and print\n"
		"one JSON line per window.\n"
		"\n"
		"  --root DIR          an object root to watch (repeatable, at most %d)\n"
		"  --interval SEC      window length (default %d)\n"
		"  --duration SEC      stop after SEC seconds (default: run until SIGINT/SIGTERM)\n"
		"  --output FILE       write JSON lines to FILE (default stdout)\n"
		"  --max-counts N      entries in the kernel's read counts map (default %d)\n"
		"  --max-conns N       entries in the kernel's connection counts map (default %d)\n"
		"  --max-inodes N      object files known by inode (default %d)\n"
		"  --samples N         sample objects per process and window, 0 for none (default %d)\n"
		"  --hooks FAMILY      force a hook family: fexit, tp_exit, tp_btf, raw_tp\n"
		"                      or tracepoint\n"
		"                      (default: the cheapest one this kernel accepts)\n"
		"  --help              this text\n",
		GW_MAX_ROOTS, HOST_DEFAULT_INTERVAL, HOST_DEFAULT_MAX_COUNTS, HOST_DEFAULT_MAX_CONNS,
		HOST_DEFAULT_MAX_INODES, HOST_DEFAULT_SAMPLES);
}

/* A whole number in [min, max] from flag `flag`. 0 or -EINVAL (logged). */
static int parse_u32(const char *flag, const char *s, unsigned long min, unsigned long max,
		     unsigned long *out)
{
	uint64_t v;

	if (gw_arg__u64(flag, s, min, max, &v) < 0)
		return -EINVAL;
	*out = (unsigned long)v;
	return 0;
}

/* Serve the sensor's events until `deadline` (monotonic ms) or a signal. */
static void wait_until(struct sensor *s, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - gw_mono_ms();

		if (host_stop || left <= 0)
			return;
		if (sensor__wait(s, left > 200 ? 200 : (int)left) < 0)
			usleep(10000);
	}
}

static int run_windows(struct sensor *s, FILE *out, unsigned long interval, unsigned long duration)
{
	int64_t start = gw_mono_ms(), next = start + (int64_t)interval * 1000;
	int64_t end = duration ? start + (int64_t)duration * 1000 : INT64_MAX;
	struct host_window w;
	int last = 0;

	while (!last) {
		wait_until(s, next < end ? next : end);
		last = host_stop || gw_mono_ms() >= end;
		if (sensor__poll(s, &w) < 0 && w.nreads == 0)
			log_warn("poll failed; the window is empty");
		if (host_window__write_json(&w, out) < 0) {
			log_err("failed to write a window: %s", strerror(errno));
			return GW_EXIT_FAIL;
		}
		next += (int64_t)interval * 1000;
	}
	return GW_EXIT_OK;
}

/* What the command line asks for. */
struct host_args {
	const char *roots[GW_MAX_ROOTS];
	const char *output;
	unsigned long interval, duration, max_counts, max_conns, max_inodes, samples;
	struct sensor_opts so;
};

/* One option into a. Returns -1 to go on, else the exit status. */
static int host_option(int c, struct host_args *a)
{
	switch (c) {
	case 'r':
		if (a->so.nroots == GW_MAX_ROOTS) {
			log_err("too many --root (at most %d)", GW_MAX_ROOTS);
			return GW_EXIT_USAGE;
		}
		a->roots[a->so.nroots++] = optarg;
		return -1;
	case 'i':
		return parse_u32("--interval", optarg, 1, 86400, &a->interval) ? GW_EXIT_USAGE : -1;
	case 'd':
		return parse_u32("--duration", optarg, 1, 365UL * 86400, &a->duration) ? GW_EXIT_USAGE : -1;
	case 'o':
		a->output = optarg;
		return -1;
	case 'm':
		return parse_u32("--max-counts", optarg, 16, 1UL << 22, &a->max_counts) ? GW_EXIT_USAGE : -1;
	case 'c':
		return parse_u32("--max-conns", optarg, 16, 1UL << 22, &a->max_conns) ? GW_EXIT_USAGE : -1;
	case 'n':
		return parse_u32("--max-inodes", optarg, 16, 1UL << 24, &a->max_inodes) ? GW_EXIT_USAGE : -1;
	case 's':
		return parse_u32("--samples", optarg, 0, 64, &a->samples) ? GW_EXIT_USAGE : -1;
	case 'k':
		if (strcmp(optarg, "fexit") && strcmp(optarg, "tp_btf") && strcmp(optarg, "raw_tp") && strcmp(optarg, "tp_exit") &&
		    strcmp(optarg, "tracepoint")) {
			log_err("invalid value for --hooks: '%s' (expected fexit, tp_exit, tp_btf, raw_tp or tracepoint)", optarg);
			return GW_EXIT_USAGE;
		}
		a->so.hooks = optarg;
		return -1;
	case 'h':
		host_usage(stdout);
		return GW_EXIT_OK;
	default:
		host_usage(stderr);
		return GW_EXIT_USAGE;
	}
}

/* Parse and check the command line. Returns -1 to run, else the exit status. */
static int host_parse(int argc, char **argv, struct host_args *a)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "max-counts", required_argument, NULL, 'm' },
		{ "max-conns", required_argument, NULL, 'c' },
		{ "max-inodes", required_argument, NULL, 'n' },
		{ "samples", required_argument, NULL, 's' },
		{ "hooks", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if ((rc = host_option(c, a)) >= 0)
			return rc;
	if (optind < argc || a->so.nroots == 0) {
		log_err(a->so.nroots ? "unexpected argument '%s'" : "missing --root%s",
			a->so.nroots ? argv[optind] : "");
		return GW_EXIT_USAGE;
	}
	for (size_t i = 0; i < a->so.nroots; i++) {
		struct stat st;

		errno = 0;
		if (stat(a->roots[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
			log_err("invalid --root %s: %s", a->roots[i], errno ? strerror(errno) : "not a directory");
			return GW_EXIT_USAGE;
		}
	}
	a->so.roots = a->roots;
	a->so.max_counts = (uint32_t)a->max_counts;
	a->so.max_conns = (uint32_t)a->max_conns;
	a->so.max_inodes = (uint32_t)a->max_inodes;
	a->so.samples = (uint32_t)a->samples;
	return -1;
}

int host_main(int argc, char **argv)
{
	struct host_args a = { .interval = HOST_DEFAULT_INTERVAL, .max_counts = HOST_DEFAULT_MAX_COUNTS,
			       .max_conns = HOST_DEFAULT_MAX_CONNS, .max_inodes = HOST_DEFAULT_MAX_INODES,
			       .samples = HOST_DEFAULT_SAMPLES };
	struct sensor *s;
	FILE *out = stdout;
	int rc = host_parse(argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (a.output && !(out = fopen(a.output, "we"))) {
		log_err("failed to open %s: %s", a.output, strerror(errno));
		return GW_EXIT_USAGE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	s = sensor__open(&a.so);
	if (!s) {
		rc = GW_EXIT_FAIL;
		goto out;
	}
	rc = run_windows(s, out, a.interval, a.duration);
	sensor__free(s);
out:
	if (out != stdout && fclose(out) != 0 && rc == GW_EXIT_OK) {
		log_err("failed to write %s: %s", a.output, strerror(errno));
		rc = GW_EXIT_FAIL;
	}
	return rc;
}
