/* See config.h: semantic checks of a configuration against the system, and
 * reading secrets from files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_priv.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "lib/redact.h"

static void check_fail(const struct gw_config *c, const struct gw_config_field *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check_fail(const struct gw_config *c, const struct gw_config_field *f, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("%s: [%s] %s: %s", c->path ? c->path : "command line", f->key.section,
		f->key.name, msg);
}

static int check_path(const struct gw_config *c, const struct gw_config_field *f, const char *p)
{
	char why[SECRET_WHY_MAX];
	struct stat st;

	if (stat(p, &st)) {
		if (errno == ENOENT && f->chk == CHK_DIR && f->key.type == GW_CFG_STR) {
			/* The daemon creates its state directory; its parent must exist. */
			char parent[PATH_MAX];
			char *slash;

			snprintf(parent, sizeof(parent), "%s", p);
			slash = strrchr(parent, '/');
			if (slash && slash != parent)
				*slash = '\0';
			if (!stat(parent, &st) && S_ISDIR(st.st_mode))
				return 0;
			errno = ENOENT;
		}
		check_fail(c, f, "%s: %s", p, strerror(errno));
		return -EINVAL;
	}
	if (f->chk == CHK_DIR && !S_ISDIR(st.st_mode)) {
		check_fail(c, f, "%s: not a directory", p);
		return -EINVAL;
	}
	if (f->chk == CHK_FILE && !S_ISREG(st.st_mode)) {
		check_fail(c, f, "%s: not a regular file", p);
		return -EINVAL;
	}
	if (access(p, R_OK)) {
		check_fail(c, f, "%s: %s", p, strerror(errno));
		return -EINVAL;
	}
	/* the rule every reader of a secret applies (collect, ship, run) */
	if (f->chk == CHK_SECRET && secret_file__judge(p, why, sizeof(why)) < 0) {
		check_fail(c, f, "%s", why);
		return -EINVAL;
	}
	return 0;
}

/* The local path of an audit source, or NULL for a bucket URL. */
static const char *source_path(const char *v)
{
	const char *colon = strchr(v, ':');

	if (v[0] == '/')
		return v;
	if (colon && colon[1] == '/' && colon[2] != '/')
		return colon + 1;
	return NULL;
}

static int check_field(const struct gw_config *c, const struct gw_config_field *f, int *secret)
{
	const char *const *v;
	size_t n;
	int err = 0;

	if (f->key.type == GW_CFG_UINT)
		return 0;   /* checked when set; no string behind it */
	v = cstr_at(c, f);
	n = f->key.type == GW_CFG_LIST ? ccount_at(c, f) : (*v ? 1 : 0);

	for (size_t i = 0; i < n; i++) {
		const char *p = v[i];

		if (is_url_key(f) && redact__has_secret(p))
			*secret = 1;
		if (f->chk == CHK_SOURCE)
			p = source_path(p);
		if (p && (f->chk == CHK_DIR || f->chk == CHK_FILE || f->chk == CHK_SECRET ||
			  f->chk == CHK_SOURCE) && check_path(c, f, p))
			err = -EINVAL;
	}
	return err;
}

int gw_config__has_work(const struct gw_config *c)
{
	return c->nroots > 0 || c->naudit > 0 || (c->audit_listen && *c->audit_listen);
}

int gw_config__check(const struct gw_config *c)
{
	int err = 0, secret = 0;

	if (c->oom || !c->state_dir || !c->log_level) {
		log_err("configuration: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < gw_config_nfields; i++)
		if (check_field(c, &gw_config_fields[i], &secret))
			err = -EINVAL;
	if (c->business_start_hour == c->business_end_hour) {
		log_err("%s: [detect] business_start_hour (%u) and business_end_hour (%u) are the same hour",
			c->path ? c->path : "command line", c->business_start_hour,
			c->business_end_hour);
		err = -EINVAL;
	}
	if (!c->cert_file != !c->key_file) {
		log_err("%s: [ship] %s: cert_file and key_file go together",
			c->path ? c->path : "command line", c->cert_file ? "key_file" : "cert_file");
		err = -EINVAL;
	}
	if (!c->audit_listen_tls_cert != !c->audit_listen_tls_key) {
		log_err("%s: [audit] %s: listen_tls_cert and listen_tls_key go together",
			c->path ? c->path : "command line",
			c->audit_listen_tls_cert ? "listen_tls_key" : "listen_tls_cert");
		err = -EINVAL;
	}
	if (c->scope && strcmp(c->scope, "gateway") == 0 && !c->ngateway_keys &&
	    !c->ngateway_ips && !c->ngateway_buckets && !c->nroots) {
		log_err("%s: [audit] scope: gateway needs [gateway] access_keys, ips or buckets "
			"(or [sensor] roots) to know which events touch the gateway",
			c->path ? c->path : "command line");
		err = -EINVAL;
	}
	if (c->path && (c->file_mode & S_IWOTH)) {
		log_err("%s: world-writable (mode %04o); chmod o-w it", c->path,
			(unsigned)(c->file_mode & 07777));
		err = -EINVAL;
	}
	if (c->path && secret && (c->file_mode & S_IROTH)) {
		log_err("%s: holds a secret (credentials in a URL) but is world-readable "
			"(mode %04o); chmod o-r it", c->path, (unsigned)(c->file_mode & 07777));
		err = -EINVAL;
	}
	return err;
}
