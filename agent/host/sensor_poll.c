/* Windows: the kernel's cumulative counts turned into per-window deltas,
 * with the identity of each process and the window's sample objects. */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "sensor_priv.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "sensor.skel.h"
#pragma GCC diagnostic pop

static uint64_t ns_to_ticks(const struct sensor *s, uint64_t ns)
{
	return ns / (1000000000ull / (uint64_t)s->clk_tck);
}

/* Identity of (tgid, start), fresh from /proc or kept from its first read. */
int sensor__fill_proc(struct sensor *s, uint32_t tgid, uint64_t start_ns, const char *comm,
		      struct host_proc *p)
{
	uint64_t ticks = ns_to_ticks(s, start_ns);
	struct procinfo pi;

	/* a connection first seen outside its process has no comm from the
	 * kernel: the process's own, when it is still the same process */
	if (proc_cache__lookup(s->procs, tgid, ticks, &pi) == 0 && !comm[0])
		comm = pi.comm;
	p->pid = tgid;
	p->uid = pi.uid;
	p->start_time = ticks;
	p->start_ns = start_ns;
	p->comm = strpool__intern_str(s->pool, comm);
	p->exe = strpool__intern_str(s->pool, pi.exe);
	p->unit = strpool__intern_str(s->pool, pi.unit);
	return p->comm && p->exe && p->unit ? 0 : -ENOMEM;
}

static int grow(void **rows, size_t *cap, size_t n, size_t size)
{
	void *r;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	r = realloc(*rows, c * size);
	if (!r)
		return -ENOMEM;
	*rows = r;
	*cap = c;
	return 0;
}

static int sample_cmp(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->root_id != y->root_id)
		return x->root_id < y->root_id ? -1 : 1;
	if (x->bucket_ino != y->bucket_ino)
		return x->bucket_ino < y->bucket_ino ? -1 : 1;
	return 0;
}

static void attach_samples(struct sensor *s, struct host_read *r, const struct gw_read_key *k)
{
	struct sample key = { .tgid = k->tgid, .root_id = k->root_id,
			      .bucket_ino = k->bucket_ino, .start_ns = k->start_ns };
	struct sample *m = bsearch(&key, s->samples, s->nsamples, sizeof(*m), sample_cmp);

	r->nsamples = 0;
	if (!m)
		return;
	while (m > s->samples && sample_cmp(m - 1, &key) == 0)
		m--;
	for (; m < s->samples + s->nsamples && sample_cmp(m, &key) == 0; m++) {
		size_t i;

		for (i = 0; i < r->nsamples && strcmp(r->samples[i], m->path) != 0; i++)
			;
		if (i == r->nsamples && r->nsamples < HOST_MAX_SAMPLES)
			r->samples[r->nsamples++] = m->path;
	}
}

/* Sum one key's per-CPU values into out[0..3) (+ comm). */
static int sum_percpu(struct sensor *s, struct bpf_map *map, const void *key, size_t key_size,
		      int is_read, uint64_t out[COUNT_VALS], char comm[16])
{
	size_t vsize = is_read ? sizeof(struct gw_read_val) : sizeof(struct gw_conn_val);

	memset(out, 0, COUNT_VALS * sizeof(*out));
	comm[0] = '\0';
	if (bpf_map__lookup_elem(map, key, key_size, s->vals, vsize * (size_t)s->ncpus, 0))
		return -errno;
	for (int c = 0; c < s->ncpus; c++) {
		const char *cc;

		if (is_read) {
			const struct gw_read_val *v = (const struct gw_read_val *)s->vals + c;

			out[0] += v->ops;
			out[1] += v->bytes;
			out[2] += v->errors;
			out[3] += v->mapped_ops;
			out[4] += v->mapped_bytes;
			cc = v->comm;
		} else {
			const struct gw_conn_val *v = (const struct gw_conn_val *)s->vals + c;

			out[0] += v->ok;
			out[1] += v->failed;
			cc = v->comm;
		}
		if (!comm[0] && cc[0]) {
			memcpy(comm, cc, 15);
			comm[15] = '\0';
		}
	}
	return 0;
}

/* Delta of a key since the last poll; 1 when something changed. */
static int delta(struct sensor *s, struct count_table *t, const void *key,
		 const uint64_t cur[COUNT_VALS], uint64_t d[COUNT_VALS])
{
	struct count_entry *e = count_table__get(t, key);
	int changed = 0;

	if (!e)
		return -ENOSPC;
	for (int i = 0; i < COUNT_VALS; i++) {
		d[i] = cur[i] - e->v[i];
		e->v[i] = cur[i];
		changed |= d[i] != 0;
	}
	e->seen = s->gen;
	return changed;
}

static int read_row(struct sensor *s, const struct gw_read_key *k, size_t *n, int *dead)
{
	uint64_t cur[COUNT_VALS], d[COUNT_VALS];
	struct host_read *r;
	char comm[16], bucket[256] = "";
	int err;

	/* Death first: a process found dead has made all its reads, so its
	 * entry can go once this window has them. */
	*dead = !proc_alive(k->tgid, ns_to_ticks(s, k->start_ns));
	err = sum_percpu(s, s->skel->maps.reads, k, sizeof(*k), 1, cur, comm);
	if (err)
		return err == -ENOENT ? 0 : err;
	err = delta(s, &s->prev_reads, k, cur, d);
	if (err <= 0)
		return err;
	if (grow((void **)&s->rows, &s->cap_rows, *n, sizeof(*s->rows)))
		return -ENOMEM;
	r = &s->rows[*n];
	if (sensor__fill_proc(s, k->tgid, k->start_ns, comm, &r->proc))
		return -ENOMEM;
	if (k->bucket_ino && k->root_id < s->nroots)
		dir_name_by_ino(s->roots[k->root_id].fd, k->bucket_ino, bucket, sizeof(bucket));
	r->root = k->root_id < s->nroots ? s->roots[k->root_id].path : "";
	r->bucket = strpool__intern_str(s->pool, bucket);
	if (!r->bucket)
		return -ENOMEM;
	r->ops = d[0];
	r->bytes = d[1];
	r->errors = d[2];
	r->mapped_ops = d[3];
	r->mapped_bytes = d[4];
	attach_samples(s, r, k);
	(*n)++;
	return 0;
}

static const char *format_addr(struct sensor *s, const uint8_t addr[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char buf[INET6_ADDRSTRLEN];

	if (memcmp(addr, mapped, sizeof(mapped)) == 0)
		inet_ntop(AF_INET, addr + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, addr, buf, sizeof(buf));
	return strpool__intern_str(s->pool, buf);
}

static int conn_row(struct sensor *s, const struct gw_conn_key *k, size_t *n, int *dead)
{
	uint64_t cur[COUNT_VALS], d[COUNT_VALS];
	struct host_conn *c;
	char comm[16];
	int err;

	*dead = !proc_alive(k->tgid, ns_to_ticks(s, k->start_ns));
	err = sum_percpu(s, s->skel->maps.conns, k, sizeof(*k), 0, cur, comm);
	if (err)
		return err == -ENOENT ? 0 : err;
	err = delta(s, &s->prev_conns, k, cur, d);
	if (err <= 0)
		return err;
	if (grow((void **)&s->crows, &s->cap_crows, *n, sizeof(*s->crows)))
		return -ENOMEM;
	c = &s->crows[*n];
	if (sensor__fill_proc(s, k->tgid, k->start_ns, comm, &c->proc))
		return -ENOMEM;
	c->inbound = k->dir == GW_CONN_IN;
	c->addr = format_addr(s, k->addr);
	if (!c->addr)
		return -ENOMEM;
	c->port = k->port;
	c->ok = d[0];
	c->failed = d[1];
	(*n)++;
	return 0;
}

/* Walk a counts map; entries of processes that are gone are deleted after
 * this window reported them. */
static int poll_map(struct sensor *s, struct bpf_map *map, size_t key_size, int is_read,
		    size_t *nrows)
{
	uint8_t key[COUNT_KEY_MAX], next[COUNT_KEY_MAX], *dead = NULL;
	size_t ndead = 0, capdead = 0;
	void *prevp = NULL;
	int err = 0, is_dead;

	while (bpf_map__get_next_key(map, prevp, next, key_size) == 0) {
		memcpy(key, next, key_size);
		prevp = key;
		is_dead = 0;
		err = is_read ? read_row(s, (const struct gw_read_key *)key, nrows, &is_dead)
			      : conn_row(s, (const struct gw_conn_key *)key, nrows, &is_dead);
		if (err < 0) {
			s->agent_drops++;
			continue;
		}
		if (is_dead && grow((void **)&dead, &capdead, ndead, key_size) == 0)
			memcpy(dead + key_size * ndead++, key, key_size);
	}
	for (size_t i = 0; i < ndead; i++)
		bpf_map__delete_elem(map, dead + key_size * i, key_size, 0);
	free(dead);
	return err;
}

static void poll_drops(struct sensor *s, struct host_window *w)
{
	uint64_t vals[s->ncpus];

	for (__u32 k = 0; k < GW_DROP_MAX; k++) {
		uint64_t total = 0;

		if (bpf_map__lookup_elem(s->skel->maps.drops, &k, sizeof(k), vals, sizeof(vals), 0))
			continue;
		for (int c = 0; c < s->ncpus; c++)
			total += vals[c];
		w->drops[k] = total - s->drops_prev[k];
		s->drops_prev[k] = total;
	}
	w->drops[HOST_DROP_AGENT] = s->agent_drops;
	s->agent_drops = 0;
}

static int read_cmp(const void *a, const void *b)
{
	const struct host_read *x = a, *y = b;
	int c;

	if (x->proc.pid != y->proc.pid)
		return x->proc.pid < y->proc.pid ? -1 : 1;
	if (x->proc.start_ns != y->proc.start_ns)
		return x->proc.start_ns < y->proc.start_ns ? -1 : 1;
	c = strcmp(x->root, y->root);
	return c ? c : strcmp(x->bucket, y->bucket);
}

static int conn_cmp(const void *a, const void *b)
{
	const struct host_conn *x = a, *y = b;

	if (x->proc.pid != y->proc.pid)
		return x->proc.pid < y->proc.pid ? -1 : 1;
	if (x->proc.start_ns != y->proc.start_ns)
		return x->proc.start_ns < y->proc.start_ns ? -1 : 1;
	if (x->inbound != y->inbound)
		return x->inbound - y->inbound;
	return strcmp(x->addr, y->addr);
}

/* The processes announced for one root x bucket's unattributed reads. */
static int unattr_procs(struct sensor *s, struct host_unattr *u, const struct gw_unattr_key *k)
{
	for (size_t i = 0; i < s->nblinded; i++) {
		const struct blinded *b = &s->blinded[i];

		if (b->root_id != k->root_id || b->bucket_ino != k->bucket_ino)
			continue;
		if (u->nprocs == HOST_UNATTR_PROCS)
			break;
		if (sensor__fill_proc(s, b->tgid, b->start_ns, b->comm, &u->procs[u->nprocs]))
			return -ENOMEM;
		u->nprocs++;
	}
	return 0;
}

static int unattr_row(struct sensor *s, const struct gw_unattr_key *k, size_t *n)
{
	uint64_t cur[COUNT_VALS] = { 0 }, d[COUNT_VALS];
	struct gw_unattr_val *v = s->vals;
	struct host_unattr *u;
	char bucket[256] = "";
	int err;

	if (bpf_map__lookup_elem(s->skel->maps.unattr, k, sizeof(*k), v, sizeof(*v) * (size_t)s->ncpus, 0))
		return errno == ENOENT ? 0 : -errno;
	for (int c = 0; c < s->ncpus; c++) {
		cur[0] += v[c].ops;
		cur[1] += v[c].bytes;
		cur[2] += v[c].errors;
	}
	err = delta(s, &s->prev_unattr, k, cur, d);
	if (err <= 0)
		return err;
	if (grow((void **)&s->urows, &s->cap_urows, *n, sizeof(*s->urows)))
		return -ENOMEM;
	u = &s->urows[*n];
	memset(u, 0, sizeof(*u));
	if (k->bucket_ino && k->root_id < s->nroots)
		dir_name_by_ino(s->roots[k->root_id].fd, k->bucket_ino, bucket, sizeof(bucket));
	u->root = k->root_id < s->nroots ? s->roots[k->root_id].path : "";
	u->bucket = strpool__intern_str(s->pool, bucket);
	if (!u->bucket || unattr_procs(s, u, k))
		return -ENOMEM;
	u->ops = d[0];
	u->bytes = d[1];
	u->errors = d[2];
	(*n)++;
	return 0;
}

/* The unattributed map only grows (a root x bucket stays a key): its
 * entries are cumulative and never deleted. */
void sensor__poll_unattr(struct sensor *s, struct host_window *w)
{
	struct gw_unattr_key key, next, *prevp = NULL;
	size_t n = 0;

	while (bpf_map__get_next_key(s->skel->maps.unattr, prevp, &next, sizeof(next)) == 0) {
		key = next;
		prevp = &key;
		if (unattr_row(s, &key, &n) < 0)
			s->agent_drops++;
	}
	s->nblinded = 0;
	w->unattr = s->urows;
	w->nunattr = n;
}

void sensor__setup_slots(struct sensor *s)
{
	s->slots = 0;
	/* the classic tracepoints count each read at its exit */
	if (strcmp(s->hooks, "tracepoint") == 0)
		return;
	if (sched_getaffinity(0, sizeof(s->cpus), &s->cpus) < 0 || CPU_COUNT(&s->cpus) < get_nprocs()) {
		log_info("the agent may not run on every CPU: reads are counted one by one");
		s->skel->bss->count_direct = 1;
		return;
	}
	s->slots = 1;
}

/* Make every CPU move the reads gathered in its slot to the reads map: a
 * new flush generation, then a read-family syscall (on no file) on each
 * CPU. Where the agent can no longer go, reads are counted one by one from
 * now on, and that CPU's slot is flushed by its next read. */
static void flush_slots(struct sensor *s)
{
	cpu_set_t one;

	if (!s->slots)
		return;
	__atomic_add_fetch(&s->skel->bss->flush_gen, 1, __ATOMIC_SEQ_CST);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &s->cpus))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) < 0) {
			log_warn("failed to run on CPU %d to collect its reads (%s): counting reads one by one",
				 cpu, strerror(errno));
			__atomic_store_n(&s->skel->bss->count_direct, 1, __ATOMIC_SEQ_CST);
			s->slots = 0;
			break;
		}
		/* EBADF, after the sensor has seen a read on this CPU */
		(void)syscall(SYS_read, -1, NULL, 0);
	}
	if (sched_setaffinity(0, sizeof(s->cpus), &s->cpus) < 0)
		log_warn("failed to restore the agent's CPU affinity: %s", strerror(errno));
}

int sensor__poll(struct sensor *s, struct host_window *w)
{
	struct strpool *fresh = strpool__new();
	size_t nreads = 0, nconns = 0;

	memset(w, 0, sizeof(*w));
	w->hooks = s->hooks;
	if (!fresh)
		return -ENOMEM;
	/* the samples gathered so far belong to this window */
	strpool__free(s->pool);
	s->pool = s->next_pool;
	s->next_pool = fresh;
	s->gen++;
	s->skel->bss->window_id = s->gen;
	w->start_ms = s->last_poll_ms;
	w->end_ms = gw_wall_ms();
	s->last_poll_ms = w->end_ms;
	sensor__refresh_mounts(s);
	flush_slots(s);
	/* the announcements and samples made before the flush belong to this window */
	ring_buffer__consume(s->events);
	qsort(s->samples, s->nsamples, sizeof(*s->samples), sample_cmp);
	poll_map(s, s->skel->maps.reads, sizeof(struct gw_read_key), 1, &nreads);
	poll_map(s, s->skel->maps.conns, sizeof(struct gw_conn_key), 0, &nconns);
	sensor__poll_unattr(s, w);
	s->nsamples = 0;
	count_table__sweep(&s->prev_reads, s->gen);
	count_table__sweep(&s->prev_conns, s->gen);
	poll_drops(s, w);
	qsort(s->rows, nreads, sizeof(*s->rows), read_cmp);
	qsort(s->crows, nconns, sizeof(*s->crows), conn_cmp);
	w->reads = s->rows;
	w->nreads = nreads;
	w->conns = s->crows;
	w->nconns = nconns;
	w->reads_used = (uint32_t)s->prev_reads.count;
	w->reads_max = s->max_counts;
	w->conns_used = (uint32_t)s->prev_conns.count;
	w->conns_max = s->max_conns;
	return 0;
}
