/* Counting a read against its process x root x bucket in the reads map:
 * the entry made (and the reader announced) on first sight, and reads the
 * map has no room for kept per root x bucket in the unattributed map, with
 * their reader announced once. count_key() fills the key of the current
 * process's read of a classified file. */
#ifndef GW_BPF_LIB_COUNTS_H
#define GW_BPF_LIB_COUNTS_H

#include "lib/common.h"
#include "lib/events.h"

/* Reads the reads map could not take: counted against their root and
 * bucket, never lost while the unattributed map has room. */
static __always_inline void count_unattr(const struct gw_read_key *key, __u64 ops, __u64 bytes,
					 __u64 errors)
{
	struct gw_unattr_key k = { .root_id = key->root_id, .bucket_ino = key->bucket_ino };
	struct gw_unattr_val *v = bpf_map_lookup_elem(&unattr, &k);

	count_drops(GW_DROP_COUNTS_FULL, ops + errors);
	if (!v) {
		struct gw_unattr_val zero = {};

		bpf_map_update_elem(&unattr, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&unattr, &k);
		if (!v) {
			count_drops(GW_DROP_UNATTR_FULL, ops + errors);
			return;
		}
	}
	v->ops += ops;
	v->bytes += bytes;
	v->errors += errors;
}

/* A reader the reads map has no room for: its identity to the ring buffer,
 * once per process. */
static __always_inline void announce_blinded(const struct gw_read_key *key, const char *comm)
{
	__u64 *seen = bpf_map_lookup_elem(&blinded, &key->tgid);

	if (seen && *seen == key->start_ns)
		return;
	bpf_map_update_elem(&blinded, &key->tgid, &key->start_ns, BPF_ANY);
	emit_new(GW_EV_UNATTRIBUTED, key->tgid, key->root_id, key->bucket_ino, key->start_ns, comm, 1);
}

/* The counts of key, created on first sight; in_task: the reading process
 * is current, so a new entry is announced with its identity (and so is a
 * reader the map has no room for). */
static __always_inline struct gw_read_val *count_entry(struct gw_read_key *key, int in_task)
{
	struct gw_read_val *v = bpf_map_lookup_elem(&reads, key);

	if (!v) {
		struct gw_read_val zero = {};

		if (in_task)
			process_comm(zero.comm);
		if (bpf_map_update_elem(&reads, key, &zero, BPF_NOEXIST) == 0 && in_task)
			emit_new(GW_EV_NEW_READER, key->tgid, key->root_id, key->bucket_ino,
				 key->start_ns, zero.comm, 1);
		v = bpf_map_lookup_elem(&reads, key);
		if (!v && in_task)
			announce_blinded(key, zero.comm);
	}
	return v;
}

/* One read that returned ret (bytes, or a negative errno). */
static __always_inline void count_read(struct gw_read_key *key, long ret)
{
	struct gw_read_val *v = count_entry(key, 1);

	if (!v) {
		count_unattr(key, ret >= 0, ret >= 0 ? ret : 0, ret < 0);
		return;
	}
	if (ret >= 0) {
		v->ops += 1;
		v->bytes += ret;
	} else {
		v->errors += 1;
	}
}

/* The key of task's read of a file classify() placed in p. */
static __always_inline void count_key(struct gw_read_key *key, struct task_struct *task,
				      const struct gw_pending *p)
{
	key->tgid = task->tgid;
	key->root_id = p->root_id;
	key->bucket_ino = p->bucket_ino;
	key->start_ns = task->group_leader->start_boottime;
}

#endif
