/* Judging a slot once its audit log is in: unaudited reads, the gateway's
 * credential used elsewhere, and what new clients did. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate_priv.h"


static void emit_or_drop(struct correlator *c, struct finding *f, int err)
{
	if (err) {
		finding__free(f);
		c->stats.dropped++;
		return;
	}
	corr_emit(c, f);
}

static void unaudited(struct correlator *c, const struct corr_slot *s, const struct corr_bucket *b)
{
	int64_t end = s->start_ms + c->slot_ms;
	struct finding *f;
	int err = 0;

	if (b->host_bytes < c->o.unaudited_min_bytes ||
	    (double)b->host_bytes <= (double)b->audit_bytes * c->o.unaudited_ratio)
		return;
	/* reads were logged, but without sizes: nothing to compare */
	if (b->audit_reads && !b->audit_bytes)
		return;
	f = corr_finding(c, "unaudited-reads", "Object data read on the gateway that no audit log accounts for",
			 GW_SEV_HIGH, b->audit_reads ? 65 : 75, s->start_ms, end, b->name);
	if (!f) {
		c->stats.dropped++;
		return;
	}
	f->bucket = strdup(b->name);
	f->count = b->host_ops;
	f->bytes = b->host_bytes;
	f->mitre[f->nmitre++] = "T1005";
	f->mitre[f->nmitre++] = "T1562.008";
	err |= !f->bucket;
	err |= finding__add_evidence(f, "host_read_bytes", "%" PRIu64, b->host_bytes);
	err |= finding__add_evidence(f, "host_read_ops", "%" PRIu64, b->host_ops);
	err |= finding__add_evidence(f, "audit_object_reads", "%" PRIu64, b->audit_reads);
	err |= finding__add_evidence(f, "audit_bytes_out", "%" PRIu64, b->audit_bytes);
	err |= finding__add_evidence(f, "delivery_delay_allowed_s", "%" PRId64, c->o.delay_ms / 1000);
	err |= corr_add_proc_evidence(f, "gateway_", &b->gateway);
	emit_or_drop(c, f, err);
}

static void off_gateway(struct correlator *c, const struct corr_slot *s)
{
	const struct corr_event *e = &s->ident;
	int named = s->nothers > 0;
	struct finding *f;
	int err = 0;

	if (!s->ident_events || (!named && s->gateway_active))
		return;
	f = corr_finding(c, "credential-off-gateway",
			 named ? "The gateway's credential used by another process on this host"
			       : "The gateway's credential used while the gateway was idle",
			 named ? GW_SEV_CRITICAL : GW_SEV_HIGH, named ? 92 : 70, s->start_ms,
			 s->start_ms + c->slot_ms, e->access_key[0] ? e->access_key : e->source_ip);
	if (!f) {
		c->stats.dropped++;
		return;
	}
	f->cloud = e->cloud;
	f->principal = strdup(e->principal);
	f->access_key = strdup(e->access_key);
	f->source_ip = strdup(e->source_ip);
	f->bucket = strdup(e->bucket);
	f->count = s->ident_events;
	f->mitre[f->nmitre++] = "T1078.004";
	f->mitre[f->nmitre++] = "T1552.001";
	err |= !f->principal || !f->access_key || !f->source_ip || !f->bucket;
	err |= finding__add_evidence(f, "audit_events", "%" PRIu64, s->ident_events);
	err |= finding__add_evidence(f, "first_api", "%s", e->api);
	if (named) {
		const struct corr_other *o = &s->others[0];

		err |= corr_add_proc_evidence(f, "process_", &o->proc);
		err |= finding__add_evidence(f, "process_connected_to", "%s:%u (%" PRIu64 " connects)",
					     o->addr, o->port, o->connects);
		err |= finding__add_evidence(f, "other_processes", "%zu", s->nothers);
	} else {
		err |= finding__add_evidence(f, "gateway_activity", "no reads and no connections by the gateway");
	}
	emit_or_drop(c, f, err);
}

static void client(struct correlator *c, const struct corr_slot *s, const struct corr_newclient *n)
{
	struct finding *f;
	int err = 0;

	f = corr_finding(c, "new-client", "The gateway served a client address not seen in 30 days",
			 n->reads ? GW_SEV_MEDIUM : GW_SEV_LOW, n->reads ? 60 : 35, s->start_ms,
			 s->start_ms + c->slot_ms, n->addr);
	if (!f) {
		c->stats.dropped++;
		return;
	}
	f->source_ip = strdup(n->addr);
	f->count = n->reads;
	f->bytes = n->bytes;
	f->mitre[f->nmitre++] = "T1078";
	f->mitre[f->nmitre++] = "T1530";
	err |= !f->source_ip;
	if (n->object[0] && (f->samples[0] = strdup(n->object)))
		f->nsamples = 1;
	err |= finding__add_evidence(f, "client", "%s", n->addr);
	err |= finding__add_evidence(f, "accepted", "%" PRIu64, n->accepted);
	err |= finding__add_evidence(f, "audit_events_from_client", "%" PRIu64, n->events);
	err |= finding__add_evidence(f, "object_reads_from_client", "%" PRIu64, n->reads);
	err |= finding__add_evidence(f, "bytes_to_client", "%" PRIu64, n->bytes);
	err |= corr_add_proc_evidence(f, "gateway_", &n->gateway);
	emit_or_drop(c, f, err);
}

void corr_judge(struct correlator *c, struct corr_slot *s)
{
	if (!s->observed) {
		c->stats.unobserved += s->ident_events;
		return; /* the sensor saw nothing of it: no host side to compare */
	}
	for (size_t i = 0; detector__rule(i); i++)
		if (detector__rule(i)->judge)
			detector__rule(i)->judge(c, s);
}

static void unaudited_buckets(struct correlator *c, const struct corr_slot *s)
{
	/* on a cluster one node's reads are not its own requests' reads */
	for (size_t i = 0; c->o.cluster_nodes <= 1 && i < s->nbuckets; i++)
		unaudited(c, s, &s->buckets[i]);
}

static void new_clients(struct correlator *c, const struct corr_slot *s)
{
	for (size_t i = 0; i < s->nnew; i++)
		client(c, s, &s->newc[i]);
}

const struct rule rule_unaudited_reads = {
	.id = "unaudited-reads",
	.judge = unaudited_buckets,
};

const struct rule rule_credential_off_gateway = {
	.id = "credential-off-gateway",
	.judge = off_gateway,
};

const struct rule rule_new_client = {
	.id = "new-client",
	.judge = new_clients,
};
