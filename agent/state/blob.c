/* See blob.h. */
#include "state/blob.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "state/atomic.h"

struct payload {
	const char *buf;
	size_t len;
};

static uint32_t crc_of(const void *buf, size_t len)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)buf, (uInt)len);
}

static int fill(FILE *f, const void *ctx)
{
	const struct payload *p = ctx;
	uint32_t crc = crc_of(p->buf, p->len);

	if (fwrite(p->buf, 1, p->len, f) != p->len || fwrite(&crc, 1, sizeof(crc), f) != sizeof(crc))
		return -EIO;
	return 0;
}

int blob_file__save(const char *path, const void *buf, size_t len, unsigned mode)
{
	struct payload p = { buf, len };

	if (len > UINT32_MAX)
		return -EFBIG;   /* the checksum covers up to 4 GiB in one call */
	return atomic_write(path, mode, fill, &p);
}

static int read_all(const char *path, size_t max, char **out, size_t *len)
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
	if ((unsigned long long)n > max) {
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

int blob_file__load(const char *path, size_t max, char **out, size_t *len)
{
	uint32_t crc;
	int err = read_all(path, max, out, len);

	if (err)
		return err;
	if (*len < sizeof(crc))
		err = -EINVAL;
	if (!err) {
		*len -= sizeof(crc);
		memcpy(&crc, *out + *len, sizeof(crc));
		if (crc != crc_of(*out, *len))
			err = -EINVAL;
	}
	if (err) {
		free(*out);
		*out = NULL;
	}
	return err;
}
