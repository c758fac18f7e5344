/* The detector's compiled glob lists answer as fnmatch(FNM_CASEFOLD) does:
 * the built-in sensitive-object and ransom-note lists, and globs with
 * every shape (prefix, suffix, inner pieces, no star, '?', brackets),
 * against names that match, almost match or overlap. */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect_internal.h"

static const char *const pats[] = {
	"*.pem", "*id_rsa*", ".env", ".env.*", "*.sql.gz", "*how*to*recover*data.*",
	"!*read*me*", "*read*me*!*", "_readme.txt", "a*a", "*", "**", "", "x*", "*x",
	"*a*b*c*", "abc", "file?.txt", "[Ss]hadow", "back\\*up", "*decrypt*.htm*",
	"secrets/*", "*/prod/*.key", "*ab*ab*", "aa*aa",
};

static const char *const names[] = {
	"server.PEM", "server.pem.bak", "ID_RSA.pub", "id_rs", ".env", ".ENV.local", ".envrc",
	"dump.SQL.gz", "dump.sql", "HOW_TO_RECOVER_DATA.txt", "how-to-recover-data",
	"!README!.txt", "!readme", "read_me!", "_README.TXT", "a", "aa", "aba", "", "x", "yx",
	"xyz", "AxBxC", "acb", "abc", "ABC", "abcd", "file1.txt", "file12.txt", "Shadow",
	"shadow", "back*up", "backup", "DECRYPT_FILES.html", "decrypt.htm", "secrets/db.pem",
	"secrets/", "app/prod/tls.key", "app/dev/tls.key", "abab", "ab", "aaa", "aaaa",
	"aXaa", "\xc3\x84.pem",
};

TEST(globs_answer_as_fnmatch)
{
	size_t np = sizeof(pats) / sizeof(pats[0]), nn = sizeof(names) / sizeof(names[0]);

	for (size_t i = 0; i < np; i++) {
		struct globs *g = globs__new(&pats[i], 1);

		ASSERT(g != NULL);
		for (size_t k = 0; k < nn; k++) {
			const char *base = strrchr(names[k], '/');
			int want = fnmatch(pats[i], names[k], FNM_CASEFOLD) == 0;
			int want_base = fnmatch(pats[i], base ? base + 1 : names[k], FNM_CASEFOLD) == 0;
			const char *got = globs__first(g, NULL, names[k]);

			if ((got != NULL) != want)
				fprintf(stderr, "glob %s name %s: fnmatch %d\n", pats[i], names[k], want);
			ASSERT((got != NULL) == want);
			/* slash globs on the whole name, the others on the base */
			got = globs__first(g, names[k], base ? base + 1 : names[k]);
			ASSERT((got != NULL) == (strchr(pats[i], '/') ? want : want_base));
		}
		globs__free(g);
	}
}

TEST(globs_first_in_list_order)
{
	static const char *const list[] = { "*.key", NULL, "*secret*", "*.pem", "secrets/*" };
	struct globs *g = globs__new(list, 5);

	ASSERT(g != NULL);
	ASSERT(globs__first(g, "a/secret.pem", "secret.pem") == list[2]);
	ASSERT(globs__first(g, "a/b.PEM", "b.PEM") == list[3]);
	ASSERT(globs__first(g, "secrets/readme", "readme") == list[4]);
	ASSERT(globs__first(g, NULL, "readme") == NULL);
	ASSERT(globs__first(g, "a/notes.txt", "notes.txt") == NULL);
	globs__free(g);
}

TEST(globs_long_subject_left_to_fnmatch)
{
	static const char *const list[] = { "*.env" };
	char big[3000];
	struct globs *g = globs__new(list, 1);

	ASSERT(g != NULL);
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 5, ".ENV", 5);
	ASSERT(globs__first(g, NULL, big) == list[0]);
	big[sizeof(big) - 2] = 'X';
	ASSERT(globs__first(g, NULL, big) == NULL);
	globs__free(g);
}

/* The globs the detector ships (sensitive objects, ransom notes) and every
 * shape the matcher indexes differently: a literal last or first
 * character, stars at both ends with long and one-character pieces,
 * fnmatch-only syntax, slashes, "*" and "". */
static const char *const pool[] = {
	"*.pem", "*.key", "*id_rsa*", "*id_dsa*", "*id_ecdsa*", "*id_ed25519*", "*.ppk", "*.p12",
	"*.pfx", "*.jks", "*.keystore", ".env", ".env.*", "*.env", "*credential*", "*password*",
	"*passwd*", "*secret*", ".htpasswd", "shadow", ".netrc", ".pgpass", ".git-credentials",
	"*.kdbx", "*.kdb", "*.1pux", "*vault*", "*.sql", "*.sql.gz", "*.dump", "*.dump.gz",
	"*.bak", "*.sqlite", "*.sqlite3", "*.mdb", "*.tfstate", "*.tfstate.backup", "*.ovpn",
	"*ransom*", "*decrypt*.txt", "*decrypt*.htm*", "*how*to*recover*data.*",
	"*how*to*recover*your*", "*files*encrypted*", "!*read*me*", "*read*me*!*",
	"_readme.txt", "*readme*to*decrypt*", "*pay*to*unlock*",
	"*", "**", "", "*a*", "*a*b*", "a*", "*a", "a", "A*B", "*Ab*", "ab*ab", "*ab*ab*",
	"x?z*", "*[0-9].log", "[!.]*", "[[:upper:]]*", "back\\*up", "*\\?", "secrets/*",
	"*/prod/*.key", "*/*", "/*", "*/", "*.PEM", "*ID_RSA*", "\xc3\x84*", "*\xc3\xa4",
	"*secret*x", "!*vault*", "x*recover", "*ab*c", "c*ab*", "*READ*", "*\xc3\x84\xc3\xa4*",
};

/* Pieces subjects are made of, so that they hit, nearly hit and overlap
 * the globs above, in both cases. */
static const char *const bits[] = {
	"pem", "PEM", "key", "id_rsa", "ID_", "rs", "a", "A", "b", "B", "ab", ".", ".env",
	".ENV", "env", "secret", "SeCrEt", "pass", "word", "wd", "vault", "sql", ".gz", "dump",
	"bak", "read", "me", "!", "how", "to", "recover", "data", "files", "encrypted",
	"decrypt", ".txt", ".htm", "l", "x", "z", "7", ".log", "/", "prod/", "secrets/",
	"back*up", "?", "[", "\\", "*", "_", "-", "\xc3\x84", "\xc3\xa4", "shadow", "tfstate",
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The plain answer: fnmatch() on every glob in list order. */
static const char *plain_first(const char *const *list, size_t n, const char *whole,
			       const char *base)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] && fnmatch(list[i], whole && strchr(list[i], '/') ? whole : base,
				       FNM_CASEFOLD) == 0)
			return list[i];
	return NULL;
}

/* Random lists drawn from the pool (in any order, with holes) against
 * random keys: the compiled set names the same first glob as fnmatch. */
TEST(globs_first_matches_plain_fnmatch)
{
	const size_t npool = sizeof(pool) / sizeof(pool[0]), nbits = sizeof(bits) / sizeof(bits[0]);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	const char *list[96];
	char key[160];
	size_t hits = 0;

	for (int round = 0; round < 300; round++) {
		/* now and then more globs with stars at both ends than are indexed */
		int both = round % 50 == 1;
		size_t n = round == 0 ? npool : both ? 96 : 1 + rnd(&seed) % 40;
		struct globs *g;

		for (size_t i = 0; i < n; i++) {
			list[i] = round == 0 ? pool[i] : rnd(&seed) % 16 == 0 ? NULL :
				  pool[rnd(&seed) % npool];
			while (both && (!list[i] || list[i][0] != '*' || strlen(list[i]) < 2 ||
					list[i][strlen(list[i]) - 1] != '*'))
				list[i] = pool[rnd(&seed) % npool];
		}
		g = globs__new(list, n);
		ASSERT(g != NULL);
		for (int k = 0; k < 400; k++) {
			size_t len = 0, parts = rnd(&seed) % 6;
			const char *base, *want, *got;

			key[0] = '\0';
			for (size_t j = 0; j < parts; j++) {
				const char *b = bits[rnd(&seed) % nbits];

				if (len + strlen(b) < sizeof(key)) {
					memcpy(key + len, b, strlen(b) + 1);
					len += strlen(b);
				}
			}
			base = strrchr(key, '/');
			base = base ? base + 1 : key;
			want = plain_first(list, n, key, base);
			got = globs__first(g, key, base);
			if (got != want)
				FAIL_AT("key \"%s\": fnmatch says %s, the set %s", key,
					want ? want : "(none)", got ? got : "(none)");
			ASSERT(globs__first(g, NULL, key) == plain_first(list, n, NULL, key));
			hits += want != NULL;
		}
		globs__free(g);
	}
	ASSERT(hits > 10000);   /* the keys do hit, not only miss */
}
