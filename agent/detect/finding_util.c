/* See detect_internal.h: building findings from an identity's hour, their
 * evidence and their end, and naming user-agent families. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "lib/slab.h"

static char *dup_or(const char *s, int *oom)
{
	char *r = strdup(s ? s : "");

	if (!r)
		*oom = 1;
	return r;
}

struct finding *finding__new(const struct finding_head *hd)
{
	struct finding *f = calloc(1, sizeof(*f));
	uint64_t hash = GW_FNV64_INIT;
	int oom = 0;

	if (!f)
		return NULL;
	f->rule_id = hd->rule_id;
	f->title = hd->title;
	f->severity = hd->severity;
	f->score = clamp100(hd->score);
	f->start_ms = hd->start_ms;
	f->end_ms = hd->end_ms;
	f->cloud = hd->cloud;
	f->count = hd->count;
	f->principal = dup_or(hd->principal, &oom);
	f->access_key = dup_or(hd->access_key, &oom);
	f->source_ip = dup_or(hd->source_ip, &oom);
	f->user_agent = dup_or(hd->user_agent, &oom);
	f->region = dup_or(hd->region, &oom);
	f->bucket = dup_or(hd->bucket, &oom);
	hash = gw_fnv1a64(hash, f->rule_id, strlen(f->rule_id) + 1);
	hash = gw_fnv1a64(hash, f->principal ? f->principal : "",
			  strlen(f->principal ? f->principal : "") + 1);
	hash = gw_fnv1a64(hash, &hd->id_time, sizeof(hd->id_time));
	if (oom || asprintf(&f->id, "%016" PRIx64, hash) < 0) {
		f->id = NULL;
		finding__free(f);
		return NULL;
	}
	return f;
}

struct finding *finding__from_hour(const struct rule *r, const char *title, int sev,
				   double score, const struct ident *id, const struct hour_rec *h)
{
	const struct finding_head hd = {
		.rule_id = r->id, .title = title, .severity = sev, .score = score,
		.start_ms = h->first_t, .end_ms = h->last_t, .id_time = h->start,
		.cloud = h->cloud, .count = h->events, .principal = id->name,
		.access_key = h->key, .source_ip = h->ip, .user_agent = h->ua,
		.region = h->region, .bucket = h->bucket,
	};

	return finding__new(&hd);
}

/* The samples of a holder live in one block that v[0] points to, copied
 * one after the other: a block of the holder's slab while they fit in
 * SAMPLES_BLOCK bytes, else one from the heap whose room (a power of two)
 * the bytes used determine, so the holder keeps nothing else. */
static size_t samples_used(const char *const *v, uint8_t n)
{
	return n ? (size_t)(v[n - 1] - v[0]) + strlen(v[n - 1]) + 1 : 0;
}

static size_t samples_room(size_t used)
{
	size_t room = SAMPLES_BLOCK;

	while (room < used)
		room *= 2;
	return room;
}

/* Give the block back where it came from. */
static void samples_drop(struct slab *sl, char *blk, size_t used)
{
	if (used <= SAMPLES_BLOCK)
		slab__put(sl, blk);
	else
		free(blk);
}

int samples__add(struct slab *sl, const char **v, uint8_t *n, const char *key)
{
	size_t len, used;
	char *blk, *nb;

	if (!key || !*key || *n >= GW_FINDING_MAX_SAMPLES)
		return 0;
	len = strlen(key) + 1;
	used = samples_used(v, *n);
	blk = *n ? (char *)(uintptr_t)v[0] : NULL;
	if (!blk && len <= SAMPLES_BLOCK) {
		if (!(blk = slab__get(sl)))
			return -ENOMEM;
	} else if (used + len > samples_room(used)) {
		if (!(nb = malloc(samples_room(used + len))))
			return -ENOMEM;
		if (blk) {
			memcpy(nb, blk, used);
			for (uint8_t i = 0; i < *n; i++)
				v[i] = nb + (v[i] - blk);
			samples_drop(sl, blk, used);
		}
		blk = nb;
	}
	memcpy(blk + used, key, len);
	v[(*n)++] = blk + used;
	return 0;
}

void samples__clear(struct slab *sl, const char **v, uint8_t *n)
{
	if (*n)
		samples_drop(sl, (char *)(uintptr_t)v[0], samples_used(v, *n));
	*n = 0;
}

const char *join_list(char *buf, size_t len, const char *const *v, size_t n)
{
	size_t off = 0;
	int w;

	if (!len)
		return "";
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		w = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", v[i]);
		if (w < 0 || (size_t)w >= len - off)
			break;   /* truncated: keep the whole items that fit */
		off += (size_t)w;
	}
	return buf;
}

static int has_ci(const char *s, const char *needle)
{
	return strcasestr(s, needle) != NULL;
}

const char *ua_family(const char *ua, char *buf, size_t len, int *sdk, int *pentest)
{
	static const char *const sdks[] = {
		"boto3", "botocore", "aws-cli", "aws-sdk-go", "aws-sdk-java", "aws-sdk-js",
		"aws-sdk-dotnet", "aws-sdk-ruby", "aws-sdk-php", "aws-sdk-rust", "gsutil",
		"gcloud", "google-cloud-sdk", "azcopy", "azure-sdk", "azsdk", "rclone", "s3cmd",
		"curl", "python-requests", "go-http-client", "pacu", "cloudfox", "scoutsuite",
	};
	size_t i = 0;

	*pentest = has_ci(ua, "kali") || has_ci(ua, "parrot") || has_ci(ua, "pentoo") ||
		   has_ci(ua, "pacu") || has_ci(ua, "cloudfox");
	*sdk = 0;
	for (size_t k = 0; k < sizeof(sdks) / sizeof(sdks[0]); k++) {
		if (has_ci(ua, sdks[k])) {
			*sdk = 1;
			/* botocore alone is Boto3's core: one family. */
			snprintf(buf, len, "%s", k == 1 ? "boto3" : sdks[k]);
			return buf;
		}
	}
	if (has_ci(ua, "mozilla/") || has_ci(ua, "console.amazonaws.com")) {
		snprintf(buf, len, "browser");
		return buf;
	}
	/* Otherwise the product token: up to the first '/', ' ' or '#'. */
	while (ua[0] == '[')
		ua++;
	for (; ua[i] && ua[i] != '/' && ua[i] != ' ' && ua[i] != '#' && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)ua[i]);
	buf[i] = '\0';
	return buf;
}

int finding__set(char **dst, const char *s)
{
	char *n = strdup(s ? s : "");

	if (!n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

int finding__finish(struct detector *d, struct finding *f, int err)
{
	if (err) {
		finding__free(f);
		return -ENOMEM;
	}
	return detector__emit(d, f);
}

int finding__at(struct finding *f, const char *ip, const char *ua)
{
	int err = 0;

	if (ip && *ip)
		err |= finding__set(&f->source_ip, ip);
	if (ua && *ua)
		err |= finding__set(&f->user_agent, ua);
	return err ? -ENOMEM : 0;
}

const char *finding__evidence(const struct finding *f, const char *key)
{
	for (size_t i = 0; i < f->nevidence; i++)
		if (strcmp(f->evidence[i].key, key) == 0)
			return f->evidence[i].value;
	return NULL;
}

int finding__add_evidence(struct finding *f, const char *key, const char *fmt, ...)
{
	char *k, *v = NULL;
	const char *s;
	va_list ap, one;
	int n;

	if (f->nevidence == GW_FINDING_MAX_EVIDENCE)
		return -E2BIG;
	va_start(ap, fmt);
	va_copy(one, ap);
	/* most evidence is one string: copied as vasprintf would print it */
	s = strcmp(fmt, "%s") == 0 ? va_arg(one, const char *) : NULL;
	if (s)
		n = (v = strdup(s)) ? 0 : -1;
	else
		n = vasprintf(&v, fmt, ap);
	va_end(one);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	k = strdup(key);
	if (!k) {
		free(v);
		return -ENOMEM;
	}
	f->evidence[f->nevidence].key = k;
	f->evidence[f->nevidence].value = v;
	f->nevidence++;
	return 0;
}

void finding__free(struct finding *f)
{
	if (!f)
		return;
	free(f->id);
	free(f->principal);
	free(f->access_key);
	free(f->source_ip);
	free(f->user_agent);
	free(f->region);
	free(f->bucket);
	free(f->why);
	free(f->next_step);
	for (size_t i = 0; i < f->nsamples && i < GW_FINDING_MAX_SAMPLES; i++)
		free(f->samples[i]);
	for (size_t i = 0; i < f->nevidence && i < GW_FINDING_MAX_EVIDENCE; i++) {
		free(f->evidence[i].key);
		free(f->evidence[i].value);
	}
	free(f);
}
