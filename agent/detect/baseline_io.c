/* See detect_internal.h: the baselines as bytes. Host byte order (the file
 * stays on the host that wrote it), versioned by a magic and a number:
 *
 *   "GWBL" u32 version, u32 identities, then per identity:
 *     str name, str account, u16 first_day, last_day, active_days, cur_day,
 *     u8 how[168], u8 max_regions_6h, read_days_hot, cloud, fired_day,
 *     7 x (f32 mean, f32 var, u32 n), u32 day_reads_acc,
 *     u32 peak_hour, peak_day (version 3 on; version 2 is read with 0),
 *     u8 recent regions x (str region, i64 time), seen set
 *   then the organisation's IP set and bucket set,
 *   then u32 volume entities x (u8 kind, str key, u16 active_days, cur_day,
 *     2 x (f32 mean, f32 var, u32 n)): per source IP and per bucket.
 *   seen set: u32 count x (u8 kind, u16 day, str key); str: u16 length, bytes.
 */
#include <errno.h>
#include <string.h>

#include "detect/baseline_priv.h"

#define BL_MAGIC "GWBL"
#define BL_VERSION 3u   /* 2: per-IP and per-bucket volume; 3: peaks */

static void w(FILE *f, const void *p, size_t n)
{
	fwrite(p, 1, n, f);
}

static void w_str(FILE *f, const char *s)
{
	size_t n = strlen(s ? s : "");
	uint16_t len = (uint16_t)(n > 65535 ? 65535 : n);

	w(f, &len, sizeof(len));
	w(f, s, len);
}

static void w_seen(FILE *f, const struct seen_set *s)
{
	uint32_t n = s->n;

	w(f, &n, sizeof(n));
	for (uint32_t i = 0; i < s->cap; i++) {
		if (!s->key[i])
			continue;
		w(f, &seen__kind(s)[i], 1);
		w(f, &seen__day(s)[i], 2);
		w_str(f, s->key[i]);
	}
}

static void w_ident(FILE *f, const struct ident *id)
{
	const struct ewma *ew[] = { &id->ev, &id->reads, &id->rbytes, &id->lists, &id->lbuckets,
				    &id->denied, &id->day_reads };
	uint8_t nrecent = 0;

	w_str(f, id->name);
	w_str(f, id->account);
	w(f, &id->first_day, 2);
	w(f, &id->last_day, 2);
	w(f, &id->active_days, 2);
	w(f, &id->cur_day, 2);
	w(f, id->how, sizeof(id->how));
	w(f, &id->max_regions_6h, 1);
	w(f, &id->read_days_hot, 1);
	w(f, &id->cloud, 1);
	w(f, &id->fired_day, 1);
	for (size_t i = 0; i < sizeof(ew) / sizeof(ew[0]); i++) {
		w(f, &ew[i]->mean, 4);
		w(f, &ew[i]->var, 4);
		w(f, &ew[i]->n, 4);
	}
	w(f, &id->day_reads_acc, 4);
	w(f, &id->peak_hour, 4);
	w(f, &id->peak_day, 4);
	for (size_t i = 0; i < IDENT_RECENT_REGIONS; i++)
		nrecent += id->recent[i].region != NULL;
	w(f, &nrecent, 1);
	for (size_t i = 0; i < IDENT_RECENT_REGIONS; i++) {
		if (!id->recent[i].region)
			continue;
		w_str(f, id->recent[i].region);
		w(f, &id->recent[i].t, 8);
	}
	w_seen(f, &id->seen);
}

static void w_ewma(FILE *f, const struct ewma *e)
{
	w(f, &e->mean, 4);
	w(f, &e->var, 4);
	w(f, &e->n, 4);
}

static void w_volume(FILE *f, const struct volume *v)
{
	uint32_t n = (uint32_t)v->count;

	w(f, &n, sizeof(n));
	for (size_t i = 0; i < v->nslots; i++) {
		const struct vol_ent *e = v->tab[i];

		if (!e)
			continue;
		w(f, &e->kind, 1);
		w_str(f, e->key);
		w(f, &e->active_days, 2);
		w(f, &e->cur_day, 2);
		w_ewma(f, &e->ev);
		w_ewma(f, &e->reads);
	}
}

int baseline__save(const struct baseline *b, FILE *f)
{
	uint32_t v = BL_VERSION, n = (uint32_t)b->count;

	w(f, BL_MAGIC, 4);
	w(f, &v, 4);
	w(f, &n, 4);
	for (size_t i = 0; i < b->nslots; i++)
		if (b->tab[i].id)
			w_ident(f, b->tab[i].id);
	w_seen(f, &b->org);
	w_seen(f, &b->org_buckets);
	w_volume(f, b->vol);
	return ferror(f) ? -EIO : 0;
}

/* Reading: a cursor that turns bad on any short or odd read. */
struct rd {
	struct detector *d;
	const uint8_t *p;
	size_t n;
	int bad, oom;
	uint32_t version;
};

static void r(struct rd *c, void *out, size_t n)
{
	if (c->bad || c->n < n) {
		c->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, c->p, n);
	c->p += n;
	c->n -= n;
}

static const char *r_str(struct rd *c)
{
	uint16_t len = 0;
	const char *s;

	r(c, &len, sizeof(len));
	if (c->bad || c->n < len || memchr(c->p, '\0', len)) {
		c->bad = 1;
		return "";
	}
	s = detector__intern_n(c->d, (const char *)c->p, len);
	c->oom |= !s;
	c->p += len;
	c->n -= len;
	return s ? s : "";
}

static int r_seen(struct rd *c, struct seen_set *s)
{
	uint32_t n = 0;
	uint16_t day;
	uint8_t kind;
	const char *key;

	r(c, &n, sizeof(n));
	for (uint32_t i = 0; i < n && !c->bad && !c->oom; i++) {
		r(c, &kind, 1);
		r(c, &day, 2);
		key = r_str(c);
		if (kind < SEEN_IP || kind > SEEN_BUCKET)
			c->bad = 1;
		else if (!c->bad && seen__put(s, key, kind, day) < 0)
			c->oom = 1;
	}
	return c->oom ? -ENOMEM : c->bad ? -EINVAL : 0;
}

static int r_ident(struct baseline *b, struct rd *c)
{
	struct ident *id;
	struct ewma *ew[7];
	const char *name = r_str(c);
	uint8_t nrecent = 0;
	int err;

	if (c->bad || c->oom || !*name)
		return c->oom ? -ENOMEM : -EINVAL;
	id = baseline__ident_get(b, name, &err);
	if (!id)
		return err ? err : -ENOSPC;
	ew[0] = &id->ev, ew[1] = &id->reads, ew[2] = &id->rbytes, ew[3] = &id->lists;
	ew[4] = &id->lbuckets, ew[5] = &id->denied, ew[6] = &id->day_reads;
	id->account = r_str(c);
	r(c, &id->first_day, 2);
	r(c, &id->last_day, 2);
	r(c, &id->active_days, 2);
	r(c, &id->cur_day, 2);
	r(c, id->how, sizeof(id->how));
	r(c, &id->max_regions_6h, 1);
	r(c, &id->read_days_hot, 1);
	r(c, &id->cloud, 1);
	r(c, &id->fired_day, 1);
	for (size_t i = 0; i < 7; i++) {
		r(c, &ew[i]->mean, 4);
		r(c, &ew[i]->var, 4);
		r(c, &ew[i]->n, 4);
	}
	r(c, &id->day_reads_acc, 4);
	if (c->version >= 3) {
		r(c, &id->peak_hour, 4);
		r(c, &id->peak_day, 4);
	}
	r(c, &nrecent, 1);
	if (nrecent > IDENT_RECENT_REGIONS)
		c->bad = 1;
	for (size_t i = 0; i < nrecent && !c->bad; i++) {
		id->recent[i].region = r_str(c);
		r(c, &id->recent[i].t, 8);
	}
	return r_seen(c, &id->seen);
}

static void r_ewma(struct rd *c, struct ewma *e)
{
	r(c, &e->mean, 4);
	r(c, &e->var, 4);
	r(c, &e->n, 4);
}

/* Entities past the table's bound are left out (counted as dropped). */
static int r_volume(struct baseline *b, struct rd *c)
{
	struct vol_ent *e, scratch;
	uint32_t n = 0;
	uint8_t kind;
	const char *key;
	int err;

	r(c, &n, sizeof(n));
	for (uint32_t i = 0; i < n && !c->bad && !c->oom; i++) {
		r(c, &kind, 1);
		key = r_str(c);
		if (c->bad || c->oom || !*key || (kind != VOL_IP && kind != VOL_BUCKET)) {
			c->bad |= !c->oom;
			break;
		}
		e = volume__get(b->vol, key, kind, &err);
		if (!e && err)
			return err;
		if (!e) {
			memset(&scratch, 0, sizeof(scratch));
			e = &scratch;
		}
		r(c, &e->active_days, 2);
		r(c, &e->cur_day, 2);
		r_ewma(c, &e->ev);
		r_ewma(c, &e->reads);
	}
	return c->oom ? -ENOMEM : c->bad ? -EINVAL : 0;
}

int baseline__load(struct baseline *b, const uint8_t *p, size_t n)
{
	struct rd c = { .d = b->d, .p = p, .n = n };
	char magic[4];
	uint32_t v = 0, count = 0;
	int err = 0;

	r(&c, magic, 4);
	r(&c, &v, 4);
	r(&c, &count, 4);
	if (c.bad || memcmp(magic, BL_MAGIC, 4) != 0 || v < 2 || v > BL_VERSION)
		return -EINVAL;
	c.version = v;
	for (uint32_t i = 0; i < count && !err; i++)
		err = r_ident(b, &c);
	if (!err)
		err = r_seen(&c, &b->org);
	if (!err)
		err = r_seen(&c, &b->org_buckets);
	if (!err)
		err = r_volume(b, &c);
	if (!err && c.n)
		err = -EINVAL;   /* trailing bytes: not what this version wrote */
	return err;
}
