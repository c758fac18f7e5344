/* See detect_internal.h: what the single-event rules share. A rule of this
 * kind judges one request by its content (ev->request, raw JSON text) and
 * emits one finding on that request: no window, no baseline. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "detect/detect_internal.h"

void *single__new(struct detector *d, const struct detector_config *cfg)
{
	struct single *s = calloc(1, sizeof(*s));

	(void)cfg;
	if (!s)
		return NULL;
	s->d = d;
	s->held_due = INT64_MAX;
	return s;
}

void single__release(struct single *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nheld; i++) {
		free(s->held[i].id);
		finding__free(s->held[i].f);
	}
	free(s->held);
	s->held = NULL;
	s->nheld = 0;
}

void single__free(void *state)
{
	single__release(state);
	free(state);
}

/* Held finding i leaves: emitted (ok 1: its operation succeeded; 2: no
 * result record came) or withdrawn (ok 0: it failed). */
static int held_out(struct single *s, unsigned i, int ok)
{
	struct single_held h = s->held[i];

	s->held[i] = s->held[--s->nheld];
	free(h.id);
	if (!ok) {
		finding__free(h.f);
		detector__finding_failed(s->d);
		return 0;
	}
	if (ok == 2 && finding__add_evidence(h.f, "result", "%s",
					     "not logged: the operation started, no record of its end") < 0) {
		finding__free(h.f);
		return -ENOMEM;
	}
	return finding__finish(s->d, h.f, 0);
}

/* The oldest held finding's index (s->nheld > 0). */
static unsigned held_oldest(const struct single *s)
{
	unsigned old = 0;

	for (unsigned i = 1; i < s->nheld; i++)
		if (s->held[i].time_ms < s->held[old].time_ms)
			old = i;
	return old;
}

static void held_due(struct single *s)
{
	s->held_due = s->nheld ? s->held[held_oldest(s)].time_ms + SINGLE_HOLD_MS : INT64_MAX;
}

/* ev's part in the held findings: the result record of a held operation
 * settles it; those held too long go out as they are. */
static void settle(struct single *s, const struct audit_event *ev)
{
	int changed = 0;

	if (ev->cloud == GW_CLOUD_AZURE && !ev->started && ev->request_id && *ev->request_id)
		for (unsigned i = 0; i < s->nheld; i++)
			if (strcmp(s->held[i].id, ev->request_id) == 0) {
				held_out(s, i--, ev->outcome == GW_OUT_OK);
				changed = 1;
			}
	if (ev->time_ms >= s->held_due)
		for (unsigned i = 0; i < s->nheld; i++)
			if (ev->time_ms >= s->held[i].time_ms + SINGLE_HOLD_MS) {
				held_out(s, i--, 2);
				changed = 1;
			}
	if (changed)
		held_due(s);
}

/* Keep f until ev's operation ends; the oldest held goes out when full. */
static int hold(struct single *s, const struct audit_event *ev, struct finding *f)
{
	char *id;
	int err = 0;

	if (!s->held && !(s->held = calloc(SINGLE_HELD, sizeof(*s->held))))
		return finding__finish(s->d, f, -ENOMEM);
	if (s->nheld == SINGLE_HELD)
		err = held_out(s, held_oldest(s), 2);
	if (!(id = strdup(ev->request_id)))
		return finding__finish(s->d, f, -ENOMEM);
	s->held[s->nheld++] = (struct single_held){ .id = id, .time_ms = ev->time_ms, .f = f };
	held_due(s);
	return err;
}

void single__flush(void *state)
{
	struct single *s = state;

	while (s->nheld)
		held_out(s, s->nheld - 1, 2);
	s->held_due = INT64_MAX;
}

/* ASCII case folding: gatewatch never calls setlocale(), so this is what
 * tolower() does in strcasestr(), strcasecmp() and cJSON's member lookup. */
static inline unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* dst = src folded, eight bytes at a time: a byte is upper case when it
 * is below 0x80, at least 'A' and not above 'Z'. */
static void fold_text(char *dst, const char *src, size_t n)
{
	const uint64_t high = 0x8080808080808080ULL;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, h, ge_a, gt_z;

		memcpy(&x, src + i, 8);
		h = x & ~high;
		ge_a = h + 0x3f3f3f3f3f3f3f3fULL;
		gt_z = h + 0x2525252525252525ULL;
		x |= (ge_a & ~gt_z & ~x & high) >> 2;
		memcpy(dst + i, &x, 8);
	}
	for (; i < n; i++)
		dst[i] = (char)fold((unsigned char)src[i]);
	dst[n] = '\0';
}

/* The last request looked at, per thread: every single-event rule may read
 * the same event's request in turn; it is parsed once at most (a request
 * that does not parse is remembered too) and folded once at most. */
static _Thread_local struct {
	char *text;             /* NULL: none (or out of memory) */
	cJSON *tree;
	char *lower;            /* text in lower case; NULL with folded: it has escapes */
	unsigned char parsed, folded;
} last;

/* Make last about ev's request: 0, or -1 when it has none or on failure. */
static int last__of(const struct audit_event *ev)
{
	if (!ev->request || !*ev->request)
		return -1;
	if (last.text && strcmp(last.text, ev->request) == 0)
		return 0;
	cJSON_Delete(last.tree);
	free(last.lower);
	free(last.text);
	memset(&last, 0, sizeof(last));
	last.text = strdup(ev->request);
	return last.text ? 0 : -1;
}

const cJSON *single__request(const struct audit_event *ev)
{
	if (last__of(ev) < 0)
		return NULL;
	if (!last.parsed) {
		last.tree = cJSON_Parse(last.text);
		last.parsed = 1;
	}
	return last.tree;
}

int single__may_have(const struct audit_event *ev, const char *name)
{
	char lname[64];
	size_t n = strlen(name);

	if (!ev->request || !*ev->request)
		return 0;
	if (last__of(ev) < 0 || n >= sizeof(lname))
		return 1;
	if (!last.folded) {
		size_t len = strlen(last.text);

		/* an escape may spell any name: only the parser can tell */
		last.lower = memchr(last.text, '\\', len) ? NULL : malloc(len + 1);
		if (last.lower)
			fold_text(last.lower, last.text, len);
		last.folded = 1;
	}
	if (!last.lower)
		return 1;
	fold_text(lname, name, n);
	return strstr(last.lower, lname) != NULL;
}

const cJSON *single__params(const struct audit_event *ev)
{
	return json__path(single__request(ev), "requestParameters");
}

static unsigned bucket_of(const char *id)
{
	uint64_t h = (uint64_t)(uintptr_t)id * 0x9e3779b97f4a7c15ULL;

	return (unsigned)(h >> 57) % (SINGLE_RECENT * 2);
}

int single__fresh(struct single *s, const struct audit_event *ev)
{
	const char *id;

	if (s->nheld)
		settle(s, ev);
	if (ev->outcome != GW_OUT_OK || ev->action == GW_ACT_OBJECT_READ || ev->action == GW_ACT_LIST)
		return 0;
	/* Only Azure logs one operation twice (started, succeeded) */
	if (ev->cloud != GW_CLOUD_AZURE || !ev->request_id || !*ev->request_id)
		return 1;
	id = detector__ev_str(s->d, ev, EVF_REQUEST_ID);
	if (!id || !s->in_bucket[bucket_of(id)])
		return 1;
	for (unsigned i = 0; i < SINGLE_RECENT; i++)
		if (s->recent[i] == id)
			return 0;
	return 1;
}

static void remember(struct single *s, const struct audit_event *ev)
{
	const char *id, *old;

	if (ev->cloud != GW_CLOUD_AZURE || !ev->request_id || !*ev->request_id)
		return;
	id = detector__ev_str(s->d, ev, EVF_REQUEST_ID);
	if (!id)
		return;
	old = s->recent[s->pos % SINGLE_RECENT];
	if (old)
		s->in_bucket[bucket_of(old)]--;
	s->in_bucket[bucket_of(id)]++;
	s->recent[s->pos++ % SINGLE_RECENT] = id;
}

int single__op(struct single *s, const struct audit_event *ev, const char *needle)
{
	const char *api = detector__ev_str(s->d, ev, EVF_API);
	uint64_t h;
	unsigned i;

	if (!api)
		return str__icontains(ev->api, needle);
	h = ((uint64_t)(uintptr_t)api ^ ((uint64_t)(uintptr_t)needle << 1)) * 0x9e3779b97f4a7c15ULL;
	i = (unsigned)(h >> 59) % SINGLE_OPS;
	if (s->ops[i].api != api || s->ops[i].needle != needle) {
		s->ops[i].api = api;
		s->ops[i].needle = needle;
		s->ops[i].has = (uint8_t)str__icontains(api, needle);
	}
	return s->ops[i].has;
}

unsigned api_memo__get(struct api_memo *m, struct detector *d, const struct audit_event *ev,
		       api_class_fn fn)
{
	const char *api = detector__ev_str(d, ev, EVF_API);
	uint64_t h;
	unsigned i;

	if (!api)
		return fn(ev->api);
	h = ((uint64_t)(uintptr_t)api ^ ((uint64_t)(uintptr_t)fn << 1)) * 0x9e3779b97f4a7c15ULL;
	i = (unsigned)(h >> 59) % API_MEMO;
	if (m->e[i].api != api || m->e[i].fn != fn) {
		m->e[i].api = api;
		m->e[i].fn = fn;
		m->e[i].cls = fn(api);
	}
	return m->e[i].cls;
}

void api_memo__clear(struct api_memo *m)
{
	memset(m, 0, sizeof(*m));
}

unsigned single__api(struct single *s, const struct audit_event *ev, api_class_fn fn)
{
	return api_memo__get(&s->apis, s->d, ev, fn);
}

static char *dup_s(const char *s, int *oom)
{
	char *r = strdup(s ? s : "");

	if (!r)
		*oom = 1;
	return r;
}

int single__emit(struct single *s, const struct rule *r, const struct audit_event *ev,
		 const struct single_hit *h)
{
	struct finding *f = calloc(1, sizeof(*f));
	uint64_t hash = GW_FNV64_INIT;
	int oom = 0, err = 0;

	if (!f)
		return -ENOMEM;
	remember(s, ev);
	f->rule_id = r->id;
	f->title = h->title;
	f->severity = h->severity;
	f->score = clamp100(h->score);
	f->start_ms = f->end_ms = ev->time_ms;
	f->cloud = ev->cloud;
	f->count = 1;
	f->principal = dup_s(ev->principal, &oom);
	f->access_key = dup_s(ev->access_key, &oom);
	f->source_ip = dup_s(ev->source_ip, &oom);
	f->user_agent = dup_s(ev->user_agent, &oom);
	f->region = dup_s(ev->region, &oom);
	f->bucket = dup_s(ev->bucket, &oom);
	for (size_t i = 0; i < GW_FINDING_MAX_MITRE && h->mitre[i]; i++)
		f->mitre[f->nmitre++] = h->mitre[i];
	hash = gw_fnv1a64(hash, r->id, strlen(r->id) + 1);
	hash = gw_fnv1a64(hash, f->principal ? f->principal : "", f->principal ? strlen(f->principal) + 1 : 1);
	hash = gw_fnv1a64(hash, ev->api ? ev->api : "", ev->api ? strlen(ev->api) : 0);
	hash = gw_fnv1a64(hash, ev->request_id ? ev->request_id : "", ev->request_id ? strlen(ev->request_id) : 0);
	hash = gw_fnv1a64(hash, &ev->time_ms, sizeof(ev->time_ms));
	if (oom || asprintf(&f->id, "%016" PRIx64, hash) < 0) {
		f->id = NULL;
		finding__free(f);
		return -ENOMEM;
	}
	err |= finding__add_evidence(f, "api", "%s", ev->api ? ev->api : "");
	err |= finding__add_evidence(f, "resource", "%s", h->resource && *h->resource ? h->resource :
				     ev->bucket ? ev->bucket : "");
	err |= finding__add_evidence(f, "change", "%s", h->change ? h->change : "");
	if (ev->account && *ev->account)
		err |= finding__add_evidence(f, "account", "%s", ev->account);
	if (ev->request_id && *ev->request_id)
		err |= finding__add_evidence(f, "request_id", "%s", ev->request_id);
	err |= finding__add_evidence(f, "remediation", "%s", h->remediation ? h->remediation : "");
	if (!err && ev->started && ev->cloud == GW_CLOUD_AZURE && ev->request_id && *ev->request_id)
		return hold(s, ev, f);
	return finding__finish(s->d, f, err);
}

void single__hit(struct single_best *b, int sev, double score, const char *fix,
		 const char *fmt, ...)
{
	va_list ap;

	if (sev < b->sev || (sev == b->sev && score <= b->score))
		return;
	b->sev = sev;
	b->score = score;
	b->fix = fix;
	va_start(ap, fmt);
	vsnprintf(b->change, sizeof(b->change), fmt, ap);
	va_end(ap);
}

int single__report(struct single *s, const struct rule *r, const struct audit_event *ev,
		   const struct single_best *b, const char *title, const char *const *mitre)
{
	struct single_hit h = { .title = title };
	char res[512];

	if (b->sev < 0)
		return 0;
	h.severity = b->sev;
	h.score = b->score;
	h.change = b->change;
	h.remediation = b->fix;
	h.resource = single__resource(ev, res, sizeof(res));
	for (size_t i = 0; i < GW_FINDING_MAX_MITRE && mitre[i]; i++)
		h.mitre[i] = mitre[i];
	return single__emit(s, r, ev, &h);
}

int single__judge_fresh(struct single *s, const struct rule *r, const struct audit_event *ev,
			const struct single_judges *j)
{
	struct single_best b;
	single_judge_fn fn = NULL;

	if (!single__fresh(s, ev))
		return 0;
	if (ev->cloud == GW_CLOUD_AWS)
		fn = j->aws;
	else if (ev->cloud == GW_CLOUD_GCP)
		fn = j->gcp;
	else if (ev->cloud == GW_CLOUD_AZURE)
		fn = j->azure;
	if (!fn)
		return 0;
	single_best__init(&b);
	fn(s, ev, &b);
	return single__report(s, r, ev, &b, j->title, j->mitre);
}

const char *single__resource(const struct audit_event *ev, char *buf, size_t len)
{
	const char *s = "";

	if (ev->cloud == GW_CLOUD_AWS && ev->bucket && *ev->bucket) {
		snprintf(buf, len, "arn:aws:s3:::%s%s%s", ev->bucket,
			 ev->object_key && *ev->object_key ? "/" : "",
			 ev->object_key ? ev->object_key : "");
		return buf;
	}
	if (ev->cloud == GW_CLOUD_GCP)
		s = json__str(json__path(single__request(ev), "resourceName"));
	else if (ev->cloud == GW_CLOUD_AZURE)
		s = json__str(json__path(single__request(ev), "resourceId"));
	snprintf(buf, len, "%s", *s ? s : ev->bucket ? ev->bucket : "");
	return buf;
}

const char *single__dest_owner(const struct audit_event *ev)
{
	const cJSON *req, *r;
	const char *arn;

	if (ev->cloud != GW_CLOUD_AWS || !ev->bucket || !*ev->bucket || !(req = single__request(ev)))
		return "";
	cJSON_ArrayForEach(r, json__path(req, "resources")) {
		arn = json__str(json__path(r, "ARN"));
		if (str__ieq(json__str(json__path(r, "type")), "AWS::S3::Bucket") &&
		    strncmp(arn, "arn:aws:s3:::", 13) == 0 && strcmp(arn + 13, ev->bucket) == 0)
			return json__str(json__path(r, "accountId"));
	}
	return "";
}

const char *single__aws_account_of(const char *p, char *buf, size_t len)
{
	const char *a = strncmp(p, "arn:", 4) == 0 ? strstr(p, "::") : p;
	size_t n = 0;

	buf[0] = '\0';
	if (!a)
		return buf;
	a += a == p ? 0 : 2;
	while (n < 12 && a[n] >= '0' && a[n] <= '9')
		n++;
	if (n == 12 && n < len && (a[n] == '\0' || a[n] == ':')) {
		memcpy(buf, a, n);
		buf[n] = '\0';
	}
	return buf;
}

cJSON *single__azure_body(const struct audit_event *ev)
{
	const cJSON *rb;

	if (!single__may_have(ev, "requestbody"))
		return NULL;
	rb = json__path(single__request(ev), "properties.requestbody");

	if (cJSON_IsObject(rb))
		return cJSON_Duplicate(rb, 1);
	if (cJSON_IsString(rb) && rb->valuestring)
		return cJSON_Parse(rb->valuestring);
	return NULL;
}

const cJSON *json__path(const cJSON *o, const char *path)
{
	char name[128];
	const char *dot;
	size_t n;

	while (o && *path) {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(name))
			return NULL;
		memcpy(name, path, n);
		name[n] = '\0';
		o = cJSON_IsObject(o) ? cJSON_GetObjectItem(o, name) : NULL;
		path += n + (dot ? 1 : 0);
	}
	return o;
}

const char *json__str(const cJSON *it)
{
	if (cJSON_IsArray(it))
		it = cJSON_GetArrayItem(it, 0);
	return cJSON_IsString(it) && it->valuestring ? it->valuestring : "";
}

int json__bool(const cJSON *it)
{
	const char *s;

	if (cJSON_IsTrue(it))
		return 1;
	if (cJSON_IsFalse(it))
		return 0;
	s = json__str(it);
	if (strcasecmp(s, "true") == 0)
		return 1;
	if (strcasecmp(s, "false") == 0)
		return 0;
	return -1;
}

static int has_str(const cJSON *it, const char *needle, int depth)
{
	if (!it || depth > 32)
		return 0;
	if (cJSON_IsString(it) && it->valuestring)
		return strcasestr(it->valuestring, needle) != NULL;
	for (const cJSON *c = it->child; c; c = c->next)
		if (has_str(c, needle, depth + 1))
			return 1;
	return 0;
}

int json__has_str(const cJSON *it, const char *needle)
{
	return has_str(it, needle, 0);
}

int str__ieq(const char *a, const char *b)
{
	return strcasecmp(a ? a : "", b ? b : "") == 0;
}

int str__icontains(const char *s, const char *needle)
{
	const unsigned char *h = (const unsigned char *)s, *n = (const unsigned char *)needle;
	unsigned char c0 = fold(n[0]);

	if (!c0)
		return 1;
	for (; *h; h++) {
		size_t k = 1;

		/* operation names' needles start with '/': let strchr find it */
		if (!(c0 >= 'a' && c0 <= 'z') &&
		    !(h = (const unsigned char *)strchr((const char *)h, (char)c0)))
			return 0;
		if (fold(*h) != c0)
			continue;
		while (n[k] && fold(h[k]) == fold(n[k]))
			k++;
		if (!n[k])
			return 1;
	}
	return 0;
}

int str__iends(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

void single__strings(void *state, struct strmark *m)
{
	struct single *s = state;

	strmark__v(m, s->recent, SINGLE_RECENT);
	/* the operation names may go in this sweep */
	memset(s->ops, 0, sizeof(s->ops));
	api_memo__clear(&s->apis);
}
