/* See hooks.h. Each family's programs are listed once here, by handle;
 * the read-family and accept syscalls by the same lists as the kernel side
 * (GW_READ_SYSCALLS, GW_ACCEPT_SYSCALLS in reads.h). */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "hooks.h"
#include "lib/log.h"
#include "reads.h"
/* The generated skeleton casts away const in its embedded object. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "sensor.skel.h"
#pragma GCC diagnostic pop

/* A program of the skeleton by name: offsetof fails to compile for a name
 * the object does not have. */
#define PROG(name) offsetof(struct sensor_bpf, progs.name)

#define FX_READ(name, fdarg) PROG(fx_exit_##name),
#define FX_ACCEPT(name) PROG(fx_exit_##name),
#define TPX_READ(name, fdarg) PROG(tpx_exit_##name),
#define TPX_ACCEPT(name) PROG(tpx_exit_##name),
#define TP_READ(name, fdarg) PROG(tp_enter_##name), PROG(tp_exit_##name),
#define TP_ACCEPT(name) PROG(tp_exit_##name),

static const size_t progs_fexit[] = { GW_READ_SYSCALLS(FX_READ) GW_ACCEPT_SYSCALLS(FX_ACCEPT) };
static const size_t progs_tp_exit[] = { GW_READ_SYSCALLS(TPX_READ) GW_ACCEPT_SYSCALLS(TPX_ACCEPT) };
static const size_t progs_tp_btf[] = { PROG(btf_sys_exit) };
static const size_t progs_raw_tp[] = { PROG(raw_sys_exit) };
static const size_t progs_tracepoint[] = { GW_READ_SYSCALLS(TP_READ) GW_ACCEPT_SYSCALLS(TP_ACCEPT) };
/* With every family; the io_uring one last (left out where the kernel has
 * no io_uring). */
static const size_t progs_all[] = {
	PROG(tp_sock_state), PROG(mm_exit_mmap), PROG(mm_exit_mremap), PROG(mm_exit_io_submit),
	PROG(tp_uring_complete),
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	const size_t *progs;
	size_t n;
} families[HOOK_FAMILIES] = {
	[HOOK_FEXIT] = { "fexit", progs_fexit, N_OF(progs_fexit) },
	[HOOK_TP_EXIT] = { "tp_exit", progs_tp_exit, N_OF(progs_tp_exit) },
	[HOOK_TP_BTF] = { "tp_btf", progs_tp_btf, N_OF(progs_tp_btf) },
	[HOOK_RAW_TP] = { "raw_tp", progs_raw_tp, N_OF(progs_raw_tp) },
	[HOOK_TRACEPOINT] = { "tracepoint", progs_tracepoint, N_OF(progs_tracepoint) },
};

const char *hooks__name(int fam)
{
	return fam >= 0 && fam < HOOK_FAMILIES ? families[fam].name : NULL;
}

int hooks__find(const char *name)
{
	for (int fam = 0; fam < HOOK_FAMILIES; fam++)
		if (strcmp(name, families[fam].name) == 0)
			return fam;
	return -1;
}

static struct bpf_program *prog_at(struct sensor_bpf *skel, size_t off)
{
	return *(struct bpf_program **)((char *)skel + off);
}

/* How many tables list p (the families' and progs_all). */
static int claims(struct sensor_bpf *skel, const struct bpf_program *p)
{
	int n = 0;

	for (int fam = 0; fam < HOOK_FAMILIES; fam++)
		for (size_t i = 0; i < families[fam].n; i++)
			n += prog_at(skel, families[fam].progs[i]) == p;
	for (size_t i = 0; i < N_OF(progs_all); i++)
		n += prog_at(skel, progs_all[i]) == p;
	return n;
}

int hooks__select(struct sensor_bpf *skel, int fam, int uring)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, skel->obj) {
		int n = claims(skel, p);

		if (n != 1) {
			log_err("BPF program %s is in %d hook family tables, not one", bpf_program__name(p), n);
			return -EINVAL;
		}
		bpf_program__set_autoload(p, false);
	}
	for (size_t i = 0; i < families[fam].n; i++)
		bpf_program__set_autoload(prog_at(skel, families[fam].progs[i]), true);
	for (size_t i = 0; i < N_OF(progs_all); i++)
		bpf_program__set_autoload(prog_at(skel, progs_all[i]), true);
	/* io_uring may be built out of the kernel */
	if (!uring)
		bpf_program__set_autoload(skel->progs.tp_uring_complete, false);
	return 0;
}
