/* See detect_internal.h: threat intel as CIDR prefixes in binary tries (IPv4
 * mapped into IPv6), longest match wins. Three tries: threats (deny, Tor,
 * hosting), allow, and cloud provider ranges (labels only).
 *
 * Formats: text, one address or CIDR per line, '#' comments (the Tor bulk
 * exit list, custom lists), or Tor's exit-addresses ("ExitAddress IP ...");
 * JSON: AWS ip-ranges.json, GCP cloud.json, Azure ServiceTags. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "detect/detect_internal.h"
#include "lib/log.h"
#include "lib/strpool.h"

#define INTEL_MAX_FILE (64u << 20)
#define INTEL_MAX_NODES (1u << 24)

struct tnode {
	uint32_t child[2];
	const char *label;
	uint8_t kind;
};

struct trie {
	struct tnode *n;
	uint32_t len, cap;
};

struct intel {
	struct trie t[3];              /* 0 threats, 1 allow, 2 cloud */
	struct strpool *pool;
	uint64_t prefixes;
	uint64_t cloud_prefixes;       /* of prefixes: cloud provider ranges */
};

struct intel *intel__new(void)
{
	struct intel *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->pool = strpool__new();
	if (!t->pool) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void intel__free(struct intel *t)
{
	if (!t)
		return;
	for (int i = 0; i < 3; i++)
		free(t->t[i].n);
	strpool__free(t->pool);
	free(t);
}

uint64_t intel__prefixes(const struct intel *t)
{
	return t ? t->prefixes : 0;
}

int intel__has_cloud(const struct intel *t)
{
	return t && t->cloud_prefixes;
}

static int trie_idx(int kind)
{
	return kind == INTEL_ALLOW ? 1 : kind == INTEL_CLOUD ? 2 : 0;
}

static int bit(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

static int trie_insert(struct trie *tr, const uint8_t a[16], unsigned plen, const char *label,
		       int kind)
{
	uint32_t cur = 0;

	if (!tr->len) {
		tr->n = calloc(64, sizeof(*tr->n));
		if (!tr->n)
			return -ENOMEM;
		tr->cap = 64;
		tr->len = 1;
	}
	for (unsigned i = 0; i < plen; i++) {
		int b = bit(a, i);

		if (!tr->n[cur].child[b]) {
			if (tr->len == tr->cap) {
				struct tnode *nn;

				if (tr->cap >= INTEL_MAX_NODES)
					return -E2BIG;
				nn = realloc(tr->n, 2 * tr->cap * sizeof(*nn));
				if (!nn)
					return -ENOMEM;
				memset(nn + tr->cap, 0, tr->cap * sizeof(*nn));
				tr->n = nn;
				tr->cap *= 2;
			}
			tr->n[cur].child[b] = tr->len++;
		}
		cur = tr->n[cur].child[b];
	}
	tr->n[cur].label = label;
	tr->n[cur].kind = (uint8_t)kind;
	return 0;
}

/* "1.2.3.0/24", "2001:db8::/32" or a bare address: 16 bytes and a length. */
static int parse_prefix(const char *s, uint8_t a[16], unsigned *plen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long v = 0;
	int v4 = 0;
	char *end;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(a, 0, 16);
	if (inet_pton(AF_INET, buf, a + 12) == 1) {
		a[10] = a[11] = 0xff;
		v4 = 1;
	} else if (inet_pton(AF_INET6, buf, a) != 1) {
		return -EINVAL;
	}
	if (slash) {
		if (!isdigit((unsigned char)slash[1]))
			return -EINVAL;
		errno = 0;
		v = strtoul(slash + 1, &end, 10);
		if (errno || *end || v > (v4 ? 32u : 128u))
			return -EINVAL;
	} else {
		v = v4 ? 32 : 128;
	}
	*plen = (unsigned)v + (v4 ? 96 : 0);
	return 0;
}

const char *intel__match(const struct intel *t, const char *ip, int want, int *kind)
{
	const struct trie *tr;
	const char *label = NULL;
	uint8_t a[16];
	unsigned plen;
	uint32_t cur = 0;

	if (!t || !*ip)
		return NULL;
	tr = &t->t[trie_idx(want)];
	if (!tr->len || strchr(ip, '/') || parse_prefix(ip, a, &plen) < 0)
		return NULL;
	for (unsigned i = 0;; i++) {
		if (tr->n[cur].label) {
			label = tr->n[cur].label;
			*kind = tr->n[cur].kind;
		}
		if (i == plen || !tr->n[cur].child[bit(a, i)])
			break;
		cur = tr->n[cur].child[bit(a, i)];
	}
	return label;
}

static int add(struct intel *t, const char *prefix, const char *label, int kind)
{
	uint8_t a[16];
	unsigned plen;
	const char *l;
	int err;

	if (parse_prefix(prefix, a, &plen) < 0)
		return 0;   /* not an address: a header or a line of another kind */
	l = strpool__intern_str(t->pool, label);
	if (!l)
		return -ENOMEM;
	err = trie_insert(&t->t[trie_idx(kind)], a, plen, l, kind);
	if (err)
		return err;
	t->prefixes++;
	t->cloud_prefixes += kind == INTEL_CLOUD;
	return 1;
}

/* Text lists: one prefix per line; Tor's exit-addresses gives the address
 * after "ExitAddress". Returns prefixes added or -errno. */
static int load_text(struct intel *t, char *text, const char *label, int kind)
{
	int n = 0, r;

	for (char *line = text, *next; line && *line; line = next) {
		char *p = line, *e;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if ((e = strchr(p, '#')))
			*e = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, "ExitAddress", 11) == 0 && isspace((unsigned char)p[11])) {
			for (p += 11; isspace((unsigned char)*p); p++)
				;
			if (kind == INTEL_DENY)
				kind = INTEL_TOR;
		}
		for (e = p; *e && !isspace((unsigned char)*e); e++)
			;
		*e = '\0';
		if (!*p)
			continue;
		r = add(t, p, label, kind);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* AWS ip-ranges.json (ip_prefix, ipv6_prefix, region) and GCP cloud.json
 * (ipv4Prefix, ipv6Prefix, scope): "prefixes" (+ AWS "ipv6_prefixes"). */
static int load_prefixes(struct intel *t, const cJSON *arr)
{
	const cJSON *p;
	char label[160];
	int n = 0, r;

	cJSON_ArrayForEach(p, arr) {
		const char *pre = jstr(p, "ip_prefix"), *provider = "aws";

		if (!*pre)
			pre = jstr(p, "ipv6_prefix");
		if (!*pre) {
			provider = "gcp";
			pre = *jstr(p, "ipv4Prefix") ? jstr(p, "ipv4Prefix") : jstr(p, "ipv6Prefix");
		}
		snprintf(label, sizeof(label), "%s %s %s", provider,
			 *jstr(p, "region") ? jstr(p, "region") : jstr(p, "scope"), jstr(p, "service"));
		r = add(t, pre, label, INTEL_CLOUD);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

/* Azure ServiceTags: "values": [{name, properties: {addressPrefixes}}]. */
static int load_azure(struct intel *t, const cJSON *values)
{
	const cJSON *v, *p;
	char label[160];
	int n = 0, r;

	cJSON_ArrayForEach(v, values) {
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(v, "properties");

		snprintf(label, sizeof(label), "azure %s %s", jstr(props, "region"), jstr(v, "name"));
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(props, "addressPrefixes")) {
			if (!cJSON_IsString(p))
				continue;
			r = add(t, p->valuestring, label, INTEL_CLOUD);
			if (r < 0)
				return r;
			n += r;
		}
	}
	return n;
}

static int load_json(struct intel *t, const char *text)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *a;
	int n = -EINVAL, r;

	if (!root)
		return -EINVAL;
	if ((a = cJSON_GetObjectItemCaseSensitive(root, "values"))) {
		n = load_azure(t, a);
	} else if ((a = cJSON_GetObjectItemCaseSensitive(root, "prefixes"))) {
		n = load_prefixes(t, a);
		a = cJSON_GetObjectItemCaseSensitive(root, "ipv6_prefixes");
		if (n >= 0 && a) {
			r = load_prefixes(t, a);
			n = r < 0 ? r : n + r;
		}
	}
	cJSON_Delete(root);
	return n;
}

static char *slurp(const char *path, int *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	*err = 0;
	if (!f) {
		*err = -errno;
		return NULL;
	}
	do {
		if (cap - n < 4096) {
			char *nb = cap >= INTEL_MAX_FILE ? NULL : realloc(buf, cap ? cap * 2 : 65536);

			if (!nb) {
				*err = cap >= INTEL_MAX_FILE ? -EFBIG : -ENOMEM;
				break;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	if (!*err && ferror(f))
		*err = -EIO;
	fclose(f);
	if (*err) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static int spec_kind(const char *spec, const char **path)
{
	static const struct { const char *name; int kind; } kinds[] = {
		{ "tor:", INTEL_TOR }, { "deny:", INTEL_DENY }, { "hosting:", INTEL_HOSTING },
		{ "allow:", INTEL_ALLOW }, { "cloud:", INTEL_CLOUD },
	};

	*path = spec;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strncmp(spec, kinds[i].name, strlen(kinds[i].name)) == 0) {
			*path = spec + strlen(kinds[i].name);
			return kinds[i].kind;
		}
	}
	return INTEL_NONE;
}

int intel__load(struct intel *t, const char *spec)
{
	const char *path, *base, *p;
	int kind = spec_kind(spec, &path), err, n;
	char *text = slurp(path, &err);
	char label[256];

	if (!text) {
		log_err("--intel: failed to read %s: %s", path, strerror(-err));
		return err == -ENOENT ? -ENOENT : -EIO;
	}
	for (p = text; isspace((unsigned char)*p); p++)
		;
	if (kind == INTEL_NONE)
		kind = *p == '{' ? INTEL_CLOUD : INTEL_DENY;
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(label, sizeof(label), "%s%s", kind == INTEL_TOR ? "tor-exit " : "", base);
	n = *p == '{' ? load_json(t, text) : load_text(t, text, label, kind);
	free(text);
	if (n < 0 && n != -EINVAL) {
		log_err("--intel: failed to load %s: %s", path, strerror(-n));
		return n;
	}
	if (n <= 0) {
		log_err("--intel: no addresses or CIDR prefixes in %s", path);
		return -EINVAL;
	}
	return 0;
}
