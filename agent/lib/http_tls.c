/* agent/lib: the HTTP servers' TLS (see http_tls.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "lib/http_tls.h"

static int read_pem(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n;
	int err = -ENOMEM;

	if (!f)
		return -errno;
	buf = malloc(TLS_PEM_MAX + 1);
	if (!buf)
		goto out;
	n = fread(buf, 1, TLS_PEM_MAX + 1, f);
	err = ferror(f) ? -EIO : n > TLS_PEM_MAX ? -EFBIG : !n ? -ENODATA : 0;
	if (err)
		goto out;
	buf[n] = '\0';
	if (!strstr(buf, "-----BEGIN ")) {
		err = -EINVAL;
		goto out;
	}
	*out = buf;
	buf = NULL;
out:
	if (buf)
		explicit_bzero(buf, TLS_PEM_MAX + 1);
	free(buf);
	fclose(f);
	return err;
}

int http_tls__load(struct http_tls *t, const char *cert_file, const char *key_file,
		   const char *ca_file, const char **bad)
{
	int err;

	*bad = cert_file;
	err = read_pem(cert_file, &t->cert);
	if (!err) {
		*bad = key_file;
		err = read_pem(key_file, &t->key);
	}
	if (!err && ca_file) {
		*bad = ca_file;
		err = read_pem(ca_file, &t->ca);
	}
	if (err)
		http_tls__free(t);
	return err;
}

void http_tls__free(struct http_tls *t)
{
	if (t->key)
		explicit_bzero(t->key, strlen(t->key));
	free(t->key);
	free(t->cert);
	free(t->ca);
	t->key = t->cert = t->ca = NULL;
}

int http_tls__verify_client(struct MHD_Connection *conn, char *why, size_t whylen)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_datum_t txt = { NULL, 0 };
	unsigned int status = 0;
	int rc;

	if (!ci || !ci->tls_session) {
		snprintf(why, whylen, "no TLS session");
		return -EACCES;
	}
	rc = gnutls_certificate_verify_peers2((gnutls_session_t)ci->tls_session, &status);
	if (rc == GNUTLS_E_NO_CERTIFICATE_FOUND) {
		snprintf(why, whylen, "no client certificate");
		return -EACCES;
	}
	if (rc < 0) {
		snprintf(why, whylen, "client certificate: %s", gnutls_strerror(rc));
		return -EACCES;
	}
	if (status == 0)
		return 0;
	if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &txt, 0) == 0) {
		snprintf(why, whylen, "client certificate refused: %s", (const char *)txt.data);
		gnutls_free(txt.data);
	} else {
		snprintf(why, whylen, "client certificate refused (status 0x%x)", status);
	}
	return -EACCES;
}
