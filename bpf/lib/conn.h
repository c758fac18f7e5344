/* Counting connections per process x direction x remote in the conns map,
 * a new peer announced on first sight; and an accepted connection, counted
 * from the new fd's socket (shared by the accept programs of conns.bpf.c
 * and the sys_exit programs of reads.bpf.c, which see every syscall). */
#ifndef GW_BPF_LIB_CONN_H
#define GW_BPF_LIB_CONN_H

#include "lib/common.h"
#include "lib/events.h"
#include "lib/fdfile.h"

/* in_task: running in the process's own context (not a softirq). */
static __always_inline void count_conn(struct gw_conn_key *key, int ok, const char *comm, int in_task)
{
	struct gw_conn_val *v = bpf_map_lookup_elem(&conns, key);

	if (!v) {
		struct gw_conn_val zero = {};

		__builtin_memcpy(zero.comm, comm, sizeof(zero.comm));
		if (bpf_map_update_elem(&conns, key, &zero, BPF_NOEXIST) == 0)
			emit_new(GW_EV_NEW_PEER, key->tgid, 0, 0, key->start_ns, comm, in_task);
		v = bpf_map_lookup_elem(&conns, key);
		if (!v) {
			count_drop(GW_DROP_CONNS_FULL);
			return;
		}
	}
	if (ok)
		v->ok += 1;
	else
		v->failed += 1;
}

static __always_inline void v4_mapped(__u8 *dst, const __u8 *v4)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, v4, 4);
}

/* An accepted connection: the new fd's peer, counted for the accepting
 * (listening) process. */
static __always_inline int accept_exit(long fd)
{
	struct gw_conn_key key = {};
	struct socket *sock;
	struct file *file;
	struct sock *sk;
	char comm[16];
	__u16 family;
	__u32 daddr;

	if (fd < 0 || !(file = fd_file(fd)))
		return 0;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == AF_INET) {
		daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		v4_mapped(key.addr, (const __u8 *)&daddr);
	} else if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&key.addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		return 0;
	}
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.dir = GW_CONN_IN;
	key.start_ns = current_start_ns();
	process_comm(comm);
	count_conn(&key, 1, comm, 1);
	return 0;
}

#endif
