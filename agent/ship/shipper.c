/* agent/ship: the shipper, findings -> spool -> collector / OTLP (see ship.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "lib/metrics.h"
#include "ship/ship.h"
#include "ship/spool.h"
#include "ship/wire.h"

#define TOKEN_MAX 4096
#define RETRY_AFTER_CAP_MS 300000

struct shipper {
	struct shipper_opts o;
	char *state_dir;
	struct spool *sp;
	struct ship_conn *coll, *otlp;
	struct batch_meta meta;
	char agent_id[128];
	char token[TOKEN_MAX];
	/* findings not yet spooled */
	struct ship_batch *pending;
	int64_t pending_since;
	uint64_t pending_cursor;     /* input fully in pending or spool up to here */
	/* the oldest spooled batch, being sent */
	bool cur_loaded, coll_done, otlp_done;
	uint64_t cur_seq;
	uint8_t *cur;
	size_t cur_len;
	unsigned int failures;
	int64_t next_try;
	int64_t full_logged;         /* when "spool full" was last logged */
	char redirect_logged[512];   /* the last redirect target logged */
	unsigned int seed;
	struct shipper_stats st;
};

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void shipper_opts__defaults(struct shipper_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->batch_max = 64;
	o->batch_ms = 5000;
	o->spool_cap = 256ull << 20;
	o->connect_timeout_ms = 5000;
	o->timeout_ms = 30000;
	o->backoff_ms = 200;
	o->backoff_max_ms = 30000;
}

/* The token is the file's first line; the file should be 0600. */
static int connect_all(struct shipper *s)
{
	struct ship_post_opts po;

	ship_post_opts__defaults(&po);
	po.connect_timeout_ms = s->o.connect_timeout_ms;
	po.timeout_ms = s->o.timeout_ms;
	po.ca_file = s->o.ca_file;
	po.cert_file = s->o.cert_file;
	po.key_file = s->o.key_file;
	po.token = s->token[0] ? s->token : NULL;
	if (s->o.collector_url) {
		s->coll = ship_conn__new(s->o.collector_url, &po);
		if (!s->coll) {
			log_err("cannot use collector URL: %s", strerror(errno));
			return -errno;
		}
	}
	if (s->o.otlp_url) {
		po.token = NULL;    /* the collector's token is not the OTLP endpoint's */
		po.otlp = 1;
		s->otlp = ship_conn__new(s->o.otlp_url, &po);
		if (!s->otlp) {
			log_err("cannot use OTLP URL: %s", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

int shipper__new(const struct shipper_opts *o, struct shipper **out)
{
	struct shipper *s = calloc(1, sizeof(*s));
	char *spool_dir = NULL;
	size_t toklen;
	int err = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->o = *o;
	if (!o->state_dir || (!o->collector_url && !o->otlp_url) || !o->batch_max ||
	    o->batch_max > SHIP_MAX_FINDINGS) {
		err = -EINVAL;
		goto fail;
	}
	s->state_dir = strdup(o->state_dir);
	s->pending = ship_batch__new();
	if (!s->state_dir || !s->pending || asprintf(&spool_dir, "%s/spool", o->state_dir) < 0)
		goto fail;
	s->o.state_dir = s->state_dir;
	/* secret_file__* name the file and the fault */
	if (o->token_file && (err = secret_file__read(o->token_file, s->token, sizeof(s->token),
						      &toklen)) < 0)
		goto fail;
	if (o->key_file && (err = secret_file__check(o->key_file)) < 0)
		goto fail;
	batch_meta__from_host(&s->meta);
	if (o->agent_id) {
		ship__copy_str(s->agent_id, sizeof(s->agent_id), o->agent_id);
		s->meta.agent_id = s->agent_id;
	}
	if (mkdir(o->state_dir, 0700) != 0 && errno != EEXIST) {
		err = -errno;
		log_err("cannot create state directory %s: %s", o->state_dir, strerror(-err));
		goto fail;
	}
	err = spool__open(spool_dir, o->spool_cap, &s->sp);
	if (err) {
		log_err("cannot open spool %s: %s", spool_dir, strerror(-err));
		goto fail;
	}
	err = connect_all(s);
	if (err)
		goto fail;
	s->pending_cursor = spool__cursor(s->sp);
	s->seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	free(spool_dir);
	*out = s;
	return 0;
fail:
	free(spool_dir);
	shipper__free(s);
	return err;
}

static int send_due(struct shipper *s, int64_t deadline);

/* Spool one encoded batch. When the spool is full (its cap, or the disk),
 * the backlog is sent first to make room: new work must not wedge the old.
 * -ENOSPC when there is still no room; the findings then stay pending. */
static int put_or_send(struct shipper *s, uint64_t seq, uint64_t cursor, const uint8_t *buf,
		       size_t len)
{
	int err;

	if (!spool__fits(s->sp, len))
		send_due(s, 0);
	if (!spool__fits(s->sp, len) && s->o.drop_when_full &&
	    (err = spool__make_room(s->sp, len)) != 0)
		return err;
	err = spool__put(s->sp, seq, cursor, buf, len);
	if (err == -ENOSPC) {
		send_due(s, 0);
		err = spool__put(s->sp, seq, cursor, buf, len);
	}
	if (err == -ENOSPC && (!s->full_logged || gw_mono_ms() - s->full_logged >= 60000)) {
		s->full_logged = gw_mono_ms();
		log_err("spool full (%zu findings wait in memory): new findings are held until "
			"the collector takes the backlog", s->pending->nfindings);
	}
	return err;
}

/* Encode the pending findings as the next batch and spool it. */
static int spool_pending(struct shipper *s, uint64_t cursor)
{
	struct ship_batch *b = s->pending;
	uint64_t seq = spool__next_seq(s->sp);
	uint8_t *buf = NULL;
	size_t len = 0;
	int err;

	if (!b->nfindings && !b->nincidents)
		return 0;
	ship__copy_str(b->hdr.agent_id, sizeof(b->hdr.agent_id), s->meta.agent_id);
	ship__copy_str(b->hdr.hostname, sizeof(b->hdr.hostname), s->meta.hostname);
	ship__copy_str(b->hdr.boot_id, sizeof(b->hdr.boot_id), s->meta.boot_id);
	ship__copy_str(b->hdr.agent_version, sizeof(b->hdr.agent_version),
		       s->meta.agent_version);
	b->hdr.sequence = seq;
	err = ship_batch__encode(b, &buf, &len);
	if (!err)
		err = put_or_send(s, seq, cursor, buf, len);
	free(buf);
	if (err)
		return err;
	s->st.batches_spooled++;
	s->st.findings_spooled += b->nfindings;
	b->nfindings = b->nincidents = 0;
	return 0;
}

int shipper__submit(struct shipper *s, const struct finding *const *findings, size_t n,
		    uint64_t cursor)
{
	struct ship_batch *b = s->pending;
	int err;

	/* A call that fits in one batch stays in one batch: its cursor is
	 * then exact. When the pending batch cannot be spooled, nothing of
	 * this call is taken. */
	if ((b->nfindings >= s->o.batch_max || (n <= s->o.batch_max &&
	     b->nfindings + n > s->o.batch_max)) &&
	    (err = spool_pending(s, s->pending_cursor)) != 0)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (!b->nfindings)
			s->pending_since = gw_mono_ms();
		ship__finding_to_pb(findings[i], &b->findings[b->nfindings++]);
		if (b->nfindings < s->o.batch_max)
			continue;
		err = spool_pending(s, i == n - 1 ? cursor : s->pending_cursor);
		/* The last one fills the batch: all are taken, and the full
		 * batch waits in memory for room in the spool. */
		if (err == -ENOSPC && i == n - 1)
			break;
		if (err) {
			b->nfindings--;   /* this one was not taken */
			return err;
		}
	}
	s->pending_cursor = cursor;
	return 0;
}

int shipper__submit_incident(struct shipper *s, const struct incident *in, uint64_t revision)
{
	struct ship_batch *b = s->pending;
	int err;

	if (b->nincidents >= SHIP_MAX_INCIDENTS && (err = spool_pending(s, s->pending_cursor)) != 0)
		return err;
	if (!b->nfindings && !b->nincidents)
		s->pending_since = gw_mono_ms();
	ship__incident_to_pb(in, revision, &b->incidents[b->nincidents++]);
	return 0;
}

int shipper__flush(struct shipper *s)
{
	return spool_pending(s, s->pending_cursor);
}

uint64_t shipper__cursor(const struct shipper *s)
{
	return s->pending_cursor;
}

size_t shipper__backlog(const struct shipper *s)
{
	struct spool_stats st;

	spool__stats(s->sp, &st);
	return (size_t)st.batches + (s->pending->nfindings || s->pending->nincidents);
}

void shipper__stats(const struct shipper *s, struct shipper_stats *st)
{
	struct spool_stats ss;

	*st = s->st;
	spool__stats(s->sp, &ss);
	st->spool_batches = ss.batches;
	st->spool_bytes = ss.bytes;
	st->spool_dropped = ss.dropped;
	st->spool_corrupt = ss.corrupt;
}

static void drop_current(struct shipper *s)
{
	free(s->cur);
	s->cur = NULL;
	s->cur_loaded = false;
}

/* The current batch to the OTLP endpoint: decoded and re-encoded. */
static int send_otlp(struct shipper *s, char *why, size_t whylen, long *retry_after)
{
	struct ship_batch *b = NULL;
	const char *bad;
	uint8_t *body = NULL;
	size_t len = 0;
	int err = ship_batch__decode(s->cur, s->cur_len, &b, &bad);

	if (err == -EBADMSG) {
		snprintf(why, whylen, "spooled batch does not decode: %s", bad);
		err = -EPROTO;
	}
	if (!err)
		err = ship_otlp__encode(b, &body, &len);
	if (!err)
		err = ship_conn__post(s->otlp, body, len, s->cur_seq, why, whylen, retry_after);
	free(body);
	ship_batch__free(b);
	return err;
}

/* A batch the collector refused for good leaves the queue, kept as
 * rejected-SEQ.pb in the spool directory. 0, or an errno when it could not
 * be kept (then it stays queued). */
static int reject_current(struct shipper *s, const char *dest, const char *why)
{
	int err = spool__reject(s->sp, s->cur_seq, s->cur, s->cur_len);

	if (err)
		return err;
	log_err("batch %llu refused for good by %s (%s); kept as %s/spool/rejected-%020llu.pb",
		(unsigned long long)s->cur_seq, dest, why, s->state_dir,
		(unsigned long long)s->cur_seq);
	s->st.rejected++;
	s->failures = 0;
	return 0;
}

/* A redirect is reported once per target, at error level: it takes a
 * configuration change, and the findings wait in the spool meanwhile. */
static void note_redirect(struct shipper *s, const struct ship_conn *c)
{
	const char *loc = ship_conn__location(c);

	if (!loc[0] || strcmp(loc, s->redirect_logged) == 0)
		return;
	snprintf(s->redirect_logged, sizeof(s->redirect_logged), "%s", loc);
	log_err("%s answers HTTP %ld with a redirect to %s: not followed (fix the URL); "
		"findings stay in the spool", ship_conn__shown(c), ship_conn__status(c), loc);
}

static unsigned int backoff_ms(struct shipper *s, long retry_after)
{
	uint64_t ms = s->o.backoff_ms ? s->o.backoff_ms : 1;

	for (unsigned int i = 1; i < s->failures && ms < s->o.backoff_max_ms; i++)
		ms *= 2;
	if (ms > s->o.backoff_max_ms)
		ms = s->o.backoff_max_ms;
	/* Half fixed, half random: agents that lost the collector together do
	 * not come back together. */
	ms = ms / 2 + (uint64_t)rand_r(&s->seed) % (ms / 2 + 1);
	if (retry_after > 0)
		ms = (uint64_t)(retry_after > RETRY_AFTER_CAP_MS ? RETRY_AFTER_CAP_MS : retry_after);
	return (unsigned int)ms;
}

/* One attempt at the current batch: 0 when every destination has it, 1 when
 * it was refused for good (set aside), a negative errno to retry later. */
static int send_current(struct shipper *s)
{
	char why[256] = "";
	long retry_after = 0;
	int err = 0;
	const char *dest = "";

	if (!s->coll_done) {
		dest = ship_conn__shown(s->coll);
		err = ship_conn__post(s->coll, s->cur, s->cur_len, s->cur_seq, why, sizeof(why),
				      &retry_after);
		s->coll_done = err == 0;
		note_redirect(s, s->coll);
	}
	if (!err && !s->otlp_done) {
		dest = ship_conn__shown(s->otlp);
		err = send_otlp(s, why, sizeof(why), &retry_after);
		s->otlp_done = err == 0;
		note_redirect(s, s->otlp);
	}
	if (!err) {
		if (s->failures)
			log_info("batch %llu delivered after %u failed attempts",
				 (unsigned long long)s->cur_seq, s->failures);
		s->failures = 0;
		return 0;
	}
	/* Only the collector's explicit refusal of this batch retires it
	 * (-EPROTO); every other answer keeps it and tries again later. */
	if (err == -EPROTO && reject_current(s, dest, why) == 0)
		return 1;
	s->failures++;
	s->st.retries++;
	s->next_try = gw_mono_ms() + backoff_ms(s, retry_after);
	/* Once per doubling: 1, 2, 4, 8... failures in a row. */
	if ((s->failures & (s->failures - 1)) == 0)
		log_warn("batch %llu to %s: %s (%u failed attempts, kept in the spool)",
			 (unsigned long long)s->cur_seq, dest, why, s->failures);
	return err;
}

/* Send spooled batches, oldest first, until the spool is empty or the
 * deadline passes. The number acknowledged, or a negative errno when the
 * spool cannot be read. */
static int send_due(struct shipper *s, int64_t deadline)
{
	int acked = 0, err, rc;
	int64_t now;

	for (;;) {
		if (!s->cur_loaded) {
			err = spool__oldest(s->sp, &s->cur_seq, &s->cur, &s->cur_len);
			if (err == -ENOENT)
				break;
			if (err)
				return err;
			s->cur_loaded = true;
			s->coll_done = !s->coll;
			s->otlp_done = !s->otlp;
		}
		now = gw_mono_ms();
		if (now < s->next_try) {
			if (now >= deadline)
				break;
			sleep_ms((s->next_try < deadline ? s->next_try : deadline) - now);
			continue;
		}
		rc = send_current(s);
		if (rc < 0)
			continue;
		err = rc == 0 ? spool__remove(s->sp, s->cur_seq) : 0;
		drop_current(s);
		if (err)
			return err;
		if (rc == 0) {
			s->st.batches_sent++;
			acked++;
		}
	}
	return acked;
}

/* The gatewatch_ship_* metrics: what waits, what was refused, the last
 * answer of each destination. */
static void export_metrics(const struct shipper *s)
{
	struct shipper_stats st;

	shipper__stats(s, &st);
	metrics__set(M_SHIP_PENDING_BATCHES, NULL, (double)shipper__backlog(s));
	metrics__set(M_SHIP_PENDING_BYTES, NULL, (double)st.spool_bytes);
	metrics__set(M_SHIP_REJECTED, NULL, (double)st.rejected);
	metrics__set(M_SHIP_DROPPED, NULL, (double)st.spool_dropped);
	metrics__set(M_SHIP_SENT, NULL, (double)st.batches_sent);
	metrics__set(M_SHIP_RETRIES, NULL, (double)st.retries);
	if (s->coll)
		metrics__set(M_SHIP_LAST_STATUS, "destination=\"collector\"",
			     (double)ship_conn__status(s->coll));
	if (s->otlp)
		metrics__set(M_SHIP_LAST_STATUS, "destination=\"otlp\"",
			     (double)ship_conn__status(s->otlp));
}

int shipper__pump(struct shipper *s, int timeout_ms)
{
	int64_t deadline = gw_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int acked, more, err;

	/* The backlog first: a full spool must not keep new findings from
	 * going out, nor old ones. */
	acked = send_due(s, deadline);
	if (acked >= 0 && s->pending->nfindings &&
	    gw_mono_ms() - s->pending_since >= (int64_t)s->o.batch_ms) {
		err = shipper__flush(s);
		if (err && err != -ENOSPC)
			acked = err;
		more = err ? 0 : send_due(s, deadline);
		if (more < 0 || (more > 0 && acked >= 0))
			acked = more < 0 ? more : acked + more;
	}
	export_metrics(s);
	return acked;
}

void shipper__free(struct shipper *s)
{
	if (!s)
		return;
	if (s->sp && s->pending && shipper__flush(s) != 0)
		log_err("%zu findings could not be spooled", s->pending->nfindings);
	drop_current(s);
	ship_conn__free(s->coll);
	ship_conn__free(s->otlp);
	spool__close(s->sp);
	ship_batch__free(s->pending);
	explicit_bzero(s->token, sizeof(s->token));
	free(s->state_dir);
	free(s);
}
