/* The collector's store: append, reopen, scan, torn tails, checksums; and
 * the duplicate index. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assert.h"
#include "collect/store.h"

struct seen {
	size_t n;
	char data[8][32];
};

static int collect_rec(uint64_t off, const uint8_t *data, size_t len, void *ctx)
{
	struct seen *s = ctx;

	(void)off;
	if (s->n < 8 && len < 32) {
		memcpy(s->data[s->n], data, len);
		s->data[s->n][len] = '\0';
	}
	s->n++;
	return 0;
}

static void tmpdir(char *dir, size_t cap)
{
	snprintf(dir, cap, "%s/gw-store-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		dir[0] = '\0';
}

static void rmstore(const char *dir)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/" STORE_FILE, dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/db", dir);
	unlink(p);
	rmdir(dir);
}

static off_t fsize(const char *dir)
{
	char p[512];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/" STORE_FILE, dir);
	return stat(p, &sb) == 0 ? sb.st_size : -1;
}

/* Append raw bytes (or flip one byte at off when append is NULL). */
static void poke(const char *dir, const char *append, size_t len, off_t off)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/" STORE_FILE, dir);
	fd = open(p, O_RDWR);
	if (fd < 0)
		return;
	if (append) {
		if (pwrite(fd, append, len, lseek(fd, 0, SEEK_END)) < 0)
			perror("pwrite");
	} else {
		char c;

		if (pread(fd, &c, 1, off) == 1) {
			c ^= 0x55;
			if (pwrite(fd, &c, 1, off) < 0)
				perror("pwrite");
		}
	}
	close(fd);
}

TEST(store_append_reopen_scan)
{
	char dir[256], sub[300];
	struct store *s = NULL;
	struct seen seen = { 0 };

	tmpdir(dir, sizeof(dir));
	ASSERT(dir[0]);
	snprintf(sub, sizeof(sub), "%s/db", dir);   /* created by store__open */
	ASSERT_EQ_INT(0, store__open(sub, NULL, NULL, &s));
	ASSERT_EQ_INT(-EBUSY, store__open(sub, NULL, NULL, &(struct store *){ NULL }));
	ASSERT_EQ_INT(0, store__append(s, (const uint8_t *)"one", 3));
	ASSERT_EQ_INT(0, store__append(s, (const uint8_t *)"", 0));
	ASSERT_EQ_INT(0, store__append(s, (const uint8_t *)"three", 5));
	ASSERT_EQ_INT(0, store__scan(s, collect_rec, &seen));
	ASSERT_EQ_INT(3, seen.n);
	store__close(s);
	s = NULL;
	memset(&seen, 0, sizeof(seen));
	ASSERT_EQ_INT(0, store__open(sub, collect_rec, &seen, &s));
	ASSERT_EQ_INT(3, seen.n);
	ASSERT_EQ_STR("one", seen.data[0]);
	ASSERT_EQ_STR("", seen.data[1]);
	ASSERT_EQ_STR("three", seen.data[2]);
	store__close(s);
	rmdir(sub);
	rmstore(dir);
}

TEST(store_torn_tail_is_cut)
{
	char dir[256];
	struct store *s = NULL;
	struct seen seen = { 0 };
	off_t good;

	tmpdir(dir, sizeof(dir));
	ASSERT_EQ_INT(0, store__open(dir, NULL, NULL, &s));
	ASSERT_EQ_INT(0, store__append(s, (const uint8_t *)"first", 5));
	ASSERT_EQ_INT(0, store__append(s, (const uint8_t *)"second", 6));
	store__close(s);
	s = NULL;
	good = fsize(dir);
	/* A crash after the header and half the payload. */
	poke(dir, "GWB1\x0a\x00\x00\x00\x01\x02\x03\x04half", 16, 0);
	ASSERT_EQ_INT(good + 16, fsize(dir));
	ASSERT_EQ_INT(0, store__open(dir, collect_rec, &seen, &s));
	ASSERT_EQ_INT(2, seen.n);
	ASSERT_EQ_INT(good, fsize(dir));
	/* Appends go on after the cut. */
	ASSERT_EQ_INT(0, store__append(s, (const uint8_t *)"third", 5));
	store__close(s);
	s = NULL;
	/* A whole last record whose checksum is wrong is torn, too; so is a
	 * zero-filled tail. */
	poke(dir, NULL, 0, good + 12 + 2);
	poke(dir, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20, 0);
	memset(&seen, 0, sizeof(seen));
	ASSERT_EQ_INT(0, store__open(dir, collect_rec, &seen, &s));
	ASSERT_EQ_INT(2, seen.n);
	ASSERT_EQ_INT(good, fsize(dir));
	store__close(s);
	rmstore(dir);
}

TEST(store_crc_mismatch_detected)
{
	char dir[256], p[512];
	struct store *s = NULL;
	struct store_scan st;
	off_t size;
	FILE *f;

	tmpdir(dir, sizeof(dir));
	ASSERT_EQ_INT(0, store__open(dir, NULL, NULL, &s));
	ASSERT_EQ_INT(0, store__append(s, (const uint8_t *)"first", 5));
	ASSERT_EQ_INT(0, store__append(s, (const uint8_t *)"second", 6));
	store__close(s);
	s = NULL;
	size = fsize(dir);
	poke(dir, NULL, 0, 12 + 1);   /* inside the first payload */
	snprintf(p, sizeof(p), "%s/" STORE_FILE, dir);
	f = fopen(p, "rb");
	ASSERT(f != NULL);
	ASSERT_EQ_INT(-EBADMSG, store__scan_stream(f, UINT64_MAX, NULL, NULL, &st));
	fclose(f);
	ASSERT_EQ_INT(STORE_BAD_CRC, st.bad);
	ASSERT_EQ_U64(0, st.end);
	/* Damage with a good record after it is refused, never cut away. */
	ASSERT_EQ_INT(-EBADMSG, store__open(dir, NULL, NULL, &s));
	ASSERT(s == NULL);
	ASSERT_EQ_INT(size, fsize(dir));
	rmstore(dir);
}

static enum dedup_verdict check(struct dedup *d, const char *agent, uint64_t seq, char tag)
{
	uint8_t dg[DEDUP_DIGEST_LEN];

	dedup__digest((const uint8_t *)&tag, 1, dg);
	return dedup__check(d, agent, seq, dg);
}

static int add(struct dedup *d, const char *agent, uint64_t seq, char tag)
{
	uint8_t dg[DEDUP_DIGEST_LEN];

	dedup__digest((const uint8_t *)&tag, 1, dg);
	return dedup__add(d, agent, seq, dg);
}

TEST(dedup_window_and_agents)
{
	struct dedup *d = dedup__new(2);

	ASSERT(d != NULL);
	ASSERT_EQ_INT(DEDUP_NEW, check(d, "a", 1, 'x'));
	ASSERT_EQ_INT(0, add(d, "a", 1, 'x'));
	ASSERT_EQ_INT(DEDUP_DUPLICATE, check(d, "a", 1, 'x'));
	ASSERT_EQ_INT(DEDUP_CONFLICT, check(d, "a", 1, 'y'));
	ASSERT_EQ_INT(DEDUP_NEW, check(d, "a", 2, 'x'));
	ASSERT_EQ_INT(DEDUP_NEW, check(d, "b", 1, 'x'));
	ASSERT_EQ_INT(0, add(d, "a", 5, 'x'));
	ASSERT_EQ_INT(0, add(d, "a", 3, 'x'));
	ASSERT_EQ_INT(DEDUP_DUPLICATE, check(d, "a", 3, 'x'));
	ASSERT_EQ_INT(DEDUP_NEW, check(d, "a", 4, 'x'));
	ASSERT_EQ_INT(DEDUP_DUPLICATE, check(d, "a", 5, 'x'));
	/* A third agent evicts the least recently used one. */
	ASSERT_EQ_INT(0, add(d, "b", 1, 'x'));
	ASSERT_EQ_INT(0, add(d, "a", 7000, 'x'));
	ASSERT_EQ_INT(0, add(d, "c", 1, 'x'));
	ASSERT_EQ_INT(DEDUP_NEW, check(d, "b", 1, 'x'));
	ASSERT_EQ_INT(DEDUP_DUPLICATE, check(d, "a", 7000, 'x'));
	ASSERT_EQ_INT(DEDUP_DUPLICATE, check(d, "c", 1, 'x'));
	dedup__free(d);
}

/* A jump far ahead, or to 2^64-1, pushes nothing out and wraps nothing. */
TEST(dedup_jump_and_wrap)
{
	struct dedup *d = dedup__new(4);

	ASSERT(d != NULL);
	for (uint64_t s = 1; s <= 100; s++)
		ASSERT_EQ_INT(0, add(d, "a", s, 'r'));
	ASSERT_EQ_INT(0, add(d, "a", 100 + DEDUP_WINDOW + 1, 'p'));
	ASSERT_EQ_INT(0, add(d, "a", UINT64_MAX, 'p'));
	for (uint64_t s = 1; s <= 100; s++)
		ASSERT_EQ_INT(DEDUP_DUPLICATE, check(d, "a", s, 'r'));
	ASSERT_EQ_INT(DEDUP_NEW, check(d, "a", 101, 'r'));
	ASSERT_EQ_INT(DEDUP_CONFLICT, check(d, "a", UINT64_MAX, 'r'));
	ASSERT_EQ_INT(DEDUP_DUPLICATE, check(d, "a", UINT64_MAX, 'p'));
	/* Only a window's worth of newer entries pushes the first out; then
	 * an old sequence is new but unsure. */
	for (uint64_t s = 1000; s < 1000 + DEDUP_WINDOW; s++)
		ASSERT_EQ_INT(0, add(d, "a", s, 'r'));
	ASSERT_EQ_INT(DEDUP_NEW_UNSURE, check(d, "a", 1, 'r'));
	ASSERT_EQ_INT(DEDUP_DUPLICATE, check(d, "a", 1000 + DEDUP_WINDOW - 1, 'r'));
	dedup__free(d);
}
