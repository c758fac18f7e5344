/* agent/lib: the HTTP servers' TLS (the collector, the audit webhook): PEM
 * files for libmicrohttpd (GnuTLS) and the collector's client certificate
 * check behind --client-ca. */
#ifndef GW_LIB_HTTP_TLS_H
#define GW_LIB_HTTP_TLS_H

#include <stddef.h>

#include <microhttpd.h>

#define TLS_PEM_MAX (1u << 20)

struct http_tls {
	char *cert, *key, *ca;   /* PEM text, NUL-terminated, owned; NULL: not set */
};

/* Read the PEM files (ca_file may be NULL). Returns 0, or a negative errno
 * with *bad set to the file at fault. */
int http_tls__load(struct http_tls *t, const char *cert_file, const char *key_file,
		   const char *ca_file, const char **bad);
/* Frees the PEM text; the key is wiped first. */
void http_tls__free(struct http_tls *t);

/* Does the connection's client present a certificate that chains to the
 * client CA and is valid now? 0 if so, -EACCES with why[whylen] otherwise. */
int http_tls__verify_client(struct MHD_Connection *conn, char *why, size_t whylen);

#endif
