/* agent/audit internals of the Azure Blob source: configuration and
 * SharedKey signing (azpull.c), requests and the pull loop (azhttp.c). */
#ifndef GW_AUDIT_AZPULL_H
#define GW_AUDIT_AZPULL_H

#include <stddef.h>
#include <stdint.h>

#define AZ_VERSION "2021-08-06"

struct az_conf {
	char base[512];           /* scheme://host[:port] plus "/account" in path style */
	char shown[512];          /* base as echoed: userinfo redacted */
	char account[64];
	char container[256];
	char prefix[1024];
	char sas[2048];           /* query string without '?', or "" */
	unsigned char key[128];   /* SharedKey account key (decoded), keylen 0: none */
	size_t keylen;
	char source[2048];        /* names the cursor */
	const char *state_dir;
	uint64_t max_objects;
	uint64_t page_size;
	int path_style;
};

/* One query parameter, decoded, as signed and sent. */
struct az_param {
	const char *name;
	const char *value;
};

/* 0, or -EINVAL after a one-line message naming the URL or variable. */
int az_conf__init(struct az_conf *a, const char *url);
void az_conf__clear(struct az_conf *a);

/* "Authorization: SharedKey ..." for a GET of `path` (the URL path,
 * encoded as sent) with the given parameters (sorted by name). */
int az_sign(const struct az_conf *a, const char *date, const char *path,
	    const struct az_param *q, size_t nq, char *out, size_t size);

#endif
