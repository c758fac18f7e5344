/* See detect_internal.h: incident ids that outlive a rebuild. Incidents are
 * built anew from the kept findings whenever they change, and an id derived
 * from content moves when the group grows (a cloud finding joins a copy on
 * the host that stood alone): the incident takes the id of the one its
 * findings were in before, so that the collector sees one incident with a
 * new revision, not a second incident. Memory: one pair per finding in an
 * incident, replaced at each rebuild. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

struct id_pair {
	char *finding;
	size_t incident;     /* index into ids */
};

struct incident_ids {
	struct id_pair *pairs;   /* sorted by finding id */
	size_t npairs;
	char **ids;
	size_t nids;
};

void incident_ids__free(struct incident_ids *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->npairs; i++)
		free(m->pairs[i].finding);
	for (size_t i = 0; i < m->nids; i++)
		free(m->ids[i]);
	free(m->pairs);
	free(m->ids);
	free(m);
}

static int cmp_pair(const void *a, const void *b)
{
	return strcmp(((const struct id_pair *)a)->finding, ((const struct id_pair *)b)->finding);
}

/* Incidents in the order they claim old ids: the earliest first. */
static int cmp_start(const void *a, const void *b)
{
	const struct incident *x = *(const struct incident *const *)a;
	const struct incident *y = *(const struct incident *const *)b;

	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Each incident takes the old id of its earliest finding that had one,
 * unless an earlier incident took that id already (a split). */
static int carry(struct incident **v, size_t n, const struct incident_ids *m)
{
	struct incident **o = malloc((n ? n : 1) * sizeof(*o));
	uint8_t *taken = calloc(m->nids ? m->nids : 1, 1);
	int err = o && taken ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < n; i++)
		o[i] = v[i];
	if (!err)
		qsort(o, n, sizeof(*o), cmp_start);
	for (size_t i = 0; !err && i < n; i++) {
		for (size_t k = 0; k < o[i]->nfindings; k++) {
			struct id_pair key = { .finding = o[i]->findings[k]->id }, *p;
			char *id;

			p = bsearch(&key, m->pairs, m->npairs, sizeof(key), cmp_pair);
			if (!p || taken[p->incident])
				continue;
			taken[p->incident] = 1;
			if (strcmp(o[i]->id, m->ids[p->incident]) != 0) {
				if (!(id = strdup(m->ids[p->incident]))) {
					err = -ENOMEM;
					break;
				}
				free(o[i]->id);
				o[i]->id = id;
			}
			break;
		}
	}
	free(o);
	free(taken);
	return err;
}

/* The pairs of the incidents v: a new map, or NULL. */
static struct incident_ids *remember(struct incident *const *v, size_t n)
{
	struct incident_ids *m = calloc(1, sizeof(*m));
	size_t np = 0;

	for (size_t i = 0; i < n; i++)
		np += v[i]->nfindings;
	if (!m || !(m->pairs = calloc(np ? np : 1, sizeof(*m->pairs))) ||
	    !(m->ids = calloc(n ? n : 1, sizeof(*m->ids))))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (!(m->ids[m->nids] = strdup(v[i]->id)))
			goto fail;
		m->nids++;
		for (size_t k = 0; k < v[i]->nfindings; k++) {
			if (!(m->pairs[m->npairs].finding = strdup(v[i]->findings[k]->id)))
				goto fail;
			m->pairs[m->npairs++].incident = i;
		}
	}
	qsort(m->pairs, m->npairs, sizeof(*m->pairs), cmp_pair);
	return m;
fail:
	incident_ids__free(m);
	return NULL;
}

int incidents__carry_ids(struct incident **v, size_t n, struct incident_ids **m)
{
	struct incident_ids *next;
	int err = *m ? carry(v, n, *m) : 0;

	if (err)
		return err;
	next = remember(v, n);
	if (!next && n)
		return -ENOMEM;   /* the old map stays: tried again at the next build */
	incident_ids__free(*m);
	*m = next;
	return 0;
}
