/* Pulling Azure Storage logs from Blob storage: List Blobs (with markers)
 * and Get Blob, authorized by a SAS token or a SharedKey signature.
 *
 * URL: https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX[?SAS], or the
 * path style of emulators and custom endpoints,
 * http://HOST:PORT/ACCOUNT/CONTAINER/PREFIX. Credentials, in order: a SAS
 * in the URL (its "sig" parameter), GATEWATCH_AZURE_SAS, or
 * AZURE_STORAGE_KEY (base64 account key, SharedKey signing). Cursor, batch
 * and page settings as for S3 (GATEWATCH_STATE_DIR,
 * GATEWATCH_S3_MAX_OBJECTS, GATEWATCH_S3_PAGE_SIZE).
 *
 * Blob names are listed in lexicographic order and the delivery layouts
 * ($logs/blob/YYYY/MM/DD/hhmm/, insights-logs-*\/.../y=/m=/d=/h=/) put the
 * time in the name; the cursor is the last name done, and names up to it
 * are passed over on the next run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "audit/audit_internal.h"
#include "audit/pull/azure.h"
#include "audit/pull/env.h"
#include "lib/log.h"
#include "lib/redact.h"
#include "state/cursor.h"

static int copy(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* Split the URL into base (scheme://host[:port][/account]), account,
 * container, prefix and SAS. */
static int parse_url(struct az_conf *a, const char *url)
{
	const char *host = strstr(url, "://"), *path, *q, *seg, *dot;
	size_t n;

	host += 3;
	path = strchr(host, '/');
	q = strchr(host, '?');
	if (!path || (q && q < path))
		return -EINVAL;
	dot = memchr(host, '.', (size_t)(path - host));
	if (dot && strncmp(dot, ".blob.", 6) == 0) {
		if (copy(a->account, sizeof(a->account), host, (size_t)(dot - host)) ||
		    copy(a->base, sizeof(a->base), url, (size_t)(path - url)))
			return -EINVAL;
	} else {
		/* Path style: the account is the first segment. */
		seg = path + 1;
		path = strchr(seg, '/');
		if (!path || copy(a->account, sizeof(a->account), seg, (size_t)(path - seg)) ||
		    copy(a->base, sizeof(a->base), url, (size_t)(path - url)))
			return -EINVAL;
		a->path_style = 1;
	}
	seg = path + 1;
	n = strcspn(seg, "/?");
	if (n == 0 || copy(a->container, sizeof(a->container), seg, n))
		return -EINVAL;
	seg += n;
	if (*seg == '/')
		seg++;
	n = strcspn(seg, "?");
	if (copy(a->prefix, sizeof(a->prefix), seg, n))
		return -EINVAL;
	if (seg[n] == '?' && copy(a->sas, sizeof(a->sas), seg + n + 1, strlen(seg + n + 1)))
		return -EINVAL;
	return *a->account ? 0 : -EINVAL;
}

static int conf_key(struct az_conf *a)
{
	const char *k = getenv("AZURE_STORAGE_KEY"), *sas = getenv("GATEWATCH_AZURE_SAS");
	gnutls_datum_t in, out = { 0 };

	if (!*a->sas && sas && *sas) {
		if (copy(a->sas, sizeof(a->sas), sas + (*sas == '?'), strlen(sas + (*sas == '?')))) {
			log_err("GATEWATCH_AZURE_SAS: too long");
			return -EINVAL;
		}
	}
	if (*a->sas || !k || !*k)
		return 0;
	in.data = (unsigned char *)(uintptr_t)k;
	in.size = (unsigned)strlen(k);
	if (gnutls_base64_decode2(&in, &out) < 0 || out.size == 0 || out.size > sizeof(a->key)) {
		gnutls_free(out.data);
		log_err("AZURE_STORAGE_KEY: not a base64 account key");
		return -EINVAL;
	}
	memcpy(a->key, out.data, out.size);
	a->keylen = out.size;
	explicit_bzero(out.data, out.size);
	gnutls_free(out.data);
	return 0;
}

int az_conf__init(struct az_conf *a, const char *url)
{
	char shown[REDACT_MAX];
	int n;

	memset(a, 0, sizeof(*a));
	if (parse_url(a, url) < 0) {
		log_err("audit source '%s': expected https://ACCOUNT.blob.core.windows.net/"
			"CONTAINER[/PREFIX] or http://HOST:PORT/ACCOUNT/CONTAINER[/PREFIX]",
			redact__url(url, shown, sizeof(shown)));
		return -EINVAL;
	}
	redact__url(a->base, a->shown, sizeof(a->shown));
	/* Azure lists up to 5000 blobs a page, S3 up to 1000 keys */
	if (pull_env__u64("GATEWATCH_S3_MAX_OBJECTS", 0, 0, UINT64_MAX, &a->max_objects) < 0 ||
	    pull_env__u64("GATEWATCH_S3_PAGE_SIZE", 1000, 1, 5000, &a->page_size) < 0)
		return -EINVAL;
	a->state_dir = audit_state_dir();
	/* The cursor is named without the SAS, which changes when renewed. */
	n = snprintf(a->source, sizeof(a->source), "%s/%s/%s", a->base, a->container, a->prefix);
	if (n < 0 || (size_t)n >= sizeof(a->source))
		return -EINVAL;
	return conf_key(a);
}

void az_conf__clear(struct az_conf *a)
{
	explicit_bzero(a, sizeof(*a));
}

int az_sign(const struct az_conf *a, const char *date, const char *path,
	    const struct az_param *q, size_t nq, char *out, size_t size)
{
	char sts[4096], mac[32];
	size_t o;
	gnutls_datum_t in = { .data = (unsigned char *)mac, .size = sizeof(mac) }, b64 = { 0 };
	int n;

	/* GET with no body: eleven empty standard headers, then ours. */
	/* The resource is the account and the URL path, which in path style
	 * starts with the account again. */
	n = snprintf(sts, sizeof(sts), "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:%s\nx-ms-version:%s\n/%s%s%s%s",
		     date, AZ_VERSION, a->account, a->path_style ? "/" : "",
		     a->path_style ? a->account : "", path);
	if (n < 0 || (size_t)n >= sizeof(sts))
		return -ENAMETOOLONG;
	o = (size_t)n;
	/* Parameters are passed in sorted order by the callers. */
	for (size_t i = 0; i < nq; i++) {
		n = snprintf(sts + o, sizeof(sts) - o, "\n%s:%s", q[i].name, q[i].value);
		if (n < 0 || (size_t)n >= sizeof(sts) - o)
			return -ENAMETOOLONG;
		o += (size_t)n;
	}
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, a->key, a->keylen, sts, o, mac) < 0 ||
	    gnutls_base64_encode2(&in, &b64) < 0)
		return -EIO;
	n = snprintf(out, size, "Authorization: SharedKey %s:%.*s", a->account, (int)b64.size,
		     (const char *)b64.data);
	gnutls_free(b64.data);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
