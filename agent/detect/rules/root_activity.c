/* Rule "root-activity": the AWS account root user at work. Root should
 * hardly ever be used, so any call of it is a finding (high); critical
 * when it changes logging, creates or loosens credentials, or reads data,
 * and when a console sign-in from an address root never used succeeds
 * after failed attempts (the shape of a password-guessed or phished root
 * account). Failed sign-ins alone are medium. One finding per root
 * principal and hour, naming what was done and what was created.
 * MITRE T1078.004 (valid cloud accounts), T1110 (brute force) for failed
 * sign-ins, T1098 (account manipulation) and T1136.003 (create cloud
 * account) for credentials, T1562.008 (disable cloud logs). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/evagg.h"

#define ROOTS 16
#define ROOT_IPS 16
#define HOUR 3600000LL

enum { F_FAILED = 1, F_NEW_ADDR = 2, F_LOGGING = 4, F_CREDS = 8, F_DATA = 16 };

struct root_state {
	struct evagg *agg;
	struct {
		const char *who;
		const char *ips[ROOT_IPS];
		unsigned nips, failed;
		int64_t last_fail;
	} r[ROOTS];
	unsigned nroots;
};

static const char *const logging_apis[] = {
	"StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors", "PutInsightSelectors",
	"DeleteEventDataStore", "PutBucketLogging", "DeleteFlowLogs", "DeleteDetector",
	"StopConfigurationRecorder", "DeleteConfigurationRecorder", "DisableSecurityHub",
};
static const char *const cred_apis[] = {
	"CreateAccessKey", "CreateUser", "CreateLoginProfile", "UpdateLoginProfile",
	"UpdateAccessKey", "CreateServiceSpecificCredential", "DeactivateMFADevice",
	"DeleteVirtualMFADevice", "AttachUserPolicy", "PutUserPolicy", "AddUserToGroup",
	"CreateRole", "AttachRolePolicy", "UpdateAssumeRolePolicy", "CreateSAMLProvider",
	"CreateOpenIDConnectProvider",
};

static int api_in(const char *api, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(api, v[i]) == 0)
			return 1;
	return 0;
}

static int root_emit(struct evagg *a, const struct evagg_ent *e)
{
	static const char *const flag_names[] = { "failed console sign-ins",
		"console sign-in from a new address", "logging changed", "credentials created",
		"object data read" };
	char list[512], what[256] = "";
	struct finding *f = evagg__finding(a, e, "The account root user at work");
	size_t off = 0;
	int err = 0;

	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1078.004";
	if (e->flags & F_FAILED)
		f->mitre[f->nmitre++] = "T1110";
	if (e->flags & F_CREDS)
		f->mitre[f->nmitre++] = "T1136.003";
	if (e->flags & F_LOGGING)
		f->mitre[f->nmitre++] = "T1562.008";
	for (size_t i = 0; i < 5; i++)
		if (e->flags & (1u << i))
			off += (size_t)snprintf(what + off, sizeof(what) - off, "%s%s",
						off ? ", " : "", flag_names[i]);
	err |= evagg__evidence(f, e);
	err |= finding__add_evidence(f, "what", "%s", *what ? what : "API calls");
	if (e->nnotes)
		err |= finding__add_evidence(f, "created", "%s",
					     join_list(list, sizeof(list), e->notes, e->nnotes));
	err |= finding__add_evidence(f, "remediation", "%s",
		"Confirm with the account owner that root was used; if not: rotate the root "
		"password and access keys, enable MFA on root, and delete what root created");
	return finding__finish(a->d, f, err);
}

static void *root_new(struct detector *d, const struct detector_config *cfg)
{
	struct root_state *s = calloc(1, sizeof(*s));

	(void)cfg;
	if (!s)
		return NULL;
	s->agg = evagg__new(d, &rule_root_activity, root_emit, s);
	if (!s->agg) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->agg->by_principal = 1;
	return s;
}

/* The sign-in state of this root principal; NULL past ROOTS of them. */
static unsigned root_slot(struct root_state *s, const char *who)
{
	unsigned i;

	for (i = 0; i < s->nroots && s->r[i].who != who; i++)
		;
	if (i == s->nroots && s->nroots < ROOTS)
		s->r[s->nroots++].who = who;
	return i;
}

/* 1 when root signs in from an address it never used in this stream. */
static int new_address(struct root_state *s, unsigned i, const char *ip)
{
	for (unsigned k = 0; k < s->r[i].nips; k++)
		if (s->r[i].ips[k] == ip)
			return 0;
	if (s->r[i].nips < ROOT_IPS)
		s->r[i].ips[s->r[i].nips++] = ip;
	return 1;
}

/* Severity, score and flags of one call of root. */
static int judge(struct root_state *s, const struct audit_event *ev, double *score, unsigned *fl)
{
	struct detector *d = s->agg->d;
	const char *who = detector__intern_ev(d, ev->principal);
	const char *ip = detector__intern_ev(d, ev->source_ip);
	unsigned i = who ? root_slot(s, who) : ROOTS;
	int login = strcmp(ev->api, "ConsoleLogin") == 0;

	*fl = 0;
	if (login && ev->outcome == GW_OUT_DENIED) {
		if (i < ROOTS) {
			s->r[i].failed++;
			s->r[i].last_fail = ev->time_ms;
		}
		*fl = F_FAILED;
		*score = 55.0;
		return GW_SEV_MEDIUM;
	}
	if (ev->outcome == GW_OUT_OK && (api_in(ev->api, logging_apis, sizeof(logging_apis) /
						sizeof(logging_apis[0])) ||
					 api_in(ev->api, cred_apis, sizeof(cred_apis) /
						sizeof(cred_apis[0])) ||
					 ev->action == GW_ACT_OBJECT_READ)) {
		*fl = ev->action == GW_ACT_OBJECT_READ ? F_DATA :
		      api_in(ev->api, logging_apis, sizeof(logging_apis) / sizeof(logging_apis[0])) ?
		      F_LOGGING : F_CREDS;
		*score = 95.0;
		return GW_SEV_CRITICAL;
	}
	if (login && ev->outcome == GW_OUT_OK && i < ROOTS && ip && *ip && new_address(s, i, ip)) {
		int after_failures = s->r[i].failed && ev->time_ms - s->r[i].last_fail <= HOUR;

		*fl = F_NEW_ADDR | (after_failures ? F_FAILED : 0);
		*score = after_failures ? 95.0 : 85.0;
		return after_failures ? GW_SEV_CRITICAL : GW_SEV_HIGH;
	}
	*score = ev->outcome == GW_OUT_OK ? 75.0 : 50.0;
	return ev->outcome == GW_OUT_OK ? GW_SEV_HIGH : GW_SEV_MEDIUM;
}

static int root_feed(void *state, const struct audit_event *ev)
{
	struct root_state *s = state;
	struct evagg_ent *e;
	unsigned fl;
	double score;
	int sev, err;

	if (ev->principal_kind != GW_PK_ROOT)
		return 0;
	sev = judge(s, ev, &score, &fl);
	/* One finding per root and hour, whatever the bucket. */
	e = evagg__add(s->agg, ev, 0, sev, score, &err);
	if (!e)
		return err;
	e->flags |= fl;
	if (ev->created && *ev->created && ev->outcome == GW_OUT_OK)
		evagg__note(e, detector__intern_ev(s->agg->d, ev->created));
	return 0;
}

static void root_flush(void *state)
{
	evagg__flush(((struct root_state *)state)->agg);
}

static void root_free(void *state)
{
	struct root_state *s = state;

	if (s)
		evagg__free(s->agg);
	free(s);
}

static void root_strings(void *state, struct strmark *m)
{
	struct root_state *s = state;

	evagg__strings(s->agg, m);
	for (unsigned i = 0; i < s->nroots; i++) {
		strmark__str(m, s->r[i].who);
		strmark__v(m, s->r[i].ips, s->r[i].nips < ROOT_IPS ? s->r[i].nips : ROOT_IPS);
	}
}

const struct rule rule_root_activity = {
	.id = "root-activity",
	.new = root_new,
	.feed = root_feed,
	.flush = root_flush,
	.free = root_free,
	.strings = root_strings,
};
