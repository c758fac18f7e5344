/* See detect.h: the baselines in a crash-safe file across restarts. The
 * detector turns them into bytes (baseline_io.c); state/blob keeps the
 * bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "lib/log.h"
#include "state/blob.h"

#define BASELINE_FILE_MAX (1ull << 32)

int baseline_file__save(struct detector *d, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int err;

	if (!mem)
		return -ENOMEM;
	err = detector__save_baselines(d, mem);
	if (fclose(mem) != 0 && !err)
		err = -ENOMEM;
	if (!err)
		err = blob_file__save(path, buf, len, 0600);
	if (err)
		log_err("failed to save baselines to %s: %s", path, strerror(-err));
	free(buf);
	return err;
}

int baseline_file__load(struct detector *d, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int err = blob_file__load(path, BASELINE_FILE_MAX, &buf, &len);

	if (err == -ENOENT)
		return err;
	if (!err)
		err = detector__load_baselines(d, buf, len);
	if (err)
		log_err("failed to load baselines from %s: %s", path,
			err == -EINVAL ? "damaged or of another version" : strerror(-err));
	free(buf);
	return err;
}
