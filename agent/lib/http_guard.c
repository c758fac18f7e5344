/* agent/lib: the HTTP servers' connection guard (see http.h). */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/http.h"

#define WATCH_MS 200

struct guard_conn {
	struct http_guard *g;
	size_t idx;                  /* in g->conns */
	int fd;
	struct sockaddr_storage addr;
	uint64_t start_ms;           /* the current request's start */
	bool received;               /* the current request arrived whole */
	bool cut;                    /* shut down by the watchdog */
};

struct http_guard {
	struct http_guard_opts o;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct guard_conn **conns;   /* o.max_conns + slack entries */
	size_t nconns, cap;
	bool stop;
	pthread_t watchdog;
	bool started;
	_Atomic size_t buffered;
	uint64_t refused, cut;
};

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (b->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return false;
}

enum MHD_Result http_guard__accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct http_guard *g = cls;
	unsigned int mine = 0;
	const char *why = NULL;

	(void)len;
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < g->nconns; i++)
		mine += same_host(&g->conns[i]->addr, addr);
	if (mine >= g->o.per_client)
		why = "connections per client";
	else if (g->nconns >= g->o.max_conns)
		why = "connections";
	else if (mine && g->nconns + g->o.reserve >= g->o.max_conns)
		why = "connections outside the reserve for new clients";
	if (why)
		g->refused++;
	pthread_mutex_unlock(&g->lock);
	if (why && http__log_ok())
		log_warn("refused a connection: too many %s", why);
	return why ? MHD_NO : MHD_YES;
}

static void conn_started(struct http_guard *g, struct MHD_Connection *conn, void **ctx)
{
	const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn,
							MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *ad = MHD_get_connection_info(conn,
							MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct guard_conn *gc = calloc(1, sizeof(*gc));

	if (!gc)
		return;   /* not tracked: the connection timeout still applies */
	gc->g = g;
	gc->fd = fd ? fd->connect_fd : -1;
	if (ad && ad->client_addr)
		memcpy(&gc->addr, ad->client_addr, ad->client_addr->sa_family == AF_INET6 ?
		       sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	gc->start_ms = (uint64_t)gw_mono_ms();
	pthread_mutex_lock(&g->lock);
	if (g->nconns < g->cap) {
		gc->idx = g->nconns;
		g->conns[g->nconns++] = gc;
		*ctx = gc;
		gc = NULL;
	}
	pthread_mutex_unlock(&g->lock);
	free(gc);
}

/* Runs before libmicrohttpd closes the socket, so the watchdog never shuts
 * down a descriptor that was reused. */
static void conn_closed(struct http_guard *g, void **ctx)
{
	struct guard_conn *gc = *ctx;

	if (!gc)
		return;
	pthread_mutex_lock(&g->lock);
	g->conns[gc->idx] = g->conns[--g->nconns];
	g->conns[gc->idx]->idx = gc->idx;
	pthread_mutex_unlock(&g->lock);
	free(gc);
	*ctx = NULL;
}

void http_guard__notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			enum MHD_ConnectionNotificationCode code)
{
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		conn_started(cls, conn, socket_context);
	else
		conn_closed(cls, socket_context);
}

static void set_received(struct MHD_Connection *conn, bool received)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
							MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct guard_conn *gc = ci ? ci->socket_context : NULL;

	if (!gc)
		return;
	pthread_mutex_lock(&gc->g->lock);
	gc->received = received;
	gc->start_ms = (uint64_t)gw_mono_ms();
	pthread_mutex_unlock(&gc->g->lock);
}

void http_guard__received(struct MHD_Connection *conn)
{
	set_received(conn, true);
}

void http_guard__next(struct MHD_Connection *conn)
{
	set_received(conn, false);
}

/* Shut down the sockets of requests past their deadline; libmicrohttpd
 * sees the end of the stream and closes the connection itself. */
static void *watchdog(void *arg)
{
	struct http_guard *g = arg;
	uint64_t limit = (uint64_t)g->o.deadline_s * 1000, now, cut;
	struct timespec ts;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += WATCH_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &ts);
		now = (uint64_t)gw_mono_ms();
		cut = 0;
		for (size_t i = 0; i < g->nconns; i++) {
			struct guard_conn *gc = g->conns[i];

			if (gc->received || gc->cut || gc->fd < 0 || now - gc->start_ms < limit)
				continue;
			shutdown(gc->fd, SHUT_RDWR);
			gc->cut = true;
			cut++;
		}
		g->cut += cut;
		if (cut && http__log_ok())
			log_warn("closed %llu connection(s): request not received whole within %u s",
				 (unsigned long long)cut, g->o.deadline_s);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct http_guard *http_guard__new(const struct http_guard_opts *o)
{
	struct http_guard *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return NULL;
	g->o = *o;
	/* Accepts racing on several threads may pass the check together. */
	g->cap = (size_t)o->max_conns + 64;
	g->conns = calloc(g->cap, sizeof(*g->conns));
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	err = g->conns ? pthread_create(&g->watchdog, NULL, watchdog, g) : ENOMEM;
	if (err) {
		http_guard__free(g);
		errno = err;
		return NULL;
	}
	g->started = true;
	return g;
}

void http_guard__free(struct http_guard *g)
{
	if (!g)
		return;
	if (g->started) {
		pthread_mutex_lock(&g->lock);
		g->stop = true;
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->watchdog, NULL);
	}
	for (size_t i = 0; i < g->nconns; i++)
		free(g->conns[i]);
	free(g->conns);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

void http_guard__stats(struct http_guard *g, uint64_t *refused, uint64_t *cut)
{
	pthread_mutex_lock(&g->lock);
	*refused = g->refused;
	*cut = g->cut;
	pthread_mutex_unlock(&g->lock);
}

int http_guard__take(struct http_guard *g, size_t n)
{
	size_t cur = atomic_load(&g->buffered);

	do {
		if (n > g->o.max_buffered - cur)
			return -ENOBUFS;
	} while (!atomic_compare_exchange_weak(&g->buffered, &cur, cur + n));
	return 0;
}

void http_guard__give(struct http_guard *g, size_t n)
{
	atomic_fetch_sub(&g->buffered, n);
}
