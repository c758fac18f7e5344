/* Shared by the unit tests: temporary files with given contents. */
#ifndef GW_TEST_TMPFILE_H
#define GW_TEST_TMPFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write data[0..len) to a new file /tmp/gw-test-XXXXXX, its name into
 * path[size]. 0, or -1. The caller unlinks it. */
static inline int got_tmp_file(char *path, size_t size, const void *data, size_t len)
{
	FILE *f;
	int fd;

	snprintf(path, size, "/tmp/gw-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* The same for a NUL-terminated text. */
static inline int got_tmp_text(char *path, size_t size, const char *text)
{
	return got_tmp_file(path, size, text, strlen(text));
}

#endif
