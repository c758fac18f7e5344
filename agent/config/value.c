/* See config_priv.h: one value of a key, checked for its syntax and stored
 * in the configuration (gw_config_set_field), for the INI loader and the
 * flags alike. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit/audit.h"
#include "config_priv.h"
#include "detect/detect.h"
#include "lib/io.h"
#include "lib/tz.h"

void gw_config_clear_field(struct gw_config *c, const struct gw_config_field *f)
{
	if (f->key.type == GW_CFG_LIST) {
		char **v = str_at(c, f);
		size_t *n = count_at(c, f);

		for (size_t i = 0; i < *n; i++) {
			free(v[i]);
			v[i] = NULL;
		}
		*n = 0;
	} else if (f->key.type == GW_CFG_STR) {
		free(*str_at(c, f));
		*str_at(c, f) = NULL;
	}
}

/* ---- syntactic checks of one value; *why gets a reason on failure ---- */

static int check_abs_path(const char *v, const char **why)
{
	if (v[0] != '/') {
		*why = "expected an absolute path (a relative one only as a flag)";
		return -EINVAL;
	}
	if (strlen(v) >= PATH_MAX) {
		*why = "path too long";
		return -EINVAL;
	}
	return 0;
}

static int check_url(const char *v, const char **why)
{
	const char *host;

	if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else {
		*why = "expected an http:// or https:// URL";
		return -EINVAL;
	}
	if (!host[0] || host[0] == '/') {
		*why = "URL has no host";
		return -EINVAL;
	}
	return 0;
}

/* The audit stage's own SOURCE grammar, and a path the daemon can find
 * whatever its working directory. */
static int check_source(const char *v, const char **why)
{
	struct audit_spec s;
	int err = audit_spec__parse(v, &s);

	if (err == -EPROTONOSUPPORT) {
		*why = "unsupported URL scheme (known: s3://, gs://, https://)";
		return -EINVAL;
	}
	if (err) {
		*why = "unknown format prefix (known: cloudtrail, s3access, gcs, azure, "
		       "azure-activity, minio)";
		return -EINVAL;
	}
	if (s.url)
		return strstr(s.path, "://")[3] ? 0 : (*why = "URL has no bucket", -EINVAL);
	if (s.path[0] == '/')
		return check_abs_path(s.path, why);
	*why = "expected [FORMAT:] and an absolute path or a s3://, gs:// or https:// URL "
	       "(a relative path only as a flag, from the current directory)";
	return -EINVAL;
}

/* "HOST:PORT" or "[V6]:PORT" with a loopback HOST. */
static int check_listen(const char *v, const char **why)
{
	struct sockaddr_storage ss;
	int err = io__parse_listen(v, IO_LISTEN_LOOPBACK, &ss);

	if (err == -EADDRNOTAVAIL) {
		*why = "only a loopback address is accepted (127.0.0.0/8, [::1] or localhost)";
		return -EINVAL;
	}
	if (err || ((struct sockaddr_in *)&ss)->sin_port == 0) {
		*why = "expected HOST:PORT or [V6]:PORT";
		return -EINVAL;
	}
	return 0;
}

static int check_ip(const char *v, const char **why)
{
	char ip[INET6_ADDRSTRLEN];
	const char *slash = strchr(v, '/');
	size_t n = slash ? (size_t)(slash - v) : strlen(v);
	unsigned char buf[sizeof(struct in6_addr)];
	unsigned long len, max;
	char *end;

	*why = "expected an IPv4 or IPv6 address, optionally /prefix-length";
	if (n == 0 || n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, v, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, buf) == 1)
		max = 32;
	else if (inet_pton(AF_INET6, ip, buf) == 1)
		max = 128;
	else
		return -EINVAL;
	if (!slash)
		return 0;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end || errno || len > max)
		return -EINVAL;
	return 0;
}

static int check_token(const char *v, size_t min, size_t max, const char **why)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] == 0x7f) {
			*why = "contains whitespace or a control character";
			return -EINVAL;
		}
	if (n < min || n > max) {
		*why = "length out of range";
		return -EINVAL;
	}
	return 0;
}

static int check_value(const struct gw_config_field *f, const char *v, const char **why)
{
	switch (f->chk) {
	case CHK_DIR:
	case CHK_FILE:
	case CHK_SECRET:
		return check_abs_path(v, why);
	case CHK_SOURCE:
		return check_source(v, why);
	case CHK_URL:
		return check_url(v, why);
	case CHK_LISTEN:
		return check_listen(v, why);
	case CHK_ADDR:
		if (io__parse_listen(v, 0, &(struct sockaddr_storage){ 0 }) < 0) {
			*why = "expected ADDR:PORT or [V6]:PORT with a numeric address";
			return -EINVAL;
		}
		return 0;
	case CHK_LEVEL:
		if (strcmp(v, "error") && strcmp(v, "warning") && strcmp(v, "info") &&
		    strcmp(v, "debug")) {
			*why = "expected error, warning, info or debug";
			return -EINVAL;
		}
		return 0;
	case CHK_IP:
		return check_ip(v, why);
	case CHK_EXE:
		if (v[0] != '/' && strchr(v, '/')) {
			*why = "expected an absolute path or a bare process name";
			return -EINVAL;
		}
		return check_token(v, 1, PATH_MAX - 1, why);
	case CHK_KEYID:
		return check_token(v, 3, 128, why);
	case CHK_TZ: {
		struct gw_tz *tz;
		int err = gw_tz__load(v, &tz, why);

		gw_tz__free(tz);
		return err == -ENOMEM ? -ENOMEM : err ? -EINVAL : 0;
	}
	case CHK_SCOPE:
		if (strcmp(v, "all") && strcmp(v, "gateway")) {
			*why = "expected all or gateway";
			return -EINVAL;
		}
		return 0;
	case CHK_NONE:
		break;
	}
	return 0;
}

/* ---- setting one key ---- */

static int set_uint(struct gw_config *c, const struct gw_config_field *f, const char *v, const char **why)
{
	unsigned long long n;
	char *end;

	errno = 0;
	if (v[0] < '0' || v[0] > '9') {
		*why = "expected a number";
		return -EINVAL;
	}
	n = strtoull(v, &end, 10);
	if (*end) {
		*why = "expected a number";
		return -EINVAL;
	}
	if (errno || n < f->min || n > f->max) {
		*why = "number out of range";
		return -EINVAL;
	}
	*uint_at(c, f) = (unsigned)n;
	return 0;
}

static int set_str(struct gw_config *c, const struct gw_config_field *f, const char *v, const char **why)
{
	char *dup;
	int err;

	if (!v[0]) {
		if (f->key.def[0]) {
			*why = "must not be empty";
			return -EINVAL;
		}
		gw_config_clear_field(c, f);
		return 0;
	}
	err = check_value(f, v, why);
	if (err)
		return err;
	dup = strdup(v);
	if (!dup) {
		*why = "out of memory";
		return -ENOMEM;
	}
	free(*str_at(c, f));
	*str_at(c, f) = dup;
	return 0;
}

/* Comma-separated items, each trimmed; appends. An empty value clears. */
static int set_list(struct gw_config *c, const struct gw_config_field *f, const char *v, const char **why)
{
	char **arr = str_at(c, f);
	size_t *n = count_at(c, f);
	const char *p = v;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p) {
		gw_config_clear_field(c, f);
		return 0;
	}
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *item;
		int err;

		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len) {
			if (*n >= f->cap) {
				*why = "too many values";
				return -EINVAL;
			}
			item = strndup(p, len);
			if (!item) {
				*why = "out of memory";
				return -ENOMEM;
			}
			err = check_value(f, item, why);
			if (err) {
				free(item);
				return err;
			}
			arr[(*n)++] = item;
		}
		if (!end)
			break;
		p = end + 1;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	return 0;
}

int gw_config_set_field(struct gw_config *c, const struct gw_config_field *f, const char *v,
			const char **why)
{
	switch (f->key.type) {
	case GW_CFG_UINT:
		return set_uint(c, f, v, why);
	case GW_CFG_STR:
		return set_str(c, f, v, why);
	case GW_CFG_LIST:
		return set_list(c, f, v, why);
	}
	return -EINVAL;
}
