/* agent/audit/listen: the durable queue between the webhook and the daemon.
 *
 * Each accepted request body is one record, appended and fsync'd before the
 * webhook answers 200; the daemon loop reads the records after the
 * consumed offset, feeds them, and then records the new offset (its own
 * small file, fsync'd). A journal wholly consumed and past JOURNAL_ROTATE
 * bytes is renamed to FILE.1 (the previous one dropped) and begun afresh,
 * so the disk holds at most max_pending + 2 x JOURNAL_ROTATE bytes. The
 * consumed records of both files are read once at startup to remember
 * their ids, so that a sender's retry of an entry consumed before a
 * restart is still known as a duplicate.
 *
 * Record: u32 length, u32 CRC-32 of the body (little-endian), the body. A
 * torn or damaged tail (a crash in the middle of an append, never
 * acknowledged) is cut off at open.
 */
#ifndef GW_AUDIT_LISTEN_JOURNAL_H
#define GW_AUDIT_LISTEN_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#define JOURNAL_FILE "minio-audit.journal"
#define JOURNAL_ROTATE ((uint64_t)4 << 20)

struct journal;

/* Called with one record's body, NUL-terminated (buf[len] == 0) and
 * writable. Its return is ignored: a record is consumed once read. */
typedef void (*journal_fn)(char *buf, size_t len, void *ctx);

/* Open (creating) dir/JOURNAL_FILE. max_record bounds one body; past
 * max_pending unconsumed bytes appends are refused. 0 or -errno. */
int journal__open(const char *dir, size_t max_record, uint64_t max_pending,
		  struct journal **out);
void journal__close(struct journal *j);
/* Append one record durably (any thread). 0; -ENOSPC when the pending
 * bytes would pass max_pending; -E2BIG over max_record; or the I/O error. */
int journal__append(struct journal *j, const void *buf, size_t len);
/* Records already consumed (FILE.1, then FILE up to the offset), for
 * remembering ids at startup. 0 or -errno. */
int journal__replay_consumed(struct journal *j, journal_fn fn, void *ctx);
/* Records not yet consumed, in order; *end is where they end. Returns the
 * number of records, or -errno. The offset moves only with
 * journal__commit(j, *end), called once what was read is safe (fed): a
 * crash in between reads them again. One thread. */
int journal__drain(struct journal *j, journal_fn fn, void *ctx, uint64_t *end);
/* Records up to end are consumed: saved (fsync'd), and the file rotated
 * when wholly consumed and large. 0 or -errno. */
int journal__commit(struct journal *j, uint64_t end);
/* Bytes appended and not yet consumed. */
uint64_t journal__pending(struct journal *j);

#endif
