/* The hook family tables against the sensor's object: every program is in
 * exactly one table, each family enables its own programs (named by the
 * family's prefix) and those of every family, and nothing else. Opens the
 * skeleton only: no kernel, no root. */
#include <stdbool.h>
#include <string.h>

#include "assert.h"
#include "host/hooks.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "sensor.skel.h"
#pragma GCC diagnostic pop

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The family a program's name says it belongs to; -1 for every family. */
static int named_family(const char *name)
{
	if (starts(name, "fx_"))
		return HOOK_FEXIT;
	if (starts(name, "tpx_"))
		return HOOK_TP_EXIT;
	if (starts(name, "btf_"))
		return HOOK_TP_BTF;
	if (starts(name, "raw_"))
		return HOOK_RAW_TP;
	if (starts(name, "tp_enter_") || starts(name, "tp_exit_"))
		return HOOK_TRACEPOINT;
	return -1;
}

TEST(hooks_enable_each_family_by_handle)
{
	struct hook_kernel all = { .tracepoint = 1, .raw_tp = 1, .task_btf = 1, .task_regs = 1,
				   .find_vma = 1, .uring = 1 };
	struct hook_kernel old = { .tracepoint = 1, .raw_tp = 1, .task_btf = 1 };
	struct sensor_bpf *skel = sensor_bpf__open();
	struct bpf_program *p;
	int on[HOOK_FAMILIES] = { 0 };

	ASSERT(skel != NULL);
	for (int fam = 0; fam < HOOK_FAMILIES; fam++) {
		ASSERT_EQ_INT(fam, hooks__find(hooks__name(fam)));
		ASSERT_EQ_INT(0, hooks__select(skel, fam, &all));
		bpf_object__for_each_program(p, skel->obj) {
			int want = named_family(bpf_program__name(p));
			bool should = want < 0 || want == fam;

			if (bpf_program__autoload(p) != should) {
				sensor_bpf__destroy(skel);
				FAIL_AT("family %s: program %s autoload %d", hooks__name(fam),
					bpf_program__name(p), !should);
			}
			on[fam] += should;
		}
	}
	/* 8 read-family syscalls and 2 accepts; tracepoint has entry and exit
	 * programs for reads; 5 programs load with every family */
	ASSERT_EQ_INT(10 + 5, on[HOOK_FEXIT]);
	ASSERT_EQ_INT(10 + 5, on[HOOK_TP_EXIT]);
	ASSERT_EQ_INT(1 + 5, on[HOOK_TP_BTF]);
	ASSERT_EQ_INT(1 + 5, on[HOOK_RAW_TP]);
	ASSERT_EQ_INT(18 + 5, on[HOOK_TRACEPOINT]);
	ASSERT_EQ_INT(-1, hooks__find("kprobe"));
	/* a kernel without io_uring nor bpf_task_pt_regs: those programs stay
	 * out, the rest of every family loads */
	ASSERT_EQ_INT(0, hooks__select(skel, HOOK_TP_BTF, &old));
	ASSERT(!bpf_program__autoload(skel->progs.tp_uring_complete));
	ASSERT(!bpf_program__autoload(skel->progs.mm_exit_mmap));
	ASSERT(!bpf_program__autoload(skel->progs.mm_exit_mremap));
	ASSERT(!bpf_program__autoload(skel->progs.mm_exit_io_submit));
	ASSERT(bpf_program__autoload(skel->progs.tp_sock_state));
	ASSERT(bpf_program__autoload(skel->progs.btf_sys_exit));
	sensor_bpf__destroy(skel);
}
