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

struct mass {
	struct single s;          /* first: the single__* helpers take it */
	struct hourly b;
};

static void *mass_new(struct detector *d, const struct detector_config *cfg)
{
	struct mass *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->s.d = d;
	if (hourly__init(&m->b, cfg->max_identities) < 0) {
		free(m);
		return NULL;
	}
	return m;
}

static void mass_free(void *state)
{
	struct mass *m = state;

	if (m) {
		hourly__fini(&m->b);
		single__release(&m->s);
	}
	free(m);
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
	struct single_best b;
	struct hourly_ent *e;
	uint32_t k;
	int rc;

	if (ev->action != GW_ACT_OBJECT_DELETE || ev->outcome != GW_OUT_OK || !*ev->principal)
		return 0;
	rc = hourly__get(&m->b, m->s.d, ev, &e);
	if (rc < 0 || !e)
		return rc;
	k = objects_of(ev);
	e->n += k;
	e->base += k;
	if (!hourly__crossed(e, MASS_DELETE_FLOOR, 10.0))
		return 0;
	single_best__init(&b);
	single__hit(&b, GW_SEV_HIGH, 85.0, "Block the principal and restore the objects from "
		    "versions or backups", "%u objects deleted within the hour (usual: %.0f)", e->n,
		    (double)e->mean);
	return single__report(&m->s, &rule_mass_delete, ev, &b,
			      "Objects deleted en masse", mitre);
}

static void mass_strings(void *state, struct strmark *m)
{
	struct mass *s = state;

	single__strings(&s->s, m);
	hourly__strings(&s->b, m);
}

const struct rule rule_mass_delete = {
	.id = "mass-delete",
	.new = mass_new,
	.feed = mass_feed,
	.flush = single__flush,
	.free = mass_free,
	.strings = mass_strings,
};
