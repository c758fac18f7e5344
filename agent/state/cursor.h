/* agent/state/cursor: durable pull cursors.
 *
 * A pulled source (a bucket URL) remembers the last object key it has
 * fully delivered, so that after a restart or a crash the pull starts after
 * it: nothing is skipped and nothing is read twice. One small file per
 * source under DIR, named by a hash of the source string, holding the
 * source (checked on load) and the key. Saving writes a temporary file,
 * fsyncs it, renames it over the old one and fsyncs DIR, so a crash leaves
 * either the old or the new cursor, never a torn one.
 */
#ifndef GW_STATE_CURSOR_H
#define GW_STATE_CURSOR_H

#include <stddef.h>

/* Longest key stored (S3 keys are at most 1024 bytes, Azure blob names 1024
 * characters). */
#define CURSOR_MAX_KEY 4096

/* Load the cursor of `source` into key[0..size). Returns 0, -ENOENT when the
 * source has no cursor yet (key is ""), -EBADMSG for a damaged file, or
 * -errno. */
int cursor__load(const char *dir, const char *source, char *key, size_t size);

/* Durably record `key` as the last key done for `source`, creating DIR
 * (mode 0700) when missing. Returns 0 or -errno. */
int cursor__save(const char *dir, const char *source, const char *key);

#endif
