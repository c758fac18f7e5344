/* See detect_internal.h: partners, public buckets, objects that hold
 * secrets ([detect] partner_accounts, public_buckets, sensitive_objects),
 * and whether a principal is foreign. */
#include <errno.h>
#include <string.h>

#include "detect/detect_internal.h"

/* Objects that hold secrets, when [detect] sensitive_objects is not set:
 * private keys and keystores, .env files, credential and password files,
 * database dumps and backups, password and key vaults, Terraform state. */
static const char *const default_sensitive[] = {
	"*.pem", "*.key", "*id_rsa*", "*id_dsa*", "*id_ecdsa*", "*id_ed25519*", "*.ppk", "*.p12",
	"*.pfx", "*.jks", "*.keystore", ".env", ".env.*", "*.env", "*credential*",
	"*password*", "*passwd*", "*secret*", ".htpasswd", "shadow", ".netrc", ".pgpass",
	".git-credentials", "*.kdbx", "*.kdb", "*.1pux", "*vault*", "*.sql", "*.sql.gz",
	"*.dump", "*.dump.gz", "*.bak", "*.sqlite", "*.sqlite3", "*.mdb", "*.tfstate",
	"*.tfstate.backup", "*.ovpn",
};

static int in_list(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

int detector__account_is_partner(struct detector *d, const char *account)
{
	const struct detector_config *c = detector__config(d);

	return account && *account && in_list(c->partner_accounts, c->npartner_accounts, account);
}

int detector__bucket_is_public(struct detector *d, const char *bucket)
{
	const struct detector_config *c = detector__config(d);

	return bucket && *bucket && in_list(c->public_buckets, c->npublic_buckets, bucket);
}

int principals__globs(const struct detector_config *c, struct globs **sensitive,
		      struct globs **privileged)
{
	const char *const *v = c->nsensitive_objects ? c->sensitive_objects : default_sensitive;
	size_t n = c->nsensitive_objects ? c->nsensitive_objects :
		   sizeof(default_sensitive) / sizeof(default_sensitive[0]);

	*sensitive = globs__new(v, n);
	*privileged = globs__new(c->privileged_principals, c->nprivileged_principals);
	if (*sensitive && *privileged)
		return 0;
	globs__free(*sensitive);
	globs__free(*privileged);
	*sensitive = *privileged = NULL;
	return -ENOMEM;
}

const char *detector__sensitive_object(struct detector *d, const char *key)
{
	const char *base;

	if (!key || !*key)
		return NULL;
	base = strrchr(key, '/');
	base = base ? base + 1 : key;
	if (!*base)
		return NULL;   /* a "folder" */
	/* A glob with a slash is matched against the whole key. */
	return globs__first(detector__globs_sensitive(d), key, base);
}

int detector__principal_privileged(struct detector *d, const char *principal)
{
	if (!principal || !*principal)
		return 0;
	return globs__first(detector__globs_privileged(d), NULL, principal) != NULL;
}

int detector__principal_foreign(struct detector *d, const struct audit_event *ev)
{
	if (ev->principal_kind == GW_PK_ANONYMOUS || ev->principal_kind == GW_PK_SERVICE)
		return 0;
	/* Learned accounts (without own_accounts) come from the records'
	 * recipients, which S3 access logs do not name: there the parser's
	 * kind decides. */
	if (ev->principal_account && *ev->principal_account &&
	    detector__config(d)->nown_accounts)
		return !detector__account_is_own(d, ev->principal_account);
	return ev->principal_kind == GW_PK_FOREIGN;
}
