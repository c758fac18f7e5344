/* See journal.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "audit/listen/journal.h"
#include "lib/io.h"
#include "lib/log.h"

#define HDR 8

struct journal {
	pthread_mutex_t lock;
	int fd, off_fd;
	uint64_t size, consumed, max_pending;
	size_t max_record;
	char path[PATH_MAX], old[PATH_MAX];
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int read_exact(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		got += (size_t)n;
	}
	return 0;
}

/* The record at off: its body malloc'd in *buf (NUL-terminated). 0,
 * -ENODATA/-EBADMSG for a torn or damaged record, or -errno. */
static int read_record(int fd, size_t max, uint64_t off, char **buf, size_t *len)
{
	uint8_t h[HDR];
	uint32_t n;
	char *b;
	int err = read_exact(fd, h, HDR, off);

	if (err)
		return err;
	n = get32(h);
	if (n == 0 || n > max)
		return -EBADMSG;
	b = malloc((size_t)n + 1);
	if (!b)
		return -ENOMEM;
	err = read_exact(fd, b, n, off + HDR);
	if (!err && (uint32_t)crc32(0, (const Bytef *)b, n) != get32(h + 4))
		err = -EBADMSG;
	if (err) {
		free(b);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* Call fn for each record of fd in [from, to); *end is where reading
 * stopped (at a torn record). */
static int each(struct journal *j, int fd, uint64_t from, uint64_t to, journal_fn fn, void *ctx,
		uint64_t *end, int *count)
{
	uint64_t off = from;
	char *buf;
	size_t len;
	int err = 0;

	while (off < to) {
		err = read_record(fd, j->max_record, off, &buf, &len);
		if (err)
			break;
		if (fn)
			fn(buf, len, ctx);
		free(buf);
		off += HDR + len;
		(*count)++;
	}
	*end = off;
	return err == -ENODATA || err == -EBADMSG ? 0 : err;
}

static int save_offset(struct journal *j)
{
	char line[24];
	int n = snprintf(line, sizeof(line), "%020" PRIu64 "\n", j->consumed);
	int err = io__pwrite_all(j->off_fd, line, (size_t)n, 0);

	if (!err && fdatasync(j->off_fd) < 0)
		err = -errno;
	return err;
}

static uint64_t load_offset(int fd)
{
	char line[24] = { 0 };
	char *end;
	uint64_t v;

	if (read_exact(fd, line, 21, 0) < 0)
		return 0;
	errno = 0;
	v = strtoull(line, &end, 10);
	return errno || end == line ? 0 : v;
}

/* Size, offset, and a torn tail cut off. */
static int recover(struct journal *j)
{
	struct stat st;
	uint64_t end;
	int n = 0, err;

	if (fstat(j->fd, &st) < 0)
		return -errno;
	j->consumed = load_offset(j->off_fd);
	err = each(j, j->fd, 0, (uint64_t)st.st_size, NULL, NULL, &end, &n);
	if (err)
		return err;
	if (end < (uint64_t)st.st_size) {
		log_warn("%s: %" PRIu64 " bytes of a torn or damaged record at offset %" PRIu64
			 " cut off (never acknowledged)", j->path, (uint64_t)st.st_size - end, end);
		if (ftruncate(j->fd, (off_t)end) < 0 || fsync(j->fd) < 0)
			return -errno;
	}
	j->size = end;
	if (j->consumed > j->size)
		j->consumed = 0;   /* a crash between rotating and saving the offset */
	return 0;
}

int journal__open(const char *dir, size_t max_record, uint64_t max_pending,
		  struct journal **out)
{
	struct journal *j = calloc(1, sizeof(*j));
	char offp[PATH_MAX];
	int err = -ENAMETOOLONG;

	if (!j)
		return -ENOMEM;
	j->fd = j->off_fd = -1;
	j->max_record = max_record;
	j->max_pending = max_pending;
	pthread_mutex_init(&j->lock, NULL);
	if ((size_t)snprintf(j->path, sizeof(j->path), "%s/%s", dir, JOURNAL_FILE) >= sizeof(j->path) ||
	    (size_t)snprintf(j->old, sizeof(j->old), "%s.1", j->path) >= sizeof(j->old) ||
	    (size_t)snprintf(offp, sizeof(offp), "%s.offset", j->path) >= sizeof(offp))
		goto fail;
	j->fd = open(j->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	j->off_fd = j->fd < 0 ? -1 : open(offp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	err = j->off_fd < 0 ? -errno : recover(j);
	if (err)
		goto fail;
	*out = j;
	return 0;
fail:
	journal__close(j);
	return err;
}

void journal__close(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->off_fd >= 0)
		close(j->off_fd);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

int journal__append(struct journal *j, const void *buf, size_t len)
{
	uint8_t h[HDR];
	int err;

	if (len == 0 || len > j->max_record || len > UINT32_MAX)
		return -E2BIG;
	put32(h, (uint32_t)len);
	put32(h + 4, (uint32_t)crc32(0, (const Bytef *)buf, (uInt)len));
	pthread_mutex_lock(&j->lock);
	if (j->size - j->consumed + HDR + len > j->max_pending) {
		pthread_mutex_unlock(&j->lock);
		return -ENOSPC;
	}
	err = io__pwrite_all(j->fd, h, HDR, j->size);
	if (!err)
		err = io__pwrite_all(j->fd, buf, len, j->size + HDR);
	if (!err && fdatasync(j->fd) < 0)
		err = -errno;
	if (err) {
		/* nothing acknowledged: the partial record goes */
		if (ftruncate(j->fd, (off_t)j->size) < 0)
			log_warn("%s: cannot cut a failed append: %s", j->path, strerror(errno));
	} else {
		j->size += HDR + len;
	}
	pthread_mutex_unlock(&j->lock);
	return err;
}

int journal__replay_consumed(struct journal *j, journal_fn fn, void *ctx)
{
	int fd = open(j->old, O_RDONLY | O_CLOEXEC), n = 0, err = 0;
	uint64_t end;
	struct stat st;

	if (fd >= 0) {
		err = fstat(fd, &st) < 0 ? -errno : each(j, fd, 0, (uint64_t)st.st_size, fn, ctx, &end, &n);
		close(fd);
	}
	return err ? err : each(j, j->fd, 0, j->consumed, fn, ctx, &end, &n);
}

/* Wholly consumed and large: start a new file (called with the lock). */
static int rotate(struct journal *j)
{
	int fd;

	if (j->consumed != j->size || j->size < JOURNAL_ROTATE)
		return 0;
	if (rename(j->path, j->old) < 0)
		return -errno;
	fd = open(j->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(j->fd);
	j->fd = fd;
	j->size = j->consumed = 0;
	return 0;
}

int journal__drain(struct journal *j, journal_fn fn, void *ctx, uint64_t *end)
{
	uint64_t from, to;
	int n = 0, err;

	pthread_mutex_lock(&j->lock);
	from = j->consumed;
	to = j->size;
	pthread_mutex_unlock(&j->lock);
	*end = from;
	if (from == to)
		return 0;
	/* appends only add past `to`; only this thread rotates */
	err = each(j, j->fd, from, to, fn, ctx, end, &n);
	return err ? err : n;
}

int journal__commit(struct journal *j, uint64_t end)
{
	int err;

	pthread_mutex_lock(&j->lock);
	if (end == j->consumed) {
		pthread_mutex_unlock(&j->lock);
		return 0;
	}
	j->consumed = end;
	err = rotate(j);
	if (err)
		log_warn("%s: %s", j->path, strerror(-err));
	/* under the lock: no append may land in a rotated file before the
	 * offset says it is new */
	err = save_offset(j);
	pthread_mutex_unlock(&j->lock);
	return err;
}

uint64_t journal__pending(struct journal *j)
{
	uint64_t v;

	pthread_mutex_lock(&j->lock);
	v = j->size - j->consumed;
	pthread_mutex_unlock(&j->lock);
	return v;
}
