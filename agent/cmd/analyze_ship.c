/* `gatewatch analyze --collector-url`: the findings of one analysis sent to
 * a gatewatch collector with the agent's shipping options (bearer token,
 * CA bundle, client certificate), as protobuf batches. */
#include "analyze.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/redact.h"
#include "lib/secret.h"
#include "ship/ship.h"

#define SHIP_ATTEMPTS 3

int analyze_ship__prepare(struct analyze_ship *s, const struct gw_config *c)
{
	const char *files[] = { c->ca_file, c->cert_file };
	size_t len;
	int err;

	memset(s, 0, sizeof(*s));
	ship_post_opts__defaults(&s->po);
	s->url = c->collector_url;
	if (!c->cert_file != !c->key_file) {
		log_err("--cert-file and --key-file go together");
		return -EINVAL;
	}
	/* secret_file__* name the file and the fault */
	if (c->token_file) {
		err = secret_file__read(c->token_file, s->token, sizeof(s->token), &len);
		if (err)
			return err;
		s->po.token = s->token;
	}
	if (c->key_file && (err = secret_file__check(c->key_file)) < 0)
		return err;
	for (size_t i = 0; i < 2; i++)
		if (files[i] && access(files[i], R_OK) != 0) {
			log_err("failed to open %s: %s", files[i], strerror(errno));
			return -errno;
		}
	s->po.ca_file = c->ca_file;
	s->po.cert_file = c->cert_file;
	s->po.key_file = c->key_file;
	return 0;
}

/* One batch per call of the encoder's bound; sequence numbers count up
 * from the current time in microseconds, unique for a one-shot command. */
int analyze_ship__send(const struct analyze_ship *s, const struct finding *const *fs, size_t n)
{
	char agent_id[160], shown[REDACT_MAX];
	struct batch_meta meta;
	uint8_t *buf = NULL;
	size_t len = 0, chunk = n, pos = 0;
	int err = 0;

	batch_meta__from_host(&meta);
	/* its own agent id: the daemon's spool on this host numbers its
	 * batches independently, and the collector deduplicates per agent */
	if ((size_t)snprintf(agent_id, sizeof(agent_id), "%s/analyze", meta.agent_id) < sizeof(agent_id))
		meta.agent_id = agent_id;
	meta.sequence = gw_wall_us();
	while (pos < n) {
		if (chunk > n - pos)
			chunk = n - pos;
		err = ship__encode_batch(&meta, fs + pos, chunk, &buf, &len);
		if (err == -E2BIG && chunk > 1) {
			chunk /= 2;
			continue;
		}
		if (err)
			break;
		err = ship__post_opts(s->url, buf, len, meta.sequence, SHIP_ATTEMPTS, &s->po);
		free(buf);
		buf = NULL;
		if (err)
			break;
		pos += chunk;
		meta.sequence++;
	}
	/* ship__post() has named the cause; this line says what it means here. */
	if (err)
		log_err("findings not delivered to %s (%zu of %zu sent): %s",
			redact__url(s->url, shown, sizeof(shown)), pos, n,
			err == -ETIMEDOUT ? "no acknowledgement" : strerror(-err));
	return err;
}

