/* Which accounts are ours: AWS account ids, GCP projects, Azure
 * subscriptions. With [detect] own_accounts, exactly those. Without, the
 * ones the logs themselves belong to: the account each event was delivered
 * to (CloudTrail recipientAccountId), the project of a GCP entry, the
 * subscription of an Azure resource. Compared without regard to case
 * (Azure exports spell subscription ids in upper case). Bounded: past
 * ACCOUNTS_MAX learned accounts, new ones are not learned. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/detect_internal.h"

#define ACCOUNTS_MAX 1024
#define ACCOUNT_LEN 128

struct accounts {
	struct detector *d;
	const char **v;           /* interned, lower case */
	size_t n;
	int configured;
	const char *last;         /* the last account learned (most events repeat it) */
	const char *last_as_logged; /* its spelling in the last event that named it, interned */
};

/* s in lower case, interned in the detector's pool; NULL when too long. */
static const char *lower(struct detector *d, const char *s)
{
	char buf[ACCOUNT_LEN];
	size_t n = strlen(s);

	if (n >= sizeof(buf))
		return NULL;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	return detector__intern_n(d, buf, n);
}

static int has(const struct accounts *a, const char *key)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i] == key)
			return 1;
	return 0;
}

static int add(struct accounts *a, const char *s)
{
	const char *key = lower(a->d, s);

	if (!key || !*key || has(a, key) || a->n == ACCOUNTS_MAX)
		return 0;
	if (!a->v) {
		a->v = calloc(ACCOUNTS_MAX, sizeof(*a->v));
		if (!a->v)
			return -ENOMEM;
	}
	a->v[a->n++] = key;
	return 0;
}

struct accounts *accounts__new(struct detector *d, const struct detector_config *cfg)
{
	struct accounts *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->d = d;
	for (size_t i = 0; i < cfg->nown_accounts; i++) {
		if (add(a, cfg->own_accounts[i]) < 0) {
			accounts__free(a);
			errno = ENOMEM;
			return NULL;
		}
	}
	a->configured = cfg->nown_accounts > 0;
	return a;
}

void accounts__free(struct accounts *a)
{
	if (!a)
		return;
	free(a->v);
	free(a);
}

int accounts__learn(struct accounts *a, const struct audit_event *ev)
{
	const char *as_logged;
	int err;

	if (a->configured || !ev->account || !*ev->account)
		return 0;
	/* the same interned spelling as the last event's: the same account,
	 * told without comparing the text */
	as_logged = detector__ev_str(a->d, ev, EVF_ACCOUNT);
	if (as_logged && as_logged == a->last_as_logged)
		return 0;
	a->last_as_logged = as_logged;
	if (a->last && strcasecmp(a->last, ev->account) == 0)
		return 0;
	a->last = lower(a->d, ev->account);
	err = add(a, ev->account);
	if (err)
		a->last_as_logged = NULL;   /* asked again with the next event */
	return err;
}

int accounts__is_own(const struct accounts *a, struct detector *d, const char *account)
{
	const char *key;

	if (!account || !*account)
		return 0;
	key = lower(d, account);
	return key && has(a, key);
}

void accounts__strings(const struct accounts *a, struct strmark *m)
{
	strmark__v(m, a->v, a->n);
	strmark__str(m, a->last);
	strmark__str(m, a->last_as_logged);
}
