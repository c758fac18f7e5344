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
/* The end of the last whole record appended so far. Thread-safe. */
uint64_t store__size(struct store *s);
/* Read the record at off from fd, which must end within limit: its length
 * to *len and, with buf, its payload into *buf (grown to *cap as needed,
 * owned by the caller), checksum verified. Returns 0, -EBADMSG (no whole
 * good record there), -EIO or -ENOMEM. */
int store__read_record(int fd, uint64_t off, uint64_t limit, uint8_t **buf, size_t *cap,
		       size_t *len);

/* Which (agent id, sequence) pairs were stored, and with which content.
 *
 * Per agent: the highest sequence stored (its high-water mark) and the last
 * DEDUP_WINDOW (agent, sequence) pairs stored, each with a digest of the
 * batch's bytes; at most max_agents agents (the least recently seen is
 * forgotten first). The window holds what was stored last, not a range of
 * sequences below the mark, so one batch far ahead pushes out one entry,
 * not all of them, and no arithmetic on sequences can wrap.
 *   DEDUP_NEW        never stored: store it
 *   DEDUP_NEW_UNSURE not in the window but not above everything forgotten
 *                    either (an agent that started over, or an old resend):
 *                    storing twice beats dropping a batch; log it
 *   DEDUP_DUPLICATE  stored before with the same bytes: acknowledge
 *   DEDUP_CONFLICT   stored before with other bytes: refuse, never acknowledge
 * Memory: at most max_agents * DEDUP_WINDOW * 16 bytes (64 MiB for the
 * collector's 1024 agents); an agent's window grows as it stores. Rebuilt
 * from the store at startup, so it survives restarts. */
#define DEDUP_WINDOW 4096
#define DEDUP_DIGEST_LEN 8

enum dedup_verdict {
	DEDUP_NEW = 0,
	DEDUP_NEW_UNSURE,
	DEDUP_DUPLICATE,
	DEDUP_CONFLICT,
};

struct dedup;

struct dedup *dedup__new(size_t max_agents);
void dedup__free(struct dedup *d);
/* The first DEDUP_DIGEST_LEN bytes of the SHA-256 of data. */
void dedup__digest(const uint8_t *data, size_t len, uint8_t digest[DEDUP_DIGEST_LEN]);
enum dedup_verdict dedup__check(const struct dedup *d, const char *agent, uint64_t seq,
				const uint8_t digest[DEDUP_DIGEST_LEN]);
/* Remember a stored batch. Returns 0 or -ENOMEM. */
int dedup__add(struct dedup *d, const char *agent, uint64_t seq,
	       const uint8_t digest[DEDUP_DIGEST_LEN]);

#endif
