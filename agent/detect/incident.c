/* See detect_internal.h: incidents. Findings that share an entity within
 * incident_gap_sec form a group (incident_graph.c says which entities link
 * which findings: identities always, a bucket or an address only from host
 * findings to a cloud one); a group becomes an incident when
 * two or more rules agree and the combined score reaches incident_min_score,
 * or when one finding is strong enough alone (score 90 or more, except a
 * bulk download, which needs a baseline's or another rule's word). A single
 * weak signal — a new laptop's IP, one late evening — stays a finding. */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

#define ALONE_SCORE 90.0
#define LIST_LEN 512

enum {
	HAS_BULK = 1 << 0, HAS_NEWIP = 1 << 1, HAS_API = 1 << 2, HAS_DENIED = 1 << 3,
	HAS_REGION = 1 << 4, HAS_ENUM = 1 << 5, HAS_AFTER = 1 << 6, HAS_INTEL = 1 << 7,
	HAS_UA = 1 << 8, HAS_COPY = 1 << 9, HAS_VOLUME = 1 << 10,
	/* principals without history */
	HAS_ANON = 1 << 11, HAS_FOREIGN = 1 << 12, HAS_ROOT = 1 << 13, HAS_SENSITIVE = 1 << 14,
	HAS_FIRST = 1 << 15, HAS_CREATED = 1 << 16, HAS_WORKLOAD = 1 << 17,
	/* the host side (correlate/) */
	HAS_READER = 1 << 18, HAS_OFFGW = 1 << 19, HAS_CLIENT = 1 << 20, HAS_PSPIKE = 1 << 21,
	HAS_UNAUDITED = 1 << 22, HAS_BLIND = 1 << 23,
};

static const struct {
	const char *id;
	int flag;
} rule_flags[] = {
	{ "bulk-download", HAS_BULK }, { "new-source-ip", HAS_NEWIP },
	{ "first-time-api", HAS_API }, { "access-denied-cluster", HAS_DENIED },
	{ "multi-region-burst", HAS_REGION }, { "enumeration-spike", HAS_ENUM },
	{ "after-hours-access", HAS_AFTER }, { "suspicious-source", HAS_INTEL },
	{ "new-user-agent", HAS_UA }, { "cross-account-copy", HAS_COPY },
	{ "read-volume", HAS_VOLUME }, { "bucket-read-spike", HAS_VOLUME },
	{ "anonymous-access", HAS_ANON }, { "foreign-principal-access", HAS_FOREIGN },
	{ "root-activity", HAS_ROOT }, { "sensitive-object-read", HAS_SENSITIVE },
	{ "first-sighting", HAS_FIRST }, { "workload-credential-off-workload", HAS_WORKLOAD },
	{ "new-principal-denied", HAS_DENIED },
	{ "unexpected-reader", HAS_READER }, { "credential-off-gateway", HAS_OFFGW },
	{ "new-client", HAS_CLIENT }, { "process-read-spike", HAS_PSPIKE },
	{ "unaudited-reads", HAS_UNAUDITED }, { "sensor-blinded", HAS_BLIND },
};

/* What a group of findings adds up to. */
struct summary {
	int flags, nrules;
	double max, max_alone;     /* max_alone: of rules that may stand alone */
	char ips[LIST_LEN], uas[LIST_LEN], regions[LIST_LEN], services[LIST_LEN];
	char other_regions[LIST_LEN], apis[LIST_LEN], denied[LIST_LEN], dest[LIST_LEN], lists[LIST_LEN], rules[LIST_LEN];
	const char *key;
	int long_term;
	uint64_t ndenied;
	char created[LIST_LEN], read_buckets[LIST_LEN], read_objects[LIST_LEN];
	struct incident_host host;
};

static void summarize_each(const struct finding *const *g, size_t n, struct summary *s);

static int rule_flag(const char *id)
{
	for (size_t i = 0; i < sizeof(rule_flags) / sizeof(rule_flags[0]); i++)
		if (strcmp(rule_flags[i].id, id) == 0)
			return rule_flags[i].flag;
	return 0;
}

static int has_item(const char *buf, const char *item, size_t n)
{
	for (const char *q = buf; *q;) {
		const char *e = strstr(q, ", ");
		size_t m = e ? (size_t)(e - q) : strlen(q);

		if (m == n && strncmp(q, item, n) == 0)
			return 1;
		if (!e)
			break;
		q = e + 2;
	}
	return 0;
}

void incident__merge(char *buf, size_t len, const char *items)
{
	const char *p = items, *e;
	size_t off = strlen(buf), n;

	while (p && *p) {
		e = strstr(p, ", ");
		n = e ? (size_t)(e - p) : strlen(p);
		if (n && !has_item(buf, p, n) && off + n + 3 < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%.*s", off ? ", " : "",
						(int)n, p);
		p = e ? e + 2 : NULL;
	}
}

static void summarize(const struct finding *const *g, size_t n, struct summary *s)
{
	summarize_each(g, n, s);
	if (!*s->regions)
		memcpy(s->regions, s->other_regions, sizeof(s->regions));
}

static void summarize_each(const struct finding *const *g, size_t n, struct summary *s)
{
	memset(s, 0, sizeof(*s));
	s->key = "";
	for (size_t i = 0; i < n; i++) {
		const struct finding *f = g[i];
		int fl = rule_flag(f->rule_id);
		const char *v;

		if (!(s->flags & fl)) {
			s->nrules++;
			incident__merge(s->rules, sizeof(s->rules), f->rule_id);
		}
		s->flags |= fl;
		incident_host__add(&s->host, f);
		if (f->score > s->max)
			s->max = f->score;
		/* A fixed-threshold volume finding needs a second opinion: without a
		 * baseline, reading a lot is what new jobs do. */
		if (fl != HAS_BULK && f->score > s->max_alone)
			s->max_alone = f->score;
		incident__merge(s->ips, sizeof(s->ips), (v = finding__evidence(f, "new_ips")) ? v : f->source_ip);
		incident__merge(s->uas, sizeof(s->uas), f->user_agent);
		/* Regions: a multi-region finding names them all; else each finding's. */
		incident__merge(s->regions, sizeof(s->regions), finding__evidence(f, "regions"));
		incident__merge(s->other_regions, sizeof(s->other_regions), f->region);
		incident__merge(s->services, sizeof(s->services), finding__evidence(f, "new_services"));
		incident__merge(s->apis, sizeof(s->apis), finding__evidence(f, "new_apis"));
		incident__merge(s->denied, sizeof(s->denied), finding__evidence(f, "denied_apis"));
		incident__merge(s->dest, sizeof(s->dest), finding__evidence(f, "destination_buckets"));
		incident__merge(s->lists, sizeof(s->lists), finding__evidence(f, "list"));
		if (fl == HAS_DENIED)
			s->ndenied += f->count;
		if (finding__evidence(f, "created_by")) {
			s->flags |= HAS_CREATED;
			incident__merge(s->read_buckets, sizeof(s->read_buckets), f->bucket);
			incident__merge(s->read_objects, sizeof(s->read_objects), finding__evidence(f, "objects"));
		}
		incident__merge(s->created, sizeof(s->created), finding__evidence(f, "created"));
		if (f->access_key && *f->access_key && (!*s->key || !s->long_term)) {
			s->key = f->access_key;
			s->long_term = strncmp(f->access_key, "AKIA", 4) == 0;
		}
	}
}

static const char *classify(int fl)
{
	int context = HAS_API | HAS_UA | HAS_REGION | HAS_NEWIP | HAS_INTEL;

	/* root at work, and a principal it created reading data */
	if ((fl & HAS_ROOT) && (fl & HAS_CREATED))
		return "account takeover";
	if (fl & HAS_WORKLOAD)
		return "stolen instance credentials";

	if (fl & (HAS_COPY | HAS_VOLUME | HAS_BULK))
		return "possible data exfiltration";
	if (fl & HAS_OFFGW)
		return "gateway credential used off the gateway";
	if (fl & HAS_READER)
		return "possible data theft: object data read behind the gateway";
	if ((fl & (HAS_DENIED | HAS_ENUM)) && (fl & context))
		return "compromised credential: reconnaissance";
	if (fl & HAS_DENIED)
		return "permission probing";
	if (fl & HAS_ENUM)
		return "reconnaissance: enumeration";
	if (fl & HAS_INTEL)
		return "access from a suspicious source";
	if (fl & HAS_FIRST)
		return "new principal: enumeration then download";
	if (fl & HAS_SENSITIVE)
		return "secrets read";
	if (fl & HAS_ROOT)
		return "root account use";
	if (fl & HAS_FOREIGN)
		return "access from a foreign account";
	if (fl & HAS_ANON)
		return "public exposure: anonymous access";
	if (fl & HAS_PSPIKE)
		return "unusual read volume on the gateway";
	if (fl & HAS_UNAUDITED)
		return "reads the audit log does not account for";
	if (fl & HAS_BLIND)
		return "sensor blinded";
	if (fl & HAS_CLIENT)
		return "new client of the gateway";
	return "compromised credential: unusual access";
}

int incident__step(struct incident *in, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (in->nremediation == GW_INCIDENT_MAX_STEPS)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&in->remediation[in->nremediation], fmt, ap);
	va_end(ap);
	if (n < 0) {
		in->remediation[in->nremediation] = NULL;
		return -ENOMEM;
	}
	in->nremediation++;
	return 0;
}

/* The cloud side's review: what the principal did. */
static int review_cloud(struct incident *in, const struct summary *s)
{
	int err = 0;

	err |= incident__step(in, "Review every call of %s from %s in this incident's time range: the "
		    "successful ones (what was read, listed, created or changed) as well as the "
		    "denied ones (what was attempted).", in->principal, *s->ips ? s->ips : "any IP");
	if (*s->denied)
		err |= incident__step(in, "The denied calls (%s) show what the caller was after: check that no "
			    "other credential or role grants them.", s->denied);
	if (*s->services)
		err |= incident__step(in, "Check the services used for the first time (%s) in %s for resources "
			    "created or settings changed.", s->services,
			    *s->regions ? s->regions : "every region");
	if (s->flags & (HAS_COPY | HAS_VOLUME | HAS_BULK))
		err |= incident__step(in, "Establish which objects left%s%s; block the destination and start "
			    "data-breach handling if they were sensitive.",
			    *s->dest ? " and the destination bucket(s): " : "", s->dest);
	if (*s->lists)
		err |= incident__step(in, "Block %s at the network edge and with an aws:SourceIp (or equivalent) "
			    "deny condition; it is listed in %s.", s->ips, s->lists);
	return err;
}

static int expand_scope(struct incident *in, const struct summary *s)
{
	char related[LIST_LEN] = "";

	for (size_t i = 0; i < in->nrelated; i++)
		incident__merge(related, sizeof(related), in->related[i]);
	if (*related)
		return incident__step(in, "Expand the scope: %s also used the same IP or user agent; review "
			    "their activity too.", related);
	return incident__step(in, "Expand the scope: search the other identities' activity for %s and "
			    "the user agent %s (none seen in these logs).", *s->ips ? s->ips : "the IPs",
			    *s->uas ? s->uas : "(none)");
}

/* Remediation that fits the evidence, the most urgent first: the
 * credential, then the host (the process, its unit, its egress, new
 * clients), then the review of what happened on either side. */
static int remediate(struct incident *in, const struct summary *s)
{
	int err = 0;

	if ((s->flags & HAS_ROOT) && (s->flags & HAS_CREATED)) {
		if (strstr(in->principal, ":root"))
			err |= incident__step(in, "Rotate the root user's credentials now (password and any "
				    "access keys) and enable MFA on root.");
		else   /* another cloud's equal of root: an organization owner */
			err |= incident__step(in, "Reset the credentials of %s now (password, keys, sessions) "
				    "and enforce 2-step verification.", in->principal);
		err |= incident__step(in, "Delete the users, access keys and role grants created in this incident: %s.",
			    *s->created ? s->created : "(see the findings)");
		err |= incident__step(in, "Review the objects the created principal read in %s: %s.",
			    *s->read_buckets ? s->read_buckets : "the buckets named",
			    *s->read_objects ? s->read_objects : "(see the findings)");
	}
	if (s->long_term)
		err |= incident__step(in, "Revoke access key %s of %s now: deactivate it, issue a new one to "
			    "its owner, and find where the old one was stored or leaked.",
			    s->key, in->principal);
	else if (*s->key)
		err |= incident__step(in, "Revoke the active sessions of %s (credentials %s) and review who "
			    "and what can obtain them.", in->principal, s->key);
	err |= incident_host__contain(in, &s->host);
	if (s->host.named)
		err |= review_cloud(in, s);
	err |= incident_host__review(in, &s->host);
	if (s->host.named)
		err |= expand_scope(in, s);
	return err ? -ENOMEM : 0;
}

static int add_ev(struct incident *in, const char *key, const char *val)
{
	if (!val || !*val || in->nevidence == GW_FINDING_MAX_EVIDENCE)
		return 0;
	in->evidence[in->nevidence].key = strdup(key);
	in->evidence[in->nevidence].value = strdup(val);
	in->nevidence++;
	return in->evidence[in->nevidence - 1].key && in->evidence[in->nevidence - 1].value ?
	       0 : -ENOMEM;
}

static int evidence(struct incident *in, const struct summary *s)
{
	char num[32];
	int err = 0;

	err |= add_ev(in, "rules", s->rules);
	err |= add_ev(in, "source_ips", s->ips);
	err |= add_ev(in, "user_agents", s->uas);
	err |= add_ev(in, "regions", s->regions);
	err |= add_ev(in, "first_time_services", s->services);
	err |= add_ev(in, "first_time_apis", s->apis);
	err |= add_ev(in, "denied_apis", s->denied);
	if (s->ndenied) {
		snprintf(num, sizeof(num), "%" PRIu64, s->ndenied);
		err |= add_ev(in, "denied_calls", num);
	}
	err |= add_ev(in, "destination_buckets", s->dest);
	err |= add_ev(in, "threat_intel_lists", s->lists);
	err |= add_ev(in, "access_key", s->key);
	err |= add_ev(in, "access_key_long_term", s->long_term ? "true" : "false");
	return err;
}

/* Other principals seen with any of the group's IPs or user agents. */
static void find_related(struct detector *d, const struct baseline *b, struct incident *in,
			 const struct finding *const *g, size_t n)
{
	const char *self = detector__intern(d, in->principal), *who[GW_INCIDENT_MAX_RELATED];

	for (size_t i = 0; i < 2 * n && self; i++) {
		const struct finding *f = g[i / 2];
		const char *k = detector__intern(d, i % 2 ? f->user_agent : f->source_ip);
		size_t m = k && *k ? baseline__related(b, k, self, who, GW_INCIDENT_MAX_RELATED) : 0;

		for (size_t j = 0; j < m && in->nrelated < GW_INCIDENT_MAX_RELATED; j++) {
			size_t x;

			for (x = 0; x < in->nrelated && strcmp(in->related[x], who[j]); x++)
				;
			if (x == in->nrelated && (in->related[x] = strdup(who[j])))
				in->nrelated++;
		}
	}
}

static void incident_free(struct incident *in)
{
	if (!in)
		return;
	free(in->id);
	free(in->principal);
	free(in->access_key);
	free(in->findings);
	for (size_t i = 0; i < in->nremediation; i++)
		free(in->remediation[i]);
	for (size_t i = 0; i < in->nrelated; i++)
		free(in->related[i]);
	for (size_t i = 0; i < in->nevidence; i++) {
		free(in->evidence[i].key);
		free(in->evidence[i].value);
	}
	for (size_t i = 0; i < in->ntimeline; i++)
		free(in->timeline[i]);
	free(in);
}

/* The finding an incident is named after, and its id derived from: the
 * first cloud finding (the identity at work), else the first that names a
 * principal, else the first. Host findings that join later, even earlier
 * ones, leave the id alone. */
static const struct finding *anchor(const struct finding *const *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!incident__is_host(g[i]))
			return g[i];
	for (size_t i = 0; i < n; i++)
		if (g[i]->principal && *g[i]->principal)
			return g[i];
	return g[0];
}

/* Who an incident is about: the anchor's principal, or for host findings
 * alone the executable of the process (or the client) they are about. */
static const char *who_of(const struct finding *f)
{
	const char *pre = incident__proc_prefix(f);

	if (!incident__is_host(f) || (f->principal && *f->principal))
		return incident__group_key(f);
	if (pre)
		return incident__proc_ev(f, pre, "exe");
	return f->source_ip ? f->source_ip : "";
}

void incidents__free(struct incident **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		incident_free(v[i]);
	free(v);
}

static struct incident *incident_new(struct detector *d, const struct baseline *b,
				     const struct finding *const *g, size_t n,
				     const struct summary *s)
{
	struct incident *in = calloc(1, sizeof(*in));
	uint64_t h = GW_FNV64_INIT;

	if (!in)
		return NULL;
	in->score = clamp100(s->max + 10.0 * (s->nrules - 1));
	in->severity = in->score >= 90 ? GW_SEV_CRITICAL : in->score >= 70 ? GW_SEV_HIGH :
		       GW_SEV_MEDIUM;
	in->classification = classify(s->flags);
	in->principal = strdup(who_of(anchor(g, n)));
	in->access_key = strdup(s->key);
	in->key_long_term = s->long_term;
	in->start_ms = g[0]->start_ms;
	for (size_t i = 0; i < n; i++)
		if (g[i]->end_ms > in->end_ms)
			in->end_ms = g[i]->end_ms;
	in->findings = malloc(n * sizeof(*in->findings));
	h = gw_fnv1a64(h, in->principal ? in->principal : "", in->principal ? strlen(in->principal) + 1 : 1);
	h = gw_fnv1a64(h, &anchor(g, n)->start_ms, sizeof(in->start_ms));
	if (!in->principal || !in->access_key || !in->findings ||
	    asprintf(&in->id, "inc-%016" PRIx64, h) < 0) {
		in->id = NULL;
		goto fail;
	}
	memcpy(in->findings, g, n * sizeof(*g));
	in->nfindings = n;
	find_related(d, b, in, g, n);
	if (evidence(in, s) < 0 || remediate(in, s) < 0 || incident__timeline(in) < 0)
		goto fail;
	return in;
fail:
	incident_free(in);
	return NULL;
}

/* The findings in groups (incidents__group), each group in time order:
 * *ix holds indices into fs. 0 or a negative errno. */
struct order {
	const struct finding *const *fs;
	const uint32_t *grp;
};

static int cmp_member(const void *a, const void *b, void *ctx)
{
	const struct order *o = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct finding *x = o->fs[i], *y = o->fs[j];

	if (o->grp[i] != o->grp[j])
		return o->grp[i] < o->grp[j] ? -1 : 1;
	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int order_groups(struct detector *d, const struct finding *const *fs, size_t n,
			size_t **ix, uint32_t **grp)
{
	struct order o = { .fs = fs };
	int err;

	*ix = malloc((n ? n : 1) * sizeof(**ix));
	*grp = malloc((n ? n : 1) * sizeof(**grp));
	if (!*ix || !*grp) {
		err = -ENOMEM;
		goto fail;
	}
	if ((err = incidents__group(d, fs, n, *grp)) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		(*ix)[i] = i;
	o.grp = *grp;
	qsort_r(*ix, n, sizeof(**ix), cmp_member, &o);
	return 0;
fail:
	free(*ix);
	free(*grp);
	*ix = NULL;
	*grp = NULL;
	return err;
}

static int cmp_incident(const void *a, const void *b)
{
	const struct incident *x = *(const struct incident *const *)a;
	const struct incident *y = *(const struct incident *const *)b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

int incidents__build(struct detector *d, const struct baseline *b,
		     const struct finding *const *fs, size_t n, struct incident ***out,
		     size_t *nout)
{
	const struct finding **v = malloc((n ? n : 1) * sizeof(*v));
	double min = detector__config(d)->incident_min_score;
	struct incident **res = NULL, *in;
	struct summary s;
	size_t nres = 0, i, j, *ix = NULL;
	uint32_t *grp = NULL;
	int err = -ENOMEM;

	*out = NULL;
	*nout = 0;
	if (!n) {
		free(v);
		return 0;
	}
	res = calloc(n, sizeof(*res));
	if (!v || !res || (err = order_groups(d, fs, n, &ix, &grp)) < 0)
		goto out;
	err = -ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = fs[ix[i]];
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && grp[ix[j]] == grp[ix[i]]; j++)
			;
		summarize(v + i, j - i, &s);
		if (s.max_alone < ALONE_SCORE && (s.nrules < 2 || s.max + 10.0 * (s.nrules - 1) < min))
			continue;
		in = incident_new(d, b, v + i, j - i, &s);
		if (!in)
			goto out;
		res[nres++] = in;
	}
	qsort(res, nres, sizeof(*res), cmp_incident);
	err = 0;
out:
	free(v);
	free(ix);
	free(grp);
	if (err) {
		incidents__free(res, nres);
		return err;
	}
	*out = res;
	*nout = nres;
	return 0;
}

void incidents__expired(struct detector *d, const struct finding *const *fs, size_t n,
			int64_t now_ms, uint8_t *dead)
{
	int64_t gap = (int64_t)detector__config(d)->incident_gap_sec * 1000, end;
	size_t *ix, i, j;
	uint32_t *grp;

	if (!n || order_groups(d, fs, n, &ix, &grp) < 0)
		return;
	for (i = 0; i < n; i = j) {
		end = fs[ix[i]]->end_ms;
		for (j = i + 1; j < n && grp[ix[j]] == grp[ix[i]]; j++)
			end = fs[ix[j]]->end_ms > end ? fs[ix[j]]->end_ms : end;
		if (end + gap >= now_ms)
			continue;
		for (size_t k = i; k < j; k++)
			dead[ix[k]] = 1;
	}
	free(ix);
	free(grp);
}
