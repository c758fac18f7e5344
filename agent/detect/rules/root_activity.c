/* Rule "root-activity": the AWS account root user, or a principal as
 * powerful, at work. Root should hardly ever be used, so any call of it is
 * a finding (high); critical when it changes logging, creates or loosens
 * credentials, or reads data, and when a console sign-in from an address
 * root never used succeeds after failed attempts (the shape of a
 * password-guessed or phished root account). Failed sign-ins alone are
 * medium. One finding per principal and hour, naming what was done and
 * what was created.
 * Other clouds have no root user but have its equals: GCP organization
 * owners and super admins, Azure Global Administrators. Those named in
 * [detect] privileged_principals are judged like root, and so is every
 * principal the log shows being granted owner or organization admin on a
 * GCP organization (from that grant on); the grant itself is critical.
 * MITRE T1078.004 (valid cloud accounts), T1110 (brute force) for failed
 * sign-ins, T1098 (account manipulation) and T1136.003 (create cloud
 * account) for credentials, T1098.003 (additional cloud roles) for an
 * organization owner granted, T1562.008 (disable cloud logs). */
#include <errno.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "detect/evagg.h"

#define ROOTS 16
#define GRANTED 64                 /* organization owners learned from the log */
#define ROOT_IPS 16
#define HOUR 3600000LL
#define PRIV_CACHE 1024            /* principals whose privileged verdict is kept */

enum { F_FAILED = 1, F_NEW_ADDR = 2, F_LOGGING = 4, F_CREDS = 8, F_DATA = 16, F_OWNER = 32 };

struct root_state {
	struct evagg *agg;
	struct {
		const char *who;
		const char *ips[ROOT_IPS];
		unsigned nips, failed;
		int64_t last_fail;
	} r[ROOTS];
	unsigned nroots;
	struct {
		const char *who, *by;  /* interned: the new owner, its granter */
	} granted[GRANTED];            /* oldest first */
	unsigned ngranted;
	/* detector__principal_privileged() by interned principal, asked once
	 * per principal (emptied when the pool is swept); not at all without
	 * privileged_principals */
	int any_privileged;
	struct {
		const char *who;
		uint8_t privileged;
	} priv[PRIV_CACHE];
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
	"google.iam.admin.v1.CreateServiceAccountKey", "google.iam.admin.v1.CreateServiceAccount",
	"SetIamPolicy", "google.admin.AdminService.createUser",
	"google.admin.AdminService.assignRole",
};
/* Roles on a GCP organization that make their holder its root. */
static const char *const owner_roles[] = {
	"roles/owner", "roles/resourcemanager.organizationAdmin",
	"roles/iam.organizationRoleAdmin", "roles/resourcemanager.projectIamAdmin",
};

static int api_in(const char *api, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(api, v[i]) == 0)
			return 1;
	return 0;
}

/* Who granted who an owner role on an organization; NULL when the log
 * showed no such grant. */
static const char *granted_by(const struct root_state *s, const char *who)
{
	for (unsigned i = 0; who && i < s->ngranted; i++)
		if (s->granted[i].who == who)
			return s->granted[i].by;
	return NULL;
}

static int root_emit(struct evagg *a, const struct evagg_ent *e)
{
	static const char *const flag_names[] = { "failed console sign-ins",
		"console sign-in from a new address", "logging changed", "credentials created",
		"object data read", "organization owner granted" };
	char list[512], what[256] = "";
	struct finding *f = evagg__finding(a, e, e->kind == GW_PK_ROOT ?
					   "The account root user at work" :
					   (e->flags & F_OWNER) && e->reads + e->writes + e->lists == 0 ?
					   "An organization owner granted" :
					   "A principal as powerful as root at work");
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
	if ((e->flags & F_OWNER) && f->nmitre < GW_FINDING_MAX_MITRE)
		f->mitre[f->nmitre++] = "T1098.003";
	for (size_t i = 0; i < 6; i++)
		if (e->flags & (1u << i))
			off += (size_t)snprintf(what + off, sizeof(what) - off, "%s%s",
						off ? ", " : "", flag_names[i]);
	err |= evagg__evidence(f, e);
	err |= finding__add_evidence(f, "what", "%s", *what ? what : "API calls");
	/* A granted owner joins its granter's incident, as a created user does. */
	if (e->kind != GW_PK_ROOT && granted_by(a->ctx, e->principal))
		err |= finding__add_evidence(f, "created_by", "%s", granted_by(a->ctx, e->principal));
	if (e->nnotes)
		err |= finding__add_evidence(f, "created", "%s",
					     join_list(list, sizeof(list), e->notes, e->nnotes));
	if (e->kind == GW_PK_ROOT)
		err |= finding__add_evidence(f, "remediation", "%s",
			"Confirm with the account owner that root was used; if not: rotate the root "
			"password and access keys, enable MFA on root, and delete what root created");
	else
		err |= finding__add_evidence(f, "remediation", "%s",
			"Confirm with the organization's administrators that this principal acted or "
			"was granted; if not: remove the owner or admin binding, reset the principal's "
			"password and keys and enforce 2-step verification, and review what it created "
			"and read");
	return finding__finish(a->d, f, err);
}

static void *root_new(struct detector *d, const struct detector_config *cfg)
{
	struct root_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->agg = evagg__new(d, &rule_root_activity, root_emit, s);
	if (!s->agg) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->agg->by_principal = 1;
	s->any_privileged = cfg->nprivileged_principals > 0;
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
	const char *who = detector__ev_str(d, ev, EVF_PRINCIPAL);
	const char *ip = detector__ev_str(d, ev, EVF_SOURCE_IP);
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

static void remember_grant(struct root_state *s, const char *who, const char *by)
{
	if (!who || !by || granted_by(s, who))
		return;
	if (s->ngranted == GRANTED) {   /* forget the oldest */
		memmove(s->granted, s->granted + 1, (GRANTED - 1) * sizeof(s->granted[0]));
		s->ngranted--;
	}
	s->granted[s->ngranted].who = who;
	s->granted[s->ngranted++].by = by;
}

/* A GCP SetIamPolicy on an organization that adds an owner role: its
 * members (user:, serviceAccount:, group: ...) are remembered as the
 * organization's roots by the name the logs give them (the e-mail), and
 * the grant is noted ("member -> role"). 1 when ev grants one. */
static int owner_grant(struct root_state *s, const struct audit_event *ev, char *note, size_t size)
{
	const cJSON *req, *deltas, *d;
	int found = 0;

	if (ev->cloud != GW_CLOUD_GCP || ev->outcome != GW_OUT_OK || !strstr(ev->api, "SetIamPolicy"))
		return 0;
	req = single__request(ev);
	if (!req || strncmp(json__str(json__path(req, "resourceName")), "organizations/", 14) != 0)
		return 0;
	deltas = json__path(req, "serviceData.policyDelta.bindingDeltas");
	cJSON_ArrayForEach(d, deltas) {
		const char *member = json__str(json__path(d, "member")), *colon = strchr(member, ':');
		const char *role = json__str(json__path(d, "role"));

		if (strcasecmp(json__str(json__path(d, "action")), "ADD") != 0 ||
		    !api_in(role, owner_roles, sizeof(owner_roles) / sizeof(owner_roles[0])))
			continue;
		remember_grant(s, detector__intern(s->agg->d, colon ? colon + 1 : member),
			       detector__ev_str(s->agg->d, ev, EVF_PRINCIPAL));
		if (!found)
			snprintf(note, size, "%s -> %s on %s", member, role,
				 json__str(json__path(req, "resourceName")));
		found = 1;
	}
	return found;
}

/* Whether ev's principal (who: interned, or NULL) matches privileged_principals. */
static int privileged(struct root_state *s, const struct audit_event *ev, const char *who)
{
	size_t i = ((uintptr_t)who >> 4) & (PRIV_CACHE - 1);

	if (!s->any_privileged)
		return 0;
	if (!who)
		return detector__principal_privileged(s->agg->d, ev->principal);
	if (s->priv[i].who != who) {
		s->priv[i].who = who;
		s->priv[i].privileged = (uint8_t)detector__principal_privileged(s->agg->d, who);
	}
	return s->priv[i].privileged;
}

static int root_feed(void *state, const struct audit_event *ev)
{
	struct root_state *s = state;
	struct detector *d = s->agg->d;
	struct evagg_ent *e;
	char note[512];
	unsigned fl;
	double score;
	int sev, err, grant;
	const char *who;

	/* most events: not a root, no owner grant (GCP only), no owner
	 * granted and no privileged_principals to look for */
	if (ev->principal_kind != GW_PK_ROOT && ev->cloud != GW_CLOUD_GCP && !s->ngranted &&
	    !s->any_privileged)
		return 0;
	grant = owner_grant(s, ev, note, sizeof(note));
	who = detector__ev_str(d, ev, EVF_PRINCIPAL);
	if (!grant && ev->principal_kind != GW_PK_ROOT && !granted_by(s, who) &&
	    !privileged(s, ev, who))
		return 0;
	sev = judge(s, ev, &score, &fl);
	if (grant) {
		fl |= F_OWNER;
		sev = GW_SEV_CRITICAL;
		score = score > 95.0 ? score : 95.0;
	}
	/* One finding per root and hour, whatever the bucket. */
	e = evagg__add(s->agg, ev, 0, sev, score, &err);
	if (!e)
		return err;
	e->flags |= fl;
	if (ev->created && *ev->created && ev->outcome == GW_OUT_OK)
		evagg__note(e, detector__ev_str(d, ev, EVF_CREATED));
	if (grant)
		evagg__note(e, detector__intern(d, note));
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

static void root_swept(void *state)
{
	struct root_state *s = state;

	memset(s->priv, 0, sizeof(s->priv));
}

static void root_strings(void *state, struct strmark *m)
{
	struct root_state *s = state;

	evagg__strings(s->agg, m);
	for (unsigned i = 0; i < s->nroots; i++) {
		strmark__str(m, s->r[i].who);
		strmark__v(m, s->r[i].ips, s->r[i].nips < ROOT_IPS ? s->r[i].nips : ROOT_IPS);
	}
	for (unsigned i = 0; i < s->ngranted && i < GRANTED; i++) {
		strmark__str(m, s->granted[i].who);
		strmark__str(m, s->granted[i].by);
	}
}

const struct rule rule_root_activity = {
	.id = "root-activity",
	.account_wide = 1,
	.new = root_new,
	.feed = root_feed,
	.flush = root_flush,
	.free = root_free,
	.strings = root_strings,
	.swept = root_swept,
};
