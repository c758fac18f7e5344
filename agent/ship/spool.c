/* agent/ship: the agent's durable spool of encoded batches (see spool.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "lib/io.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "ship/spool.h"

#define STATE_FILE "state"
#define LAST_FILE "last"
#define STATE_MAGIC "GWM1"
#define STATE_LEN 24          /* magic, crc32 of the rest, next_seq, cursor */
#define NAME_LEN 40

struct spool_ent {
	uint64_t seq;
	uint64_t size;
};

struct spool {
	int dfd;
	char *dir;
	struct spool_ent *ents;   /* ascending by seq, live ones at [head, n) */
	size_t head, n, cap_ents;
	uint64_t bytes, cap;
	uint64_t next_seq, cursor;
	uint64_t dropped, corrupt, rejected, rejected_pruned;
};

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void seq_name(char *name, uint64_t seq, const char *suffix)
{
	snprintf(name, NAME_LEN, "%020llu%s", (unsigned long long)seq, suffix);
}

/* Parse "%020llu.gwb"; 0 and *seq set when name is a batch file. */
static int parse_name(const char *name, uint64_t *seq)
{
	char *end;

	if (strlen(name) != 24 || strcmp(name + 20, ".gwb") != 0 || name[0] < '0' || name[0] > '9')
		return -EINVAL;
	errno = 0;
	*seq = strtoull(name, &end, 10);
	return errno || end != name + 20 ? -EINVAL : 0;
}

/* name.tmp <- hdr + body, fsync, rename to name. */
static int write_atomic(int dfd, const char *name, const uint8_t *hdr, size_t hlen,
			const uint8_t *body, size_t blen)
{
	char tmp[NAME_LEN + 8];
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	err = io__write_all(fd, hdr, hlen);
	if (!err && blen)
		err = io__write_all(fd, body, blen);
	if (!err && fsync(fd) != 0)
		err = -errno;
	if (close(fd) != 0 && !err)
		err = -errno;
	if (!err && renameat(dfd, tmp, dfd, name) != 0)
		err = -errno;
	if (err)
		unlinkat(dfd, tmp, 0);
	return err;
}

static int write_state(struct spool *sp)
{
	uint8_t b[STATE_LEN];
	int err;

	memcpy(b, STATE_MAGIC, 4);
	put_le64(b + 8, sp->next_seq);
	put_le64(b + 16, sp->cursor);
	put_le32(b + 4, (uint32_t)crc32(0, b + 8, STATE_LEN - 8));
	err = write_atomic(sp->dfd, STATE_FILE, b, sizeof(b), NULL, 0);
	if (!err && fsync(sp->dfd) != 0)
		err = -errno;
	if (err)
		log_err("%s/%s: cannot write: %s", sp->dir, STATE_FILE, strerror(-err));
	return err;
}

/* 0 when read, -ENOENT when absent, -EBADMSG when damaged. */
static int read_state(struct spool *sp)
{
	uint8_t b[STATE_LEN];
	ssize_t n;
	int fd = openat(sp->dfd, STATE_FILE, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, b, sizeof(b));
	close(fd);
	if (n != STATE_LEN || memcmp(b, STATE_MAGIC, 4) != 0 ||
	    get_le32(b + 4) != (uint32_t)crc32(0, b + 8, STATE_LEN - 8))
		return -EBADMSG;
	sp->next_seq = get_le64(b + 8);
	sp->cursor = get_le64(b + 16);
	return 0;
}

static int push_ent(struct spool *sp, uint64_t seq, uint64_t size)
{
	struct spool_ent *ne;

	if (sp->head > 0 && sp->n == sp->cap_ents) {
		memmove(sp->ents, sp->ents + sp->head, (sp->n - sp->head) * sizeof(*sp->ents));
		sp->n -= sp->head;
		sp->head = 0;
	}
	if (sp->n == sp->cap_ents) {
		size_t nc = sp->cap_ents ? sp->cap_ents * 2 : 64;

		ne = realloc(sp->ents, nc * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		sp->ents = ne;
		sp->cap_ents = nc;
	}
	sp->ents[sp->n].seq = seq;
	sp->ents[sp->n].size = size;
	sp->n++;
	sp->bytes += size;
	return 0;
}

static int cmp_ent(const void *a, const void *b)
{
	uint64_t x = ((const struct spool_ent *)a)->seq, y = ((const struct spool_ent *)b)->seq;

	return x < y ? -1 : x > y;
}

/* Read and check one batch file: the sequence in its header must be *seq,
 * or anything when *seq is 0 (then set). *buf malloc'd; -EBADMSG when
 * damaged. */
static int read_file(struct spool *sp, const char *name, uint64_t *seq, uint64_t *cursor,
		     uint8_t **buf, size_t *len)
{
	uint8_t hdr[SPOOL_HDR_LEN], *p = NULL;
	uint32_t plen, crc;
	ssize_t n;
	int fd, err;

	fd = openat(sp->dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = -EBADMSG;
	n = read(fd, hdr, sizeof(hdr));
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr, SPOOL_MAGIC, 4) != 0)
		goto out;
	plen = get_le32(hdr + 4);
	crc = get_le32(hdr + 8);
	if (plen > SPOOL_MAX_BATCH || (*seq && get_le64(hdr + 12) != *seq))
		goto out;
	err = -ENOMEM;
	p = malloc((size_t)plen + 1);   /* room for the one byte that says "too long" */
	if (!p)
		goto out;
	err = -EBADMSG;
	n = read(fd, p, (size_t)plen + 1);   /* one more: a longer file is damaged too */
	if (n != (ssize_t)plen ||
	    (uint32_t)crc32(crc32(0, hdr + 12, 16), p, plen) != crc)
		goto out;
	*seq = get_le64(hdr + 12);
	*cursor = get_le64(hdr + 20);
	*buf = p;
	*len = plen;
	p = NULL;
	err = 0;
out:
	if (n < 0)
		err = -errno;
	close(fd);
	free(p);
	return err;
}

static int read_batch(struct spool *sp, uint64_t seq, uint64_t *cursor, uint8_t **buf,
		      size_t *len)
{
	char name[NAME_LEN];

	seq_name(name, seq, ".gwb");
	return read_file(sp, name, &seq, cursor, buf, len);
}

/* List the directory: index batch files, remove leftover temporaries. */
static int scan_dir(struct spool *sp)
{
	DIR *d = fdopendir(dup(sp->dfd));
	struct dirent *de;
	struct stat st;
	uint64_t seq;
	size_t nl;
	int err = 0;

	if (!d)
		return -errno;
	while (!err && (de = readdir(d)) != NULL) {
		nl = strlen(de->d_name);
		if (nl > 4 && strcmp(de->d_name + nl - 4, ".tmp") == 0) {
			unlinkat(sp->dfd, de->d_name, 0);
			continue;
		}
		if (parse_name(de->d_name, &seq) != 0)
			continue;
		if (fstatat(sp->dfd, de->d_name, &st, 0) != 0)
			continue;
		err = push_ent(sp, seq, (uint64_t)st.st_size);
	}
	closedir(d);
	if (!err && sp->n > 1)
		qsort(sp->ents, sp->n, sizeof(*sp->ents), cmp_ent);
	return err;
}

/* The newest (sequence, cursor): from the state file or the newest batch. */
static int recover(struct spool *sp)
{
	uint64_t cursor, seq;
	uint8_t *buf = NULL;
	size_t len;
	int err = read_state(sp);

	if (err == -EBADMSG)
		log_warn("%s/%s: damaged; sequence and cursor taken from the batches", sp->dir,
			 STATE_FILE);
	if (err == -ENOENT || err == -EBADMSG) {
		sp->next_seq = gw_wall_us();
		sp->cursor = 0;
	} else if (err) {
		return err;
	}
	/* The last batch acknowledged when the spool ran empty. */
	seq = 0;
	if (read_file(sp, LAST_FILE, &seq, &cursor, &buf, &len) == 0) {
		free(buf);
		if (seq >= sp->next_seq || err) {
			sp->next_seq = seq + 1;
			sp->cursor = cursor;
			err = 0;
		}
	}
	/* Newest batch first; a damaged one is left for spool__oldest(). */
	for (size_t i = sp->n; i-- > sp->head;) {
		seq = sp->ents[i].seq;
		if (read_batch(sp, seq, &cursor, &buf, &len) != 0)
			continue;
		free(buf);
		if (seq >= sp->next_seq || err) {
			sp->next_seq = seq + 1;
			sp->cursor = cursor;
		}
		break;
	}
	if (sp->n > sp->head && sp->ents[sp->n - 1].seq >= sp->next_seq)
		sp->next_seq = sp->ents[sp->n - 1].seq + 1;
	return 0;
}

int spool__open(const char *dir, uint64_t cap, struct spool **out)
{
	struct spool *sp = calloc(1, sizeof(*sp));
	int err = -ENOMEM;

	if (!sp)
		return -ENOMEM;
	sp->dfd = -1;
	sp->cap = cap;
	sp->dir = strdup(dir);
	if (!sp->dir)
		goto fail;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		err = -errno;
		goto fail;
	}
	sp->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dfd < 0) {
		err = -errno;
		goto fail;
	}
	err = scan_dir(sp);
	if (!err)
		err = recover(sp);
	if (err)
		goto fail;
	*out = sp;
	return 0;
fail:
	spool__close(sp);
	return err;
}

void spool__close(struct spool *sp)
{
	if (!sp)
		return;
	if (sp->dfd >= 0)
		close(sp->dfd);
	free(sp->ents);
	free(sp->dir);
	free(sp);
}

uint64_t spool__next_seq(const struct spool *sp)
{
	return sp->next_seq;
}

uint64_t spool__cursor(const struct spool *sp)
{
	return sp->cursor;
}

/* Unlink the oldest batch. The newest one is renamed to LAST_FILE instead:
 * it carries the newest (sequence, cursor), and a rename needs no fsync to
 * be safe, as after a crash either name holds it (under its own name it is
 * sent again, and the collector drops the duplicate). */
static int drop_oldest(struct spool *sp, const char *why)
{
	char name[NAME_LEN];
	struct spool_ent *e = &sp->ents[sp->head];
	int err, rc;

	seq_name(name, e->seq, ".gwb");
	if (sp->n - sp->head == 1)
		rc = renameat(sp->dfd, name, sp->dfd, LAST_FILE);
	else
		rc = unlinkat(sp->dfd, name, 0);
	if (rc != 0 && errno != ENOENT) {
		err = -errno;
		log_err("%s/%s: cannot remove: %s", sp->dir, name, strerror(-err));
		return err;
	}
	if (why)
		log_err("%s: spool full (%llu bytes): dropped batch %llu, %s", sp->dir,
			(unsigned long long)sp->cap, (unsigned long long)e->seq, why);
	sp->bytes -= e->size;
	sp->head++;
	if (sp->head == sp->n)
		sp->head = sp->n = 0;
	return 0;
}

int spool__put(struct spool *sp, uint64_t seq, uint64_t cursor, const uint8_t *buf,
	       size_t len)
{
	uint8_t hdr[SPOOL_HDR_LEN];
	char name[NAME_LEN];
	uint64_t size = SPOOL_HDR_LEN + (uint64_t)len;
	int err;

	if (seq != sp->next_seq)
		return -EINVAL;
	if (len > SPOOL_MAX_BATCH || size > sp->cap)
		return -EFBIG;
	if (sp->bytes + size > sp->cap)
		return -ENOSPC;
	memcpy(hdr, SPOOL_MAGIC, 4);
	put_le32(hdr + 4, (uint32_t)len);
	put_le64(hdr + 12, seq);
	put_le64(hdr + 20, cursor);
	put_le32(hdr + 8, (uint32_t)crc32(crc32(0, hdr + 12, 16), buf, (uInt)len));
	seq_name(name, seq, ".gwb");
	err = write_atomic(sp->dfd, name, hdr, sizeof(hdr), buf, len);
	if (!err)
		err = push_ent(sp, seq, size);
	if (err == -EDQUOT)
		err = -ENOSPC;
	if (err) {
		log_err("%s/%s: cannot write: %s", sp->dir, name, strerror(-err));
		return err;
	}
	sp->next_seq = seq + 1;
	sp->cursor = cursor;
	return 0;
}

int spool__fits(const struct spool *sp, size_t len)
{
	return sp->bytes + SPOOL_HDR_LEN + (uint64_t)len <= sp->cap;
}

int spool__make_room(struct spool *sp, size_t len)
{
	int err;

	while (sp->n > sp->head && !spool__fits(sp, len)) {
		err = drop_oldest(sp, "never delivered");
		if (err)
			return err;
		sp->dropped++;
	}
	return 0;
}

struct rej_ent {
	char name[NAME_LEN];
	uint64_t size;
};

static int cmp_rej(const void *a, const void *b)
{
	return strcmp(((const struct rej_ent *)a)->name, ((const struct rej_ent *)b)->name);
}

/* Keep the newest rejected-* files within SPOOL_REJECTED_MAX files and
 * SPOOL_REJECTED_BYTES bytes; the names sort by sequence. */
static void prune_rejected(struct spool *sp)
{
	DIR *d = fdopendir(dup(sp->dfd));
	struct rej_ent *v = NULL, *nv;
	size_t n = 0, capv = 0, i = 0;
	uint64_t bytes = 0;
	struct dirent *de;
	struct stat st;

	if (!d)
		return;
	rewinddir(d);   /* the descriptor's offset is shared with every dup */
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "rejected-", 9) != 0 || strlen(de->d_name) >= NAME_LEN ||
		    fstatat(sp->dfd, de->d_name, &st, 0) != 0)
			continue;
		if (n == capv) {
			capv = capv ? capv * 2 : 64;
			nv = realloc(v, capv * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
		v[n].size = (uint64_t)st.st_size;
		bytes += v[n++].size;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_rej);
	for (; i < n && (n - i > SPOOL_REJECTED_MAX || bytes > SPOOL_REJECTED_BYTES); i++) {
		if (unlinkat(sp->dfd, v[i].name, 0) != 0)
			continue;
		bytes -= v[i].size;
		sp->rejected_pruned++;
		log_err("%s/%s: removed, more than %u rejected batches or %u bytes kept", sp->dir,
			v[i].name, SPOOL_REJECTED_MAX, SPOOL_REJECTED_BYTES);
	}
	free(v);
}

int spool__reject(struct spool *sp, uint64_t seq, const uint8_t *buf, size_t len)
{
	char name[NAME_LEN];
	int err;

	if (sp->n == sp->head || sp->ents[sp->head].seq != seq)
		return -ENOENT;
	snprintf(name, sizeof(name), "rejected-%020llu.pb", (unsigned long long)seq);
	err = write_atomic(sp->dfd, name, buf, len, NULL, 0);
	if (!err && fsync(sp->dfd) != 0)
		err = -errno;
	if (err) {
		log_err("%s/%s: cannot write: %s; the batch stays in the spool", sp->dir, name,
			strerror(-err));
		return err;
	}
	err = drop_oldest(sp, NULL);
	if (err)
		return err;
	sp->rejected++;
	prune_rejected(sp);
	return 0;
}

static void set_aside(struct spool *sp, uint64_t seq)
{
	char name[NAME_LEN], bad[NAME_LEN + 8];

	if (sp->n - sp->head == 1)
		write_state(sp);   /* keep the sequence from going back */
	seq_name(name, seq, ".gwb");
	seq_name(bad, seq, ".gwb.corrupt");
	if (renameat(sp->dfd, name, sp->dfd, bad) != 0)
		unlinkat(sp->dfd, name, 0);
	log_err("%s/%s: damaged spool file (bad header or checksum), set aside as %s",
		sp->dir, name, bad);
	sp->corrupt++;
	sp->bytes -= sp->ents[sp->head].size;
	sp->head++;
	if (sp->head == sp->n)
		sp->head = sp->n = 0;
}

int spool__oldest(struct spool *sp, uint64_t *seq, uint8_t **buf, size_t *len)
{
	uint64_t cursor;
	int err;

	while (sp->n > sp->head) {
		*seq = sp->ents[sp->head].seq;
		err = read_batch(sp, *seq, &cursor, buf, len);
		if (err != -EBADMSG)
			return err;
		set_aside(sp, *seq);
	}
	return -ENOENT;
}

int spool__remove(struct spool *sp, uint64_t seq)
{
	if (sp->n == sp->head || sp->ents[sp->head].seq != seq)
		return -ENOENT;
	return drop_oldest(sp, NULL);
}

void spool__stats(const struct spool *sp, struct spool_stats *st)
{
	st->batches = sp->n - sp->head;
	st->bytes = sp->bytes;
	st->dropped = sp->dropped;
	st->corrupt = sp->corrupt;
	st->rejected = sp->rejected;
	st->rejected_pruned = sp->rejected_pruned;
}
