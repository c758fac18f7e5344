/* Rule "sensitive-object-read": an object that holds secrets ([detect]
 * sensitive_objects globs; by default private keys and keystores, .env
 * files, credential and password files, database dumps and backups, key
 * and password vaults, Terraform state) read by a principal that has no
 * business with it yet: a new one, the anonymous one, a foreign account's,
 * a SAS token, or anyone outside business hours. High, with the object key
 * in the evidence. A denied read of such an object by a new, anonymous,
 * foreign or SAS principal is a finding too: one attempt is enough.
 * One finding per principal, bucket, outcome and hour.
 * MITRE T1530 (data from cloud storage), T1552.001 (credentials in files). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/evagg.h"

enum { SUB_READ = 0, SUB_DENIED = 1 };
enum { W_NEW = 1, W_ANON = 2, W_FOREIGN = 4, W_SAS = 8, W_OFF_HOURS = 16 };

static int sens_emit(struct evagg *a, const struct evagg_ent *e)
{
	static const char *const names[] = { "new principal", "anonymous", "foreign account",
					     "SAS token", "outside business hours" };
	char list[512], why[160] = "";
	struct finding *f;
	size_t off = 0;
	int err = 0;

	f = evagg__finding(a, e, e->sub == SUB_DENIED ?
			   "Denied read of a sensitive object by a principal without history" :
			   "Sensitive object read by a principal without history");
	if (!f)
		return -ENOMEM;
	f->mitre[f->nmitre++] = "T1530";
	f->mitre[f->nmitre++] = "T1552.001";
	for (size_t i = 0; i < 5; i++)
		if (e->flags & (1u << i))
			off += (size_t)snprintf(why + off, sizeof(why) - off, "%s%s", off ? ", " : "",
						names[i]);
	err |= evagg__evidence(f, e);
	err |= finding__add_evidence(f, "objects", "%s",
				     join_list(list, sizeof(list), e->samples, e->nsamples));
	err |= finding__add_evidence(f, "why", "%s", why);
	err |= finding__add_evidence(f, "matched", "%s",
				     join_list(list, sizeof(list), e->notes, e->nnotes));
	err |= finding__add_evidence(f, "remediation", "%s", e->sub == SUB_DENIED ?
		"Find who holds this credential and why it reached for secrets; check no other "
		"credential of theirs can read them" :
		"Treat the secrets in these objects as leaked: rotate the keys and passwords they "
		"hold, then remove the caller's access (revoke the SAS, the key or the grant)");
	return finding__finish(a->d, f, err);
}

static void *sens_new(struct detector *d, const struct detector_config *cfg)
{
	(void)cfg;
	return evagg__new(d, &rule_sensitive_object_read, sens_emit, NULL);
}

/* Why this principal should not be reading secrets (W_*), 0 when it may. */
static unsigned who_flags(struct detector *d, const struct audit_event *ev)
{
	unsigned w = 0;

	if (ev->principal_kind == GW_PK_ANONYMOUS)
		w |= W_ANON;
	else if (ev->principal_kind == GW_PK_SAS)
		w |= W_SAS;
	if (detector__principal_foreign(d, ev) &&
	    !detector__account_is_partner(d, ev->principal_account))
		w |= W_FOREIGN;
	if (!(w & W_ANON) && detector__principal_new(d, ev))
		w |= W_NEW;
	if (ev->outcome == GW_OUT_OK && detector__off_hours(d, ev->time_ms))
		w |= W_OFF_HOURS;
	return w;
}

static int sens_feed(void *state, const struct audit_event *ev)
{
	struct evagg *a = state;
	struct evagg_ent *e;
	const char *glob;
	unsigned w;
	int denied = ev->outcome == GW_OUT_DENIED, err;

	if (ev->action != GW_ACT_OBJECT_READ || (ev->outcome != GW_OUT_OK && !denied))
		return 0;
	if (!ev->object_key || !*ev->object_key)
		return 0;
	/* The object first: most reads are of objects that hold no secrets,
	 * and the compiled globs tell that in fewer steps than who_flags()
	 * looks up the principal and the hour. */
	glob = detector__sensitive_object(a->d, ev->object_key);
	if (!glob)
		return 0;
	w = who_flags(a->d, ev);
	if (!w || (denied && !(w & ~(unsigned)W_OFF_HOURS)))
		return 0;
	e = evagg__add(a, ev, denied ? SUB_DENIED : SUB_READ, GW_SEV_HIGH,
		       denied ? 80.0 : (w & ~(unsigned)W_OFF_HOURS) ? 90.0 : 75.0, &err);
	if (!e)
		return err;
	e->flags |= w;
	evagg__note(e, detector__intern(a->d, glob));
	return 0;
}

static void sens_flush(void *state)
{
	evagg__flush(state);
}

static void sens_free(void *state)
{
	evagg__free(state);
}

const struct rule rule_sensitive_object_read = {
	.id = "sensitive-object-read",
	.new = sens_new,
	.strings = evagg__rule_strings,
	.feed = sens_feed,
	.flush = sens_flush,
	.free = sens_free,
};
