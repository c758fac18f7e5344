/* agent/collect: the collector command's own state (server.c, args.c). */
#ifndef GW_COLLECT_SERVER_PRIV_H
#define GW_COLLECT_SERVER_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "collect/collect.h"
#include "lib/http_tls.h"
#include "collect/view.h"

#define COLLECT_DEFAULT_MAX_BODY (8u << 20)
#define COLLECT_TOKEN_MAX 4096

struct collector {
	struct store *store;
	struct dedup *dedup;
	struct view *view;        /* findings per id, incidents per id (view.h) */
	struct arrivals *arrivals;
	uint64_t nbatches;        /* batches in the store */
	const char *store_dir;
	size_t max_view;          /* --max-entries */
	struct http_guard *guard;
	pthread_mutex_t lock;     /* dedup check + append + mark + view, as one step */
	char token[COLLECT_TOKEN_MAX];
	size_t token_len;         /* 0: no token required */
	size_t max_body;
	unsigned int threads;
	struct http_guard_opts go;
	struct http_tls tls;   /* PEM text when serving HTTPS */
	bool client_cert;         /* --client-ca: every request needs a valid one */
	_Atomic unsigned long long stored, duplicates, invalid, conflicts, busy;
};

struct collect_args {
	const char *listen, *store, *token_file;
	const char *tls_cert, *tls_key, *client_ca;
	struct sockaddr_storage addr;
};

/* Fill a and c from the command line (c holds the defaults). Returns -1 to
 * go on, or the exit status (usage errors logged). */
int collect_args__parse(int argc, char **argv, struct collect_args *a, struct collector *c);
void collect_args__defaults(struct collector *c);

#endif
