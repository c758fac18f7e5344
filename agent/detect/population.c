/* See detect_internal.h: population baselines. An identity that has not
 * yet earned its own baseline (baseline_days active days) is judged with
 * the population of its kind: the other sessions of its AWS role when
 * those have history, else the identities of its cloud, account, principal
 * kind and type (IAM users, role sessions, service accounts, SAS tokens).
 * The population learns from its established members only (their peak
 * hour and day of reads, and the hours of the week they work), after the
 * rules judged them: a kind whose members are all new judges nobody. Bounded: past POP_MAX populations a new one
 * is not kept and its members fall back to the rules' fixed floors. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

#define POP_MAX 1024
#define POP_SLOTS (2 * POP_MAX)
#define POP_MIN_MEMBERS 3
/* The population names of recent (account, cloud, kind, type) keys: a new
 * identity joins its populations without joining and interning the name. */
#define POP_NAME_CACHE 256
/* Likewise the roles of recent role sessions (coarse 0): a new session
 * finds its role without hashing the role's ARN whole to intern it. */
#define POP_ROLE_CACHE 256

_Static_assert(POP_HIST > 4 * 20, "histograms reach 2^20");

struct populations {
	struct population *v[POP_SLOTS];
	size_t n;
	/* Names by key, interned; emptied when the pool is swept. */
	const char *by_type[256];          /* coarse 2, by principal type */
	struct {
		const char *account, *name;   /* account interned */
		uint8_t cloud, kind, type;
	} names[POP_NAME_CACHE];           /* coarse 1 */
	struct {
		const char *role;             /* interned */
		size_t len;
	} roles[POP_ROLE_CACHE];           /* coarse 0 */
};

struct populations *populations__new(void)
{
	return calloc(1, sizeof(struct populations));
}

void populations__free(struct populations *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < POP_SLOTS; i++)
		free(p->v[i]);
	free(p);
}

void populations__swept(struct populations *p)
{
	memset(p->by_type, 0, sizeof(p->by_type));
	memset(p->names, 0, sizeof(p->names));
	memset(p->roles, 0, sizeof(p->roles));
}

size_t populations__bytes(const struct populations *p)
{
	return sizeof(*p) + p->n * sizeof(struct population);
}

static size_t slot_of(const char *name)
{
	uint64_t h = (uint64_t)(uintptr_t)name * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 40) & (POP_SLOTS - 1);
}

struct population *populations__get(struct populations *p, const char *name, int add)
{
	size_t i;

	if (!p || !name)
		return NULL;
	for (i = slot_of(name); p->v[i]; i = (i + 1) & (POP_SLOTS - 1))
		if (p->v[i]->name == name)
			return p->v[i];
	if (!add || p->n >= POP_MAX)
		return NULL;
	p->v[i] = calloc(1, sizeof(*p->v[i]));
	if (!p->v[i])
		return NULL;
	p->v[i]->name = name;
	p->n++;
	return p->v[i];
}

int population__ready(const struct population *p)
{
	return p && p->established >= POP_MIN_MEMBERS;
}

/* Quarter-octave buckets: 0 for 0, then 1 + floor(4 log2 x). */
static size_t hist_slot(uint32_t x)
{
	size_t k;

	if (!x)
		return 0;
	k = 1 + (size_t)(4.0 * log2((double)x));
	return k < POP_HIST ? k : POP_HIST - 1;
}

void population__move(uint32_t *hist, uint32_t old, uint32_t x, int is_new)
{
	size_t k = hist_slot(old);

	if (!is_new && hist[k] > 0)
		hist[k]--;
	k = hist_slot(x);
	if (hist[k] < UINT32_MAX)
		hist[k]++;
}

double population__level(const uint32_t *hist, double q)
{
	uint64_t total = 0, acc = 0;
	size_t k;

	for (k = 0; k < POP_HIST; k++)
		total += hist[k];
	if (!total)
		return 0.0;
	for (k = 0; k < POP_HIST; k++) {
		acc += hist[k];
		if ((double)acc >= q * (double)total)
			break;
	}
	/* The bucket's upper edge: the level is never understated. */
	if (k == 0)
		return 1.0;
	return k >= POP_HIST ? INFINITY : exp2((double)k / 4.0);
}

double population__slot_share(const struct population *p, int slot)
{
	double weeks = p->member_days / 7.0;

	return weeks < 1.0 ? p->how[slot] : p->how[slot] / weeks;
}

/* The population a principal belongs to, interned: coarse 0 gives an AWS
 * role session's role (NULL for other principals), coarse 1 its cloud,
 * account, principal kind and type, coarse 2 its type alone. */
/* parts joined with '|' into buf: the length, or 0 when it does not fit
 * (what snprintf would have truncated). */
static size_t join_bar(char *buf, size_t len, const char *const *parts, size_t n)
{
	size_t off = 0, k;

	for (size_t i = 0; i < n; i++) {
		k = strlen(parts[i]);
		if (off + k + (i > 0) >= len)
			return 0;
		if (i)
			buf[off++] = '|';
		memcpy(buf + off, parts[i], k);
		off += k;
	}
	buf[off] = '\0';
	return off;
}

/* The name of coarse 1 or 2, as detector__population gives it. */
static const char *pop_name(struct detector *d, const struct audit_event *ev, int coarse)
{
	const char *parts[4];
	char buf[512];
	size_t n;

	if (coarse == 2) {
		parts[0] = "*";
		parts[1] = gw_principal_type_name(ev->principal_type);
		n = join_bar(buf, sizeof(buf), parts, 2);
	} else {
		parts[0] = gw_cloud_name(ev->cloud);
		parts[1] = ev->account ? ev->account : "";
		parts[2] = gw_principal_kind_name(ev->principal_kind);
		parts[3] = gw_principal_type_name(ev->principal_type);
		n = join_bar(buf, sizeof(buf), parts, 4);
	}
	return n ? detector__intern_n(d, buf, n) : NULL;
}

/* Coarse 1 through the cache, keyed by the interned account. */
static const char *pop_name_cached(struct detector *d, struct populations *p,
				   const struct audit_event *ev)
{
	const char *acc = detector__intern_ev(d, ev->account);
	uint64_t h;
	size_t i;

	if (!acc)
		return pop_name(d, ev, 1);
	h = ((uint64_t)(uintptr_t)acc ^ ((uint64_t)ev->cloud << 16 ^
					  (uint64_t)ev->principal_kind << 8 ^ ev->principal_type)) *
	    0x9e3779b97f4a7c15ull;
	i = (size_t)(h >> 40) & (POP_NAME_CACHE - 1);
	if (p->names[i].account != acc || p->names[i].cloud != ev->cloud ||
	    p->names[i].kind != ev->principal_kind || p->names[i].type != ev->principal_type) {
		const char *name = pop_name(d, ev, 1);

		if (!name)
			return NULL;
		p->names[i].account = acc;
		p->names[i].name = name;
		p->names[i].cloud = ev->cloud;
		p->names[i].kind = ev->principal_kind;
		p->names[i].type = ev->principal_type;
	}
	return p->names[i].name;
}

/* Coarse 0, the role p's first len bytes name (at least 15: they end in
 * ":assumed-role/" and a name), through the cache: keyed by the length
 * and two words within them (the account's, the role name's end). */
static const char *pop_role_cached(struct detector *d, struct populations *pops, const char *p,
				   size_t len)
{
	uint64_t head, tail, h;
	size_t i;

	memcpy(&head, p + (len >= 20 ? 12 : 0), sizeof(head));
	memcpy(&tail, p + len - sizeof(tail), sizeof(tail));
	/* Mixed both ways: the names differ in their last bytes, the words'
	 * high ones, which a product alone carries up, never down. */
	h = head * 0x9e3779b97f4a7c15ull ^ tail ^ len;
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	i = (size_t)h & (POP_ROLE_CACHE - 1);
	if (pops->roles[i].len != len || memcmp(pops->roles[i].role, p, len)) {
		const char *role = detector__intern_n(d, p, len);

		if (!role)
			return NULL;
		pops->roles[i].role = role;
		pops->roles[i].len = len;
	}
	return pops->roles[i].role;
}

const char *detector__population(struct detector *d, const struct audit_event *ev, int coarse)
{
	struct populations *pops = detector__populations(d);
	const char *p = ev->principal, *r, *slash;

	if (!coarse) {
		r = p ? strstr(p, ":assumed-role/") : NULL;
		if (!r || !(slash = strchr(r + 14, '/')))
			return NULL;
		return pops ? pop_role_cached(d, pops, p, (size_t)(slash - p)) :
		       detector__intern_n(d, p, (size_t)(slash - p));
	}
	if (!pops)
		return pop_name(d, ev, coarse);
	if (coarse == 1)
		return pop_name_cached(d, pops, ev);
	if (!pops->by_type[ev->principal_type])
		pops->by_type[ev->principal_type] = pop_name(d, ev, 2);
	return pops->by_type[ev->principal_type];
}

const struct population *population__for(const struct ident *id)
{
	if (population__ready(id->pop[0]))
		return id->pop[0];
	return population__ready(id->pop[1]) ? id->pop[1] : NULL;
}

void populations__strings(const struct populations *p, struct strmark *m)
{
	for (size_t i = 0; i < POP_SLOTS; i++)
		if (p->v[i])
			strmark__str(m, p->v[i]->name);
}
