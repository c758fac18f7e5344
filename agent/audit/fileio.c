/* Whole-file reads with a size cap, and whole-file gunzip with libdeflate
 * (about 2.4x zlib's inflate here). A .gz may hold several members, as
 * concatenated gzip files do; all are decompressed back to back. */
#include "audit/audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_fd(int fd, size_t cap, char **buf, size_t *len)
{
	struct stat sb;
	size_t size, used = 0;
	char *p = NULL, *np;
	ssize_t n;
	int err;

	if (fstat(fd, &sb) < 0)
		return -errno;
	if (S_ISDIR(sb.st_mode))
		return -EISDIR;
	if ((uint64_t)sb.st_size > cap)
		return -EFBIG;
	size = (size_t)sb.st_size + 1;
	p = malloc(size + 1);
	if (!p)
		return -ENOMEM;
	for (;;) {
		if (used == size) {
			/* The file grew while we read it. */
			if (size > cap) {
				err = -EFBIG;
				goto out;
			}
			size *= 2;
			np = realloc(p, size + 1);
			if (!np) {
				err = -ENOMEM;
				goto out;
			}
			p = np;
		}
		n = read(fd, p + used, size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > cap) {
		err = -EFBIG;
		goto out;
	}
	p[used] = '\0';
	*buf = p;
	*len = used;
	return 0;
out:
	free(p);
	return err;
}

static int is_gzip(const char *buf, size_t len)
{
	return len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b;
}

/* Make room for at least `need` more bytes (plus a NUL) in *out. */
static int grow(char **out, size_t *size, size_t used, size_t need, size_t cap)
{
	size_t n = *size ? *size : 64 * 1024;
	char *p;

	if (used + need > cap)
		return -EFBIG;
	while (n < used + need)
		n *= 2;
	if (n > cap)
		n = cap;
	if (n <= *size)
		return 0;
	p = realloc(*out, n + 1);
	if (!p)
		return -ENOMEM;
	*out = p;
	*size = n;
	return 0;
}

/* Decompress one member at in[0..inlen) to the end of out, growing it. */
static int gunzip_member(struct libdeflate_decompressor *d, const char *in, size_t inlen,
			 char **out, size_t *size, size_t *used, size_t cap, size_t *consumed)
{
	enum libdeflate_result r;
	size_t got = 0;
	int err;

	for (;;) {
		r = libdeflate_gzip_decompress_ex(d, in, inlen, *out + *used, *size - *used,
						  consumed, &got);
		if (r == LIBDEFLATE_SUCCESS) {
			*used += got;
			return 0;
		}
		if (r != LIBDEFLATE_INSUFFICIENT_SPACE)
			return -EBADMSG;
		if (*size >= cap)
			return -EFBIG;
		err = grow(out, size, *used, (*size - *used) * 2 + 1, cap);
		if (err == -EFBIG)
			err = grow(out, size, *used, cap - *used, cap);
		if (err < 0)
			return err;
	}
}

static int gunzip(const char *in, size_t inlen, size_t cap, char **buf, size_t *len)
{
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	size_t size = 0, used = 0, pos = 0, consumed;
	char *out = NULL;
	int err;

	if (!d)
		return -ENOMEM;
	err = grow(&out, &size, 0, inlen * 4 < cap ? inlen * 4 + 1 : cap, cap);
	while (!err && pos < inlen) {
		err = gunzip_member(d, in + pos, inlen - pos, &out, &size, &used, cap, &consumed);
		if (err)
			break;
		pos += consumed;
		/* Trailing zero padding after the last member is common; stop there. */
		if (!is_gzip(in + pos, inlen - pos))
			break;
	}
	libdeflate_free_decompressor(d);
	if (err) {
		free(out);
		return err;
	}
	out[used] = '\0';
	*buf = out;
	*len = used;
	return 0;
}

int audit_file__load(const char *path, size_t cap, char **buf, size_t *len)
{
	char *raw = NULL;
	size_t rawlen = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = read_fd(fd, cap, &raw, &rawlen);
	close(fd);
	if (err)
		return err;
	if (!is_gzip(raw, rawlen)) {
		size_t n = strlen(path);

		/* A .gz without the magic is damaged, not plain text. */
		if (n > 3 && strcmp(path + n - 3, ".gz") == 0) {
			free(raw);
			return -EBADMSG;
		}
		*buf = raw;
		*len = rawlen;
		return 0;
	}
	err = gunzip(raw, rawlen, cap, buf, len);
	free(raw);
	return err;
}

int audit_buf__is_gzip(const char *buf, size_t len)
{
	return is_gzip(buf, len);
}

int audit_buf__gunzip(const char *in, size_t inlen, size_t cap, char **buf, size_t *len)
{
	return gunzip(in, inlen, cap, buf, len);
}
