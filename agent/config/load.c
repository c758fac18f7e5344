/* Loading the INI file: a regular file only (a FIFO or a device would hang
 * or feed the loader forever), no NUL byte in a line (C strings would cut
 * the value short), and no key set twice unless it is a list (the first
 * value would silently lose). Each refusal is one line naming the file and
 * the line. */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_priv.h"
#include "lib/log.h"

struct load_ctx {
	struct gw_config *c;
	const char *path;
	FILE *f;
	int lineno;               /* lines handed to inih so far */
	int nul_line;             /* the first line holding a NUL, or 0 */
	int *set_on;              /* per field: the line that set it, or 0 */
	char msg[512];
};

/* inih's line reader (fgets-like) that counts lines and stops at a NUL. */
static char *read_line(char *str, int num, void *stream)
{
	struct load_ctx *ctx = stream;
	int ch, n = 0;

	if (ctx->nul_line)
		return NULL;
	while (n < num - 1 && (ch = getc(ctx->f)) != EOF) {
		if (ch == '\0') {
			ctx->nul_line = ctx->lineno + 1;
			return NULL;
		}
		str[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	if (n == 0)
		return NULL;
	str[n] = '\0';
	if (str[n - 1] == '\n' || feof(ctx->f))
		ctx->lineno++;
	return str;
}

static const struct gw_config_field *find_key(const char *section, const char *name,
					      char *msg, size_t size)
{
	int known = 0;

	for (size_t i = 0; i < gw_config_nfields; i++)
		if (!strcmp(section, gw_config_fields[i].key.section) &&
		    !strcmp(name, gw_config_fields[i].key.name))
			return &gw_config_fields[i];
	for (size_t i = 0; i < gw_config_nfields; i++)
		known |= !strcmp(section, gw_config_fields[i].key.section);
	if (!section[0])
		snprintf(msg, size, "key '%s' outside of a [section]", name);
	else if (!known)
		snprintf(msg, size, "unknown section [%s]", section);
	else
		snprintf(msg, size, "unknown key '%s' in [%s]", name, section);
	return NULL;
}

static int on_ini_pair(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *ctx = user;
	const char *why = "invalid value", *to;
	const struct gw_config_field *f = gw_config_alias_field(section, name, &to);
	size_t i;
	int err;

	if (f)
		log_warn("%s:%d: [%s] %s is deprecated; use %s", ctx->path, ctx->lineno, section,
			 name, to);
	else
		f = find_key(section, name, ctx->msg, sizeof(ctx->msg));
	if (!f)
		return 0;
	i = (size_t)(f - gw_config_fields);
	if (f->key.type != GW_CFG_LIST && ctx->set_on[i]) {
		snprintf(ctx->msg, sizeof(ctx->msg), "[%s] %s set again (first on line %d); "
			 "keep one", section, name, ctx->set_on[i]);
		return 0;
	}
	ctx->set_on[i] = ctx->lineno;
	err = gw_config_set_field(ctx->c, f, value, &why);
	if (!err)
		return 1;
	if (err == -ENOMEM)
		ctx->c->oom = 1;
	if (is_url_key(f))
		snprintf(ctx->msg, sizeof(ctx->msg), "[%s] %s: %s", section, name, why);
	else
		snprintf(ctx->msg, sizeof(ctx->msg), "[%s] %s = '%s': %s", section, name, value, why);
	return 0;
}

/* Open path for reading without blocking on a FIFO; a regular file only. */
static FILE *open_regular(const char *path, struct stat *st, int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	FILE *f;

	if (fd < 0) {
		*err = -errno;
		log_err("failed to open %s: %s", path, strerror(errno));
		return NULL;
	}
	*err = -EINVAL;
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		log_err("%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	f = fdopen(fd, "r");
	if (!f) {
		*err = -errno;
		log_err("failed to read %s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

static int report(const struct load_ctx *ctx, const char *path, int rc)
{
	if (rc == -2 || ctx->c->oom) {
		log_err("%s: out of memory", path);
		return -ENOMEM;
	}
	if (ctx->nul_line) {
		log_err("%s:%d: a NUL byte in the line; refused", path, ctx->nul_line);
		return -EINVAL;
	}
	if (rc > 0) {
		log_err("%s:%d: %s", path, rc,
			ctx->msg[0] ? ctx->msg : "syntax error (expected [section] or key = value)");
		return -EINVAL;
	}
	if (rc < 0 || ferror(ctx->f)) {
		log_err("failed to read %s", path);
		return -EIO;
	}
	return 0;
}

int gw_config__load(struct gw_config *c, const char *path)
{
	struct load_ctx ctx = { .c = c, .path = path };
	struct stat st;
	int rc, err;

	ctx.f = open_regular(path, &st, &err);
	if (!ctx.f)
		return err;
	ctx.set_on = calloc(gw_config_nfields, sizeof(*ctx.set_on));
	if (!ctx.set_on) {
		log_err("%s: out of memory", path);
		fclose(ctx.f);
		return -ENOMEM;
	}
	/* Debian's inih exposes its build options at run time: long lines
	 * (SAS URLs) need a growing buffer; stop at the first error so that the
	 * line it returns is the one our message is about. */
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 65536;
	ini_stop_on_first_error = true;
	ini_allow_multiline = false;
	rc = ini_parse_stream(read_line, &ctx, on_ini_pair, &ctx);
	err = report(&ctx, path, rc);
	if (!err) {
		free(c->path);
		c->path = strdup(path);
		c->file_mode = st.st_mode;
		if (!c->path)
			err = -ENOMEM;
	}
	free(ctx.set_on);
	fclose(ctx.f);
	return err;
}
