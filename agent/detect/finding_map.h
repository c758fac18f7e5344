/* The kept findings by id: an open-addressing table of pointers to the
 * detector's findings, so that a finding made again (a live burst that
 * went on) finds the one it replaces without a pass over every kept
 * finding. The table does not own the findings; whoever drops findings
 * rebuilds it. */
#ifndef GW_DETECT_FINDING_MAP_H
#define GW_DETECT_FINDING_MAP_H

#include <stddef.h>
#include <stdint.h>

struct finding;

struct finding_map {
	struct finding **slot;
	size_t cap, n;            /* cap: 0 or a power of two */
	uint64_t seed;
};

/* The kept finding with this id, or NULL. */
struct finding *finding_map__get(const struct finding_map *m, const char *id);
/* f in place of the finding of its id, or added: 0 or -ENOMEM (the map
 * unchanged). */
int finding_map__put(struct finding_map *m, struct finding *f);
/* Emptied, then every one of v[0..n): 0 or -ENOMEM (the map empty; a
 * later put rebuilds nothing, so the caller keeps it in step). */
int finding_map__rebuild(struct finding_map *m, struct finding *const *v, size_t n);
void finding_map__free(struct finding_map *m);

#endif
