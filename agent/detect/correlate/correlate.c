/* See correlate.h. Time is cut into slots (5 minutes by default); host
 * windows and audit events add to the slot of their time, and a slot is
 * judged once the audit delivery delay has passed its end. */
#include "correlate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate_priv.h"
#include "lib/log.h"

void correlate_opts__defaults(struct correlate_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->slot_ms = CORR_SLOT_MS;
	o->delay_ms = 15 * 60 * 1000;
	o->learning_ms = 24 * 3600 * 1000LL;
	o->client_ttl_ms = 30 * 24 * 3600 * 1000LL;
	o->unaudited_min_bytes = 1 << 20;
	o->unaudited_ratio = 2.0;
	o->cluster_nodes = 1;
	o->proc_min_hours = 24;
	o->proc_floor_bytes = 256ull << 20;
}

struct correlator *correlator__new(const struct correlate_opts *o, int64_t now_ms)
{
	struct correlator *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = *o;
	c->slot_ms = o->slot_ms > 0 ? o->slot_ms : CORR_SLOT_MS;
	c->created_ms = now_ms;
	c->clients = calloc(CORR_MAX_CLIENTS * 2, sizeof(*c->clients));
	c->procs = calloc(CORR_MAX_PROCS, sizeof(*c->procs));
	if (!c->clients || !c->procs) {
		free(c->clients);
		free(c->procs);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void correlator__set_opts(struct correlator *c, const struct correlate_opts *o)
{
	c->o = *o;
}

void correlator__free(struct correlator *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nfindings; i++)
		finding__free(c->findings[i]);
	free(c->findings);
	free(c->clients);
	free(c->procs);
	free(c);
}

size_t correlator__take(struct correlator *c, struct finding ***out)
{
	size_t n = c->nfindings;

	*out = c->findings;
	c->findings = NULL;
	c->nfindings = c->capfindings = 0;
	return n;
}

void correlator__stats(const struct correlator *c, struct correlate_stats *st)
{
	*st = c->stats;
	st->clients = c->nclients;
}

/* A process is named by its executable (absolute path, or base name) or its
 * systemd unit; by its comm only when the executable is unknown (it exited
 * unseen): any process may set its own comm (prctl PR_SET_NAME) to the
 * gateway's name, so the identity is the exe and the start time. */
static int name_matches(const char *entry, const struct host_proc *p)
{
	const char *base = strrchr(p->exe, '/');

	base = base ? base + 1 : p->exe;
	if (entry[0] == '/')
		return strcmp(entry, p->exe) == 0;
	return (p->exe[0] && strcmp(entry, base) == 0) || (!p->exe[0] && strcmp(entry, p->comm) == 0) ||
	       (p->unit[0] && strcmp(entry, p->unit) == 0);
}

static int in_list(const char *const *list, size_t n, const struct host_proc *p)
{
	for (size_t i = 0; i < n; i++)
		if (name_matches(list[i], p))
			return 1;
	return 0;
}

int corr_is_gateway(const struct correlator *c, const struct host_proc *p)
{
	return in_list(c->o.gateway_exes, c->o.ngateway_exes, p);
}

int correlator__is_gateway(const struct correlator *c, const struct host_proc *p)
{
	return corr_is_gateway(c, p);
}

static int str_in(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; s && s[0] && i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* The slot of time t, created when new. Too many slots pending: the
 * oldest is judged early. */
struct corr_slot *corr_slot(struct correlator *c, int64_t t)
{
	int64_t start = t - (((t % c->slot_ms) + c->slot_ms) % c->slot_ms);
	size_t i, oldest = 0;

	for (i = 0; i < c->nslots; i++) {
		if (c->slots[i].start_ms == start)
			return &c->slots[i];
		if (c->slots[i].start_ms < c->slots[oldest].start_ms)
			oldest = i;
	}
	if (c->nslots == CORR_MAX_SLOTS) {
		corr_judge(c, &c->slots[oldest]);
		c->stats.dropped++;
		i = oldest;
	} else {
		i = c->nslots++;
	}
	memset(&c->slots[i], 0, sizeof(c->slots[i]));
	c->slots[i].start_ms = start;
	return &c->slots[i];
}

static struct corr_bucket *slot_bucket(struct correlator *c, struct corr_slot *s, const char *name)
{
	for (size_t i = 0; i < s->nbuckets; i++)
		if (strcmp(s->buckets[i].name, name) == 0)
			return &s->buckets[i];
	if (s->nbuckets == CORR_SLOT_BUCKETS || strlen(name) >= sizeof(s->buckets[0].name)) {
		c->stats.dropped++;
		return NULL;
	}
	snprintf(s->buckets[s->nbuckets].name, sizeof(s->buckets[0].name), "%s", name);
	return &s->buckets[s->nbuckets++];
}

/* The existing slot of time t, or NULL. */
static struct corr_slot *find_slot(struct correlator *c, int64_t t)
{
	int64_t start = t - (((t % c->slot_ms) + c->slot_ms) % c->slot_ms);

	for (size_t i = 0; i < c->nslots; i++)
		if (c->slots[i].start_ms == start)
			return &c->slots[i];
	return NULL;
}

/* What a new client asked for, per the audit log. */
static void client_requests(struct corr_slot *s, const struct audit_event *ev)
{
	for (size_t i = 0; i < s->nnew; i++) {
		struct corr_newclient *n = &s->newc[i];

		if (strcmp(n->addr, ev->source_ip) != 0)
			continue;
		n->events++;
		if (ev->action == GW_ACT_OBJECT_READ) {
			n->reads++;
			n->bytes += ev->bytes_out;
			if (!n->object[0])
				snprintf(n->object, sizeof(n->object), "%s/%s", ev->bucket, ev->object_key);
		}
	}
}

/* The slot an audit event is judged in, or NULL when the sensor did not
 * observe its time: before the first host window (or the start), or in a
 * slot no host window covered and that is over. */
static struct corr_slot *event_slot(struct correlator *c, int64_t t)
{
	struct corr_slot *s = find_slot(c, t);
	int64_t horizon = c->now_ms ? c->now_ms : c->created_ms;

	if (s || t >= horizon)
		return s ? s : corr_slot(c, t);
	c->stats.unobserved++;
	return NULL;
}

int correlator__audit_event(struct correlator *c, const struct audit_event *ev)
{
	struct corr_slot *s;
	struct corr_bucket *b;

	c->stats.events++;
	s = event_slot(c, ev->time_ms);
	if (s)
		c->slots_dirty = 1;
	if (s && ev->action == GW_ACT_OBJECT_READ && ev->outcome == GW_OUT_OK && ev->bucket[0]) {
		b = slot_bucket(c, s, ev->bucket);
		if (b) {
			b->audit_reads++;
			b->audit_bytes += ev->bytes_out;
		}
	}
	if (s && (str_in(c->o.gateway_keys, c->o.ngateway_keys, ev->access_key) ||
		  str_in(c->o.gateway_ips, c->o.ngateway_ips, ev->source_ip))) {
		if (!s->ident_events++)
			corr_copy_event(&s->ident, ev);
	}
	/* a new client is kept in the slot of the host window that saw it, which
	 * may end in the slot after its first requests */
	if (s)
		client_requests(s, ev);
	s = find_slot(c, ev->time_ms + c->slot_ms);
	if (s)
		client_requests(s, ev);
	return 0;
}

void correlator__tick(struct correlator *c, int64_t now_ms)
{
	size_t i = 0;

	while (i < c->nslots) {
		struct corr_slot *s = &c->slots[i];

		if (now_ms != INT64_MAX && s->start_ms + c->slot_ms + c->o.delay_ms > now_ms) {
			i++;
			continue;
		}
		corr_judge(c, s);
		c->slots[i] = c->slots[--c->nslots];
		c->slots_dirty = 1;
	}
}

int corr_emit(struct correlator *c, struct finding *f)
{
	if (c->nfindings == c->capfindings) {
		size_t cap = c->capfindings ? c->capfindings * 2 : 16;
		struct finding **n = realloc(c->findings, cap * sizeof(*n));

		if (!n) {
			finding__free(f);
			c->stats.dropped++;
			return -ENOMEM;
		}
		c->findings = n;
		c->capfindings = cap;
	}
	c->findings[c->nfindings++] = f;
	c->stats.findings++;
	return 0;
}

void corr_copy_event(struct corr_event *dst, const struct audit_event *ev)
{
	dst->time_ms = ev->time_ms;
	snprintf(dst->principal, sizeof(dst->principal), "%s", ev->principal);
	snprintf(dst->access_key, sizeof(dst->access_key), "%s", ev->access_key);
	snprintf(dst->source_ip, sizeof(dst->source_ip), "%s", ev->source_ip);
	snprintf(dst->api, sizeof(dst->api), "%s", ev->api);
	snprintf(dst->bucket, sizeof(dst->bucket), "%s", ev->bucket);
	dst->cloud = ev->cloud;
}

void corr_copy_proc(struct corr_proc *dst, const struct host_proc *p)
{
	dst->pid = p->pid;
	dst->uid = p->uid;
	dst->start_ns = p->start_ns;
	snprintf(dst->comm, sizeof(dst->comm), "%s", p->comm);
	snprintf(dst->exe, sizeof(dst->exe), "%s", p->exe);
	snprintf(dst->unit, sizeof(dst->unit), "%s", p->unit);
}

void corr_proc_terminate(struct corr_proc *p)
{
	p->comm[sizeof(p->comm) - 1] = '\0';
	p->exe[sizeof(p->exe) - 1] = '\0';
	p->unit[sizeof(p->unit) - 1] = '\0';
}

int corr_is_allowed(const struct correlator *c, const struct host_proc *p)
{
	return corr_is_gateway(c, p) || in_list(c->o.allow_exes, c->o.nallow_exes, p);
}
