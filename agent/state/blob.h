/* agent/state/blob: bytes kept in one file across restarts.
 *
 * The file holds the bytes followed by a CRC-32 of them. Saved through
 * atomic_write() (temporary file, fsync, rename, fsync of the directory),
 * so a crash leaves the old or the new file, never a torn one. What the
 * bytes mean is the writer's business (the detector's baselines, see
 * detect.h); this file only stores them.
 */
#ifndef GW_STATE_BLOB_H
#define GW_STATE_BLOB_H

#include <stddef.h>

/* Up to 4 GiB. 0, -EFBIG, or a negative errno from the write. */
int blob_file__save(const char *path, const void *buf, size_t len, unsigned mode);
/* The bytes of a file of at most max bytes: *out malloc'd (the caller frees
 * it), *len set. 0; -ENOENT when there is no file; -EINVAL when it is too
 * short or fails its checksum; -EFBIG; other negative errnos for I/O. */
int blob_file__load(const char *path, size_t max, char **out, size_t *len);

#endif
