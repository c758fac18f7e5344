/* Host windows into the correlator: unexpected readers fire at once; the
 * gateway's reads, its storage endpoints, other processes connecting to
 * them and new clients go into the window's slot. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate_priv.h"

static uint64_t fnv(const char *s, uint64_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

struct finding *corr_finding(const struct correlator *c, const char *rule, const char *title,
			     int sev, double score, int64_t start_ms, int64_t end_ms,
			     const char *key)
{
	struct finding *f = calloc(1, sizeof(*f));
	const char *host = c->o.host_id ? c->o.host_id : "";
	char id[64], when[24];
	uint64_t h = fnv(rule, 1469598103934665603ull);

	if (!f)
		return NULL;
	snprintf(when, sizeof(when), "%" PRId64, start_ms);
	/* Two hosts of a fleet that share a key see different things: the
	 * host's id keeps their findings apart (no host id: as before). */
	if (*host)
		h = fnv(host, fnv("\x1f", h));
	snprintf(id, sizeof(id), "%s-%016" PRIx64, rule, fnv(when, fnv(key, h)));
	f->id = strdup(id);
	f->rule_id = rule;
	f->title = title;
	f->severity = sev;
	f->score = score;
	f->start_ms = start_ms;
	f->end_ms = end_ms;
	if (!f->id) {
		finding__free(f);
		return NULL;
	}
	return f;
}

int corr_add_proc_evidence(struct finding *f, const char *prefix, const struct corr_proc *p)
{
	char k[64];
	int err = 0;

	snprintf(k, sizeof(k), "%spid", prefix);
	err |= finding__add_evidence(f, k, "%" PRIu32, p->pid);
	snprintf(k, sizeof(k), "%sexe", prefix);
	err |= finding__add_evidence(f, k, "%s", p->exe[0] ? p->exe : "(unknown)");
	snprintf(k, sizeof(k), "%scomm", prefix);
	err |= finding__add_evidence(f, k, "%s", p->comm);
	snprintf(k, sizeof(k), "%suid", prefix);
	err |= finding__add_evidence(f, k, "%" PRIu32, p->uid);
	if (p->unit[0]) {
		snprintf(k, sizeof(k), "%sunit", prefix);
		err |= finding__add_evidence(f, k, "%s", p->unit);
	}
	return err ? -ENOMEM : 0;
}

/* Has this (process, bucket) fired within the last hour? Records it. */
static int recently_fired(struct correlator *c, const struct host_read *r, int64_t now)
{
	size_t i, oldest = 0;

	for (i = 0; i < c->nreaders; i++) {
		struct corr_reader *x = &c->readers[i];

		if (x->pid == r->proc.pid && x->start_ns == r->proc.start_ns &&
		    strcmp(x->bucket, r->bucket) == 0) {
			if (now - x->fired_ms < CORR_REFIRE_MS)
				return 1;
			x->fired_ms = now;
			return 0;
		}
		if (x->fired_ms < c->readers[oldest].fired_ms)
			oldest = i;
	}
	i = c->nreaders < CORR_MAX_READERS ? c->nreaders++ : oldest;
	c->readers[i].pid = r->proc.pid;
	c->readers[i].start_ns = r->proc.start_ns;
	snprintf(c->readers[i].bucket, sizeof(c->readers[i].bucket), "%s", r->bucket);
	c->readers[i].fired_ms = now;
	return 0;
}

static void unexpected_reader(struct correlator *c, const struct host_window *w,
			      const struct host_read *r)
{
	struct corr_proc p;
	struct finding *f;
	char key[300];
	int err = 0;

	if (recently_fired(c, r, w->end_ms))
		return;
	snprintf(key, sizeof(key), "%u/%" PRIu64 "/%s", r->proc.pid, r->proc.start_ns, r->bucket);
	f = corr_finding(c, "unexpected-reader", "Object data read by a process that is not the gateway",
			 GW_SEV_HIGH, host_read__bytes(r) >= (10u << 20) ? 90 : 80, w->start_ms, w->end_ms, key);
	if (!f) {
		c->stats.dropped++;
		return;
	}
	corr_copy_proc(&p, &r->proc);
	f->bucket = strdup(r->bucket);
	f->count = r->ops + r->mapped_ops;
	f->bytes = host_read__bytes(r);
	for (size_t i = 0; i < r->nsamples && i < GW_FINDING_MAX_SAMPLES; i++)
		if ((f->samples[f->nsamples] = strdup(r->samples[i])))
			f->nsamples++;
	f->mitre[f->nmitre++] = "T1005";
	f->mitre[f->nmitre++] = "T1039";
	err |= corr_add_proc_evidence(f, "", &p);
	err |= finding__add_evidence(f, "root", "%s", r->root);
	err |= finding__add_evidence(f, "read_ops", "%" PRIu64, r->ops);
	err |= finding__add_evidence(f, "read_bytes", "%" PRIu64, r->bytes);
	if (r->mapped_ops) {
		err |= finding__add_evidence(f, "mapped_ops", "%" PRIu64, r->mapped_ops);
		err |= finding__add_evidence(f, "mapped_bytes", "%" PRIu64, r->mapped_bytes);
	}
	err |= finding__add_evidence(f, "why", "not a gateway process nor on the allow list");
	if (err || !f->bucket) {
		finding__free(f);
		c->stats.dropped++;
		return;
	}
	corr_emit(c, f);
}

static void learn_endpoint(struct correlator *c, const struct host_conn *k)
{
	for (size_t i = 0; i < c->nendpoints; i++)
		if (c->endpoints[i].port == k->port && strcmp(c->endpoints[i].addr, k->addr) == 0)
			return;
	if (c->nendpoints == CORR_MAX_ENDPOINTS) {
		c->stats.dropped++;
		return;
	}
	snprintf(c->endpoints[c->nendpoints].addr, sizeof(c->endpoints[0].addr), "%s", k->addr);
	c->endpoints[c->nendpoints++].port = k->port;
}

static int is_endpoint(const struct correlator *c, const struct host_conn *k)
{
	for (size_t i = 0; i < c->nendpoints; i++)
		if (c->endpoints[i].port == k->port && strcmp(c->endpoints[i].addr, k->addr) == 0)
			return 1;
	return 0;
}

static void gateway_read(struct correlator *c, struct corr_slot *s, const struct host_read *r)
{
	struct corr_bucket *b = NULL;

	s->gateway_active = 1;
	for (size_t i = 0; i < s->nbuckets && !b; i++)
		if (strcmp(s->buckets[i].name, r->bucket) == 0)
			b = &s->buckets[i];
	if (!b && s->nbuckets < CORR_SLOT_BUCKETS && strlen(r->bucket) < sizeof(b->name)) {
		b = &s->buckets[s->nbuckets++];
		snprintf(b->name, sizeof(b->name), "%s", r->bucket);
	}
	if (!b) {
		c->stats.dropped++;
		return;
	}
	if (!b->host_ops || host_read__bytes(r) > b->host_bytes)
		corr_copy_proc(&b->gateway, &r->proc);
	b->host_ops += r->ops + r->mapped_ops;
	b->host_bytes += host_read__bytes(r);
}

static void other_connect(struct correlator *c, struct corr_slot *s, const struct host_conn *k)
{
	for (size_t i = 0; i < s->nothers; i++) {
		if (s->others[i].proc.pid == k->proc.pid && s->others[i].proc.start_ns == k->proc.start_ns) {
			s->others[i].connects += k->ok + k->failed;
			return;
		}
	}
	if (s->nothers == CORR_SLOT_OTHERS) {
		c->stats.dropped++;
		return;
	}
	corr_copy_proc(&s->others[s->nothers].proc, &k->proc);
	snprintf(s->others[s->nothers].addr, sizeof(s->others[0].addr), "%s", k->addr);
	s->others[s->nothers].port = k->port;
	s->others[s->nothers++].connects = k->ok + k->failed;
}

static void new_client(struct correlator *c, struct corr_slot *s, const struct host_conn *k,
		       int64_t now)
{
	int64_t last = corr_client_seen(c, k->addr, now);
	struct corr_newclient *n;

	if (last && now - last < c->o.client_ttl_ms)
		return;
	if (now - c->created_ms < c->o.learning_ms)
		return; /* still learning who the clients are */
	for (size_t i = 0; i < s->nnew; i++)
		if (strcmp(s->newc[i].addr, k->addr) == 0)
			return;
	if (s->nnew == CORR_SLOT_NEW) {
		c->stats.dropped++;
		return;
	}
	n = &s->newc[s->nnew++];
	memset(n, 0, sizeof(*n));
	snprintf(n->addr, sizeof(n->addr), "%s", k->addr);
	corr_copy_proc(&n->gateway, &k->proc);
	n->accepted = k->ok;
}

int correlator__host_window(struct correlator *c, const struct host_window *w)
{
	struct corr_slot *s = corr_slot(c, w->end_ms > w->start_ms ? w->end_ms - 1 : w->end_ms);

	c->stats.windows++;
	c->now_ms = w->end_ms;
	s->observed = 1;
	c->slots_dirty = 1;
	for (size_t i = 0; i < w->nconns; i++)
		if (!w->conns[i].inbound && corr_is_gateway(c, &w->conns[i].proc))
			learn_endpoint(c, &w->conns[i]);
	for (size_t i = 0; i < w->nreads; i++)
		if (corr_named(c) && corr_is_gateway(c, &w->reads[i].proc))
			gateway_read(c, s, &w->reads[i]);
	for (size_t i = 0; i < w->nconns; i++) {
		const struct host_conn *k = &w->conns[i];
		int gw = corr_is_gateway(c, &k->proc);

		if (gw)
			s->gateway_active = 1;
		if (!k->inbound && !gw && is_endpoint(c, k))
			other_connect(c, s, k);
		if (k->inbound && gw)
			new_client(c, s, k, w->end_ms);
	}
	for (size_t i = 0; detector__rule(i); i++)
		if (detector__rule(i)->window)
			detector__rule(i)->window(c, w);
	return 0;
}

static void unexpected_readers(struct correlator *c, const struct host_window *w)
{
	for (size_t i = 0; i < w->nreads && corr_named(c); i++)
		if (!corr_is_allowed(c, &w->reads[i].proc))
			unexpected_reader(c, w, &w->reads[i]);
}

const struct rule rule_unexpected_reader = {
	.id = "unexpected-reader",
	.window = unexpected_readers,
};
