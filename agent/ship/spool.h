/* agent/ship: the agent's durable spool of encoded batches.
 *
 * One file per batch in DIR (the state directory's spool/), named by its
 * sequence number ("%020llu.gwb"), holding
 *   [magic "GWS1"][payload len u32 LE][crc32 u32 LE][seq u64 LE][cursor u64 LE][payload]
 * where the crc32 (zlib) covers seq, cursor and payload, and the payload is
 * one FindingBatch protobuf carrying the same sequence. A file is written to
 * NAME.tmp, fsync'd and renamed, so it exists whole or not at all; its bytes
 * never change afterwards, so every resend is byte-identical.
 *
 * The cursor is the caller's input position up to which every finding is in
 * the spool. The newest file carries the newest (sequence, cursor); when the
 * spool runs empty, the acknowledged newest file is renamed to DIR/last
 * rather than removed, so neither ever goes back after a crash: a sequence
 * is never reused for other content, and input is never spooled twice.
 * (DIR/state, written with fsync, keeps them when a damaged file is set
 * aside.) A fresh spool starts its sequences at the wall clock in
 * microseconds, so a wiped state directory does not reuse old sequences.
 *
 * The spool holds at most `cap` bytes: spool__put() refuses a batch that
 * does not fit (-ENOSPC), so the caller can send the backlog first; only
 * spool__make_room() drops the oldest batches, each counted and logged as
 * an error.
 *
 * A batch the collector refused for good leaves the queue through
 * spool__reject(): its payload stays as DIR/rejected-SEQ.pb (one raw
 * FindingBatch, for `gatewatch decode`), the oldest of those removed past
 * SPOOL_REJECTED_MAX files or SPOOL_REJECTED_BYTES bytes.
 */
#ifndef GW_SHIP_SPOOL_H
#define GW_SHIP_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_MAGIC "GWS1"
#define SPOOL_HDR_LEN 28
#define SPOOL_MAX_BATCH (16u << 20)
#define SPOOL_REJECTED_MAX 64
#define SPOOL_REJECTED_BYTES (64u << 20)

struct spool;

struct spool_stats {
	uint64_t batches;        /* in the spool now */
	uint64_t bytes;          /* their file sizes */
	uint64_t dropped;        /* batches dropped at the cap since open */
	uint64_t corrupt;        /* files set aside (bad crc or header) since open */
	uint64_t rejected;       /* batches retired by spool__reject() since open */
	uint64_t rejected_pruned; /* rejected-* files removed at their bound since open */
};

/* Open (creating dir 0700) the spool, remove leftover *.tmp files and index
 * the batches. On success *out is owned by the caller (spool__close). */
int spool__open(const char *dir, uint64_t cap, struct spool **out);
void spool__close(struct spool *sp);

/* The sequence the next batch gets, and the cursor of the newest batch. */
uint64_t spool__next_seq(const struct spool *sp);
uint64_t spool__cursor(const struct spool *sp);

/* Write the batch `seq` (must be spool__next_seq()) durably with `cursor`.
 * Returns 0, -EFBIG (larger than the cap or SPOOL_MAX_BATCH), -ENOSPC when
 * it does not fit under the cap now (or the disk is full), or an errno. */
int spool__put(struct spool *sp, uint64_t seq, uint64_t cursor, const uint8_t *buf,
	       size_t len);

/* Whether a batch of len payload bytes fits under the cap now. */
int spool__fits(const struct spool *sp, size_t len);

/* Drop the oldest batches, never delivered (each counted and logged as an
 * error), until a batch of len payload bytes fits. 0 or a negative errno. */
int spool__make_room(struct spool *sp, size_t len);

/* Retire the oldest batch `seq`, refused for good, keeping buf[0..len) as
 * DIR/rejected-SEQ.pb (see above). Returns 0, -ENOENT when seq is not the
 * oldest, or an errno: then the batch stays in the spool. */
int spool__reject(struct spool *sp, uint64_t seq, const uint8_t *buf, size_t len);

/* Read the oldest batch: *buf is malloc'd and owned by the caller.
 * Returns 0, -ENOENT when the spool is empty, or an errno. A file that
 * fails its checks is renamed to NAME.corrupt, counted, logged, and the next
 * one is read. */
int spool__oldest(struct spool *sp, uint64_t *seq, uint8_t **buf, size_t *len);

/* Remove the batch `seq` (acknowledged). Returns 0 or a negative errno. */
int spool__remove(struct spool *sp, uint64_t seq);

void spool__stats(const struct spool *sp, struct spool_stats *st);

#endif
