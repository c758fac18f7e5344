/* agent/state/baseline: the detector's baselines across restarts.
 *
 * One file (e.g. /var/lib/gatewatch/baselines.gwb): what
 * detector__save_baselines() writes, followed by a CRC-32 of it. Saved
 * through atomic_write() (temporary file, fsync, rename, fsync of the
 * directory), so a crash leaves the old or the new file, never a torn one.
 *
 * Ownership: the caller owns the detector; these functions only read or
 * fill it.
 */
#ifndef GW_STATE_BASELINE_H
#define GW_STATE_BASELINE_H

#include "detect/detect.h"

/* 0 or a negative errno. */
int baseline_file__save(struct detector *d, const char *path);
/* Into a fresh detector, before its first event. 0; -ENOENT when there is
 * no file yet (start empty); -EINVAL when it is damaged, of another version
 * or fails its checksum (logged with the path; discard the detector and
 * start a new, empty one); other negative errnos for I/O. */
int baseline_file__load(struct detector *d, const char *path);

#endif
