/* agent/daemon: findings and incidents to the log and the shipper, each
 * once (see daemon_priv.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_priv.h"
#include "detect/correlate/correlate.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/names.h"
#include "ship/ship.h"

/* One line per finding, for the journal; rate-limited per cycle. */
void daemon__log_finding(struct daemon *d, const struct finding *f, size_t *cycle)
{
	const char *who = f->principal && f->principal[0] ? f->principal : NULL;

	for (size_t i = 0; !who && i < f->nevidence; i++)
		if (strcmp(f->evidence[i].key, "exe") == 0 || strcmp(f->evidence[i].key, "client") == 0)
			who = f->evidence[i].value;
	char labels[128];

	d->findings++;
	if (metrics__labels(labels, sizeof(labels), "rule", f->rule_id, NULL) == 0)
		metrics__add(M_FINDINGS, labels, 1);
	if ((*cycle)++ < LOG_FINDINGS_PER_CYCLE)
		log_warn("finding %s (%s, score %.0f): %s; %s%s%s", f->rule_id,
			 gw_severity_name(f->severity), f->score, f->title, who ? who : "",
			 f->bucket && f->bucket[0] ? " bucket " : "", f->bucket ? f->bucket : "");
}

void daemon__hand_over(struct daemon *d, const struct finding *const *f, size_t n)
{
	int err, critical = 0;

	if (!n || !d->ship)
		return;
	/* findings wait up to the batch time (a few seconds) for company; a
	 * critical one goes to the spool now and leaves within the second */
	err = shipper__submit(d->ship, f, n, 0);
	if (err < 0) {
		log_err("failed to take %zu findings for shipping: %s; they are lost", n,
			strerror(-err));
		return;
	}
	for (size_t i = 0; i < n; i++)
		critical |= f[i]->severity == GW_SEV_CRITICAL;
	if (!critical)
		return;
	/* Taken: when the spool cannot have them now (-ENOSPC: the shipper
	 * said so) they wait in memory, and every pump tries again. */
	err = shipper__flush(d->ship);
	if (err < 0 && err != -ENOSPC)
		log_err("failed to spool %zu findings: %s; they wait in memory", n,
			strerror(-err));
}

/* The revision of an incident last shipped: a new one when its findings change. */
static uint64_t incident_revision(struct daemon *d, const struct incident *in, int *changed)
{
	struct inc_rev *r = NULL;

	for (size_t i = 0; i < d->nincs && !r; i++)
		if (strcmp(d->incs[i].id, in->id) == 0)
			r = &d->incs[i];
	if (!r) {
		if (d->nincs == d->capincs) {
			size_t cap = d->capincs ? d->capincs * 2 : 16;
			struct inc_rev *n = realloc(d->incs, cap * sizeof(*n));

			if (!n)
				return 0;
			d->incs = n;
			d->capincs = cap;
		}
		r = &d->incs[d->nincs];
		if (!(r->id = strdup(in->id)))
			return 0;
		d->nincs++;
		r->nfindings = 0;
		r->revision = 0;
	}
	*changed = r->nfindings != in->nfindings;
	if (*changed) {
		r->nfindings = in->nfindings;
		r->revision++;
	}
	return r->revision;
}

/* Forget the revisions of incidents that are gone (closed: no finding can
 * join them any more), so that the list follows the open incidents. */
static void prune_incidents(struct daemon *d, const struct incident *const *in, size_t n)
{
	size_t k = 0, j;

	for (size_t i = 0; i < d->nincs; i++) {
		for (j = 0; j < n && strcmp(in[j]->id, d->incs[i].id) != 0; j++)
			;
		if (j == n) {
			free(d->incs[i].id);
			continue;
		}
		d->incs[k++] = d->incs[i];
	}
	d->nincs = k;
}

/* New incidents go to the log, with their first remediation step; new
 * incidents and new revisions (a finding joined) go to the spool. */
static void ship_incidents(struct daemon *d)
{
	const struct incident *const *in;
	size_t n = detector__incidents(d->det, &in);
	int changed = 0;
	uint64_t rev;

	prune_incidents(d, in, n);
	for (size_t i = 0; i < n; i++) {
		rev = incident_revision(d, in[i], &changed);
		if (!rev || !changed)
			continue;
		if (rev == 1)
			log_warn("incident %s (score %.0f): %s, %zu findings; first step: %s",
				 in[i]->classification, in[i]->score, in[i]->principal ? in[i]->principal : "",
				 in[i]->nfindings, in[i]->nremediation ? in[i]->remediation[0] : "review the findings");
		if (d->ship && shipper__submit_incident(d->ship, in[i], rev) < 0)
			log_err("failed to take incident %s revision %" PRIu64 " for shipping", in[i]->id, rev);
	}
}

/* New findings of the detector and the correlator go to the log and the
 * spool. The correlator's host findings join the detector's first, so that
 * incidents hold both sides (a copy behind the gateway and the bulk
 * download of the same bucket); each finding leaves once, through
 * detector__take. */
size_t daemon__collect_findings(struct daemon *d)
{
	const struct finding *const *df;
	struct finding **cf;
	size_t n, cycle = 0, nc;

	nc = correlator__take(d->corr, &cf);
	for (size_t i = 0; i < nc; i++)
		detector__adopt(d->det, cf[i]);   /* owned by the detector now, even on failure */
	free(cf);
	/* the detector hands over what is new, and keeps what may still join
	 * an incident until that incident is closed */
	n = detector__take(d->det, &df);
	for (size_t i = 0; i < n; i++)
		daemon__log_finding(d, df[i], &cycle);
	daemon__hand_over(d, df, n);
	if (n)
		ship_incidents(d);
	if (detector__expire(d->det, detector__now(d->det)))
		ship_incidents(d);
	if (cycle > LOG_FINDINGS_PER_CYCLE)
		log_warn("%zu more findings not logged one by one (see the collector)",
			 cycle - LOG_FINDINGS_PER_CYCLE);
	return nc;
}

/* Findings and incidents travel together: a batch leaves when full or this
 * old; a critical finding does not wait. */
#define DAEMON_BATCH_MS 3000

int daemon__open_shipper(struct daemon *d)
{
	struct shipper_opts so;
	int err;

	if (!d->cfg->collector_url && !d->cfg->otlp_url) {
		log_info("no collector_url or otlp_url: findings go to the log only");
		return 0;
	}
	shipper_opts__defaults(&so);
	so.state_dir = d->cfg->state_dir;
	so.collector_url = d->cfg->collector_url;
	so.otlp_url = d->cfg->otlp_url;
	so.ca_file = d->cfg->ca_file;
	so.cert_file = d->cfg->cert_file;
	so.key_file = d->cfg->key_file;
	so.token_file = d->cfg->token_file;
	so.agent_id = d->cfg->agent_id;
	so.batch_ms = DAEMON_BATCH_MS;
	/* findings cannot be made again: at the cap the oldest go, counted */
	so.drop_when_full = 1;
	err = shipper__new(&so, &d->ship);
	if (err < 0)
		log_err("failed to start shipping: %s", strerror(-err));
	return err;
}
