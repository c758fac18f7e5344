/* See baseline.h. */
#include "state/baseline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lib/log.h"
#include "state/atomic.h"

#define BASELINE_FILE_MAX (1ull << 32)

struct payload {
	const char *buf;
	size_t len;
};

static int fill(FILE *f, const void *ctx)
{
	const struct payload *p = ctx;
	uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)p->buf, (uInt)p->len);

	if (fwrite(p->buf, 1, p->len, f) != p->len || fwrite(&crc, 1, sizeof(crc), f) != sizeof(crc))
		return -EIO;
	return 0;
}

int baseline_file__save(struct detector *d, const char *path)
{
	struct payload p = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int err;

	if (!mem)
		return -ENOMEM;
	err = detector__save_baselines(d, mem);
	if (fclose(mem) != 0 && !err)
		err = -ENOMEM;
	if (!err && len > UINT32_MAX)
		err = -EFBIG;   /* the checksum covers up to 4 GiB in one call */
	if (!err) {
		p.buf = buf;
		p.len = len;
		err = atomic_write(path, 0600, fill, &p);
	}
	if (err)
		log_err("failed to save baselines to %s: %s", path, strerror(-err));
	free(buf);
	return err;
}

static int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;
	int err = 0;

	*out = NULL;
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		err = -EIO;
		goto out;
	}
	if ((unsigned long long)n > BASELINE_FILE_MAX) {
		err = -EFBIG;
		goto out;
	}
	*out = malloc((size_t)n + 1);
	if (!*out) {
		err = -ENOMEM;
		goto out;
	}
	*len = fread(*out, 1, (size_t)n, f);
	if (*len != (size_t)n)
		err = -EIO;
out:
	fclose(f);
	if (err) {
		free(*out);
		*out = NULL;
	}
	return err;
}

int baseline_file__load(struct detector *d, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	uint32_t crc;
	int err = read_all(path, &buf, &len);

	if (err == -ENOENT)
		return err;
	if (!err && len < sizeof(crc))
		err = -EINVAL;
	if (!err) {
		len -= sizeof(crc);
		memcpy(&crc, buf + len, sizeof(crc));
		if (crc != (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)buf, (uInt)len))
			err = -EINVAL;
	}
	if (!err)
		err = detector__load_baselines(d, buf, len);
	if (err)
		log_err("failed to load baselines from %s: %s", path,
			err == -EINVAL ? "damaged or of another version" : strerror(-err));
	free(buf);
	return err;
}
