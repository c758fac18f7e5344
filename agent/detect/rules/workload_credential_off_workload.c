/* Rule "workload-credential-off-workload": credentials issued to a
 * workload (an EC2 instance profile session, whose session name is the
 * instance id; a Compute Engine service account's token; an Azure managed
 * identity) used from somewhere the workload is not: an address the
 * session never used before (the instance keeps its address), two distant
 * addresses within minutes, or an address outside the cloud's own ranges
 * when `cloud:` intel is loaded. GuardDuty's InstanceCredentialExfiltration
 * done offline over the audit log. Addresses inside the VPC (private
 * ranges, VPC endpoints) and the cloud's own service names are the
 * workload's. High; medium when the new address is inside the cloud's
 * ranges (another instance of the same account may share the role).
 * MITRE T1552.005 (cloud instance metadata API), T1078.004. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/evagg.h"

#define SESSIONS 4096
#define SESSION_IPS 8
#define MINUTES_10 600000LL
#define DAY (24 * 3600000LL)

enum { W_NEW_ADDR = 1, W_OUTSIDE = 2, W_FAST = 4 };

struct wl_state {
	struct evagg *agg;
	struct {
		const char *who, *ips[SESSION_IPS], *last_ip;
		int64_t last_t;
		uint8_t nips;
	} *s;
	size_t n;
	int64_t aged;     /* stream time of the last aging */
};

/* A public address: not private, loopback, link-local or shared (CGNAT). */
static int public_ip(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return !(a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
			 (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
			 (a[0] == 100 && (a[1] & 0xc0) == 64));
	if (inet_pton(AF_INET6, ip, a) == 1)
		return !((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
			 (a[0] == 0 && a[15] <= 1 && !memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 14)));
	return 0;   /* "AWS Internal", a service name: not an address */
}

/* Two addresses in different /16 (IPv4) or /32 (IPv6) networks. */
static int distant(const char *x, const char *y)
{
	unsigned char a[16], b[16];

	if (inet_pton(AF_INET, x, a) == 1 && inet_pton(AF_INET, y, b) == 1)
		return memcmp(a, b, 2) != 0;
	if (inet_pton(AF_INET6, x, a) == 1 && inet_pton(AF_INET6, y, b) == 1)
		return memcmp(a, b, 4) != 0;
	return 1;
}

static int wl_emit(struct evagg *a, const struct evagg_ent *e)
{
	static const char *const names[] = { "an address the session never used",
		"outside the cloud's ranges", "two distant addresses within minutes" };
	char list[512], why[160] = "";
	struct finding *f = evagg__finding(a, e, "Workload credentials used off the workload");
	size_t off = 0;
	int err = 0;

	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1552.005";
	f->mitre[f->nmitre++] = "T1078.004";
	for (size_t i = 0; i < 3; i++)
		if (e->flags & (1u << i))
			off += (size_t)snprintf(why + off, sizeof(why) - off, "%s%s", off ? ", " : "",
						names[i]);
	err |= evagg__evidence(f, e);
	err |= finding__add_evidence(f, "why", "%s", why);
	err |= finding__add_evidence(f, "workload_addresses", "%s",
				     join_list(list, sizeof(list), e->notes, e->nnotes));
	err |= finding__add_evidence(f, "remediation", "%s",
		"Revoke the role's active sessions (an explicit deny on tokens issued before now), "
		"find how the instance's credentials left it (SSRF to the metadata service, a "
		"compromised host), enforce IMDSv2 and review what the session did");
	return finding__finish(a->d, f, err);
}

static void *wl_new(struct detector *d, const struct detector_config *cfg)
{
	struct wl_state *s = calloc(1, sizeof(*s));

	(void)cfg;
	if (!s)
		goto fail;
	s->s = calloc(SESSIONS, sizeof(*s->s));
	s->agg = evagg__new(d, &rule_workload_credential_off_workload, wl_emit, s);
	if (!s->s || !s->agg)
		goto fail;
	s->agg->by_principal = 1;
	return s;
fail:
	if (s) {
		free(s->s);
		evagg__free(s->agg);
	}
	free(s);
	errno = ENOMEM;
	return NULL;
}

/* Once a stream day: sessions idle for the first-seen TTL are forgotten,
 * like an identity's first-seen addresses, so that the table follows the
 * workloads that run (instances come and go) instead of filling up with
 * the first SESSIONS ever seen and dropping every later one. */
static void age(struct wl_state *s, int64_t now)
{
	int64_t ttl = (int64_t)detector__config(s->agg->d)->seen_ttl_days * DAY;
	size_t k = 0;

	s->aged = now;
	for (size_t i = 0; i < s->n; i++)
		if (s->s[i].last_t + ttl >= now)
			s->s[k++] = s->s[i];
	s->n = k;
}

static size_t session_of(struct wl_state *s, const char *who)
{
	size_t i;

	for (i = 0; i < s->n && s->s[i].who != who; i++)
		;
	if (i == s->n && s->n < SESSIONS) {
		memset(&s->s[i], 0, sizeof(s->s[i]));
		s->s[s->n++].who = who;
	}
	return i;
}

static int wl_feed(void *state, const struct audit_event *ev)
{
	struct wl_state *s = state;
	struct detector *d = s->agg->d;
	const char *who, *ip, *label;
	struct evagg_ent *e;
	unsigned fl = 0;
	size_t i, k;
	int kind = 0, err;

	if (ev->principal_kind != GW_PK_WORKLOAD || !ev->source_ip || !public_ip(ev->source_ip))
		return 0;
	who = detector__ev_str(d, ev, EVF_PRINCIPAL);
	ip = detector__ev_str(d, ev, EVF_SOURCE_IP);
	if (!who || !ip)
		return -ENOMEM;
	if (ev->time_ms - s->aged >= DAY)
		age(s, ev->time_ms);
	if ((i = session_of(s, who)) == SESSIONS) {
		detector__entity_dropped(d);
		return 0;
	}
	for (k = 0; k < s->s[i].nips && s->s[i].ips[k] != ip; k++)
		;
	label = intel__match(detector__intel(d), ip, INTEL_CLOUD, &kind);
	if (k == s->s[i].nips && s->s[i].nips)
		fl |= W_NEW_ADDR;
	if (fl && s->s[i].last_ip && ev->time_ms - s->s[i].last_t <= MINUTES_10 &&
	    distant(ip, s->s[i].last_ip))
		fl |= W_FAST;
	if (!label && intel__has_cloud(detector__intel(d)) && (fl || !s->s[i].nips))
		fl |= W_OUTSIDE;
	if (fl && (e = evagg__add(s->agg, ev, 0, label ? GW_SEV_MEDIUM : GW_SEV_HIGH,
				  label ? 60.0 : (fl & W_FAST) ? 95.0 : 90.0, &err)) != NULL) {
		e->flags |= fl;
		for (size_t j = 0; j < s->s[i].nips; j++)
			evagg__note(e, s->s[i].ips[j]);
	}
	if (k == s->s[i].nips && s->s[i].nips < SESSION_IPS && !(fl & (W_NEW_ADDR | W_OUTSIDE)))
		s->s[i].ips[s->s[i].nips++] = ip;   /* the workload's own: only what looked normal */
	s->s[i].last_ip = ip;
	s->s[i].last_t = ev->time_ms;
	return 0;
}

static void wl_flush(void *state)
{
	evagg__flush(((struct wl_state *)state)->agg);
}

static void wl_free(void *state)
{
	struct wl_state *s = state;

	if (!s)
		return;
	evagg__free(s->agg);
	free(s->s);
	free(s);
}

static void wl_strings(void *state, struct strmark *m)
{
	struct wl_state *s = state;

	evagg__strings(s->agg, m);
	for (size_t i = 0; i < s->n; i++) {
		strmark__str(m, s->s[i].who);
		strmark__str(m, s->s[i].last_ip);
		strmark__v(m, s->s[i].ips, s->s[i].nips < SESSION_IPS ? s->s[i].nips : SESSION_IPS);
	}
}

const struct rule rule_workload_credential_off_workload = {
	.id = "workload-credential-off-workload",
	.account_wide = 1,
	.new = wl_new,
	.feed = wl_feed,
	.flush = wl_flush,
	.free = wl_free,
	.strings = wl_strings,
};
