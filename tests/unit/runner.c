/* Runs every registered unit test, or those named on the command line.
 * Ends with "N passed, N failed". */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "lib/log.h"

int gw_test_failed;

#define T(name) void test_##name(void);
#include "tests.inc"
#undef T

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define T(name) { #name, test_##name },
#include "tests.inc"
#undef T
};

static int wanted(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	gw_log_init("unit");
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (!wanted(argc, argv, tests[i].name))
			continue;
		gw_test_failed = 0;
		tests[i].fn();
		if (gw_test_failed) {
			printf("FAIL %s\n", tests[i].name);
			failed++;
		} else {
			printf("ok   %s\n", tests[i].name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
