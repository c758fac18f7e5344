/* agent/audit internals of the S3 API source: configuration (s3pull.c),
 * credentials (s3cred.c) and the HTTP side (s3http.c). */
#ifndef GW_AUDIT_S3PULL_H
#define GW_AUDIT_S3PULL_H

#include <stddef.h>
#include <stdint.h>

struct s3_cred {
	char access_key[128];
	char secret_key[256];
	char session_token[4096];
	char where[64];           /* "environment" or the file, for messages */
	int64_t expires_ms;       /* temporary credentials: when they expire (0: never) */
	int from_imds;
};

struct s3_conf {
	char endpoint[512];       /* no trailing '/' */
	char region[64];
	char bucket[256];
	char prefix[1024];
	char source[2048];        /* names the cursor: endpoint and URL */
	const char *state_dir;    /* NULL: no cursor */
	uint64_t max_objects;     /* 0: no limit */
	char page_size[8];        /* max-keys of a listing, "1000" */
	int path_style;
	int gcs;
	struct s3_cred cred;
};

/* Fill s from the URL and the environment. 0 or -EINVAL after a one-line
 * message naming the variable, file or URL at fault. */
int s3_conf__init(struct s3_conf *s, const char *url);

/* Credentials from the environment, else the shared credentials file
 * (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile AWS_PROFILE or
 * "default"). No credentials is not an error (c->access_key stays ""). */
int s3_cred__load(struct s3_cred *c);
/* Wipe the secrets. */
void s3_cred__clear(struct s3_cred *c);

/* Temporary credentials of the instance's role from the instance metadata
 * service, IMDSv2 (s3imds.c), replacing *c on success. 0; -ENOENT when it
 * is disabled (AWS_EC2_METADATA_DISABLED=true) or nothing answers;
 * -EIO/-EBADMSG/-EINVAL after logging. */
int s3_cred__imds(struct s3_cred *c);
/* 1 when c came from the metadata service and expires within
 * S3_CRED_REFRESH_MS: time to fetch them again. */
int s3_cred__stale(const struct s3_cred *c);
#define S3_CRED_REFRESH_MS ((int64_t)5 * 60 * 1000)

/* One page of a listing. keys and each key are malloc'd, owned by the list;
 * s3_list__free() releases them (a zeroed list is valid). */
struct s3_list {
	char **keys;
	size_t n, cap;            /* keys held, room for */
	int truncated;
	char *token;              /* NextContinuationToken, or NULL */
};

void s3_list__free(struct s3_list *l);
/* The ListObjectsV2 query string (no '?'): a continuation token (may be
 * NULL) or else start_after (may be ""). 0 or -ENAMETOOLONG. */
int s3_list__query(char *q, size_t size, const char *token, const char *prefix,
		   const char *start_after, const char *page_size);
/* Append the keys of one answer to l and set truncated/token. 0, -EBADMSG
 * (not a ListBucketResult, one cut short or without IsTruncated, over 10000
 * keys, a key empty or over 1024 bytes or with a NUL or a bad character
 * reference) or -ENOMEM. */
int s3_list__parse(const char *xml, size_t len, struct s3_list *l);
/* The text of the next <tag>...</tag> at or after *pos (which moves past
 * it), XML entities decoded, malloc'd (caller frees); NULL when there is
 * none or on ENOMEM. */
char *s3_xml__elem(const char *xml, size_t len, size_t *pos, const char *tag);

/* One pull's guard against a listing that never ends (S3 and Azure alike):
 * a continuation token equal to the one the page was asked with, a page
 * whose last key does not move past the last page's (keys are listed in
 * byte order), S3_PAGER_MAX_EMPTY empty pages in a row, or more than
 * max_pages pages. A zeroed pager with max_pages set is valid;
 * s3_pager__free() releases it. */
struct s3_pager {
	uint64_t pages;
	uint64_t max_pages;       /* GATEWATCH_S3_MAX_PAGES, default S3_PAGER_MAX_PAGES */
	unsigned empty_run;
	char *token;              /* the token the next page is asked with */
	char *last_key;           /* the last key of the last page with keys */
};
#define S3_PAGER_MAX_PAGES 100000u
#define S3_PAGER_MAX_EMPTY 100u

/* max_pages from GATEWATCH_S3_MAX_PAGES (1 to 10^9) or the default. 0 or
 * -EINVAL after a one-line message naming the variable. */
int s3_pager__init(struct s3_pager *p);
/* Judge the page just read into l. 0 to go on; -ELOOP with *why set (a
 * static string for the error line) to stop the pull; -ENOMEM. */
int s3_pager__next(struct s3_pager *p, const struct s3_list *l, const char **why);
void s3_pager__free(struct s3_pager *p);

struct s3_http;

/* The handle keeps a pointer to conf: it must outlive the handle. NULL with
 * errno set on failure. */
struct s3_http *s3_http__new(const struct s3_conf *conf);
void s3_http__free(struct s3_http *h);

/* List the next page: the first call (l->token NULL) starts after
 * start_after (may be ""), later calls follow l->token. Replaces l's
 * contents. Returns 0 or a negative errno after logging. */
int s3_http__list(struct s3_http *h, const char *start_after, struct s3_list *l);

/* GET one object into the file fd (emptied first: see http_spool__open).
 * Returns 0; -EAGAIN when the server, the network or the spool's disk
 * failed past the retries (worth retrying later); another negative errno
 * when the object itself cannot be read (4xx, too large), after logging. */
int s3_http__get_object(struct s3_http *h, const char *key, int fd);

/* The response body cap for listings. */
#define S3_MAX_LIST_BYTES ((size_t)16 << 20)

#endif
