/* The correlator's known clients: a bounded set of addresses with the time
 * each was last seen, kept across restarts in a small text file. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "correlate_priv.h"
#include "lib/log.h"
#include "state/atomic.h"

#define NSLOTS (CORR_MAX_CLIENTS * 2)

static size_t slot_of(const char *addr)
{
	uint64_t h = 1469598103934665603ull;

	for (; *addr; addr++) {
		h ^= (unsigned char)*addr;
		h *= 1099511628211ull;
	}
	return (size_t)(h % NSLOTS);
}

/* Make room by forgetting the client seen longest ago (rare: the set is full). */
static void evict_oldest(struct correlator *c)
{
	size_t oldest = NSLOTS;
	struct corr_client *t = c->clients;

	for (size_t i = 0; i < NSLOTS; i++)
		if (t[i].last_ms && (oldest == NSLOTS || t[i].last_ms < t[oldest].last_ms))
			oldest = i;
	if (oldest == NSLOTS)
		return;
	/* re-insert the run after the hole so that probing still finds it */
	t[oldest].last_ms = 0;
	c->nclients--;
	c->stats.dropped++;
	for (size_t i = (oldest + 1) % NSLOTS; t[i].last_ms; i = (i + 1) % NSLOTS) {
		struct corr_client moved = t[i];

		t[i].last_ms = 0;
		c->nclients--;
		corr_client_seen(c, moved.addr, moved.last_ms);
	}
}

int64_t corr_client_seen(struct correlator *c, const char *addr, int64_t now_ms)
{
	struct corr_client *t = c->clients;
	size_t i;
	int64_t last;

	if (strlen(addr) >= sizeof(t[0].addr) || now_ms <= 0)
		return 0;
	for (i = slot_of(addr); t[i].last_ms; i = (i + 1) % NSLOTS) {
		if (strcmp(t[i].addr, addr) == 0) {
			last = t[i].last_ms;
			if (now_ms > last)
				t[i].last_ms = now_ms;
			return last;
		}
	}
	if (c->nclients >= CORR_MAX_CLIENTS) {
		evict_oldest(c);
		return corr_client_seen(c, addr, now_ms);
	}
	snprintf(t[i].addr, sizeof(t[i].addr), "%s", addr);
	t[i].last_ms = now_ms;
	c->nclients++;
	return 0;
}

/* "endpoint ADDR PORT": a storage endpoint the gateway talks to. */
static void load_endpoint(struct correlator *c, const char *rest)
{
	const char *sp = strchr(rest, ' ');
	unsigned long port;
	char *end;

	if (!sp || (size_t)(sp - rest) >= sizeof(c->endpoints[0].addr) ||
	    c->nendpoints == CORR_MAX_ENDPOINTS)
		return;
	port = strtoul(sp + 1, &end, 10);
	if (port == 0 || port > 65535 || (*end && *end != '\n'))
		return;
	memcpy(c->endpoints[c->nendpoints].addr, rest, (size_t)(sp - rest));
	c->endpoints[c->nendpoints].addr[sp - rest] = '\0';
	c->endpoints[c->nendpoints++].port = (uint16_t)port;
}

int correlator__load(struct correlator *c, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[512], addr[64];
	unsigned lineno = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' '), *end;
		long long v;

		lineno++;
		if (!sp || (size_t)(sp - line) >= sizeof(addr)) {
			log_warn("%s:%u: not a client line; skipped", path, lineno);
			continue;
		}
		memcpy(addr, line, (size_t)(sp - line));
		addr[sp - line] = '\0';
		if (strcmp(addr, "endpoint") == 0) {
			load_endpoint(c, sp + 1);
			continue;
		}
		if (strcmp(addr, "proc") == 0) {
			corr_proc_load(c, sp + 1);
			continue;
		}
		errno = 0;
		v = strtoll(sp + 1, &end, 10);
		if (errno || (*end && *end != '\n') || v <= 0) {
			log_warn("%s:%u: bad time; skipped", path, lineno);
			continue;
		}
		if (strcmp(addr, "created") == 0)
			c->created_ms = v;
		else
			corr_client_seen(c, addr, v);
	}
	fclose(f);
	return 0;
}

static int write_state(FILE *f, const void *ctx)
{
	const struct correlator *c = ctx;

	fprintf(f, "created %" PRId64 "\n", c->created_ms);
	for (size_t i = 0; i < c->nendpoints; i++)
		fprintf(f, "endpoint %s %u\n", c->endpoints[i].addr, c->endpoints[i].port);
	corr_proc_save(c, f);
	for (size_t i = 0; i < NSLOTS; i++)
		if (c->clients[i].last_ms)
			fprintf(f, "%s %" PRId64 "\n", c->clients[i].addr, c->clients[i].last_ms);
	return ferror(f) ? -EIO : 0;
}

int correlator__save(const struct correlator *c, const char *path)
{
	return atomic_write(path, 0600, write_state, c);
}
