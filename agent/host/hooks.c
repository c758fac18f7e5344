/* See hooks.h. Each family's programs are listed once here, by handle;
 * the read-family and accept syscalls by the same lists as the kernel side
 * (GW_READ_SYSCALLS, GW_ACCEPT_SYSCALLS in reads.h). */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

int hooks__select(struct sensor_bpf *skel, int fam, const struct hook_kernel *k)
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
	if (!k->uring)
		bpf_program__set_autoload(skel->progs.tp_uring_complete, false);
	if (!k->task_btf || !k->task_regs) {
		bpf_program__set_autoload(skel->progs.mm_exit_mmap, false);
		bpf_program__set_autoload(skel->progs.mm_exit_io_submit, false);
	}
	if (!k->task_btf || !k->task_regs || !k->find_vma)
		bpf_program__set_autoload(skel->progs.mm_exit_mremap, false);
	return 0;
}

static int has_helper(enum bpf_func_id id)
{
	/* libbpf cannot probe the helpers of fexit and tp_btf programs
	 * (BPF_PROG_TYPE_TRACING); the ones asked for here are offered to
	 * every tracing program type alike, so the tracepoint type answers */
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, id, NULL) == 1;
}

static int has_type(const struct hook_kernel *k, const char *name, int kind)
{
	return btf__find_by_name_kind(k->btf, name, kind) >= 0;
}

int hooks__probe_kernel(struct hook_kernel *k)
{
	memset(k, 0, sizeof(*k));
	k->btf = btf__load_vmlinux_btf();
	if (!k->btf) {
		log_err("this kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE programs cannot load");
		return -ENOTSUP;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1) {
		log_err("this kernel has no BPF ring buffer (Linux 5.8 or later has it)");
		hooks__kernel_free(k);
		return -ENOTSUP;
	}
	k->tracepoint = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACEPOINT, NULL) == 1;
	k->raw_tp = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL) == 1;
	k->task_btf = has_helper(BPF_FUNC_get_current_task_btf);
	k->task_regs = has_helper(BPF_FUNC_task_pt_regs);
	k->find_vma = has_helper(BPF_FUNC_find_vma);
	k->uring = has_type(k, "trace_event_raw_io_uring_complete", BTF_KIND_STRUCT);
	if (!k->uring)
		log_info("this kernel has no io_uring: io_uring reads are not watched");
	if (!k->task_btf || !k->task_regs)
		log_info("this kernel has no bpf_task_pt_regs helper: mmap and AIO reads are not watched");
	else if (!k->find_vma)
		log_info("this kernel has no bpf_find_vma helper: mremap growth is not watched");
	return 0;
}

void hooks__kernel_free(struct hook_kernel *k)
{
	btf__free(k->btf);
	k->btf = NULL;
}

#if defined(__aarch64__)
#define PROBE_FUNC "__arm64_sys_copy_file_range"
#else
#define PROBE_FUNC "__x64_sys_copy_file_range"
#endif

/* Can a tracing program of this attach type load and attach on target
 * here? A two-instruction program, loaded, attached and dropped: one clear
 * answer instead of the loader's complaints about every program. */
static int probe_tracing(enum bpf_attach_type type, const char *target)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .expected_attach_type = type);
	int id = libbpf_find_vmlinux_btf_id(target, type);
	int fd, link, err = 0;

	if (id < 0)
		return id;
	lo.attach_btf_id = (uint32_t)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &lo);
	if (fd < 0)
		return -errno;
	link = type == BPF_TRACE_RAW_TP ? bpf_raw_tracepoint_open(NULL, fd)
					: bpf_link_create(fd, 0, type, NULL);
	if (link < 0)
		err = -errno;
	else
		close(link);
	close(fd);
	return err;
}

/* The first of fam's needs that k lacks, or NULL. */
static const char *missing(int fam, const struct hook_kernel *k)
{
	switch (fam) {
	case HOOK_FEXIT:
	case HOOK_TP_BTF:
		return !k->task_btf ? "no bpf_get_current_task_btf helper" : NULL;
	case HOOK_TP_EXIT:
		if (!k->tracepoint || !has_type(k, "trace_event_raw_sys_exit", BTF_KIND_STRUCT))
			return "no syscall tracepoints";
		return !k->task_btf || !k->task_regs ? "no bpf_task_pt_regs helper" : NULL;
	case HOOK_RAW_TP:
		return !k->raw_tp ? "no raw tracepoint programs" : NULL;
	case HOOK_TRACEPOINT:
		if (!k->tracepoint || !has_type(k, "trace_event_raw_sys_enter", BTF_KIND_STRUCT))
			return "no syscall tracepoints";
		return NULL;
	}
	return "unknown hook family";
}

int hooks__probe(int fam, const struct hook_kernel *k, char *why, size_t size)
{
	const char *lack = missing(fam, k);
	int err = 0;

	if (lack) {
		snprintf(why, size, "%s", lack);
		return -ENOTSUP;
	}
	if (fam == HOOK_FEXIT)
		err = probe_tracing(BPF_TRACE_FEXIT, PROBE_FUNC);
	else if (fam == HOOK_TP_BTF)
		err = probe_tracing(BPF_TRACE_RAW_TP, "sys_exit");
	if (err)
		snprintf(why, size, "cannot attach to %s: %s", fam == HOOK_FEXIT ? PROBE_FUNC : "sys_exit",
			 strerror(-err));
	return err;
}
