/* See detect_internal.h: which findings make one incident.
 *
 * Findings are the nodes of a graph whose edges are the entities they
 * share within incident_gap_sec; an incident is a connected group (a
 * union-find over the findings). Not every shared entity is an edge:
 *
 *  - Identity links join any two findings: the same principal (or the
 *    principal that created it), the same host process (executable and
 *    systemd unit of the process a host finding is about; the gateway named
 *    as context is not such a process). An access key joins through its
 *    principal: every finding that names a key names its principal too,
 *    and some logs put one placeholder in the key field for everyone
 *    (Azure's "OAuth", "SAS"), which must join no one.
 *  - Place links, a bucket or a source address, join only a group without a
 *    cloud identity of its own (host findings that name no principal and no
 *    key: a copy behind the gateway, a new client) to a cloud finding; the
 *    group joins when everything its buckets and addresses point to within
 *    the gap is one group, and stays apart when they point to several (a
 *    popular bucket, a NAT address: nothing tells which one it belongs to).
 *    Two cloud findings never join through a bucket or an address alone, so
 *    principals that share a popular bucket or a NAT address stay apart.
 *
 * Identity links chain as before: findings of one key whose gaps are under
 * incident_gap_sec. Memory: a few arrays of the kept findings' size (which
 * the detector bounds), freed before return; no state between calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

enum { EK_PRINCIPAL, EK_PROC, EK_BUCKET, EK_ADDR };

struct ent {
	const char *key;
	int64_t start, end;
	uint32_t idx;
	uint8_t kind, host;
};

struct graph {
	const struct finding *const *fs;
	size_t n;
	int64_t gap;
	uint32_t *up;        /* union-find parents */
	uint8_t *host;       /* 1: a host finding */
	char **proc;         /* the process key of a host finding, or NULL */
	struct ent *e;
	size_t ne;
};

int incident__is_host(const struct finding *f)
{
	const struct rule *r;

	for (size_t i = 0; (r = detector__rule(i)); i++)
		if (strcmp(r->id, f->rule_id) == 0)
			return r->window || r->judge;
	return 0;
}

const char *incident__proc_prefix(const struct finding *f)
{
	/* the process the finding is about: a reader, a gateway process
	 * reading far more, another process using the gateway's key */
	if (finding__evidence(f, "exe"))
		return "";
	if (finding__evidence(f, "process_exe"))
		return "process_";
	return NULL;
}

const char *incident__proc_ev(const struct finding *f, const char *prefix, const char *what)
{
	char k[64];

	snprintf(k, sizeof(k), "%s%s", prefix, what);
	return finding__evidence(f, k);
}

/* The group key of a cloud finding: a principal created inside the log is
 * grouped with its creator. */
const char *incident__group_key(const struct finding *f)
{
	const char *c = finding__evidence(f, "created_by");

	return c ? c : f->principal ? f->principal : "";
}

static uint32_t find(uint32_t *up, uint32_t x)
{
	while (up[x] != x) {
		up[x] = up[up[x]];
		x = up[x];
	}
	return x;
}

static void unite(uint32_t *up, uint32_t a, uint32_t b)
{
	a = find(up, a);
	b = find(up, b);
	if (a != b) {
		if (a < b)
			up[b] = a;
		else
			up[a] = b;
	}
}

static int cmp_ent(const void *a, const void *b, void *ctx)
{
	const struct ent *x = a, *y = b;
	const struct graph *g = ctx;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if ((c = strcmp(x->key, y->key)))
		return c;
	/* places: the cloud entries first, then the host ones; identities:
	 * one chain in time order */
	if (x->kind >= EK_BUCKET && x->host != y->host)
		return x->host < y->host ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(g->fs[x->idx]->id, g->fs[y->idx]->id);
}

static void add(struct graph *g, uint32_t i, int kind, const char *key)
{
	const struct finding *f = g->fs[i];

	g->e[g->ne++] = (struct ent){ .key = key, .start = f->start_ms, .end = f->end_ms,
				      .idx = i, .kind = (uint8_t)kind, .host = g->host[i] };
}

/* The host process a finding is about: "exe\x1funit" (the pid too when the
 * executable is unknown), or NULL. */
static char *proc_key(const struct finding *f, int *oom)
{
	const char *pre = incident__proc_prefix(f), *exe, *unit, *pid;
	char *k = NULL;

	if (!pre)
		return NULL;
	exe = incident__proc_ev(f, pre, "exe");
	unit = incident__proc_ev(f, pre, "unit");
	pid = incident__proc_ev(f, pre, "pid");
	if (asprintf(&k, "%s\x1f%s\x1f%s", exe, unit ? unit : "",
		     strcmp(exe, "(unknown)") == 0 && pid ? pid : "") < 0) {
		*oom = 1;
		return NULL;
	}
	return k;
}

/* Identity links: each key's findings chain while their gaps are under
 * the incident gap (entries sorted by kind, key, then time). */
static void chain(struct graph *g)
{
	int64_t end = 0;

	for (size_t i = 0; i < g->ne; i++) {
		const struct ent *p = i ? &g->e[i - 1] : NULL, *c = &g->e[i];

		if (p && p->kind == c->kind && strcmp(p->key, c->key) == 0 &&
		    c->start - end <= g->gap) {
			unite(g->up, p->idx, c->idx);
			end = c->end > end ? c->end : end;
			continue;
		}
		end = c->end;
	}
}

#define NO_GROUP UINT32_MAX
#define AMBIGUOUS (UINT32_MAX - 1)

/* Place links: for each host entry of a run of one bucket or address, the
 * groups (roots, as the identity links left them) of the cloud entries
 * within the gap; cand[r] of the host group r collects them. */
static void place_run(struct graph *g, const struct ent *e, size_t n, const uint32_t *root,
		      uint32_t *cand)
{
	size_t nc = 0, lo, hi, m;
	int64_t span = 0;

	while (nc < n && !e[nc].host)
		nc++;
	for (size_t i = 0; i < nc; i++)
		span = e[i].end - e[i].start > span ? e[i].end - e[i].start : span;
	for (size_t h = nc; h < n && nc; h++) {
		uint32_t r = root[e[h].idx], *c = &cand[r];

		/* the first cloud entry that may reach back into the gap */
		for (lo = 0, hi = nc; lo < hi;) {
			m = lo + (hi - lo) / 2;
			if (e[m].start < e[h].start - g->gap - span)
				lo = m + 1;
			else
				hi = m;
		}
		for (size_t k = lo; k < nc && *c != AMBIGUOUS && e[k].start <= e[h].end + g->gap; k++) {
			if (e[k].end < e[h].start - g->gap)
				continue;
			if (*c == NO_GROUP)
				*c = root[e[k].idx];
			else if (*c != root[e[k].idx])
				*c = AMBIGUOUS;
		}
	}
}

static int place(struct graph *g)
{
	size_t n = g->n ? g->n : 1;
	uint32_t *root = malloc(n * sizeof(*root)), *cand = malloc(n * sizeof(*cand));
	uint8_t *ident = calloc(n, 1);
	size_t i, j;

	if (!root || !cand || !ident) {
		free(root);
		free(cand);
		free(ident);
		return -ENOMEM;
	}
	for (i = 0; i < g->n; i++) {
		const struct finding *f = g->fs[i];

		root[i] = find(g->up, (uint32_t)i);
		cand[i] = NO_GROUP;
		ident[root[i]] |= !g->host[i] || (f->principal && *f->principal) ||
				  (f->access_key && *f->access_key);
	}
	for (i = 0; i < g->n; i++) {
		const struct finding *f = g->fs[i];

		/* cloud findings as targets, host groups without identity as askers */
		if (g->host[i] && ident[root[i]])
			continue;
		if (f->bucket && *f->bucket)
			add(g, (uint32_t)i, EK_BUCKET, f->bucket);
		if (f->source_ip && *f->source_ip)
			add(g, (uint32_t)i, EK_ADDR, f->source_ip);
	}
	qsort_r(g->e, g->ne, sizeof(*g->e), cmp_ent, g);
	for (i = 0; i < g->ne; i = j) {
		for (j = i + 1; j < g->ne && g->e[j].kind == g->e[i].kind &&
				strcmp(g->e[j].key, g->e[i].key) == 0; j++)
			;
		place_run(g, g->e + i, j - i, root, cand);
	}
	for (i = 0; i < g->n; i++)
		if (cand[i] != NO_GROUP && cand[i] != AMBIGUOUS)
			unite(g->up, (uint32_t)i, cand[i]);
	free(root);
	free(cand);
	free(ident);
	return 0;
}

static int identity(struct graph *g)
{
	int oom = 0;

	for (uint32_t i = 0; i < g->n; i++) {
		const struct finding *f = g->fs[i];

		g->up[i] = i;
		g->host[i] = (uint8_t)incident__is_host(f);
		/* a cloud finding always has its principal key (empty ones
		 * group together, as they always did) */
		if (!g->host[i] || (f->principal && *f->principal))
			add(g, i, EK_PRINCIPAL, incident__group_key(f));
		if (g->host[i] && (g->proc[i] = proc_key(f, &oom)))
			add(g, i, EK_PROC, g->proc[i]);
	}
	if (oom)
		return -ENOMEM;
	qsort_r(g->e, g->ne, sizeof(*g->e), cmp_ent, g);
	chain(g);
	g->ne = 0;
	return 0;
}

int incidents__group(struct detector *d, const struct finding *const *fs, size_t n,
		     uint32_t *grp)
{
	struct graph g = { .fs = fs, .n = n,
			   .gap = (int64_t)detector__config(d)->incident_gap_sec * 1000 };
	int err = -ENOMEM;

	if (n >= AMBIGUOUS)
		return -E2BIG;
	g.host = calloc(n ? n : 1, 1);
	g.proc = calloc(n ? n : 1, sizeof(*g.proc));
	g.e = malloc((n ? n : 1) * 3 * sizeof(*g.e));
	g.up = grp;
	if (!g.host || !g.proc || !g.e)
		goto out;
	if ((err = identity(&g)) < 0 || (err = place(&g)) < 0)
		goto out;
	for (uint32_t i = 0; i < n; i++)
		grp[i] = find(grp, i);
out:
	for (size_t i = 0; g.proc && i < n; i++)
		free(g.proc[i]);
	free(g.proc);
	free(g.host);
	free(g.e);
	return err;
}
