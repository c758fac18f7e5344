/* Rule "mass-delete": one identity deletes more objects in an hour than
 * MASS_DELETE_FLOOR and far more than its own earlier hours (ten times
 * their moving mean): a bucket being emptied, as ransomware does before it
 * leaves its note. DeleteObjects counts the keys it names. The finding is
 * made on the request that crosses the floor, once per identity and hour.
 * MITRE T1485 (data destruction), T1486. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "detect/detect_internal.h"

#define MASS_DELETE_FLOOR 100
#define MASS_DELETE_SLOTS (1u << 16)
#define HOUR_MS 3600000LL

struct del_ent {
	const char *principal;    /* interned; NULL: free slot */
	int64_t hour;             /* the hour counted */
	uint32_t n;               /* objects deleted in it */
	uint8_t fired;
	float mean;               /* moving mean of earlier hours with deletes */
};

struct mass {
	struct single s;          /* first: the single__* helpers take it */
	struct del_ent *t;
	size_t used;
};

static void *mass_new(struct detector *d, const struct detector_config *cfg)
{
	struct mass *m = calloc(1, sizeof(*m));

	(void)cfg;
	if (!m)
		return NULL;
	m->s.d = d;
	m->t = calloc(MASS_DELETE_SLOTS, sizeof(*m->t));
	if (!m->t) {
		free(m);
		return NULL;
	}
	return m;
}

static void mass_free(void *state)
{
	struct mass *m = state;

	if (m)
		free(m->t);
	free(m);
}

static struct del_ent *slot(struct mass *m, const char *p)
{
	size_t i = (size_t)(((uintptr_t)p * 0x9e3779b97f4a7c15ull) >> 40) & (MASS_DELETE_SLOTS - 1);

	for (size_t k = 0; k < 64; k++, i = (i + 1) & (MASS_DELETE_SLOTS - 1)) {
		if (m->t[i].principal == p)
			return &m->t[i];
		if (!m->t[i].principal && m->used < MASS_DELETE_SLOTS * 3 / 4) {
			m->t[i].principal = p;
			m->used++;
			return &m->t[i];
		}
	}
	return NULL;
}

/* Objects one delete removes: DeleteObjects names its keys (or lists them
 * as resources); anything else is one. */
static uint32_t objects_of(const struct audit_event *ev)
{
	const cJSON *req, *keys, *r;
	uint32_t n = 0;

	if (strcmp(ev->api, "DeleteObjects") != 0 || !(req = single__request(ev)))
		return 1;
	keys = json__path(req, "requestParameters.delete.Object");
	if (cJSON_IsArray(keys))
		return (uint32_t)cJSON_GetArraySize(keys);
	if (cJSON_IsObject(keys))
		return 1;
	cJSON_ArrayForEach(r, json__path(req, "resources"))
		n += str__ieq(json__str(json__path(r, "type")), "AWS::S3::Object");
	return n ? n : 1;
}

static int mass_feed(void *state, const struct audit_event *ev)
{
	static const char *const mitre[] = { "T1485", "T1486", NULL };
	struct mass *m = state;
	struct single_best b = { .sev = -1 };
	int64_t hour = ev->time_ms / HOUR_MS;
	struct del_ent *e;
	const char *p;

	if (ev->action != GW_ACT_OBJECT_DELETE || ev->outcome != GW_OUT_OK || !*ev->principal)
		return 0;
	p = detector__intern_ev(m->s.d, ev->principal);
	if (!p)
		return -ENOMEM;
	e = slot(m, p);
	if (!e) {
		detector__entity_dropped(m->s.d);
		return 0;
	}
	if (e->hour != hour) {
		if (e->n)
			e->mean = e->mean ? 0.8f * e->mean + 0.2f * (float)e->n : (float)e->n;
		e->hour = hour;
		e->n = 0;
		e->fired = 0;
	}
	e->n += objects_of(ev);
	if (e->fired || e->n < MASS_DELETE_FLOOR || (double)e->n < 10.0 * e->mean)
		return 0;
	e->fired = 1;
	single__hit(&b, GW_SEV_HIGH, 85.0, "Block the principal and restore the objects from "
		    "versions or backups", "%u objects deleted within the hour (usual: %.0f)", e->n,
		    (double)e->mean);
	return single__report(&m->s, &rule_mass_delete, ev, single__request(ev), &b,
			      "Objects deleted en masse", mitre);
}

const struct rule rule_mass_delete = {
	.id = "mass-delete",
	.new = mass_new,
	.feed = mass_feed,
	.free = mass_free,
};
