/* See correlate.h: the slots waiting for the audit delivery delay, kept in
 * a state file so that a crash (kill -9, power) between a host window and
 * its judgement loses neither. The file is a blob (state/blob.h: CRC-32,
 * written atomically): a header, then per slot its scalars and the rows in
 * use. Rows are the slot's fixed-size records as they are in memory; the
 * header names their sizes, so a file of another build is refused rather
 * than misread. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate_priv.h"
#include "lib/log.h"
#include "state/blob.h"

#define SLOTS_MAGIC 0x4c535747u     /* "GWSL" */
#define SLOTS_VERSION 1u
#define SLOTS_MAX_FILE (CORR_MAX_SLOTS * sizeof(struct corr_slot) + 4096)

struct slots_hdr {
	uint32_t magic, version;
	uint32_t slot_ms, nslots;
	uint32_t sz_bucket, sz_other, sz_new, sz_event;
};

struct slot_hdr {
	int64_t start_ms;
	uint64_t ident_events;
	int32_t observed, gateway_active;
	uint32_t nbuckets, nothers, nnew, pad;
};

struct buf {
	char *p;
	size_t len, cap;
};

static int put(struct buf *b, const void *src, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 65536;
		char *np;

		while (cap < b->len + n)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
	return 0;
}

static void hdr_fill(const struct correlator *c, struct slots_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = SLOTS_MAGIC;
	h->version = SLOTS_VERSION;
	h->slot_ms = (uint32_t)c->slot_ms;
	h->nslots = (uint32_t)c->nslots;
	h->sz_bucket = sizeof(struct corr_bucket);
	h->sz_other = sizeof(struct corr_other);
	h->sz_new = sizeof(struct corr_newclient);
	h->sz_event = sizeof(struct corr_event);
}

int correlator__save_slots(struct correlator *c, const char *path)
{
	struct buf b = { 0 };
	struct slots_hdr h;
	int err;

	if (!c->slots_dirty)
		return 0;
	hdr_fill(c, &h);
	err = put(&b, &h, sizeof(h));
	for (size_t i = 0; i < c->nslots && !err; i++) {
		const struct corr_slot *s = &c->slots[i];
		struct slot_hdr sh = {
			.start_ms = s->start_ms, .ident_events = s->ident_events,
			.observed = s->observed, .gateway_active = s->gateway_active,
			.nbuckets = (uint32_t)s->nbuckets, .nothers = (uint32_t)s->nothers,
			.nnew = (uint32_t)s->nnew,
		};

		err = put(&b, &sh, sizeof(sh));
		err = err ? err : put(&b, &s->ident, sizeof(s->ident));
		err = err ? err : put(&b, s->buckets, s->nbuckets * sizeof(s->buckets[0]));
		err = err ? err : put(&b, s->others, s->nothers * sizeof(s->others[0]));
		err = err ? err : put(&b, s->newc, s->nnew * sizeof(s->newc[0]));
	}
	if (!err)
		err = blob_file__save(path, b.p, b.len, 0600);
	if (!err)
		c->slots_dirty = 0;
	free(b.p);
	return err;
}

static int take(const char **p, const char *end, void *dst, size_t n)
{
	if ((size_t)(end - *p) < n)
		return -EINVAL;
	memcpy(dst, *p, n);
	*p += n;
	return 0;
}

/* One slot from the file into s: 0 or -EINVAL. */
static int load_slot(const char **p, const char *end, struct corr_slot *s)
{
	struct slot_hdr sh;

	if (take(p, end, &sh, sizeof(sh)) || sh.nbuckets > CORR_SLOT_BUCKETS ||
	    sh.nothers > CORR_SLOT_OTHERS || sh.nnew > CORR_SLOT_NEW)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->start_ms = sh.start_ms;
	s->ident_events = sh.ident_events;
	s->observed = sh.observed;
	s->gateway_active = sh.gateway_active;
	s->nbuckets = sh.nbuckets;
	s->nothers = sh.nothers;
	s->nnew = sh.nnew;
	if (take(p, end, &s->ident, sizeof(s->ident)) ||
	    take(p, end, s->buckets, s->nbuckets * sizeof(s->buckets[0])) ||
	    take(p, end, s->others, s->nothers * sizeof(s->others[0])) ||
	    take(p, end, s->newc, s->nnew * sizeof(s->newc[0])))
		return -EINVAL;
	/* strings end inside their arrays whatever the file says */
	s->ident.principal[sizeof(s->ident.principal) - 1] = '\0';
	s->ident.access_key[sizeof(s->ident.access_key) - 1] = '\0';
	s->ident.source_ip[sizeof(s->ident.source_ip) - 1] = '\0';
	s->ident.api[sizeof(s->ident.api) - 1] = '\0';
	s->ident.bucket[sizeof(s->ident.bucket) - 1] = '\0';
	for (size_t i = 0; i < s->nbuckets; i++) {
		s->buckets[i].name[sizeof(s->buckets[i].name) - 1] = '\0';
		corr_proc_terminate(&s->buckets[i].gateway);
	}
	for (size_t i = 0; i < s->nothers; i++) {
		s->others[i].addr[sizeof(s->others[i].addr) - 1] = '\0';
		corr_proc_terminate(&s->others[i].proc);
	}
	for (size_t i = 0; i < s->nnew; i++) {
		s->newc[i].addr[sizeof(s->newc[i].addr) - 1] = '\0';
		s->newc[i].object[sizeof(s->newc[i].object) - 1] = '\0';
		corr_proc_terminate(&s->newc[i].gateway);
	}
	return 0;
}

int correlator__load_slots(struct correlator *c, const char *path)
{
	struct slots_hdr h, want;
	char *buf = NULL;
	const char *p, *end;
	size_t len = 0, n = 0;
	int err;

	err = blob_file__load(path, SLOTS_MAX_FILE, &buf, &len);
	if (err)
		return err == -ENOENT ? 0 : err;
	p = buf;
	end = buf + len;
	hdr_fill(c, &want);
	err = -EINVAL;
	if (take(&p, end, &h, sizeof(h)) || h.magic != want.magic || h.version != want.version ||
	    h.slot_ms != want.slot_ms || h.sz_bucket != want.sz_bucket ||
	    h.sz_other != want.sz_other || h.sz_new != want.sz_new ||
	    h.sz_event != want.sz_event || h.nslots > CORR_MAX_SLOTS)
		goto out;
	for (n = 0; n < h.nslots; n++)
		if (load_slot(&p, end, &c->slots[n]) < 0)
			goto out;
	if (p != end)
		goto out;
	c->nslots = n;
	err = 0;
out:
	if (err) {
		log_warn("%s: not a slot file of this version, or damaged; the slots it held are lost",
			 path);
		c->nslots = 0;
	}
	free(buf);
	return err;
}
