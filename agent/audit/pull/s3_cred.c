/* S3 credentials: the environment, then the shared credentials file. See
 * s3pull.h. The secrets are never logged. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "audit/pull/s3.h"
#include "lib/log.h"

struct ini_ctx {
	struct s3_cred *c;
	const char *profile;
	int too_long;
};

static int copy(char *dst, size_t size, const char *src)
{
	int n = snprintf(dst, size, "%s", src);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *x = user;
	int err = 0;

	if (strcmp(section, x->profile) != 0)
		return 1;
	if (strcmp(name, "aws_access_key_id") == 0)
		err = copy(x->c->access_key, sizeof(x->c->access_key), value);
	else if (strcmp(name, "aws_secret_access_key") == 0)
		err = copy(x->c->secret_key, sizeof(x->c->secret_key), value);
	else if (strcmp(name, "aws_session_token") == 0)
		err = copy(x->c->session_token, sizeof(x->c->session_token), value);
	if (err)
		x->too_long = 1;
	return 1;
}

static int from_file(struct s3_cred *c)
{
	const char *file = getenv("AWS_SHARED_CREDENTIALS_FILE"), *home = getenv("HOME");
	struct ini_ctx x = { .c = c, .profile = getenv("AWS_PROFILE") };
	char path[1024];
	FILE *f;
	int n, rc;

	if (!x.profile || !*x.profile)
		x.profile = "default";
	if (file && *file)
		n = snprintf(path, sizeof(path), "%s", file);
	else if (home && *home)
		n = snprintf(path, sizeof(path), "%s/.aws/credentials", home);
	else
		return 0;
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	rc = ini_parse_file(f, on_ini, &x);
	fclose(f);
	if (rc != 0 || x.too_long) {
		log_err("failed to read %s: %s", path, x.too_long ? "a value is too long" :
			"not an INI file");
		s3_cred__clear(c);
		return -EINVAL;
	}
	if (*c->access_key && !*c->secret_key) {
		log_err("%s: profile [%s] has no aws_secret_access_key", path, x.profile);
		s3_cred__clear(c);
		return -EINVAL;
	}
	copy(c->where, sizeof(c->where), "the shared credentials file");
	return 0;
}

int s3_cred__load(struct s3_cred *c)
{
	const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
	const char *tok = getenv("AWS_SESSION_TOKEN");

	memset(c, 0, sizeof(*c));
	if (ak && *ak) {
		if (!sk || !*sk) {
			log_err("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
			return -EINVAL;
		}
		if (copy(c->access_key, sizeof(c->access_key), ak) ||
		    copy(c->secret_key, sizeof(c->secret_key), sk) ||
		    copy(c->session_token, sizeof(c->session_token), tok ? tok : "")) {
			log_err("AWS credentials in the environment are too long");
			s3_cred__clear(c);
			return -EINVAL;
		}
		copy(c->where, sizeof(c->where), "the environment");
		return 0;
	}
	return from_file(c);
}

void s3_cred__clear(struct s3_cred *c)
{
	explicit_bzero(c, sizeof(*c));
}
