/* The sensor's shared state: the configuration the agent sets, and the
 * maps every unit reads or fills. Defined once, in bpf/maps.bpf.c (which
 * defines GW_MAPS_DEFINE); the other units see them as externs, which the
 * static link (bpftool gen object) resolves, so that the agent loads one
 * skeleton with one set of maps. Included through lib/common.h. */
#ifndef GW_BPF_LIB_MAPS_H
#define GW_BPF_LIB_MAPS_H

#ifdef GW_MAPS_DEFINE
#define GW_SHARED
#else
#define GW_SHARED extern
#endif

/* Set by the agent before load. */
#ifdef GW_MAPS_DEFINE
const volatile __u32 samples_per_window = 5;
#else
extern const volatile __u32 samples_per_window;
#endif
/* Bumped by the agent at each poll: sample budgets are per window. */
GW_SHARED __u64 window_id;
/* Bumped by the agent before it reads the counts; it then makes every CPU
 * run a read-family syscall, which flushes that CPU's slot (struct
 * gw_last). */
GW_SHARED __u64 flush_gen;
/* Set by the agent when it cannot run on every CPU to flush: each read is
 * then counted in the map at once. */
GW_SHARED __u32 count_direct;

/* A map shared by the units: its type named once, defined in one unit. */
#define GW_MAP(type, name) GW_SHARED struct type name SEC(".maps")

struct gw_map_roots {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GW_MAX_ROOTS);
	__type(key, struct gw_root_key);
	__type(value, struct gw_root_val);
};
GW_MAP(gw_map_roots, roots);

/* Devices of the roots and of every mount below them: a cheap first filter. */
struct gw_map_root_devs {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
};
GW_MAP(gw_map_root_devs, root_devs);

struct gw_map_verdicts {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct gw_verdict);
};
GW_MAP(gw_map_verdicts, verdicts);

/* Reads in flight, by thread (the classic entry+exit family only; the agent
 * shrinks it to one entry for the others). */
struct gw_map_pending {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct gw_pending);
};
GW_MAP(gw_map_pending, pending);

/* Inodes of object data (struct gw_member); sized by the agent. */
struct gw_map_members {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct gw_inode_key);
	__type(value, struct gw_member);
};
GW_MAP(gw_map_members, members);

struct gw_map_last {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gw_last);
};
GW_MAP(gw_map_last, last);

struct gw_map_reads {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct gw_read_key);
	__type(value, struct gw_read_val);
};
GW_MAP(gw_map_reads, reads);

/* Reads the reads map had no room for, per root x bucket (preallocated:
 * it takes entries while the reads map is full). */
struct gw_map_unattr {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct gw_unattr_key);
	__type(value, struct gw_unattr_val);
};
GW_MAP(gw_map_unattr, unattr);

/* Processes already announced as unattributed readers: tgid -> start_ns. */
struct gw_map_blinded {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
};
GW_MAP(gw_map_blinded, blinded);

struct gw_map_conns {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct gw_conn_key);
	__type(value, struct gw_conn_val);
};
GW_MAP(gw_map_conns, conns);

struct gw_map_connecting {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct gw_connecting);
};
GW_MAP(gw_map_connecting, connecting);

struct gw_map_budgets {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct gw_sample_budget);
};
GW_MAP(gw_map_budgets, budgets);

struct gw_map_events {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
};
GW_MAP(gw_map_events, events);

struct gw_map_drops {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GW_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
};
GW_MAP(gw_map_drops, drops);

/* A lost update (enum gw_drop), counted per CPU for the agent to export. */
static __always_inline void count_drops(__u32 what, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &what);

	if (v)
		*v += n;
}

static __always_inline void count_drop(__u32 what)
{
	count_drops(what, 1);
}

#endif
