/* agent/audit: cloud audit logs in, normalized audit events out.
 *
 * In:  a SOURCE spec: FORMAT:WHERE or WHERE, FORMAT one of cloudtrail,
 *      s3access, gcs, azure, azure-activity, minio (detected from content when left out);
 *      WHERE a local file or directory (recursive, plain or gzip), or a bucket
 *      URL s3://bucket/prefix or gs://bucket/prefix (S3 API, see s3pull.c).
 * Out: one struct audit_event per record, handed to a callback in file order.
 *
 * Records that cannot be parsed are counted and reported with file and
 * offset; they never stop the stream.
 */
#ifndef GW_AUDIT_H
#define GW_AUDIT_H

#include <stdint.h>
#include <stdio.h>

#include "lib/names.h"
#include "lib/strpool.h"

enum gw_action {
	GW_ACT_OTHER = 0,
	GW_ACT_OBJECT_READ,
	GW_ACT_OBJECT_WRITE,
	GW_ACT_OBJECT_DELETE,
	GW_ACT_LIST,
	GW_ACT_PERMISSION,
	GW_ACT_MANAGEMENT,
	/* A server-side copy: the object written takes its data from another
	 * object, possibly in another bucket or account (CopyObject,
	 * UploadPartCopy, storage.objects.rewrite/copy, CopyBlob,
	 * PutBlockFromURL). Counted as a write wherever writes are counted. */
	GW_ACT_OBJECT_COPY,
};

enum gw_outcome {
	GW_OUT_OK = 0,
	GW_OUT_DENIED,
	GW_OUT_ERROR,
};

enum gw_principal_type {
	GW_PT_UNKNOWN = 0,
	GW_PT_USER,           /* IAMUser, GCP user account, Azure user */
	GW_PT_ROLE,           /* AssumedRole, federated, service account */
	GW_PT_ROOT,
	GW_PT_SERVICE,        /* the cloud's own services */
	GW_PT_ANONYMOUS,
	GW_PT_ACCOUNT,        /* AWSAccount: another account */
};

/* Who the principal is to the account it acts on, as far as the record
 * tells (the detector refines own against [detect] own_accounts). */
enum gw_principal_kind {
	GW_PK_UNKNOWN = 0,
	GW_PK_OWN,            /* an identity of the account the record is about */
	GW_PK_FOREIGN,        /* an identity of another account or project */
	GW_PK_ANONYMOUS,      /* no credential at all */
	GW_PK_ROOT,           /* the AWS account root user */
	GW_PK_WORKLOAD,       /* instance credentials: EC2 instance profile session,
			       * GCE compute service account, Azure managed identity */
	GW_PK_SAS,            /* an Azure shared access signature */
	GW_PK_SERVICE,        /* the cloud's own services */
};

/* The normalized audit event. Every string is interned in the strpool the
 * reader was given (never NULL; "" when missing) and lives as long as it,
 * or, with AUDIT_READ_TRANSIENT, until the callback returns. */
struct audit_event {
	int64_t time_ms;          /* UTC milliseconds */
	uint8_t cloud;            /* enum gw_cloud */
	uint8_t action;           /* enum gw_action */
	uint8_t outcome;          /* enum gw_outcome */
	uint8_t principal_type;   /* enum gw_principal_type */
	uint8_t key_long_term;    /* access key is long-term (AKIA...) */
	uint8_t principal_kind;   /* enum gw_principal_kind */
	/* 1: the record says the operation started (Azure Activity Log
	 * Started, Accepted); its result (Succeeded, Failed) follows in a
	 * record of the same request_id, the correlation id */
	uint8_t started;
	uint8_t pad[1];
	const char *principal;    /* ARN, email, object id or access key owner */
	const char *account;      /* account / project / subscription */
	const char *access_key;
	const char *source_ip;
	const char *user_agent;
	const char *region;
	const char *service;      /* e.g. s3.amazonaws.com */
	const char *api;          /* as the cloud spells it: GetObject */
	const char *bucket;
	const char *object_key;
	const char *error_code;
	const char *request_id;
	uint64_t bytes_out;
	uint64_t bytes_in;
	const char *principal_account;  /* the principal's own account or project ("" unknown) */
	const char *created;      /* what the call created: a user's ARN, an access key id */
	/* The request's content as raw JSON text, for the rules that judge a
	 * call by what it asked for (a grant, a policy, a key): at most
	 * AUDIT_MAX_FIELD bytes, interned like the rest; NULL or "" when the
	 * record carries none or the call is of a kind no rule reads (object
	 * reads and lists carry none). One object per cloud:
	 *   aws:   {"requestParameters":..,"additionalEventData":..,"responseElements":..,
	 *           "resources":[..]}
	 *   gcp:   {"request":..,"serviceData":..,"metadata":..,"response":..}
	 *   azure: the Activity Log record's properties (requestbody as text) */
	const char *request;
	/* With AUDIT_READ_DEFER_DEDUP: the event's de-duplication key (0: it
	 * has no id and is never a duplicate); else 0. */
	uint64_t dedup_key;
};

#define AUDIT_MAX_NOTES 16

struct audit_stats {
	uint64_t files;           /* files opened and read */
	uint64_t files_failed;    /* files that could not be read or parsed at all */
	uint64_t records;         /* records seen */
	uint64_t events;          /* events delivered */
	uint64_t skipped;         /* records that could not be parsed */
	uint64_t digests;         /* CloudTrail digest files passed over */
	uint64_t bytes;           /* bytes of log read (after decompression) */
	uint64_t ignored;         /* well-formed records of no interest (GCP non-storage) */
	uint64_t skip_bad_bytes;  /* of skipped: NUL, invalid UTF-8 or an over-long line/field */
	int64_t first_ms;         /* time span of the events delivered (0 when none) */
	int64_t last_ms;
	uint64_t duplicates;      /* records passed over: their event id was delivered already */
	uint64_t non_storage;     /* of events: GCP and Azure control-plane entries of other
				   * services (IAM, logging, compute), delivered too */
	uint64_t not_logs;        /* files in a directory that are no audit log (a README,
				   * a .tsv): passed over, not failures */
	/* The first files passed over or failed, with why, for the report. */
	struct audit_file_note {
		char path[240];
		char why[64];
		uint8_t failed;       /* 1: a log that could not be read; 0: not a log */
	} notes[AUDIT_MAX_NOTES];
	size_t nnotes;
};

/* Return 0 to go on, a negative errno to stop the stream. */
typedef int (*audit_event_fn)(const struct audit_event *ev, void *ctx);

/* Read one SOURCE spec. Returns 0 when the source was read (even if some
 * records or files were skipped, which stats count), -ENOENT/-EINVAL for a
 * spec that names nothing readable or an unknown prefix (a usage error), or
 * the callback's negative return. Counts are added to *st (it is not
 * zeroed), so one stats struct can sum several sources. A file that cannot
 * be read or parsed is logged as one line naming it. */
int audit_source__read(const char *spec, struct strpool *pool, audit_event_fn cb,
		       void *ctx, struct audit_stats *st);

/* The callback keeps no string of an event past its return (it copies
 * what it keeps): the pool is emptied (strpool__reset) after every file or
 * object, so that reading holds the strings of one file at a time and its
 * memory does not grow with the number of files. The pool must hold
 * nothing else the caller needs. */
#define AUDIT_READ_TRANSIENT 0x1u

/* A file found by walking a directory: one that is no audit log (a
 * README) is passed over and listed in the notes, not failed. */
#define AUDIT_READ_IN_DIR 0x2u

/* audit_source__read with AUDIT_READ_* flags. */
int audit_source__read_flags(const char *spec, struct strpool *pool, unsigned flags,
			     audit_event_fn cb, void *ctx, struct audit_stats *st);

/* A first look at a file (its first record's time, say): no
 * de-duplication, so that the real read later delivers every record, and
 * no record warnings, which the real read gives. */
#define AUDIT_READ_PEEK 0x4u

/* For a caller that reads files on several threads and then orders the
 * events itself: events are not de-duplicated while read (the set of
 * recent ids is kept in event-time order, which reading out of order
 * would break), each carries its dedup_key, and the caller asks
 * audit_dedup__check() in the order it hands the events on. */
#define AUDIT_READ_DEFER_DEDUP 0x8u

/* Reading one file at a time: a small gzip file may be inflated whole
 * (see reader.c), about twice as fast, and a small plain file read whole,
 * at most 32 MiB of log held at once. */
#define AUDIT_READ_WHOLE_GZ 0x100u
/* The same for a caller holding several files open at once (analyze's
 * merge): only files of a few MiB of log, so that a file read whole costs
 * about what its stream window would. */
#define AUDIT_READ_WHOLE_SMALL 0x200u

/* Reading a source one unit at a time, for a caller that orders the reads
 * itself or spreads them over threads (analyze's time-ordered merge): a
 * unit is one file of a local source, or a whole bucket URL source. */
struct audit_unit {
	char *path;               /* the file, or a URL source's whole spec; malloc'd */
	int format;               /* the source's format, 0 when left to detection */
	uint8_t in_dir;           /* one of a directory's files: an unknown one is not a log */
	uint8_t whole;            /* a URL source, read whole with audit_source__read_flags */
};

/* Append the units of SOURCE spec to *units (*n of them so far; the array
 * grows, owned by the caller: audit_units__free). A local file or each file
 * under a directory (sorted by path) is a unit; a bucket URL is one. A
 * subdirectory that cannot be listed is logged and counted in
 * st->files_failed. 0, -ENOENT/-EINVAL as audit_source__read, -ENOMEM. */
int audit_source__units(const char *spec, struct audit_unit **units, size_t *n,
			struct audit_stats *st);
void audit_units__free(struct audit_unit *units, size_t n);

/* Read one unit as audit_source__read_flags reads it within its source.
 * Safe to call from several threads at once, each with its own pool and
 * stats. 0 or the callback's negative return. */
int audit_unit__read(const struct audit_unit *u, struct strpool *pool, unsigned flags,
		     audit_event_fn cb, void *ctx, struct audit_stats *st);

/* A local unit (not a whole one) as a stream of pieces, for a caller that
 * holds several files open at once (see audit_reader below), with the
 * flags of audit_unit__read and AUDIT_READ_WHOLE_GZ. NULL when the file
 * cannot be opened: logged and counted in *st as audit_unit__read does. */
struct audit_reader *audit_unit__open(const struct audit_unit *u, struct strpool *pool,
				      unsigned flags, struct audit_stats *st);

/* Add the counters of *src to *dst (notes too, while there is room). */
void audit_stats__add(struct audit_stats *dst, const struct audit_stats *src);

/* The time a log file's name or directory says it holds, in UTC ms, or
 * INT64_MIN when it says none: CloudTrail's and S3 server access logs'
 * delivery stamp (..._20240501T1005Z_..., 2024-05-01-10-05-00-...), the hour
 * partitions of GCS sinks and Azure exports (2024/05/01/10:00:00_...,
 * y=2024/m=05/d=01/h=10/m=00, 2024/05/01/1000/), or a date alone. The most
 * precise stamp in the path wins; of equals, the last. */
int64_t audit_path__time(const char *path);

/* Events are de-duplicated by the cloud's event id (CloudTrail eventID,
 * GCS insertId, Azure correlationId / request id, MinIO requestID, S3 access
 * log request id) across every read of the process: a record delivered
 * twice (overlapping exports, an object delivered again, a file copied into
 * two places) reaches the callback once and the second one is counted in
 * duplicates. The set of recent ids is bounded (see dedup.c).
 * audit_dedup__reset() forgets them all, for a new independent analysis. */
void audit_dedup__reset(void);
/* 1 when an event read with AUDIT_READ_DEFER_DEDUP repeats one checked
 * before (it is then a duplicate, to be counted and dropped), else 0 (and
 * it is remembered). Thread-safe. */
int audit_dedup__check(const struct audit_event *ev);
/* audit_dedup__check on evs[0..n) in turn, under one lock, the next ones'
 * slots fetched while one is checked: dup[i] is its answer for evs[i]. */
void audit_dedup__check_batch(const struct audit_event *const *evs, size_t n, uint8_t *dup);

/* MinIO audit entries held in memory (a webhook request body: one JSON
 * object, an array of them, or JSON lines); name is shown in the lines
 * about skipped records. buf is modified (NUL bytes blanked). Returns 0
 * or the callback's negative return; the rest is counted in *st. */
int audit_minio__read(const char *name, char *buf, size_t len, struct strpool *pool,
		      audit_event_fn cb, void *ctx, struct audit_stats *st);

/* The one SOURCE grammar, for analyze, the daemon and the configuration
 * check: FORMAT:WHERE or WHERE split into its parts. path points into spec
 * (WHERE); format is the FORMAT's number, 0 when left to detection; url
 * tells a bucket URL from a local path. A spec that exists as a path is a
 * path. 0; -EPROTONOSUPPORT for an unknown URL scheme; -EINVAL for an
 * unknown FORMAT. Logs nothing. */
enum { AUDIT_URL_NONE, AUDIT_URL_S3, AUDIT_URL_AZURE };
struct audit_spec {
	int format;
	const char *path;
	int url;            /* AUDIT_URL_S3: s3://, gs://; AUDIT_URL_AZURE: http(s):// */
};
int audit_spec__parse(const char *spec, struct audit_spec *out);
/* The same SOURCE with a relative local path made absolute against the
 * current directory ("cloudtrail:logs" -> "cloudtrail:/srv/logs"), so that
 * `run` and `analyze` read the same place and a daemon finds it whatever its
 * working directory; URLs and absolute paths are copied as they are.
 * 0, an error of audit_spec__parse(), -ENAMETOOLONG or -errno of getcwd. */
int audit_spec__absolute(const char *spec, char *out, size_t size);

/* Check a SOURCE spec without reading it: 0, or -ENOENT/-EINVAL as above,
 * after logging one line naming the spec or the path. */
int audit_source__check(const char *spec);

/* Where bucket sources (s3://, gs://, https:// Blob) keep their durable
 * cursors, so that each read only delivers objects not delivered before.
 * NULL falls back to the environment (GATEWATCH_STATE_DIR), and without
 * either every read starts from the beginning. The string is not copied:
 * it must outlive the reads. Set it once before reading from any thread. */
void audit_set_state_dir(const char *dir);

/* One JSON object of the counters in *st (files, records, events, skipped
 * with skip_bad_bytes, ignored, digests, bytes, duplicates, non_storage,
 * first/last as ISO-8601),
 * written to f without a newline. Returns 0 or -EIO. */
int audit_stats__write_json(const struct audit_stats *st, FILE *f);

const char *gw_action_name(int action);
const char *gw_outcome_name(int outcome);
const char *gw_principal_type_name(int type);
const char *gw_principal_kind_name(int kind);

/* One local log file read as a stream, in pieces, in constant memory (a
 * few MiB per open file, whatever the file's size): the puller's way, for
 * a k-way merge of many open files.
 *
 *   struct audit_reader *r = audit_reader__open(path, "cloudtrail", NULL, 0, &st);
 *   while ((rc = audit_reader__next_chunk(r, cb, ctx)) > 0)
 *           ;                       // events of the next piece went to cb
 *   audit_reader__close(r);
 *
 * open: format is a SOURCE prefix ("cloudtrail", "s3access", "gcs",
 * "azure", "azure-activity", "minio"), or NULL/"" to detect it from the
 * file's first bytes. Strings of the events are interned in pool, and
 * live as long as it (with AUDIT_READ_TRANSIENT, the pool is emptied
 * before each piece: they live until the next call); pool NULL gives the
 * reader a pool of its own, emptied before each piece. Counts are added
 * to *st (NULL: the reader's own, see audit_reader__stats). flags:
 * AUDIT_READ_TRANSIENT, AUDIT_READ_IN_DIR. Nothing is read yet. NULL
 * with errno set when the file cannot be opened (nothing is logged or
 * counted: the caller says which file) or format is unknown (EINVAL).
 *
 * next_chunk: reads the next piece of the file (about 4 MiB of log after
 * gunzip) and hands each of its events to cb, in file order. Returns 1
 * when more may follow, 0 at the end of the file, or cb's negative return
 * (the reader may be called again after it). A file that is no log of the
 * format, is damaged, or cannot be read is logged in one line naming it,
 * counted in *st (files_failed, not_logs and notes) and ends with 0; a bad
 * record is logged with its file, line and offset (rate-limited), counted
 * in skipped, and the stream goes on. A record split between two pieces is
 * read whole in the next one.
 *
 * The de-duplication set (audit_dedup__reset) is shared by every reader
 * of the process; a reader itself is used from one thread at a time. */
struct audit_reader;

struct audit_reader *audit_reader__open(const char *path, const char *format, struct strpool *pool,
					unsigned flags, struct audit_stats *st);
int audit_reader__next_chunk(struct audit_reader *r, audit_event_fn cb, void *ctx);
void audit_reader__close(struct audit_reader *r);
const struct audit_stats *audit_reader__stats(const struct audit_reader *r);
/* From the next piece on, strings go to pool (which the caller owns; the
 * strings of earlier pieces stay in theirs) and counts to st (NULL: the
 * reader's own): a merge that holds each piece's events until they are
 * handed over gives each piece a pool of its own, and frees it with them. */
void audit_reader__rebind(struct audit_reader *r, struct strpool *pool, struct audit_stats *st);

/* A thread that read audit files and is about to end gives back what
 * reading keeps per thread (the last whole-read buffers, the JSON
 * arena). */
void audit_thread__release(void);

/* The local files of a SOURCE spec, in the order a read takes them (a
 * file, or a directory's regular files sorted by path), and its format
 * prefix ("" when left to detection; points into spec or is static):
 * *paths and its strings are malloc'd, free with audit_paths__free. 0,
 * -ENOENT/-EINVAL as audit_source__check (logged), -EPROTONOSUPPORT for
 * a bucket URL (not a local source), -ENOMEM. */
int audit_source__files(const char *spec, char ***paths, size_t *n, const char **format);
void audit_paths__free(char **paths, size_t n);

/* Local audit sources read incrementally: each file once, remembered in a
 * state file across restarts. */
struct local_sources;

struct local_sources *local_sources__new(const char *state_path);
void local_sources__free(struct local_sources *ls);
/* Read the files of `spec` not read before (and not modified in the last
 * second); events go to cb. Pulled sources (s3://, https://) are read through
 * audit_source__read, which keeps their own cursor. 0 or a negative errno. */
int local_sources__pull(struct local_sources *ls, const char *spec, struct strpool *pool,
			audit_event_fn cb, void *ctx, struct audit_stats *st);
int local_sources__save(struct local_sources *ls);

#endif
