// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* TCP connections per process x direction x remote, counted in the
 * kernel; a process's first connection to a remote goes to the ring buffer.
 *
 * Outbound: the socket state tracepoint, with every hook family. Inbound:
 * accept and accept4 at exit, one program per hook family (fexit, tp_exit,
 * tracepoint); tp_btf and raw_tp count them in their sys_exit programs
 * (reads.bpf.c). */
#include "lib/common.h"
#include "lib/conn.h"
#include "lib/hooks.h"

/* Outbound TCP connects: remembered at SYN_SENT (in the connecting process's
 * context), counted when the handshake ends either way. */
SEC("tracepoint/sock/inet_sock_set_state")
int tp_sock_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr;
	struct gw_connecting *c, start = {};
	struct gw_conn_key key = {};

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (ctx->newstate == TCP_SYN_SENT) {
		start.tgid = bpf_get_current_pid_tgid() >> 32;
		start.start_ns = current_start_ns();
		process_comm(start.comm);
		bpf_map_update_elem(&connecting, &sk, &start, BPF_ANY);
		return 0;
	}
	if (ctx->oldstate != TCP_SYN_SENT)
		return 0;
	c = bpf_map_lookup_elem(&connecting, &sk);
	if (!c)
		return 0;
	key.tgid = c->tgid;
	key.dir = GW_CONN_OUT;
	key.port = ctx->dport;
	key.start_ns = c->start_ns;
	/* Context fields are read at constant offsets: the verifier refuses
	 * pointer arithmetic on the tracepoint context. */
	if (ctx->family == AF_INET) {
		__u32 d4 = *(volatile __u32 *)ctx->daddr;

		v4_mapped(key.addr, (const __u8 *)&d4);
	} else {
		__u64 lo = *(volatile __u64 *)&ctx->daddr_v6[0];
		__u64 hi = *(volatile __u64 *)&ctx->daddr_v6[8];

		__builtin_memcpy(key.addr, &lo, 8);
		__builtin_memcpy(key.addr + 8, &hi, 8);
	}
	if (ctx->newstate == TCP_ESTABLISHED)
		count_conn(&key, 1, c->comm, 0);
	else if (ctx->newstate == TCP_CLOSE)
		count_conn(&key, 0, c->comm, 0);
	bpf_map_delete_elem(&connecting, &sk);
	return 0;
}

/* Inbound: fexit, tp_exit and tracepoint. */
GW_ACCEPT_SYSCALLS(ACCEPT_FX)
GW_ACCEPT_SYSCALLS(ACCEPT_TPX)
GW_ACCEPT_SYSCALLS(ACCEPT_TP)
