/* Internal to agent/config: the key table and its accessors. */
#ifndef GW_CONFIG_PRIV_H
#define GW_CONFIG_PRIV_H

#include <stddef.h>

#include "config.h"

enum val_check {
	CHK_NONE,
	CHK_DIR,       /* absolute path */
	CHK_FILE,      /* absolute path */
	CHK_SECRET,    /* absolute path of a file holding a secret */
	CHK_SOURCE,    /* audit source: [cloud:]PATH or URL */
	CHK_URL,       /* http:// or https:// */
	CHK_LISTEN,    /* loopback HOST:PORT */
	CHK_ADDR,      /* any numeric HOST:PORT (port 0: the kernel picks) */
	CHK_LEVEL,
	CHK_IP,        /* IP or CIDR */
	CHK_EXE,       /* absolute path or a bare name */
	CHK_KEYID,
	CHK_TZ,        /* UTC offset +HH:MM or an IANA zone name */
	CHK_SCOPE,     /* all | gateway */
};

struct gw_config_field {
	struct gw_config_key key;  /* first: gw_config__key() returns its address */
	size_t off;                /* the member (for lists, the array) */
	size_t noff;               /* lists: the count member */
	size_t cap;                /* lists: the array's capacity */
	enum val_check chk;
	unsigned min, max;         /* GW_CFG_UINT */
};

extern const struct gw_config_field gw_config_fields[];
extern const size_t gw_config_nfields;

static inline char **str_at(struct gw_config *c, const struct gw_config_field *f)
{
	return (char **)((char *)c + f->off);
}

static inline size_t *count_at(struct gw_config *c, const struct gw_config_field *f)
{
	return (size_t *)((char *)c + f->noff);
}

static inline unsigned *uint_at(struct gw_config *c, const struct gw_config_field *f)
{
	return (unsigned *)((char *)c + f->off);
}

static inline const char *const *cstr_at(const struct gw_config *c, const struct gw_config_field *f)
{
	return (const char *const *)((const char *)c + f->off);
}

static inline size_t ccount_at(const struct gw_config *c, const struct gw_config_field *f)
{
	return *(const size_t *)((const char *)c + f->noff);
}

/* Set field f of c from the text v (a list gains one item). 0, -ENOMEM, or
 * -EINVAL with *why saying what was expected. */
int gw_config_set_field(struct gw_config *c, const struct gw_config_field *f, const char *v,
			const char **why);

/* Free field f's value (a list's items) and leave it unset. */
void gw_config_clear_field(struct gw_config *c, const struct gw_config_field *f);

/* The key an old name in [section] became (*to: its name today), or NULL. */
const struct gw_config_field *gw_config_alias_field(const char *section, const char *name,
						    const char **to);

static inline int is_url_key(const struct gw_config_field *f)
{
	return f->chk == CHK_URL || f->chk == CHK_SOURCE;
}

#endif
