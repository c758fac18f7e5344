/* See detect_internal.h: the host side of an incident (which process,
 * which unit, what to isolate) and the one timeline across host and cloud. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"
#include "lib/isotime.h"

static const char *ev_or(const struct finding *f, const char *pre, const char *what,
			 const char *dflt)
{
	const char *v = incident__proc_ev(f, pre, what);

	return v && *v ? v : dflt;
}

static int same_proc(const struct finding *a, const char *pa, const struct finding *b,
		     const char *pb)
{
	static const char *const what[] = { "exe", "pid", "unit" };

	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++)
		if (strcmp(ev_or(a, pa, what[i], ""), ev_or(b, pb, what[i], "")) != 0)
			return 0;
	return 1;
}

void incident_host__add(struct incident_host *h, const struct finding *f)
{
	const char *pre;

	if (f->principal && *f->principal)
		h->named = 1;
	if (!incident__is_host(f)) {
		h->ncloud++;
		h->named = 1;
		return;
	}
	h->nhost++;
	if (strcmp(f->rule_id, "new-client") == 0)
		incident__merge(h->clients, sizeof(h->clients), f->source_ip);
	else if (strcmp(f->rule_id, "unaudited-reads") == 0)
		incident__merge(h->unaudited, sizeof(h->unaudited), f->bucket);
	else if (strcmp(f->rule_id, "sensor-blinded") == 0 && !h->blind)
		h->blind = f;
	else if (strcmp(f->rule_id, "process-read-spike") == 0 && !h->spike)
		h->spike = f;
	/* a process that is not the gateway: one to isolate */
	pre = incident__proc_prefix(f);
	if (!pre || strcmp(f->rule_id, "process-read-spike") == 0)
		return;
	if (strcmp(f->rule_id, "unexpected-reader") == 0)
		incident__merge(h->read_buckets, sizeof(h->read_buckets), f->bucket);
	for (size_t i = 0; i < h->nproc; i++)
		if (same_proc(h->proc[i], h->proc_pre[i], f, pre))
			return;
	if (h->nproc < INCIDENT_MAX_PROCS) {
		h->proc[h->nproc] = f;
		h->proc_pre[h->nproc++] = pre;
	}
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Kill, stop its unit, block its egress: one process. */
static int contain_proc(struct incident *in, const struct finding *f, const char *pre,
			const char *buckets)
{
	const char *exe = ev_or(f, pre, "exe", "(unknown)"), *pid = ev_or(f, pre, "pid", "?");
	const char *uid = ev_or(f, pre, "uid", "?"), *unit = ev_or(f, pre, "unit", "");
	const char *comm = ev_or(f, pre, "comm", "?");
	int err = 0;

	err |= incident__step(in, "Isolate process %s (pid %s, comm %s, user uid %s%s%s) on this "
			      "host now: stop it (kill -STOP %s), save /proc/%s (exe, cmdline, "
			      "environ, open files) for forensics, then kill it (kill -KILL %s).",
			      exe, pid, comm, uid, *unit ? ", unit " : "", unit, pid, pid, pid);
	if (ends_with(unit, ".service"))
		err |= incident__step(in, "Stop and mask its systemd unit %s (systemctl stop %s; "
				      "systemctl mask %s) so that it cannot start again, and find "
				      "what installed or changed it.", unit, unit, unit);
	else if (ends_with(unit, ".scope"))
		err |= incident__step(in, "Stop its scope %s (systemctl stop %s): the login session "
				      "or container that ran it ends; lock uid %s until it is "
				      "explained.", unit, unit, uid);
	else if (*unit)
		err |= incident__step(in, "Stop the container or cgroup %s that ran it.", unit);
	err |= incident__step(in, "Block its egress until it is explained: drop outbound "
			      "traffic of uid %s (nft add rule inet filter output meta skuid %s "
			      "drop) or of its unit's cgroup, and find where the data it read%s%s "
			      "went.", uid, uid, *buckets ? " of " : "", buckets);
	return err;
}

int incident_host__contain(struct incident *in, const struct incident_host *h)
{
	int err = 0;

	for (size_t i = 0; i < h->nproc; i++)
		err |= contain_proc(in, h->proc[i], h->proc_pre[i], h->read_buckets);
	if (*h->clients)
		err |= incident__step(in, "Block client address(es) %s at the gateway (its firewall "
				      "or access policy) until explained: new to the gateway in 30 "
				      "days, they read what the audit log shows for them.", h->clients);
	return err ? -ENOMEM : 0;
}

int incident_host__review(struct incident *in, const struct incident_host *h)
{
	int err = 0;

	if (*h->unaudited)
		err |= incident__step(in, "Bucket(s) %s: the gateway read more than the audit log "
				      "accounts for; check that object-level logging is on for them "
				      "and look for reads that bypass it (local copies, other "
				      "mounts, direct disk access).", h->unaudited);
	if (h->spike)
		err |= incident__step(in, "Review what made gateway process %s (pid %s) read %" PRIu64
				      " bytes of %s in an hour, over its own baseline: the clients and "
				      "requests of that hour.", ev_or(h->spike, "", "exe", "?"),
				      ev_or(h->spike, "", "pid", "?"), h->spike->bytes,
				      h->spike->bucket ? h->spike->bucket : "its buckets");
	if (h->blind)
		err |= incident__step(in, "The sensor lost sight of reads (%s): find what flooded "
				      "it and treat that window's reads as unobserved.",
				      ev_or(h->blind, "", "cause", "see the finding"));
	if (h->nhost && !h->named)
		err |= incident__step(in, "Expand the scope: look for the same executable, unit "
				      "and clients on the other gateway hosts.");
	return err ? -ENOMEM : 0;
}

/* "who" of a timeline entry: the process, the principal, the client. */
static void who(const struct finding *f, char *buf, size_t len)
{
	const char *pre = incident__proc_prefix(f), *unit;

	if (pre && strcmp(pre, "") == 0) {
		unit = ev_or(f, pre, "unit", "");
		snprintf(buf, len, "%s (pid %s, uid %s%s%s)", ev_or(f, pre, "exe", "?"),
			 ev_or(f, pre, "pid", "?"), ev_or(f, pre, "uid", "?"), *unit ? ", unit " : "",
			 unit);
	} else if (f->principal && *f->principal) {
		snprintf(buf, len, "%s%s%s%s", f->principal, f->access_key && *f->access_key ?
			 " (key " : "", f->access_key ? f->access_key : "",
			 f->access_key && *f->access_key ? ")" : "");
	} else if (f->source_ip && *f->source_ip) {
		snprintf(buf, len, "client %s", f->source_ip);
	} else {
		snprintf(buf, len, "the gateway");
	}
}

static void append(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	*off = n < 0 ? len : *off + (size_t)n;
}

/* "TIME host|cloud RULE: who: title; N events, B bytes, bucket X, from IP" */
static char *entry(const struct finding *f)
{
	char when[32], w[320], line[768];
	const char *pre = incident__proc_prefix(f);
	size_t off = 0;

	if (iso8601__format(f->start_ms, when, sizeof(when)) < 0)
		snprintf(when, sizeof(when), "%" PRId64, f->start_ms);
	who(f, w, sizeof(w));
	append(line, sizeof(line), &off, "%s %s %s: %s: %s; %" PRIu64 " events", when,
	       incident__is_host(f) ? "host" : "cloud", f->rule_id, w, f->title, f->count);
	if (f->bytes)
		append(line, sizeof(line), &off, ", %" PRIu64 " bytes", f->bytes);
	if (f->bucket && *f->bucket)
		append(line, sizeof(line), &off, ", bucket %s", f->bucket);
	if (f->source_ip && *f->source_ip)
		append(line, sizeof(line), &off, ", from %s", f->source_ip);
	if (pre && *pre)
		append(line, sizeof(line), &off, ", process %s (pid %s)", ev_or(f, pre, "exe", "?"),
		       ev_or(f, pre, "pid", "?"));
	return strdup(line);
}

int incident__timeline(struct incident *in)
{
	size_t n = in->nfindings, keep = n <= GW_INCIDENT_MAX_TIMELINE ? n : GW_INCIDENT_MAX_TIMELINE - 1;
	char when[32];

	for (size_t i = 0; i < keep; i++) {
		if (!(in->timeline[i] = entry(in->findings[i])))
			return -ENOMEM;
		in->ntimeline++;
	}
	if (keep == n)
		return 0;
	if (iso8601__format(in->findings[n - 1]->start_ms, when, sizeof(when)) < 0)
		snprintf(when, sizeof(when), "%" PRId64, in->findings[n - 1]->start_ms);
	if (asprintf(&in->timeline[keep], "%s ... %zu more findings, the last %s", when, n - keep,
		     in->findings[n - 1]->rule_id) < 0) {
		in->timeline[keep] = NULL;
		return -ENOMEM;
	}
	in->ntimeline++;
	return 0;
}
