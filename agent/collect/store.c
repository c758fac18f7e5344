/* agent/collect: the collector's append-only batch store (see store.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "lib/io.h"
#include "lib/log.h"
#include "collect/store.h"

struct store {
	int fd;
	uint64_t size;          /* end of the last whole record */
	pthread_mutex_t lock;
	char path[4096];
};

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const char *store__bad_name(int bad)
{
	switch (bad) {
	case STORE_OK: return "ok";
	case STORE_TORN: return "record cut short";
	case STORE_BAD_MAGIC: return "bad record magic";
	case STORE_BAD_LEN: return "record length out of range";
	case STORE_BAD_CRC: return "record checksum mismatch";
	default: return "bad record";
	}
}

/* Read one record header at st->end; 1 if a record follows, 0 at a clean
 * end, or a negative errno with st->bad set. */
static int read_header(FILE *f, uint64_t limit, struct store_scan *st, uint32_t *len,
		       uint32_t *crc)
{
	uint8_t hdr[STORE_HDR_LEN];
	size_t got;

	if (st->end >= limit)
		return 0;
	got = fread(hdr, 1, limit - st->end < sizeof(hdr) ? limit - st->end : sizeof(hdr), f);
	if (got == 0)
		return ferror(f) ? -EIO : 0;
	if (got < sizeof(hdr)) {
		if (ferror(f))
			return -EIO;
		st->bad = memcmp(hdr, STORE_MAGIC, got < 4 ? got : 4) ? STORE_BAD_MAGIC : STORE_TORN;
		return -EBADMSG;
	}
	*len = get_le32(hdr + 4);
	*crc = get_le32(hdr + 8);
	st->bad_len = *len;
	if (memcmp(hdr, STORE_MAGIC, 4) != 0)
		st->bad = STORE_BAD_MAGIC;
	else if (*len > STORE_MAX_RECORD)
		st->bad = STORE_BAD_LEN;
	else
		return 1;
	return -EBADMSG;
}

int store__scan_stream(FILE *f, uint64_t limit, store_record_fn cb, void *ctx,
		       struct store_scan *st)
{
	uint8_t *buf = NULL;
	size_t cap = 0;
	uint32_t len = 0, crc = 0;
	int err;

	memset(st, 0, sizeof(*st));
	while ((err = read_header(f, limit, st, &len, &crc)) == 1) {
		if (len > cap) {
			uint8_t *nb = realloc(buf, len);

			err = -ENOMEM;
			if (!nb)
				goto out;
			buf = nb;
			cap = len;
		}
		err = -EBADMSG;
		if (limit - st->end - STORE_HDR_LEN < len || fread(buf, 1, len, f) != len) {
			st->bad = STORE_TORN;
			if (ferror(f))
				err = -EIO;
			goto out;
		}
		if ((uint32_t)crc32(0L, buf, len) != crc) {
			st->bad = STORE_BAD_CRC;
			goto out;
		}
		if (cb && (err = cb(st->end, buf, len, ctx)) < 0)
			goto out;
		st->records++;
		st->end += STORE_HDR_LEN + (uint64_t)len;
	}
out:
	free(buf);
	return err;
}

/* 1 if everything in fd from off to size is zero bytes, 0 if not,
 * negative errno on error. */
static int zero_tail(int fd, uint64_t off, uint64_t size)
{
	uint8_t buf[4096];

	while (off < size) {
		ssize_t n = pread(fd, buf, size - off < sizeof(buf) ? size - off : sizeof(buf),
				  (off_t)off);

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i])
				return 0;
		off += (uint64_t)n;
	}
	return 1;
}

/* Cut a torn last record: one cut short, or one followed by nothing but
 * zero bytes (a tail the file system extended but never wrote). Refuse
 * damage that valid records may follow. */
static int recover(struct store *s, uint64_t size, const struct store_scan *st)
{
	uint64_t after = st->end;
	int torn = st->bad == STORE_TORN;

	if (st->bad == STORE_BAD_CRC)
		after += STORE_HDR_LEN + (uint64_t)st->bad_len;
	if (!torn) {
		torn = zero_tail(s->fd, after, size);
		if (torn < 0)
			return torn;
	}
	if (!torn) {
		log_err("%s: %s at offset %llu with %llu bytes after it; not cutting it away, "
			"move the file aside", s->path, store__bad_name(st->bad),
			(unsigned long long)st->end, (unsigned long long)(size - st->end));
		return -EBADMSG;
	}
	log_warn("%s: %s at offset %llu (a crash mid-append); cutting %llu bytes", s->path,
		 store__bad_name(st->bad), (unsigned long long)st->end,
		 (unsigned long long)(size - st->end));
	if (ftruncate(s->fd, (off_t)st->end) != 0 || fsync(s->fd) != 0)
		return -errno;
	return 0;
}

static int open_dir(const char *dir)
{
	int dfd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return dfd < 0 ? -errno : dfd;
}

int store__open(const char *dir, store_record_fn cb, void *ctx, struct store **out)
{
	struct store *s = calloc(1, sizeof(*s));
	struct store_scan st;
	struct stat sb;
	FILE *f = NULL;
	int dfd = -1, err;

	if (!s)
		return -ENOMEM;
	s->fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	err = -ENAMETOOLONG;
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s/%s", dir, STORE_FILE) >= sizeof(s->path))
		goto fail;
	err = dfd = open_dir(dir);
	if (err < 0)
		goto fail;
	s->fd = openat(dfd, STORE_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	err = -errno;
	if (s->fd < 0)
		goto fail;
	err = -EBUSY;
	if (flock(s->fd, LOCK_EX | LOCK_NB) != 0)
		goto fail;
	/* Make the file's name durable too. */
	err = -errno;
	if (fsync(dfd) != 0 || fstat(s->fd, &sb) != 0)
		goto fail;
	f = fdopen(dup(s->fd), "rb");
	err = -errno;
	if (!f)
		goto fail;
	err = store__scan_stream(f, (uint64_t)sb.st_size, cb, ctx, &st);
	if (err == -EBADMSG)
		err = recover(s, (uint64_t)sb.st_size, &st);
	if (err < 0)
		goto fail;
	s->size = st.end;
	fclose(f);
	close(dfd);
	*out = s;
	return 0;
fail:
	if (f)
		fclose(f);
	if (dfd >= 0)
		close(dfd);
	store__close(s);
	return err;
}

void store__close(struct store *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

const char *store__path(const struct store *s)
{
	return s->path;
}

int store__append(struct store *s, const uint8_t *data, size_t len)
{
	size_t total = STORE_HDR_LEN + len;
	uint8_t *rec;
	int err;

	if (len > STORE_MAX_RECORD)
		return -E2BIG;
	rec = malloc(total);
	if (!rec)
		return -ENOMEM;
	memcpy(rec, STORE_MAGIC, 4);
	put_le32(rec + 4, (uint32_t)len);
	put_le32(rec + 8, (uint32_t)crc32(0L, data, (uInt)len));
	if (len)
		memcpy(rec + STORE_HDR_LEN, data, len);
	pthread_mutex_lock(&s->lock);
	err = io__pwrite_all(s->fd, rec, total, s->size);
	if (err == 0 && fsync(s->fd) != 0)
		err = -errno;
	if (err == 0)
		s->size += total;
	else if (ftruncate(s->fd, (off_t)s->size) != 0)
		/* Never leave half a record for the next append to follow. */
		log_err("%s: cannot cut a failed append: %s", s->path, strerror(errno));
	pthread_mutex_unlock(&s->lock);
	free(rec);
	return err;
}

int store__scan(struct store *s, store_record_fn cb, void *ctx)
{
	struct store_scan st;
	uint64_t size;
	FILE *f;
	int err;

	pthread_mutex_lock(&s->lock);
	size = s->size;
	pthread_mutex_unlock(&s->lock);
	f = fopen(s->path, "rbe");
	if (!f)
		return -errno;
	err = store__scan_stream(f, size, cb, ctx, &st);
	fclose(f);
	return err;
}

uint64_t store__size(struct store *s)
{
	uint64_t size;

	pthread_mutex_lock(&s->lock);
	size = s->size;
	pthread_mutex_unlock(&s->lock);
	return size;
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EBADMSG;
		done += (size_t)n;
	}
	return 0;
}

int store__read_record(int fd, uint64_t off, uint64_t limit, uint8_t **buf, size_t *cap,
		       size_t *len)
{
	uint8_t hdr[STORE_HDR_LEN];
	uint32_t n;
	int err;

	if (off > limit || limit - off < STORE_HDR_LEN)
		return -EBADMSG;
	err = pread_all(fd, hdr, sizeof(hdr), off);
	if (err < 0)
		return err;
	n = get_le32(hdr + 4);
	if (memcmp(hdr, STORE_MAGIC, 4) != 0 || n > STORE_MAX_RECORD ||
	    limit - off - STORE_HDR_LEN < n)
		return -EBADMSG;
	*len = n;
	if (!buf)
		return 0;
	if (n > *cap) {
		uint8_t *nb = realloc(*buf, n);

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = n;
	}
	err = pread_all(fd, *buf, n, off + STORE_HDR_LEN);
	if (err < 0)
		return err;
	return (uint32_t)crc32(0L, n ? *buf : (const uint8_t *)"", n) == get_le32(hdr + 8) ?
	       0 : -EBADMSG;
}
