/* agent/audit internals shared by the source reader and the parsers. */
#ifndef GW_AUDIT_INTERNAL_H
#define GW_AUDIT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "audit/audit.h"

/* One log file may be at most this big, on disk and after gunzip: a gzip
 * bomb or a runaway file stops at the cap instead of taking the host down. */
#define AUDIT_MAX_FILE_BYTES ((size_t)1 << 30)

/* A gzip member may expand to GUNZIP_MAX_RATIO times the compressed bytes
 * read so far plus GUNZIP_SLACK; past that it is a bomb (-EOVERFLOW). The
 * output is inflated GUNZIP_STEP bytes at a time between checks. */
#define GUNZIP_MAX_RATIO 100
#define GUNZIP_RATIO_TEXT "100"
#define GUNZIP_SLACK ((size_t)16 << 20)
#define GUNZIP_STEP ((size_t)256 << 10)

/* A buffer kept from file to file: size bytes plus one for a NUL. */
struct audit_buf {
	char *p;
	size_t size;
};

void audit_buf__release(struct audit_buf *b);

/* The regular, non-hidden files under dir (recursive, symlinked directories
 * not followed), sorted by path. *paths and each string are malloc'd and
 * owned by the caller: free with audit_paths__free(). A subdirectory that
 * cannot be listed is logged, counted in *failed and passed over. */
int audit_walk(const char *dir, char ***paths, size_t *n, size_t *failed);

/* Strings interned lately, by a cheap hash of their bytes: most fields
 * repeat from record to record (service, region, API, principal, agent), and
 * a hit here spares the pool's hash, its probe (a cache miss in a big pool)
 * and the UTF-8 check. Pointers are into the pool, so the cache lives no
 * longer than one read. */
#define AUDIT_INTERN_CACHE 2048
#define AUDIT_MEMO 256

struct audit_intern_ent {
	const char *s;
	size_t len;
};

/* The last value of a field of a text log (bucket, operation, requester
 * repeat from line to line): a hit costs one compare, no hash. Pointers
 * are into the pool, as above. */
#define AUDIT_LAST_FIELDS 16
/* Behind the last values, the values of all such fields by a hash of a
 * few of their bytes (length, first, middle and last eight): a field that
 * takes turns among a few values (bucket, operation, user agent) is found
 * without hashing all its bytes. */
#define AUDIT_QCACHE 256

struct audit_last {
	const char *s;
	size_t len;
};

/* What a parser needs besides the bytes: where events go and what to count.
 * Record-level warnings are rate-limited per source through `warnings`. */
/* Where a JSON stream is between chunks (formats/jsonrec.c): at the top
 * level, inside a top-level array, or inside {"records":[...]}. */
struct audit_json_state {
	int mode;
	size_t nvalues;           /* top-level values and elements read so far */
	long idx;                 /* index of the next array element */
};

struct audit_ctx {
	const char *path;
	struct strpool *pool;
	unsigned flags;           /* AUDIT_READ_* */
	audit_event_fn cb;
	void *cb_ctx;
	struct audit_stats *st;
	unsigned warnings;
	int in_dir;               /* reading a directory's files: unknown ones are not logs */
	/* The stream being read: the file offset and line (0-based) of the
	 * chunk's first byte, the chunk itself (for line numbers in warnings),
	 * what a JSON stream was in the middle of, and the Azure log's kind. */
	uint64_t base;
	uint64_t line_base;
	/* The newlines in the bytes the last chunk reader used, when it
	 * counted them (a text format's, line by line), else UINT64_MAX. */
	uint64_t chunk_lines;
	const char *chunk;
	struct audit_json_state js;
	uint64_t scanned;         /* JSON values a field scanner took */
	int azure_classic;
	struct audit_intern_ent icache[AUDIT_INTERN_CACHE];
	/* A text log's last time field (whole, or the part up to the second)
	 * and its value: lines written in the same second share it. */
	struct audit_tlast {
		char s[32];
		size_t n;
		int64_t ms;
	} tlast;
	struct audit_last last[AUDIT_LAST_FIELDS];
	struct audit_intern_ent qcache[AUDIT_QCACHE];
	/* the action of an interned API name, by its pointer, in sets of two */
	struct audit_memo_ent {
		const char *s;
		int (*fn)(const char *);
		int v;
	} memo[AUDIT_MEMO];
};

/* fn(api) for an interned api, remembered by its pointer (and fn): a log
 * names a few dozen APIs, and matching each by its words was a tenth of
 * reading. Any function of an interned string may be remembered so. */
int audit_ctx__memo(struct audit_ctx *c, const char *api, int (*fn)(const char *));
/* Forget what points into c->pool (before it is emptied). */
void audit_ctx__forget(struct audit_ctx *c);

/* Start a new stream (a file or an object) in c: offsets, lines and the
 * JSON state back to the beginning. */
void audit_ctx__begin_stream(struct audit_ctx *c);

/* Tests: every JSON record is parsed with cJSON, none by a format's field
 * scanner (json_ops.scan), so that both ways can be compared. */
#define AUDIT_READ_NO_SCAN 0x200u

/* Tests: the reader's window starts at window bytes (0: as it is) and
 * each read adds at most step bytes (0: no limit), so that records are
 * split at every offset. */
void audit_reader__test_sizes(struct audit_reader *r, size_t window, size_t step);
/* Tests: the size of this thread's kept buffer for gzip files read whole
 * (0 while none was read). */
size_t audit_reader__test_kept_gz_bytes(void);
/* The size of the stream window this thread keeps for the next piece. */
size_t audit_reader__test_kept_window(void);
/* Tests: the bytes of log every reader closed so far brought into memory
 * (inflated, or read into a buffer; not a mapped file's pages). */
uint64_t audit_reader__test_loaded(void);
/* The reader's context (its warnings count, for a source of many files). */
struct audit_ctx *audit_reader__ctx(struct audit_reader *r);


/* Intern s[0..len) (len > 0) in c->pool. NULL with bad_bytes set when it is
 * longer than AUDIT_MAX_FIELD or not valid UTF-8 (or holds a NUL), NULL
 * with bad_bytes 0 when out of memory. */
const char *audit_ctx__intern(struct audit_ctx *c, const char *s, size_t len, int *bad_bytes);
/* The intern hash of s[0..len), with the cache entry and the pool's table
 * slot it leads to starting to load: a parser asks it for the fields that
 * are seldom the last value (addresses, keys) as soon as it has split the
 * record, and interns them later with rec__intern_hashed or
 * rec__intern_last_hashed. A load from the pool's table is a cache miss
 * per string otherwise, and the misses of a record then overlap. */
uint64_t audit_ctx__prefetch(struct audit_ctx *c, const char *s, size_t len);

#define AUDIT_MAX_RECORD_WARNINGS 10

/* Note a file passed over (failed 0) or failed (1) in c->st's bounded
 * list, for the report. */
void audit_ctx__note_file(struct audit_ctx *c, int failed, const char *why);

/* Log a skipped record (rate-limited) and count it. */
void audit_ctx__skip(struct audit_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same for the record at offset off of the current chunk: the line
 * is "FILE: line L (offset O): WHY". */
void audit_ctx__skip_at(struct audit_ctx *c, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The newlines in s[0..n). */
uint64_t audit__count_lines(const char *s, size_t n);

/* CloudTrail (cloudtrail.c). detect: 1 when buf looks like CloudTrail JSON.
 * parse: 0 when the file was parsed (records may have been skipped),
 * -EBADMSG when it is not JSON at all, or the callback's negative return. */
int cloudtrail__detect(const char *buf, size_t len);
int cloudtrail__parse(struct audit_ctx *c, const char *buf, size_t len);

/* Past these a record is skipped as bad input: a text or JSON line longer
 * than AUDIT_MAX_LINE, a single field longer than AUDIT_MAX_FIELD. They
 * bound what an attacker-written log can make the pools hold. */
#define AUDIT_MAX_LINE ((size_t)1 << 20)
#define AUDIT_MAX_FIELD ((size_t)16 << 10)

/* Read the open file fd from its start as format (AUDIT_FMT_DETECT: told
 * from its first bytes) through c, as a stream: gunzipped on the way if it
 * is gzip, a window of a few MiB whatever its size (reader.c). Counts and
 * failures as for a file of a directory; c->path names it. fd stays open.
 * 0, or the callback's error. */
int audit_fd__parse(struct audit_ctx *c, int format, int fd);

/* The words for a load or gunzip error, for "failed to read FILE: ...". */
const char *audit_load__strerror(int err);

/* Deliver one filled event: count it, extend the time span, call back.
 * emit_id de-duplicates by id[0..len) (the cloud's event id; none when
 * len is 0), emit by ev->request_id. */
int audit_ctx__emit(struct audit_ctx *c, const struct audit_event *ev);
int audit_ctx__emit_id(struct audit_ctx *c, const struct audit_event *ev, const char *id,
		       size_t len);
/* emit_id with the de-duplication key already made (audit_dedup__key_early;
 * 0: none). */
int audit_ctx__emit_key(struct audit_ctx *c, const struct audit_event *ev, uint64_t key);

/* 1 when an event with this id was delivered before (dedup.c); else the id
 * is remembered and 0 returned. */
int audit_dedup__seen(const struct audit_event *ev, const char *id, size_t len);
/* The de-duplication key of an event and its id (0 without an id). */
uint64_t audit_dedup__key(const struct audit_event *ev, const char *id, size_t len);
/* The same key from the bytes the event's API, object key and id will hold
 * (0 when idlen is 0), made before the event is, with the set's slot for
 * it starting to load: the look-up at emit then finds it in the cache. */
uint64_t audit_dedup__key_early(int cloud, int64_t time_ms, const char *api, size_t alen,
				const char *key, size_t klen, const char *id, size_t idlen);
/* 1 when the key (0: none, never seen) was delivered before; else it is
 * remembered and 0 returned. */
int audit_dedup__seen_key(uint64_t key, int64_t time_ms);

/* 1 when s[0..len) is valid UTF-8 without NUL bytes. */
int utf8__valid(const char *s, size_t len);

/* Interning the strings of one record. Each string is checked (valid UTF-8,
 * at most AUDIT_MAX_FIELD bytes) and interned in c->pool; the first failure
 * is remembered in `bad` (a static reason) and "" is returned, so a parser
 * fills the whole event and then drops it when bad is set. */
struct rec_strs {
	struct audit_ctx *c;
	const char *bad;
	int bad_bytes;            /* the failure is bad input, not memory */
};

const char *rec__intern(struct rec_strs *r, const char *s, size_t len);
const char *rec__intern_str(struct rec_strs *r, const char *s);
/* rec__intern for bytes already known to be valid UTF-8 without NUL (a
 * slice of a line audit_lines__each checked): no check again. */
const char *rec__intern_valid(struct rec_strs *r, const char *s, size_t len);
/* rec__intern_valid through c->last[slot] (slot < AUDIT_LAST_FIELDS): the
 * field's last value when the bytes are the same. *hit (may be NULL) says
 * whether it was. */
const char *rec__intern_last(struct rec_strs *r, unsigned slot, const char *s, size_t len,
			     int *hit);
/* rec__intern (check set) or rec__intern_valid, and rec__intern_last, with
 * the hash from audit_ctx__prefetch. */
const char *rec__intern_hashed(struct rec_strs *r, const char *s, size_t len, int check,
				uint64_t h);
const char *rec__intern_last_hashed(struct rec_strs *r, unsigned slot, const char *s, size_t len,
				    uint64_t h);
/* The same checks, then copied without looking for an equal string: for a
 * field unique to its record (a request id). */
const char *rec__unique(struct rec_strs *r, const char *s, size_t len);
/* rec__unique for bytes already known to be valid UTF-8 without NUL. */
const char *rec__unique_valid(struct rec_strs *r, const char *s, size_t len);
/* Drop the record when r->bad is set (counted, logged); otherwise emit
 * (finish_key: with audit_ctx__emit_key). */
int rec__finish(struct rec_strs *r, const struct audit_event *ev, size_t off);
int rec__finish_key(struct rec_strs *r, const struct audit_event *ev, size_t off, uint64_t key);

/* Call fn for each non-empty line (without its "\r\n"). Lines that are too
 * long or hold a NUL byte or invalid UTF-8 are counted as records, skipped
 * and reported with their offset; fn sees only clean lines and counts the
 * record itself. Returns 0 or fn's negative return. */
typedef int (*audit_line_fn)(struct audit_ctx *c, const char *line, size_t len, size_t off);
int audit_lines__each(struct audit_ctx *c, const char *buf, size_t len, audit_line_fn fn);

/* Blank out (with spaces) every line of buf that holds a NUL byte, counting
 * each as a skipped record: the JSON parsers then see clean text. */
void audit_buf__blank_nul_lines(struct audit_ctx *c, char *buf, size_t len);

/* The first ch in [p, end), or end: memchr for the short fields of a log
 * line, where a call's setup costs more than the search. Sixteen bytes at
 * a time with SSE2 (every x86-64 has it), else eight: the lowest byte the
 * zero-byte test flags is always a true match (false flags only follow a
 * true one). */
static inline const char *audit__find_byte(const char *p, const char *end, char ch)
{
#if defined(__SSE2__)
	const __m128i pat = _mm_set1_epi8(ch);
	unsigned m;

	while (end - p >= 16) {
		m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
			_mm_loadu_si128((const __m128i *)(const void *)p), pat));
		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, pat8 = ones * (unsigned char)ch;
	uint64_t w, z;

	while (end - p >= 8) {
		memcpy(&w, p, 8);
		w ^= pat8;
		z = (w - ones) & ~w & 0x8080808080808080ULL;
		if (z)
			return p + (__builtin_ctzll(z) >> 3);
		p += 8;
	}
#endif
	while (p < end && *p != ch)
		p++;
	return p;
}

/* The decimal number s[0..n) of a text log's field (bytes, sizes): 0 when
 * a byte of it is not a digit ("-" for none); at most 19 digits read. */
static inline uint64_t audit__dec_u64(const char *s, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && i < 19; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v;
}

/* memmem for a short word w (wn > 0 bytes) in s[0..n): its first byte
 * found inline, then compared (libc's memmem sets up for long needles, a
 * cost per call that the short fields of a log line do not repay). */
static inline const char *audit__find_word(const char *s, size_t n, const char *w, size_t wn)
{
	const char *end = s + n, *p;

	for (p = audit__find_byte(s, end, w[0]); (size_t)(end - p) >= wn;
	     p = audit__find_byte(p + 1, end, w[0]))
		if ((wn < 2 || p[1] == w[1]) && memcmp(p, w, wn) == 0)
			return p;
	return NULL;
}

/* Decode %XX escapes (S3 access log keys) or &quot;/&amp;/&lt;/&gt;/&apos;
 * (Azure classic logs) from s[0..len) into out (size >= len + 1). Returns the
 * decoded length. */
size_t audit__url_decode(const char *s, size_t len, char *out);
size_t audit__html_decode(const char *s, size_t len, char *out);

/* Principal kinds (parse_util.c). An AWS role session ARN
 * (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, n bytes) issued to an
 * EC2 instance: SESSION is an instance id (i- and 8 or 17 hex digits), or
 * ROLE is named as an instance profile. 1 or 0. */
int audit__aws_instance_session(const char *arn, size_t n);
/* The ACCOUNT of an ARN arn:PARTITION:SERVICE:REGION:ACCOUNT:..., its
 * length in *len (0 when there is none); points into arn. */
const char *audit__arn_account(const char *arn, size_t n, size_t *len);

enum audit_format {
	AUDIT_FMT_DETECT = 0,
	AUDIT_FMT_GCS,
	AUDIT_FMT_AZURE,
	AUDIT_FMT_MINIO,
	AUDIT_FMT_CLOUDTRAIL,
	AUDIT_FMT_S3ACCESS,
	AUDIT_FMT_AZURE_ACTIVITY,
};

/* Parse one loaded file or object (c->path names it) as `format`, or the
 * format detected from its content: counts it in files/bytes, or in
 * files_failed when it is no known format. buf may be modified (lines with
 * a NUL byte are blanked). With AUDIT_READ_TRANSIENT the pool is emptied
 * afterwards. Returns 0 or the callback's negative return. */
int audit_buf__parse(struct audit_ctx *c, int format, char *buf, size_t len);

/* S3 API source (s3pull.c): url is s3://bucket/prefix or gs://bucket/prefix.
 * check: 0 or -EINVAL after logging why. read: 0 (objects that fail are
 * counted and logged), -EINVAL for bad configuration, or the callback's
 * negative return. */
/* The cursor directory (audit_set_state_dir, else GATEWATCH_STATE_DIR), or
 * NULL. */
const char *audit_state_dir(void);

int s3pull__check(const char *url);
int s3pull__read(struct audit_ctx *c, const char *url, int format);

/* Azure Blob source (azpull.c, azhttp.c): url is
 * https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX[?SAS] or
 * http(s)://HOST:PORT/ACCOUNT/CONTAINER/PREFIX; as s3pull__* otherwise. */
int azpull__check(const char *url);
int azpull__read(struct audit_ctx *c, const char *url, int format);

/* A format's reader of a stream's bytes, chunk by chunk: buf[0..len) is
 * the stream from offset c->base on. It reads every whole record in it and
 * returns how many bytes it used (0 when the first record is not whole
 * yet); with final set, buf ends the stream and is used up. *err is 0,
 * -EBADMSG when the stream is not of the format at all (only before any
 * value was read), or the callback's negative return. State between
 * chunks lives in c (audit_ctx__begin_stream resets it). */
typedef size_t (*audit_chunk_fn)(struct audit_ctx *c, const char *buf, size_t len, int final,
				 int *err);

/* A record longer than this cannot be read: the reader's buffer stops
 * growing there and the record is passed over to the next line. */
#define AUDIT_MAX_RECORD ((size_t)16 << 20)

struct audit_format_ops {
	const char *prefix;       /* the SOURCE prefix */
	const char *what;         /* "CloudTrail JSON", for messages */
	int (*detect)(const char *buf, size_t len);
	audit_chunk_fn chunk;
	size_t max_record;        /* the longest record it reads */
};

/* The format's operations (AUDIT_FMT_GCS..), NULL for others; detection
 * over the first bytes of a stream (the format, or AUDIT_FMT_DETECT when
 * none fits); 1 when buf looks like `format`. */
const struct audit_format_ops *audit_format__ops(int format);
int audit_format__detect(const char *buf, size_t len);
int audit_format__is(int format, const char *buf, size_t len);
/* The format named by a SOURCE prefix ("cloudtrail", ...), or -EINVAL. */
int audit_format__by_name(const char *name);

/* The chunk readers (see audit_chunk_fn). */
size_t s3access__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err);
size_t azure_classic__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err);
size_t azure_json__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err);
size_t gcs__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err);
size_t azure_activity__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err);
size_t minio__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err);
size_t cloudtrail__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err);

/* Lines of a text log in a chunk: every whole line (all with final) goes
 * to fn through audit_lines__each; returns the bytes used. */
size_t audit_lines__chunk(struct audit_ctx *c, const char *buf, size_t len, int final,
			  audit_line_fn fn, int *err);

/* Format parsers of a whole buffer (the chunk reader with final set).
 * detect: 1 when buf looks like the format. parse: 0 when
 * the file was parsed (records may have been skipped), -EBADMSG when it is
 * not that format at all, or the callback's negative return. */
int s3access__detect(const char *buf, size_t len);
int s3access__parse(struct audit_ctx *c, const char *buf, size_t len);
int azure_classic__detect(const char *buf, size_t len);
int azure_classic__parse(struct audit_ctx *c, const char *buf, size_t len);
int azure_json__detect(const char *buf, size_t len);
int azure_json__parse(struct audit_ctx *c, const char *buf, size_t len);
int gcs__detect(const char *buf, size_t len);
int gcs__parse(struct audit_ctx *c, const char *buf, size_t len);
int azure_activity__detect(const char *buf, size_t len);
int azure_activity__parse(struct audit_ctx *c, const char *buf, size_t len);
int minio__detect(const char *buf, size_t len);
int minio__parse(struct audit_ctx *c, const char *buf, size_t len);

#endif
