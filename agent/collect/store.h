/* agent/collect: the collector's batch store and duplicate index.
 *
 * The store is one append-only file, DIR/batches.gwb, of records
 *   [magic "GWB1"][len u32 LE][crc32 u32 LE, zlib crc32 of the payload][payload]
 * where the payload is one FindingBatch protobuf. Appends are written whole
 * and fsync'd before they are acknowledged. A record torn by a crash
 * mid-append can only be the last one; store__open() cuts it away.
 */
#ifndef GW_SHIP_STORE_H
#define GW_SHIP_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STORE_FILE "batches.gwb"
#define STORE_MAGIC "GWB1"
#define STORE_HDR_LEN 12
#define STORE_MAX_RECORD (64u << 20)

enum store_bad {
	STORE_OK = 0,
	STORE_TORN,        /* end of input inside a record */
	STORE_BAD_MAGIC,
	STORE_BAD_LEN,     /* length over STORE_MAX_RECORD */
	STORE_BAD_CRC,
};

struct store_scan {
	uint64_t records;     /* good records seen */
	uint64_t end;         /* offset just past the last good record */
	int bad;              /* enum store_bad */
	uint32_t bad_len;     /* the bad record's declared length */
};

/* Called per good record; data is valid during the call only.
 * Return 0 to go on, a negative errno to stop the scan with it. */
typedef int (*store_record_fn)(uint64_t off, const uint8_t *data, size_t len, void *ctx);

/* Scan records from f (at its start) up to `limit` bytes (UINT64_MAX: to EOF).
 * Returns 0 at a clean end, -EBADMSG at a bad record (st->end is its offset,
 * st->bad says why), -EIO/-ENOMEM, or the callback's return. */
int store__scan_stream(FILE *f, uint64_t limit, store_record_fn cb, void *ctx,
		       struct store_scan *st);
const char *store__bad_name(int bad);

struct store;

/* Open (creating DIR 0700 and the file 0600) and lock the store, cut a torn
 * tail, and hand every good record to cb (may be NULL). Refuses a store with
 * damage before its tail (-EBADMSG, logged with the offset) and a store that
 * another process holds (-EBUSY). On success *out is owned by the caller. */
int store__open(const char *dir, store_record_fn cb, void *ctx, struct store **out);
void store__close(struct store *s);
/* Append one record durably. Returns 0 or a negative errno (the file is
 * left as it was). Thread-safe. */
int store__append(struct store *s, const uint8_t *data, size_t len);
/* Scan the records appended so far. Thread-safe with store__append(). */
int store__scan(struct store *s, store_record_fn cb, void *ctx);
const char *store__path(const struct store *s);

/* Which (agent id, sequence) pairs were stored: per agent the most recent
 * DEDUP_WINDOW sequences below the highest one, for at most max_agents
 * agents (the least recently seen is forgotten first). A sequence older than
 * the window counts as new: storing twice beats dropping a batch. */
#define DEDUP_WINDOW 4096

struct dedup;

struct dedup *dedup__new(size_t max_agents);
void dedup__free(struct dedup *d);
int dedup__seen(const struct dedup *d, const char *agent, uint64_t seq);
/* Returns 0 or -ENOMEM. */
int dedup__add(struct dedup *d, const char *agent, uint64_t seq);

#endif
