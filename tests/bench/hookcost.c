/* make bench only: what the host sensor adds to a syscall, measured side by
 * side in one process.
 *
 * usage: hookcost FLOOR_OBJ ROOT IN_FILE OUT_FILE CALLS ROUNDS FAMILY...
 *
 * Loads the sensor once per hook family (watching ROOT) and two empty
 * programs from FLOOR_OBJ: on tp_btf sys_exit (the floor under any family
 * that hooks every syscall) and on the classic sys_exit_pread64 tracepoint
 * (tp_exit's floor), then detaches them all. A family the kernel refuses
 * is reported and left out. Each round attaches one configuration at a
 * time (none, the floors, each family) and times a batch of
 * CALLS calls of each loop: 4 KiB cached preads of IN_FILE (under ROOT), of
 * OUT_FILE (outside it), and getppid (a syscall the sensor does not watch).
 * Configurations alternate every few milliseconds, so a shared machine's
 * slow spells fall on all of them alike; the minimum over ROUNDS batches is
 * the figure noise has touched least (noise only ever adds time).
 *
 * A last pass with the kernel's BPF run-time statistics on gives each
 * family's program time per run, its own share apart from the hook's.
 * Prints the bench table's rows. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/host.h"
#include "host/sensor_priv.h"
#include "lib/log.h"
#include "sensor.skel.h"

#define MAX_CONFIGS 8
#define N_FLOORS 2
enum { LOOP_IN, LOOP_OUT, LOOP_OTHER, LOOPS };

static const char *const loop_names[LOOPS] = {
	"pread 4 KiB under a root",
	"pread 4 KiB outside the roots",
	"getppid (not watched)",
};

struct config {
	const char *name;
	struct sensor *sensor;        /* a family; NULL for none and floor */
	struct bpf_program *floor;    /* the floor program */
	const char *label;            /* a floor's row in the table */
	const char *of;               /* a floor: the family it is under */
	int over;                     /* a family's floor: its index in cfg, 0 for none */
	struct bpf_link *floor_link;
	double *ns[LOOPS];            /* per batch */
};

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static char buf[4096];

/* ns per call of one batch; < 0 on a failed call */
static double batch(int loop, int fd_in, int fd_out, long calls)
{
	double t0 = now_ns();

	for (long i = 0; i < calls; i++) {
		int ok;

		if (loop == LOOP_OTHER)
			ok = getppid() > 0;
		else
			ok = pread(loop == LOOP_IN ? fd_in : fd_out, buf, sizeof(buf), 0) ==
			     (ssize_t)sizeof(buf);
		if (!ok)
			return -1;
	}
	return (now_ns() - t0) / (double)calls;
}

static int attach(struct config *c)
{
	if (c->sensor)
		return sensor_bpf__attach(c->sensor->skel);
	if (c->floor) {
		c->floor_link = bpf_program__attach(c->floor);
		return c->floor_link ? 0 : -1;
	}
	return 0;
}

static void detach(struct config *c)
{
	if (c->sensor)
		sensor_bpf__detach(c->sensor->skel);
	if (c->floor_link) {
		bpf_link__destroy(c->floor_link);
		c->floor_link = NULL;
	}
}

/* The sys_exit program's run time per run, with stats on for one batch of
 * each loop. */
static int prog_ns(struct config *c, int fd_in, int fd_out, long calls, double *ns)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	struct bpf_program *p;
	int stats, err = -1;

	p = c->sensor ? (strcmp(c->name, "tp_btf") == 0   ? c->sensor->skel->progs.btf_sys_exit
			 : strcmp(c->name, "raw_tp") == 0 ? c->sensor->skel->progs.raw_sys_exit
							  : NULL)
		      : c->floor;
	if (!p)
		return -1;
	stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats < 0)
		return -1;
	if (attach(c) == 0) {
		__u64 t0, n0;

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) == 0) {
			t0 = info.run_time_ns;
			n0 = info.run_cnt;
			for (int loop = 0; loop < LOOPS; loop++)
				batch(loop, fd_in, fd_out, calls);
			memset(&info, 0, sizeof(info));
			len = sizeof(info);
			if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) == 0 &&
			    info.run_cnt > n0) {
				*ns = (double)(info.run_time_ns - t0) / (double)(info.run_cnt - n0);
				err = 0;
			}
		}
		detach(c);
	}
	close(stats);
	return err;
}

int main(int argc, char **argv)
{
	struct config cfg[MAX_CONFIGS] = {
		{ .name = "none" },
		{ .name = "floor", .label = "empty tp_btf sys_exit program (floor)", .of = "tp_btf" },
		{ .name = "floor_tp", .label = "empty sys_exit_pread64 program (tp_exit floor)",
		  .of = "tp_exit" },
	};
	int n = 1 + N_FLOORS, fd_in, fd_out;
	struct bpf_object *floor;
	const char *root;
	long calls, rounds;
	cpu_set_t one;

	if (argc < 8 || argc > 7 + MAX_CONFIGS - 1 - N_FLOORS) {
		fprintf(stderr, "usage: hookcost FLOOR_OBJ ROOT IN_FILE OUT_FILE CALLS ROUNDS FAMILY...\n");
		return 2;
	}
	gw_log_init("hookcost");
	gw_log_set_level(LOG_WARNING);
	root = argv[2];
	calls = atol(argv[5]);
	rounds = atol(argv[6]);
	if (calls <= 0 || rounds <= 0) {
		fprintf(stderr, "hookcost: CALLS and ROUNDS must be positive\n");
		return 2;
	}
	fd_in = open(argv[3], O_RDONLY);
	fd_out = open(argv[4], O_RDONLY);
	if (fd_in < 0 || fd_out < 0) {
		perror("hookcost: open");
		return 1;
	}
	floor = bpf_object__open_file(argv[1], NULL);
	if (!floor || bpf_object__load(floor)) {
		fprintf(stderr, "hookcost: cannot load %s\n", argv[1]);
		return 1;
	}
	cfg[1].floor = bpf_object__find_program_by_name(floor, "floor_sys_exit");
	cfg[2].floor = bpf_object__find_program_by_name(floor, "floor_tp_pread64");
	if (!cfg[1].floor || !cfg[2].floor) {
		fprintf(stderr, "hookcost: %s lacks a floor program\n", argv[1]);
		return 1;
	}
	for (int i = 7; i < argc; i++) {
		struct sensor_opts o = { .roots = &root, .nroots = 1, .max_counts = 10240,
					 .max_conns = 10240, .samples = 5, .hooks = argv[i] };

		cfg[n].name = argv[i];
		/* tp_exit runs no program at other syscalls: its floor is one
		 * enabled syscall tracepoint. fexit (a trampoline) has no floor
		 * here; the families at sys_exit sit on the tp_btf one. */
		cfg[n].over = strcmp(argv[i], "tp_exit") == 0 ? 2 : strcmp(argv[i], "fexit") == 0 ? 0 : 1;
		/* a refused family is one row of the table, not a log line */
		gw_log_set_level(LOG_CRIT);
		cfg[n].sensor = sensor__open(&o);
		gw_log_set_level(LOG_WARNING);
		if (!cfg[n].sensor) {
			printf("%-58s %s\n", argv[i], "skipped (the kernel refuses this hook family)");
			continue;
		}
		sensor_bpf__detach(cfg[n].sensor->skel);
		n++;
	}
	/* the loops on one CPU, so that they meet the same per-CPU slot */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	for (int c = 0; c < n; c++)
		for (int l = 0; l < LOOPS; l++)
			if (!(cfg[c].ns[l] = calloc((size_t)rounds, sizeof(double))))
				return 1;
	for (int l = 0; l < LOOPS; l++)
		batch(l, fd_in, fd_out, calls); /* warm up */
	for (long r = 0; r < rounds; r++) {
		for (int c = 0; c < n; c++) {
			if (attach(&cfg[c])) {
				fprintf(stderr, "hookcost: cannot attach %s\n", cfg[c].name);
				return 1;
			}
			for (int l = 0; l < LOOPS; l++) {
				cfg[c].ns[l][r] = batch(l, fd_in, fd_out, calls);
				if (cfg[c].ns[l][r] < 0) {
					fprintf(stderr, "hookcost: %s failed\n", loop_names[l]);
					return 1;
				}
			}
			detach(&cfg[c]);
		}
	}
	for (int c = 0; c < n; c++)
		for (int l = 0; l < LOOPS; l++)
			qsort(cfg[c].ns[l], (size_t)rounds, sizeof(double), cmp);
	for (int l = 0; l < LOOPS; l++) {
		double base = cfg[0].ns[l][0];
		char what[80];

		snprintf(what, sizeof(what), "%s, no sensor (min of %ld x %ld)", loop_names[l], rounds,
			 calls);
		printf("%-58s %.0f ns/call (median %.0f)\n", what, base, cfg[0].ns[l][rounds / 2]);
		for (int c = 1; c < n; c++) {
			double w = cfg[c].ns[l][0];

			if (cfg[c].label)
				snprintf(what, sizeof(what), "  %s: added", cfg[c].label);
			else
				snprintf(what, sizeof(what), "  with sensor (%s): added per call, ratio",
					 cfg[c].name);
			printf("%-58s %+.0f ns, %.3fx", what, w - base, w / base);
			if (cfg[c].over)
				printf("  (%+.0f ns over the %s floor)", w - cfg[cfg[c].over].ns[l][0],
				       cfg[cfg[c].over].of);
			printf("\n");
		}
	}
	for (int c = 1; c < n; c++) {
		double ns;

		if (prog_ns(&cfg[c], fd_in, fd_out, calls, &ns) == 0) {
			char what[80];

			snprintf(what, sizeof(what), "  program time per run, all three loops (%s)",
				 cfg[c].name);
			printf("%-58s %.0f ns (kernel BPF stats)\n", what, ns);
		}
	}
	for (int c = 1 + N_FLOORS; c < n; c++)
		sensor__free(cfg[c].sensor);
	bpf_object__close(floor);
	return 0;
}
