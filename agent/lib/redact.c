/* See redact.h. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "redact.h"

#define REDACTED "REDACTED"

/* Query parameter names that carry a secret, matched case-insensitively
 * anywhere in the name: Azure SAS "sig", S3/GCS presigned "X-Amz-Signature",
 * "X-Amz-Credential", "X-Amz-Security-Token", "X-Goog-Signature", API keys,
 * OAuth tokens. The other SAS fields (sv, ss, srt, sp, se, st, spr, sr, si,
 * skoid...) describe the grant and stay readable. */
static const char *const secret_words[] = {
	"sig", "token", "secret", "passw", "credential", "key", "auth",
};

struct out {
	char *p;
	size_t size, n;
};

static void put(struct out *o, const char *s, size_t n)
{
	size_t room = o->size - 1 - o->n;

	if (n > room)
		n = room;
	memcpy(o->p + o->n, s, n);
	o->n += n;
	o->p[o->n] = '\0';
}

static int secret_name(const char *name, size_t n)
{
	for (size_t w = 0; w < sizeof(secret_words) / sizeof(secret_words[0]); w++) {
		size_t wl = strlen(secret_words[w]);

		for (size_t i = 0; i + wl <= n; i++)
			if (strncasecmp(name + i, secret_words[w], wl) == 0)
				return 1;
	}
	return 0;
}

/* The query at q (after '?') up to the end of the URL; returns its end. */
static const char *put_query(struct out *o, const char *q)
{
	size_t end = strcspn(q, "# \t\r\n\"'"), i = 0;

	while (i < end) {
		size_t n = strcspn(q + i, "&"), eq;

		if (n > end - i)
			n = end - i;
		eq = strcspn(q + i, "=");
		if (eq < n && secret_name(q + i, eq)) {
			put(o, q + i, eq + 1);
			put(o, REDACTED, strlen(REDACTED));
		} else {
			put(o, q + i, n);
		}
		i += n;
		if (i < end) {
			put(o, "&", 1);
			i++;
		}
	}
	return q + end;
}

/* The URL whose authority starts at a (after "://"); returns its end. */
static const char *put_url(struct out *o, const char *a)
{
	size_t auth = strcspn(a, "/?# \t\r\n\"'");
	const char *at = memchr(a, '@', auth), *path;
	size_t n;

	if (at) {
		put(o, REDACTED "@", strlen(REDACTED) + 1);
		a = at + 1;
	}
	n = strcspn(a, "?# \t\r\n\"'");
	put(o, a, n);
	path = a + n;
	if (*path != '?')
		return path;
	put(o, "?", 1);
	return put_query(o, path + 1);
}

char *redact__url(const char *text, char *out, size_t size)
{
	struct out o = { .p = out, .size = size };
	const char *s = text, *sep;

	if (!size)
		return out;
	out[0] = '\0';
	while ((sep = strstr(s, "://"))) {
		put(&o, s, (size_t)(sep - s) + 3);
		s = put_url(&o, sep + 3);
	}
	put(&o, s, strlen(s));
	return out;
}

int redact__has_secret(const char *text)
{
	char buf[REDACT_MAX];
	size_t n = strlen(text);

	if (n >= sizeof(buf))
		return strstr(text, "://") != NULL;   /* too long to tell: assume so */
	return strcmp(redact__url(text, buf, sizeof(buf)), text) != 0;
}
