/* The kept findings by id (agent/detect/finding_map.c): every id found
 * among thousands, a finding made again takes its id's slot, a rebuild
 * after findings are let go forgets them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "detect/detect.h"
#include "detect/finding_map.h"

#define N 5000

static struct finding *mk(const char *id)
{
	struct finding *f = calloc(1, sizeof(*f));

	if (f)
		f->id = strdup(id);
	return f;
}

static void drop(struct finding *f)
{
	if (f)
		free(f->id);
	free(f);
}

TEST(finding_map_finds_replaces_and_forgets)
{
	static struct finding *v[N], *again;
	struct finding_map m = { 0 };
	char id[64];

	for (size_t i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "bulk-download:arn:aws:iam::1:user/u%zu:%zu", i % 97, i);
		v[i] = mk(id);
		ASSERT(v[i] && v[i]->id);
		ASSERT_EQ_INT(0, finding_map__put(&m, v[i]));
	}
	ASSERT_EQ_U64(N, m.n);
	for (size_t i = 0; i < N; i++)
		ASSERT(finding_map__get(&m, v[i]->id) == v[i]);
	ASSERT(finding_map__get(&m, "bulk-download:nobody") == NULL);
	/* the same id made again: its slot, no new entry */
	again = mk(v[17]->id);
	ASSERT(again);
	ASSERT_EQ_INT(0, finding_map__put(&m, again));
	ASSERT_EQ_U64(N, m.n);
	ASSERT(finding_map__get(&m, v[17]->id) == again);
	drop(v[17]);
	v[17] = again;
	/* the odd ones let go: they are not found after a rebuild */
	for (size_t i = 1; i < N; i += 2)
		drop(v[i]);
	for (size_t i = 0; i < N / 2; i++)
		v[i] = v[2 * i];
	ASSERT_EQ_INT(0, finding_map__rebuild(&m, v, N / 2));
	ASSERT_EQ_U64(N / 2, m.n);
	for (size_t i = 0; i < N / 2; i++)
		ASSERT(finding_map__get(&m, v[i]->id) == v[i]);
	snprintf(id, sizeof(id), "bulk-download:arn:aws:iam::1:user/u%d:%d", 17 % 97, 17);
	ASSERT(finding_map__get(&m, id) == NULL);
	for (size_t i = 0; i < N / 2; i++)
		drop(v[i]);
	finding_map__free(&m);
	ASSERT(finding_map__get(&m, "x") == NULL);
}
