/* See caps.h. capset(2) directly: the agent needs nothing else from libcap. */
#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int caps__drop_except(uint64_t keep)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];

	/* the bounding set first: dropping from it needs CAP_SETPCAP, which goes below */
	for (int cap = 0; cap <= 63; cap++) {
		if (keep & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL && errno != EPERM)
			return -errno;
	}
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

uint64_t caps__effective(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	uint64_t v = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "CapEff:", 7) == 0) {
			v = strtoull(line + 7, NULL, 16);
			break;
		}
	fclose(f);
	return v;
}

const char *caps__names(uint64_t set, char *buf, size_t size)
{
	/* capability(7) numbers, as in linux/capability.h */
	static const char *const names[] = {
		"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner",
		"cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap",
		"cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
		"cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
		"cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
		"cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
		"cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod",
		"cap_lease", "cap_audit_write", "cap_audit_control", "cap_setfcap",
		"cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
		"cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
		"cap_checkpoint_restore",
	};
	size_t off = 0;

	if (!size)
		return buf;
	buf[0] = '\0';
	for (unsigned i = 0; i < 64 && off < size; i++) {
		int n;

		if (!(set & (1ull << i)))
			continue;
		if (i < sizeof(names) / sizeof(names[0]))
			n = snprintf(buf + off, size - off, "%s%s", off ? ", " : "", names[i]);
		else
			n = snprintf(buf + off, size - off, "%scap_%u", off ? ", " : "", i);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (!off)
		snprintf(buf, size, "none");
	return buf;
}
