/* Crash-safe replacement of a small state file: the new content goes to a
 * temporary file beside it, is fsync'ed and renamed over the old one, and
 * the directory is fsync'ed, so a crash leaves the old or the new file,
 * never a torn one. A path that exists and is not a regular file (a device
 * such as /dev/null, a FIFO) is written into, never replaced. */
#ifndef GW_STATE_ATOMIC_H
#define GW_STATE_ATOMIC_H

#include <stdio.h>
#include <sys/types.h>

/* fill writes the content to f and returns 0 or a negative errno. Returns 0
 * or a negative errno; on failure the old file is untouched, except when
 * only the final fsync of the directory failed (the new file is in place,
 * its rename perhaps not yet durable). */
int atomic_write(const char *path, mode_t mode, int (*fill)(FILE *f, const void *ctx), const void *ctx);

#endif
