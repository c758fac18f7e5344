/* Whole-file reads with a size cap, and whole-file gunzip with libdeflate
 * (about 2.4x zlib's inflate here). A .gz may hold several members, as
 * concatenated gzip files do; all are decompressed back to back. The
 * buffers are kept from file to file of one read: fresh pages for every
 * file cost a page fault per 4 KiB. */
#include "audit/audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Make room for size bytes plus a NUL in b, dropping what it holds. A
 * quarter more than asked, so that the next file, a little bigger, still
 * fits (pages not written to cost nothing). */
static int buf_reserve(struct audit_buf *b, size_t size)
{
	size_t n = size + size / 4;

	if (b->size >= size)
		return 0;
	free(b->p);
	b->p = malloc(n + 1);
	b->size = b->p ? n : 0;
	return b->p ? 0 : -ENOMEM;
}

void audit_buf__release(struct audit_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->size = 0;
}

static int read_fd(int fd, size_t cap, struct audit_buf *b, size_t *len)
{
	struct stat sb;
	size_t used = 0;
	ssize_t n;
	char *np;

	if (fstat(fd, &sb) < 0)
		return -errno;
	if (S_ISDIR(sb.st_mode))
		return -EISDIR;
	if ((uint64_t)sb.st_size > cap)
		return -EFBIG;
	if (buf_reserve(b, (size_t)sb.st_size + 1) < 0)
		return -ENOMEM;
	for (;;) {
		if (used == b->size) {
			/* The file grew while we read it. */
			if (b->size > cap)
				return -EFBIG;
			np = realloc(b->p, b->size * 2 + 1);
			if (!np)
				return -ENOMEM;
			b->p = np;
			b->size *= 2;
		}
		n = read(fd, b->p + used, b->size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > cap)
		return -EFBIG;
	b->p[used] = '\0';
	*len = used;
	return 0;
}

static int is_gzip(const char *buf, size_t len)
{
	return len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b;
}

/* Make room for at least `need` more bytes (plus a NUL) in b, keeping
 * its first `used`. */
static int grow(struct audit_buf *b, size_t used, size_t need, size_t cap)
{
	size_t n = b->size ? b->size : 64 * 1024;
	char *p;

	if (used + need > cap)
		return -EFBIG;
	while (n < used + need)
		n *= 2;
	if (n > cap)
		n = cap;
	if (n <= b->size)
		return 0;
	p = realloc(b->p, n + 1);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->size = n;
	return 0;
}

/* Decompress one member at in[0..inlen) to b after its first *used bytes,
 * growing it. */
static int gunzip_member(struct libdeflate_decompressor *d, const char *in, size_t inlen,
			 struct audit_buf *b, size_t *used, size_t cap, size_t *consumed)
{
	enum libdeflate_result r;
	size_t got = 0, room;
	int err;

	for (;;) {
		/* the buffer may be bigger than the cap (buf_reserve's slack) */
		room = (b->size < cap ? b->size : cap) - *used;
		r = libdeflate_gzip_decompress_ex(d, in, inlen, b->p + *used, room, consumed, &got);
		if (r == LIBDEFLATE_SUCCESS) {
			*used += got;
			return 0;
		}
		if (r != LIBDEFLATE_INSUFFICIENT_SPACE)
			return -EBADMSG;
		if (*used + room >= cap)
			return -EFBIG;
		err = grow(b, *used, (b->size - *used) * 2 + 1, cap);
		if (err == -EFBIG)
			err = grow(b, *used, cap - *used, cap);
		if (err < 0)
			return err;
	}
}

/* Deflate expands at most about 1032:1. */
#define DEFLATE_MAX_RATIO 1032

/* How big the output will likely be: a gzip member ends with its
 * uncompressed size mod 2^32 (ISIZE), exact for the usual one-member file.
 * libdeflate starts over when the buffer is too small, and CloudTrail's
 * JSON compresses about 16:1, so a guess of 4x cost up to three passes.
 * The trailer is the writer's word: bounded by what deflate can expand to
 * and by the cap; a wrong guess only costs a retry. */
static size_t out_hint(const char *in, size_t inlen, size_t cap)
{
	const unsigned char *t = (const unsigned char *)in + inlen - 4;
	size_t isize, most = inlen > cap / DEFLATE_MAX_RATIO ? cap : inlen * DEFLATE_MAX_RATIO;

	if (inlen < 18)           /* smaller than a gzip header and trailer */
		return inlen * 4 < cap ? inlen * 4 + 1 : cap;
	isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
	if (isize < inlen)
		isize = inlen * 4;
	return isize < most ? isize + 1 : most;
}

/* Gunzip into b (its content dropped): *len bytes and a NUL. */
static int gunzip(const char *in, size_t inlen, size_t cap, struct audit_buf *b, size_t *len)
{
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	size_t used = 0, pos = 0, consumed;
	int err;

	if (!d)
		return -ENOMEM;
	err = buf_reserve(b, out_hint(in, inlen, cap));
	while (!err && pos < inlen) {
		err = gunzip_member(d, in + pos, inlen - pos, b, &used, cap, &consumed);
		if (err)
			break;
		pos += consumed;
		/* Trailing zero padding after the last member is common; stop there. */
		if (!is_gzip(in + pos, inlen - pos))
			break;
	}
	libdeflate_free_decompressor(d);
	if (err)
		return err;
	b->p[used] = '\0';
	*len = used;
	return 0;
}

int audit_file__load(const char *path, size_t cap, struct audit_buf *raw, struct audit_buf *out,
		     char **buf, size_t *len)
{
	size_t rawlen = 0, n = strlen(path);
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = read_fd(fd, cap, raw, &rawlen);
	close(fd);
	if (err)
		return err;
	if (is_gzip(raw->p, rawlen)) {
		err = gunzip(raw->p, rawlen, cap, out, len);
		*buf = err ? NULL : out->p;
		return err;
	}
	/* A .gz without the magic is damaged, not plain text. */
	if (n > 3 && strcmp(path + n - 3, ".gz") == 0)
		return -EBADMSG;
	*buf = raw->p;
	*len = rawlen;
	return 0;
}

int audit_buf__is_gzip(const char *buf, size_t len)
{
	return is_gzip(buf, len);
}

int audit_buf__gunzip(const char *in, size_t inlen, size_t cap, char **buf, size_t *len)
{
	struct audit_buf out = { 0 };
	int err = gunzip(in, inlen, cap, &out, len);

	if (err) {
		audit_buf__release(&out);
		return err;
	}
	*buf = out.p;
	return 0;
}
