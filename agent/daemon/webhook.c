/* agent/daemon: the MinIO audit webhook's glue: start the listener, replay
 * what was consumed before a restart, drain its queue each turn (see
 * daemon_priv.h). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "daemon_priv.h"
#include "audit/listen/listen.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/strpool.h"

/* One queued webhook body: its entries join the events to feed. */
static void hook_body(char *buf, size_t len, void *ctx)
{
	struct daemon *d = ctx;
	struct audit_stats st = { 0 };

	if (audit_minio__read("audit webhook", buf, len, d->pool, daemon__keep_event, d, &st) < 0)
		log_warn("audit webhook: out of memory; some entries of a request are lost");
	d->hook_requests++;
	d->hook_entries += st.events;
	d->ast.events += st.events;
	d->ast.skipped += st.skipped;
	d->ast.records += st.records;
	metrics__add(M_LISTEN_RECEIVED, NULL, (double)st.records);
	metrics__add(M_LISTEN_DUPLICATED, NULL, (double)st.duplicates);
	metrics__add(M_SKIPPED, "source=\"webhook\"", (double)st.skipped);
	metrics__add(M_EVENTS, "source=\"webhook\"", (double)st.events);
}

/* The webhook's queue, drained each turn of the loop: no pull delay. */
void daemon__drain_webhook(struct daemon *d)
{
	uint64_t entries = d->hook_entries, end;
	struct journal *j = d->listener ? audit_listen__journal(d->listener) : NULL;
	int n, err;

	if (!j)
		return;
	n = journal__drain(j, hook_body, d, &end);
	if (n < 0)
		log_warn("audit webhook: cannot read the queue: %s", strerror(-n));
	if (n > 0) {
		/* fed first, then marked consumed: a crash between reads them again */
		daemon__feed(d);
		log_debug("audit webhook: %d requests, %" PRIu64 " entries fed", n,
			  d->hook_entries - entries);
	}
	err = journal__commit(j, end);
	if (err)
		log_warn("audit webhook: cannot save the queue's offset: %s", strerror(-err));
	metrics__set(M_LISTEN_QUEUE_BYTES, NULL, (double)journal__pending(j));
}

static int forget_event(const struct audit_event *ev, void *ctx)
{
	(void)ev;
	(void)ctx;
	return 0;
}

/* Entries consumed before a restart: their ids only, so that a retry is
 * still known as a duplicate. */
static void remember_body(char *buf, size_t len, void *ctx)
{
	struct daemon *d = ctx;
	struct audit_stats st = { 0 };

	audit_minio__read("audit webhook (consumed)", buf, len, d->pool, forget_event, d, &st);
}

int daemon__open_webhook(struct daemon *d)
{
	struct audit_listen_opts o;
	struct strpool *fresh;
	int err;

	if (!d->cfg->audit_listen)
		return 0;
	audit_listen_opts__defaults(&o);
	o.listen = d->cfg->audit_listen;
	o.token_file = d->cfg->audit_listen_token_file;
	o.tls_cert = d->cfg->audit_listen_tls_cert;
	o.tls_key = d->cfg->audit_listen_tls_key;
	o.state_dir = d->cfg->state_dir;
	o.max_body = (size_t)d->cfg->audit_listen_max_body_kb << 10;
	o.max_queue = (uint64_t)d->cfg->audit_listen_queue_mb << 20;
	o.deadline_s = d->cfg->audit_listen_deadline_sec;
	if (o.max_buffered < 2 * o.max_body)
		o.max_buffered = 2 * o.max_body;
	err = audit_listen__start(&o, &d->listener);
	if (err)
		return err;
	metrics__describe(M_LISTEN_RECEIVED, "counter", "MinIO audit entries read from the webhook's queue");
	metrics__describe(M_LISTEN_REFUSED, "counter", "webhook requests refused, by reason");
	metrics__describe(M_LISTEN_DUPLICATED, "counter", "webhook entries dropped as retries");
	metrics__describe(M_LISTEN_QUEUED, "counter", "webhook requests durably queued");
	err = journal__replay_consumed(audit_listen__journal(d->listener), remember_body, d);
	if (err)
		log_warn("audit webhook: cannot read the consumed queue: %s; retries of entries "
			 "read before this start may count twice", strerror(-err));
	fresh = strpool__new();
	if (fresh) {
		strpool__free(d->pool);
		d->pool = fresh;
	}
	return 0;
}
