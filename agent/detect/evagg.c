/* See evagg.h: one finding per (principal, bucket, sub) and hour for the
 * rules that judge single requests. */
#include "detect/evagg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR 3600000LL

struct evagg *evagg__new(struct detector *d, const struct rule *r, evagg_emit_fn emit, void *ctx)
{
	struct evagg *a = calloc(1, sizeof(*a));

	if (!a)
		goto fail;
	a->v = calloc(EVAGG_MAX, sizeof(*a->v));
	if (!a->v)
		goto fail;
	a->d = d;
	a->r = r;
	a->emit = emit;
	a->ctx = ctx;
	return a;
fail:
	evagg__free(a);
	errno = ENOMEM;
	return NULL;
}

void evagg__free(struct evagg *a)
{
	if (!a)
		return;
	free(a->v);
	free(a);
}

/* Emit (and close) the aggregates opened before `before`; all with INT64_MAX. */
static void sweep(struct evagg *a, int64_t before)
{
	size_t k = 0;

	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].start < before) {
			a->emit(a, &a->v[i]);   /* a failure is counted by the detector */
			continue;
		}
		if (k != i)
			a->v[k] = a->v[i];
		k++;
	}
	a->n = k;
}

void evagg__flush(struct evagg *a)
{
	sweep(a, INT64_MAX);
}

static void set_add(const char **v, uint8_t *n, const char *s)
{
	if (!s || !*s || *n >= EVAGG_SET)
		return;
	for (size_t i = 0; i < *n; i++)
		if (v[i] == s)
			return;
	v[(*n)++] = s;
}

void evagg__note(struct evagg_ent *e, const char *s)
{
	set_add(e->notes, &e->nnotes, s);
}

static struct evagg_ent *open_ent(struct evagg *a, const struct audit_event *ev, const char *who,
				  const char *bucket, int sub)
{
	struct detector *d = a->d;
	struct evagg_ent *e;

	if (a->n == EVAGG_MAX)
		return NULL;
	e = &a->v[a->n++];
	memset(e, 0, sizeof(*e));
	e->principal = who;
	e->bucket = bucket;
	e->sub = sub;
	e->start = e->first_t = ev->time_ms;
	e->ip = detector__ev_str(d, ev, EVF_SOURCE_IP);
	e->ua = detector__ev_str(d, ev, EVF_USER_AGENT);
	e->key = detector__ev_str(d, ev, EVF_ACCESS_KEY);
	e->region = detector__ev_str(d, ev, EVF_REGION);
	e->account = detector__ev_str(d, ev, EVF_PRINCIPAL_ACCOUNT);
	e->cloud = ev->cloud;
	e->kind = ev->principal_kind;
	e->sev = -1;
	return e;
}

static void count(struct evagg_ent *e, const struct audit_event *ev)
{
	e->n++;
	e->last_t = ev->time_ms > e->last_t ? ev->time_ms : e->last_t;
	if (ev->outcome == GW_OUT_DENIED)
		e->denied++;
	else if (ev->action == GW_ACT_OBJECT_READ)
		e->reads++;
	else if (ev->action == GW_ACT_OBJECT_WRITE)
		e->writes++;
	else if (ev->action == GW_ACT_OBJECT_DELETE)
		e->deletes++;
	else if (ev->action == GW_ACT_LIST)
		e->lists++;
	else
		e->other++;
	if (ev->action == GW_ACT_OBJECT_READ)
		e->bytes += ev->bytes_out;
	else if (ev->action == GW_ACT_OBJECT_WRITE)
		e->bytes += ev->bytes_in;
}

struct evagg_ent *evagg__add(struct evagg *a, const struct audit_event *ev, int sub, int sev,
			     double score, int *err)
{
	const char *who = detector__ev_str(a->d, ev, EVF_PRINCIPAL);
	const char *bucket = a->by_principal ? detector__intern(a->d, "") :
			     detector__ev_str(a->d, ev, EVF_BUCKET);
	const char *obj;
	struct evagg_ent *e = NULL;

	*err = 0;
	if (!who || !bucket) {
		*err = -ENOMEM;
		return NULL;
	}
	if (ev->time_ms - a->swept >= HOUR / 4) {
		sweep(a, ev->time_ms - HOUR);
		a->swept = ev->time_ms;
	}
	for (size_t i = 0; i < a->n && !e; i++)
		if (a->v[i].principal == who && a->v[i].bucket == bucket && a->v[i].sub == sub)
			e = &a->v[i];
	if (!e && !(e = open_ent(a, ev, who, bucket, sub))) {
		detector__entity_dropped(a->d);
		return NULL;
	}
	count(e, ev);
	if (sev > e->sev || (sev == e->sev && score > e->score)) {
		e->sev = sev;
		e->score = score;
	}
	set_add(e->ips, &e->nips, detector__ev_str(a->d, ev, EVF_SOURCE_IP));
	set_add(e->apis, &e->napis, detector__ev_str(a->d, ev, EVF_API));
	if (ev->object_key && *ev->object_key && e->nsamples < GW_FINDING_MAX_SAMPLES) {
		obj = detector__intern(a->d, ev->object_key);
		if (!obj) {
			*err = -ENOMEM;
			return NULL;
		}
		set_add(e->samples, &e->nsamples, obj);
	}
	return e;
}

static char *dup_or(const char *s, int *oom)
{
	char *r = strdup(s ? s : "");

	if (!r)
		*oom = 1;
	return r;
}

struct finding *evagg__finding(const struct evagg *a, const struct evagg_ent *e, const char *title)
{
	struct finding *f = calloc(1, sizeof(*f));
	uint64_t h = GW_FNV64_INIT;
	int oom = 0;

	if (!f)
		return NULL;
	f->rule_id = a->r->id;
	f->title = title;
	f->severity = e->sev < 0 ? GW_SEV_INFO : e->sev;
	f->score = clamp100(e->score);
	f->start_ms = e->first_t;
	f->end_ms = e->last_t;
	f->cloud = e->cloud;
	f->count = e->n;
	f->bytes = e->bytes;
	f->principal = dup_or(e->principal, &oom);
	f->access_key = dup_or(e->key, &oom);
	f->source_ip = dup_or(e->ip, &oom);
	f->user_agent = dup_or(e->ua, &oom);
	f->region = dup_or(e->region, &oom);
	f->bucket = dup_or(e->bucket, &oom);
	for (size_t i = 0; i < e->nsamples; i++)
		f->samples[f->nsamples++] = dup_or(e->samples[i], &oom);
	h = gw_fnv1a64(h, a->r->id, strlen(a->r->id) + 1);
	h = gw_fnv1a64(h, e->principal, strlen(e->principal) + 1);
	h = gw_fnv1a64(h, e->bucket, strlen(e->bucket) + 1);
	h = gw_fnv1a64(h, &e->sub, sizeof(e->sub));
	h = gw_fnv1a64(h, &e->first_t, sizeof(e->first_t));
	if (oom || asprintf(&f->id, "%016" PRIx64, h) < 0) {
		f->id = NULL;
		finding__free(f);
		return NULL;
	}
	return f;
}

int evagg__evidence(struct finding *f, const struct evagg_ent *e)
{
	char list[512];
	int err = 0;

	err |= finding__add_evidence(f, "principal_kind", "%s", gw_principal_kind_name(e->kind));
	if (e->account && *e->account)
		err |= finding__add_evidence(f, "principal_account", "%s", e->account);
	err |= finding__add_evidence(f, "requests", "%" PRIu32 " (reads %" PRIu32 ", lists %"
				     PRIu32 ", writes %" PRIu32 ", deletes %" PRIu32 ", denied %"
				     PRIu32 ")", e->n, e->reads, e->lists, e->writes, e->deletes,
				     e->denied);
	err |= finding__add_evidence(f, "apis", "%s", join_list(list, sizeof(list), e->apis, e->napis));
	err |= finding__add_evidence(f, "source_ips", "%s",
				     join_list(list, sizeof(list), e->ips, e->nips));
	return err ? -ENOMEM : 0;
}

void evagg__strings(const struct evagg *a, struct strmark *m)
{
	for (size_t i = 0; a && i < a->n; i++) {
		const struct evagg_ent *e = &a->v[i];
		const char *one[] = { e->principal, e->bucket, e->ip, e->ua, e->key, e->region,
				      e->account };

		strmark__v(m, one, sizeof(one) / sizeof(one[0]));
		strmark__v(m, e->ips, e->nips);
		strmark__v(m, e->apis, e->napis);
		strmark__v(m, e->samples, e->nsamples);
		strmark__v(m, e->notes, e->nnotes);
	}
}

void evagg__rule_strings(void *state, struct strmark *m)
{
	evagg__strings(state, m);
}
