/* agent/collect: when each stored batch arrived (see view.h). The batch
 * store keeps the agents' bytes as they were sent, so that a resend is
 * recognised by its digest; the collector's own facts about a batch live
 * beside it, in fixed 16-byte entries, the k-th for the k-th batch. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/io.h"
#include "collect/view.h"

#define ENTRY 16u

struct arrivals {
	int fd;
	uint64_t n;        /* whole entries in the file */
};

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

struct arrivals *arrivals__open(const char *dir)
{
	struct arrivals *a = calloc(1, sizeof(*a));
	char path[PATH_MAX];
	struct stat sb;

	if (!a)
		return NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, ARRIVALS_FILE) >= sizeof(path)) {
		free(a);
		errno = ENAMETOOLONG;
		return NULL;
	}
	a->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (a->fd < 0 || fstat(a->fd, &sb) != 0) {
		int e = errno;

		arrivals__close(a);
		errno = e;
		return NULL;
	}
	a->n = (uint64_t)sb.st_size / ENTRY;
	return a;
}

void arrivals__close(struct arrivals *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	free(a);
}

int arrivals__put(struct arrivals *a, uint64_t k, uint64_t off, int64_t ms)
{
	uint8_t e[ENTRY];
	int err;

	put_le64(e, off);
	put_le64(e + 8, (uint64_t)ms);
	err = io__pwrite_all(a->fd, e, sizeof(e), k * ENTRY);
	if (err == 0 && k >= a->n)
		a->n = k + 1;
	return err;
}

int64_t arrivals__get(struct arrivals *a, uint64_t k, uint64_t off)
{
	uint8_t e[ENTRY];

	if (k < a->n && pread(a->fd, e, sizeof(e), (off_t)(k * ENTRY)) == (ssize_t)sizeof(e) &&
	    get_le64(e) == off)
		return (int64_t)get_le64(e + 8);
	/* Missing or from another store: not known, and kept in step. */
	arrivals__put(a, k, off, 0);
	return 0;
}

void arrivals__trim(struct arrivals *a, uint64_t k)
{
	if (k < a->n && ftruncate(a->fd, (off_t)(k * ENTRY)) == 0)
		a->n = k;
}
