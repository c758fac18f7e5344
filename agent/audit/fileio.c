/* Whole-file reads with a size cap, and gunzip streamed with zlib under a
 * ratio check (a gzip bomb stops after tens of MiB, not at the 1 GiB cap).
 * A .gz may hold several members, as concatenated gzip files do; all are
 * decompressed back to back. The buffers are kept from file to file of one
 * read: fresh pages for every file cost a page fault per 4 KiB. */
#include "audit/audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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
 * its first `used`, never beyond limit. */
static int grow(struct audit_buf *b, size_t used, size_t need, size_t limit)
{
	size_t n = b->size ? b->size : 64 * 1024;
	char *p;

	if (used + need > limit)
		return -EFBIG;
	while (n < used + need)
		n *= 2;
	if (n > limit)
		n = limit;
	if (n <= b->size)
		return 0;
	p = realloc(b->p, n + 1);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->size = n;
	return 0;
}

/* The output a gzip stream may have reached after `consumed` bytes of
 * input: GUNZIP_MAX_RATIO times that plus GUNZIP_SLACK, and never past
 * cap. Real logs compress about 10-20:1 (CloudTrail JSON about 16:1); a
 * bomb runs near deflate's 1032:1 and is stopped after tens of MiB. */
static size_t gunzip_budget(size_t consumed, size_t cap)
{
	size_t b = GUNZIP_SLACK;

	if (consumed > (cap - b) / GUNZIP_MAX_RATIO)
		return cap;
	b += consumed * GUNZIP_MAX_RATIO;
	return b < cap ? b : cap;
}

/* One inflate step into b after *used: at most GUNZIP_STEP bytes, so the
 * ratio is checked often. Z_OK, Z_STREAM_END, or a negative errno. */
static int inflate_step(z_stream *z, struct audit_buf *b, size_t *used, size_t consumed,
			size_t cap)
{
	size_t budget = gunzip_budget(consumed, cap), room;
	unsigned char probe;
	int zr, err;

	if (*used >= budget) {
		/* full: only the end of the stream (trailer, no output) may follow */
		z->next_out = &probe;
		z->avail_out = 1;
		zr = inflate(z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END && z->avail_out == 1)
			return zr;
		if (z->avail_out == 1 && z->avail_in == 0)
			return -EBADMSG;   /* truncated */
		return budget == cap ? -EFBIG : -EOVERFLOW;
	}
	if (*used == b->size) {
		err = grow(b, *used, GUNZIP_STEP < budget - *used ? GUNZIP_STEP : budget - *used,
			   budget);
		if (err < 0)
			return err;
	}
	room = b->size - *used;
	if (room > budget - *used)
		room = budget - *used;
	if (room > GUNZIP_STEP)
		room = GUNZIP_STEP;
	z->next_out = (Bytef *)b->p + *used;
	z->avail_out = (uInt)room;
	zr = inflate(z, Z_NO_FLUSH);
	*used += room - z->avail_out;
	if (zr == Z_OK || zr == Z_STREAM_END)
		return zr;
	if (zr == Z_MEM_ERROR)
		return -ENOMEM;
	/* Z_BUF_ERROR with room to write: the input ended mid-member */
	return zr == Z_BUF_ERROR && z->avail_out == 0 ? Z_OK : -EBADMSG;
}

/* Gunzip every member into b (its content dropped): *len bytes and a NUL.
 * Streamed with zlib, so that the ratio of output to input read so far is
 * checked as the output grows: a bomb is refused (-EOVERFLOW) before it
 * costs more than about GUNZIP_SLACK of memory. */
static int gunzip(const char *in, size_t inlen, size_t cap, struct audit_buf *b, size_t *len)
{
	z_stream z;
	size_t used = 0;
	int err;

	if (inlen > UINT32_MAX)
		return -EFBIG;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)inlen;
	err = buf_reserve(b, gunzip_budget(0, cap) < inlen * 4 ? gunzip_budget(0, cap) : inlen * 4);
	while (!err) {
		err = inflate_step(&z, b, &used, inlen - z.avail_in, cap);
		if (err == Z_OK) {
			if (z.avail_in == 0 && z.avail_out != 0)
				err = -EBADMSG;   /* truncated */
			continue;
		}
		if (err != Z_STREAM_END)
			break;
		/* Another member follows, or trailing zero padding (common):
		 * stop at anything that is not a gzip header. */
		err = 0;
		if (!is_gzip((const char *)z.next_in, z.avail_in))
			break;
		if (inflateReset(&z) != Z_OK)
			err = -EBADMSG;
	}
	inflateEnd(&z);
	if (err)
		return err;
	b->p[used] = '\0';
	*len = used;
	return 0;
}

const char *audit_load__strerror(int err)
{
	switch (err) {
	case -EFBIG:
		return "larger than 1 GiB (after decompression)";
	case -EOVERFLOW:
		return "expands more than " GUNZIP_RATIO_TEXT " times its compressed size "
		       "(a decompression bomb?); passed over";
	case -EBADMSG:
		return "corrupt or truncated gzip data";
	default:
		return strerror(-err);
	}
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
