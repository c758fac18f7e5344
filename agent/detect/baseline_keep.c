/* See detect_internal.h and baseline_priv.h: what the baselines keep over
 * time, apart from the stream that feeds them: the daily aging of idle
 * identities, the strings they hold (for the string pool's mark pass),
 * their size and their counts. */
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

#include "detect/baseline_priv.h"
#include "lib/hugemem.h"

static int ident_stale(const struct baseline *b, const struct ident *id, uint16_t today)
{
	return baseline__stale(b->cfg, id->active_days, id->cur_day, id->h != NULL, today);
}

/* Once a stream day (see baseline_priv.h): identities idle past their
 * time are forgotten, so the table follows the live identities, not the
 * history. The table is rebuilt (open addressing has no holes to leave);
 * on allocation failure the pass is tried again the next day. */
void baseline__age(struct baseline *b, uint16_t today)
{
	struct ident_slot *t;
	size_t j, gone = 0;

	b->aged_day = today;
	seen__purge(&b->org, today, (uint16_t)b->cfg->seen_ttl_days);
	for (size_t i = 0; i < RELATED_SLOTS; i++)
		if (b->rel[i].key && (uint32_t)b->rel[i].day + b->cfg->seen_ttl_days < today)
			memset(&b->rel[i], 0, sizeof(b->rel[i]));
	for (size_t i = 0; i < b->nslots; i++) {
		if (!b->tab[i].id)
			continue;
		gone += ident_stale(b, b->tab[i].id, today);
		seen__purge(&b->tab[i].id->seen, today, (uint16_t)b->cfg->seen_ttl_days);
	}
	if (!gone || !(t = huge__table(b->nslots * sizeof(*t))))
		return;
	for (size_t i = 0; i < b->nslots; i++) {
		struct ident *id = b->tab[i].id;

		if (!id)
			continue;
		if (ident_stale(b, id, today)) {
			baseline__ident_free(b, id);
			continue;
		}
		for (j = baseline__slot(id->name, b->nslots); t[j].id; j = (j + 1) & (b->nslots - 1))
			;
		t[j] = b->tab[i];
	}
	huge__table_free(b->tab, b->nslots * sizeof(*b->tab));
	b->tab = t;
	b->count -= gone;
	b->aged += gone;
}

size_t baseline__bytes(const struct baseline *b)
{
	size_t n = sizeof(*b) + b->nslots * sizeof(*b->tab) +
		   RELATED_SLOTS * sizeof(*b->rel);

	/* Open hours at their peak: the memory the stream needed at once. */
	n += (b->org.cap + b->org_buckets.cap) * SEEN_SLOT;
	n += volume__bytes(b->vol);
	n += populations__bytes(b->pops);
	n += b->peak_open * sizeof(struct hour_rec);
	n += b->peak_more * sizeof(struct hour_more) + b->peak_new * sizeof(struct hour_new);
	n += b->peak_sets_bytes;
	for (size_t i = 0; i < b->nslots; i++)
		if (b->tab[i].id)
			n += sizeof(struct ident) +
			     (b->tab[i].id->seen.lent ? 0 : b->tab[i].id->seen.cap * SEEN_SLOT);
	return n;
}

uint64_t baseline__identities(const struct baseline *b)
{
	return b->count;
}

uint64_t baseline__aged(const struct baseline *b)
{
	return b->aged + volume__aged(b->vol);
}

static void hour_strings(const struct hour_rec *h, struct strmark *m)
{
	const char *one[] = { h->ip, h->ua, h->key, h->region, h->bucket, h->ctx_ip, h->ctx_ua };
	const struct hour_more *x = hour__more(h);
	const struct hour_new *nw = hour__new(h);

	strmark__v(m, one, sizeof(one) / sizeof(one[0]));
	strmark__v(m, h->ips, h->nips);
	strmark__v(m, h->uas, h->nuas);
	strmark__v(m, x->denied_apis, h->ndenied_apis);
	strmark__v(m, h->list_buckets, h->nlist_buckets);
	strmark__v(m, nw->new_ips, h->nnew_ips);
	strmark__v(m, h->new_apis, h->nnew_apis);
	strmark__v(m, h->new_services, h->nnew_services);
	strmark__v(m, nw->new_uas, h->nnew_uas);
	strmark__v(m, nw->new_ua_fams, h->nnew_uas);
	strmark__v(m, nw->new_ua_ips, h->nnew_uas);
	strmark__v(m, x->denied_ips, h->ndenied_ips);
	strmark__v(m, x->denied_uas, h->ndenied_ips);
	strmark__v(m, x->intel_ips, h->nintel);
	strmark__v(m, x->intel_labels, h->nintel);
	strmark__v(m, x->foreign_buckets, h->nforeign);
}

void baseline__strings(const struct baseline *b, struct strmark *m)
{
	for (size_t i = 0; i < b->nslots && !strmark__full(m); i++) {
		const struct ident *id = b->tab[i].id;

		if (!id)
			continue;
		strmark__str(m, id->name);
		strmark__str(m, id->account);
		for (size_t k = 0; k < IDENT_RECENT_REGIONS; k++)
			strmark__str(m, id->recent[k].region);
		seen__strings(&id->seen, m);
		if (id->h)
			hour_strings(id->h, m);
	}
	seen__strings(&b->org, m);
	seen__strings(&b->org_buckets, m);
	for (size_t i = 0; i < RELATED_SLOTS; i++) {
		strmark__str(m, b->rel[i].key);
		strmark__v(m, b->rel[i].who, RELATED_PER_KEY);
	}
	volume__strings(b->vol, m);
	populations__strings(b->pops, m);
}

void baseline__swept(struct baseline *b)
{
	memset(b->ua_cache, 0, sizeof(b->ua_cache));
	populations__swept(b->pops);
}

struct populations *baseline__populations(struct baseline *b)
{
	return b ? b->pops : NULL;
}
