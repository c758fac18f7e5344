/* The agent's spool and shipper: sequence and cursor across reopen, leftovers of a
 * crash, damaged files, the size cap; and the OTLP encoder's framing. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assert.h"
#include "ship/ship.h"
#include "ship/spool.h"
#include "ship/wire.h"

static void spool_tmpdir(char *dir, size_t cap)
{
	snprintf(dir, cap, "%s/gw-spool-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		dir[0] = '\0';
}

static void rmspool(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  cannot remove %s\n", dir);
}

static void touch(const char *dir, const char *name, const char *text)
{
	char p[600];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(spool_sequence_and_cursor_survive_reopen)
{
	char dir[256];
	struct spool *sp = NULL;
	uint64_t first, seq;
	uint8_t *buf = NULL;
	size_t len;
	int err;

	spool_tmpdir(dir, sizeof(dir));
	ASSERT(dir[0]);
	ASSERT_EQ_INT(0, spool__open(dir, 1 << 20, &sp));
	first = spool__next_seq(sp);
	/* a fresh spool starts at the clock in microseconds (after 2020) */
	ASSERT(first > 1577836800ull * 1000000u);
	ASSERT_EQ_INT(0, spool__put(sp, first, 10, (const uint8_t *)"one", 3));
	ASSERT_EQ_INT(0, spool__put(sp, first + 1, 20, (const uint8_t *)"two!", 4));
	ASSERT_EQ_INT(-EINVAL, spool__put(sp, first + 5, 30, (const uint8_t *)"x", 1));
	spool__close(sp);
	sp = NULL;

	/* crash leftovers: a temporary file is removed, not sent */
	touch(dir, "00000000000000000099.gwb.tmp", "partial");
	ASSERT_EQ_INT(0, spool__open(dir, 1 << 20, &sp));
	ASSERT_EQ_U64(first + 2, spool__next_seq(sp));
	ASSERT_EQ_U64(20, spool__cursor(sp));
	{
		char tmp[400];

		snprintf(tmp, sizeof(tmp), "%s/00000000000000000099.gwb.tmp", dir);
		ASSERT_EQ_INT(-1, access(tmp, F_OK));
	}
	err = spool__oldest(sp, &seq, &buf, &len);
	ASSERT_EQ_INT(0, err);
	ASSERT_EQ_U64(first, seq);
	ASSERT_EQ_INT(3, len);
	ASSERT(memcmp(buf, "one", 3) == 0);
	free(buf);
	buf = NULL;
	ASSERT_EQ_INT(0, spool__remove(sp, first));
	ASSERT_EQ_INT(-ENOENT, spool__remove(sp, first));
	ASSERT_EQ_INT(0, spool__remove(sp, first + 1));
	ASSERT_EQ_INT(-ENOENT, spool__oldest(sp, &seq, &buf, &len));
	spool__close(sp);
	sp = NULL;

	/* empty now: the state file keeps sequence and cursor from going back */
	ASSERT_EQ_INT(0, spool__open(dir, 1 << 20, &sp));
	ASSERT_EQ_U64(first + 2, spool__next_seq(sp));
	ASSERT_EQ_U64(20, spool__cursor(sp));
	spool__close(sp);
	rmspool(dir);
}

TEST(spool_sets_damaged_files_aside)
{
	char dir[256], path[400];
	struct spool *sp = NULL;
	struct spool_stats st;
	uint64_t first, seq = 0;
	uint8_t *buf = NULL;
	size_t len;
	int fd;

	spool_tmpdir(dir, sizeof(dir));
	ASSERT_EQ_INT(0, spool__open(dir, 1 << 20, &sp));
	first = spool__next_seq(sp);
	ASSERT_EQ_INT(0, spool__put(sp, first, 1, (const uint8_t *)"aaaa", 4));
	ASSERT_EQ_INT(0, spool__put(sp, first + 1, 2, (const uint8_t *)"bbbb", 4));
	/* flip a payload byte of the first file */
	snprintf(path, sizeof(path), "%s/%020llu.gwb", dir, (unsigned long long)first);
	fd = open(path, O_WRONLY);
	ASSERT(fd >= 0);
	ASSERT_EQ_INT(1, pwrite(fd, "X", 1, SPOOL_HDR_LEN + 1));
	close(fd);
	ASSERT_EQ_INT(0, spool__oldest(sp, &seq, &buf, &len));
	ASSERT_EQ_U64(first + 1, seq);
	free(buf);
	spool__stats(sp, &st);
	ASSERT_EQ_U64(1, st.corrupt);
	ASSERT_EQ_U64(1, st.batches);
	snprintf(path, sizeof(path), "%s/%020llu.gwb.corrupt", dir, (unsigned long long)first);
	ASSERT_EQ_INT(0, access(path, F_OK));
	spool__close(sp);
	rmspool(dir);
}

/* A file one byte longer than its header says is damaged, and reading it
 * stays inside the buffer (this test is also run under ASan). */
TEST(spool_file_one_byte_too_long_is_set_aside)
{
	char dir[256], path[400];
	struct spool *sp = NULL;
	struct spool_stats st;
	uint8_t payload[64], *buf = NULL;
	uint64_t first, seq = 0;
	size_t len;
	int fd;

	memset(payload, 'p', sizeof(payload));
	spool_tmpdir(dir, sizeof(dir));
	ASSERT_EQ_INT(0, spool__open(dir, 1 << 20, &sp));
	first = spool__next_seq(sp);
	ASSERT_EQ_INT(0, spool__put(sp, first, 1, payload, sizeof(payload)));
	ASSERT_EQ_INT(0, spool__put(sp, first + 1, 2, payload, 8));
	snprintf(path, sizeof(path), "%s/%020llu.gwb", dir, (unsigned long long)first);
	fd = open(path, O_WRONLY | O_APPEND);
	ASSERT(fd >= 0);
	ASSERT_EQ_INT(1, write(fd, "Z", 1));
	close(fd);
	ASSERT_EQ_INT(0, spool__oldest(sp, &seq, &buf, &len));
	ASSERT_EQ_U64(first + 1, seq);
	ASSERT_EQ_U64(8, len);
	free(buf);
	spool__stats(sp, &st);
	ASSERT_EQ_U64(1, st.corrupt);
	spool__close(sp);
	rmspool(dir);
}

/* At the cap a put is refused; only make_room drops, oldest first, counted. */
TEST(spool_cap_refuses_then_drops_oldest_on_request)
{
	char dir[256];
	struct spool *sp = NULL;
	struct spool_stats st;
	uint8_t payload[1000] = { 0 }, *buf = NULL;
	uint64_t first, seq;
	size_t len;

	spool_tmpdir(dir, sizeof(dir));
	/* room for three batches of 1000 + header */
	ASSERT_EQ_INT(0, spool__open(dir, 3 * (1000 + SPOOL_HDR_LEN), &sp));
	first = spool__next_seq(sp);
	for (uint64_t i = 0; i < 3; i++)
		ASSERT_EQ_INT(0, spool__put(sp, first + i, i, payload, sizeof(payload)));
	ASSERT(!spool__fits(sp, sizeof(payload)));
	ASSERT_EQ_INT(-ENOSPC, spool__put(sp, first + 3, 3, payload, sizeof(payload)));
	spool__stats(sp, &st);
	ASSERT_EQ_U64(3, st.batches);
	ASSERT_EQ_U64(0, st.dropped);
	for (uint64_t i = 3; i < 5; i++) {
		ASSERT_EQ_INT(0, spool__make_room(sp, sizeof(payload)));
		ASSERT_EQ_INT(0, spool__put(sp, first + i, i, payload, sizeof(payload)));
	}
	spool__stats(sp, &st);
	ASSERT_EQ_U64(3, st.batches);
	ASSERT_EQ_U64(2, st.dropped);
	ASSERT_EQ_INT(0, spool__oldest(sp, &seq, &buf, &len));
	ASSERT_EQ_U64(first + 2, seq);
	free(buf);
	ASSERT_EQ_INT(-EFBIG, spool__put(sp, first + 5, 5, payload, 4 * sizeof(payload)));
	spool__close(sp);
	rmspool(dir);
}

/* Walk protobuf fields: returns the number of LogRecords (field 2 of the
 * ScopeLogs under field 2 of the ResourceLogs under field 1). */
static int pb_len(const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
	int shift = 0;

	*v = 0;
	while (*i < n && shift < 64) {
		uint8_t c = p[(*i)++];

		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

/* The sub-slice of field `want` (length-delimited) number k in [p, p+n). */
static const uint8_t *pb_field(const uint8_t *p, size_t n, uint32_t want, int k, size_t *out)
{
	size_t i = 0;
	uint64_t tag, l;

	while (i < n) {
		if (pb_len(p, n, &i, &tag) < 0)
			return NULL;
		switch (tag & 7) {
		case 0: if (pb_len(p, n, &i, &l) < 0) return NULL; break;
		case 1: i += 8; break;
		case 5: i += 4; break;
		case 2:
			if (pb_len(p, n, &i, &l) < 0 || l > n - i)
				return NULL;
			if ((tag >> 3) == want && k-- == 0) {
				*out = l;
				return p + i;
			}
			i += l;
			break;
		default: return NULL;
		}
	}
	return NULL;
}

TEST(otlp_encodes_one_record_per_finding)
{
	struct ship_batch *b = ship_batch__new();
	const uint8_t *rl, *sl, *rec;
	uint8_t *buf = NULL;
	size_t len = 0, rln, sln, recn;
	int nrec = 0;

	ASSERT(b);
	snprintf(b->hdr.agent_id, sizeof(b->hdr.agent_id), "agent-1");
	b->nfindings = 3;
	for (int i = 0; i < 3; i++) {
		snprintf(b->findings[i].id, sizeof(b->findings[i].id), "f%d", i);
		snprintf(b->findings[i].title, sizeof(b->findings[i].title), "title %d", i);
		b->findings[i].severity = gatewatch_v1_Severity_SEVERITY_HIGH;
	}
	ASSERT_EQ_INT(0, ship_otlp__encode(b, &buf, &len));
	rl = pb_field(buf, len, 1, 0, &rln);
	ASSERT(rl);
	sl = pb_field(rl, rln, 2, 0, &sln);
	ASSERT(sl);
	while ((rec = pb_field(sl, sln, 2, nrec, &recn)) != NULL)
		nrec++;
	ASSERT_EQ_INT(3, nrec);
	rec = pb_field(sl, sln, 2, 2, &recn);
	ASSERT(memmem(rec, recn, "gatewatch.finding.id", 20) != NULL);
	ASSERT(memmem(rec, recn, "title 2", 7) != NULL);
	free(buf);
	ship_batch__free(b);
}

/* The shipper without a reachable collector: batching, the cursor, and
 * what a restart finds in the spool. */
TEST(shipper_spools_batches_and_keeps_the_cursor)
{
	char dir[256];
	struct shipper_opts o;
	struct shipper *s = NULL;
	struct shipper_stats st;
	struct finding f[3];
	const struct finding *fs[3];
	char ids[3][16];

	spool_tmpdir(dir, sizeof(dir));
	memset(f, 0, sizeof(f));
	for (int i = 0; i < 3; i++) {
		snprintf(ids[i], sizeof(ids[i]), "f%d", i);
		f[i].id = ids[i];
		fs[i] = &f[i];
	}
	shipper_opts__defaults(&o);
	o.state_dir = dir;
	o.collector_url = "http://127.0.0.1:1";   /* nothing listens there */
	o.agent_id = "unit";
	o.batch_max = 2;
	o.batch_ms = 60000;
	o.connect_timeout_ms = 500;
	ASSERT_EQ_INT(0, shipper__new(&o, &s));
	ASSERT_EQ_U64(0, shipper__cursor(s));
	ASSERT_EQ_INT(0, shipper__submit(s, fs, 3, 3));
	ASSERT_EQ_U64(3, shipper__cursor(s));
	ASSERT_EQ_INT(2, shipper__backlog(s));     /* one batch spooled, one pending */
	ASSERT_EQ_INT(0, shipper__pump(s, 0));     /* refused connection: kept */
	shipper__stats(s, &st);
	ASSERT_EQ_U64(1, st.batches_spooled);
	ASSERT_EQ_U64(1, st.retries);
	ASSERT_EQ_U64(1, st.spool_batches);
	shipper__free(s);                           /* spools the partial batch */
	s = NULL;

	ASSERT_EQ_INT(0, shipper__new(&o, &s));
	ASSERT_EQ_U64(3, shipper__cursor(s));
	ASSERT_EQ_INT(2, shipper__backlog(s));
	shipper__free(s);
	rmspool(dir);
}

/* A full spool holds new findings back instead of dropping old batches: the
 * call that filled the pending batch is taken, the next one is refused
 * whole (-ENOSPC, cursor unchanged), and nothing was dropped. */
TEST(shipper_full_spool_holds_back_without_dropping)
{
	char dir[256];
	struct shipper_opts o;
	struct shipper *s = NULL;
	struct shipper_stats st;
	struct finding f[2];
	const struct finding *fs[2];
	char ids[2][16];
	uint64_t cursor = 0;
	int err = 0, calls = 0;

	spool_tmpdir(dir, sizeof(dir));
	memset(f, 0, sizeof(f));
	for (int i = 0; i < 2; i++) {
		snprintf(ids[i], sizeof(ids[i]), "f%d", i);
		f[i].id = ids[i];
		fs[i] = &f[i];
	}
	shipper_opts__defaults(&o);
	o.state_dir = dir;
	o.collector_url = "http://127.0.0.1:1";   /* nothing listens there */
	o.agent_id = "unit";
	o.batch_max = 2;
	o.batch_ms = 60000;
	o.spool_cap = 1024;                        /* a few batches */
	o.connect_timeout_ms = 500;
	o.backoff_ms = 60000;                      /* one attempt, then wait */
	ASSERT_EQ_INT(0, shipper__new(&o, &s));
	while (calls < 100 && (err = shipper__submit(s, fs, 2, cursor + 2)) == 0) {
		cursor += 2;
		calls++;
	}
	ASSERT_EQ_INT(-ENOSPC, err);
	ASSERT(calls >= 2 && calls < 100);
	ASSERT_EQ_U64(cursor, shipper__cursor(s));   /* the refused call left no trace */
	shipper__stats(s, &st);
	ASSERT_EQ_U64(0, st.spool_dropped);
	ASSERT_EQ_U64(calls - 1, st.batches_spooled);  /* the last taken one waits in memory */
	ASSERT_EQ_INT(calls, shipper__backlog(s));
	ASSERT(st.spool_bytes <= 1024);
	shipper__free(s);
	rmspool(dir);
}
