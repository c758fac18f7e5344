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
