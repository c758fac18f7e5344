/* See cursor.h. File format (text, lengths make any key byte safe):
 *   gatewatch-cursor 1\n
 *   <source length> <source>\n
 *   <key length> <key>\n
 */
#include "state/cursor.h"
#include "state/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "gatewatch-cursor 1\n"

static int cursor_path(const char *dir, const char *source, const char *suffix, char *out,
		       size_t size)
{
	uint64_t h = 1469598103934665603ULL;
	int n;

	for (const unsigned char *p = (const unsigned char *)source; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	n = snprintf(out, size, "%s/cursor-%016llx%s", dir, (unsigned long long)h, suffix);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Parse "<len> <bytes>\n" at *p; returns a pointer to the bytes or NULL. */
static const char *field(const char **p, const char *end, size_t *len)
{
	unsigned long long v;
	const char *s;
	char *e;

	if (*p >= end || **p < '0' || **p > '9')
		return NULL;
	errno = 0;
	v = strtoull(*p, &e, 10);
	if (errno || e >= end || *e != ' ' || v > (unsigned long long)(end - e - 1) ||
	    e[1 + v] != '\n')
		return NULL;
	s = e + 1;
	*len = (size_t)v;
	*p = s + v + 1;
	return s;
}

int cursor__load(const char *dir, const char *source, char *key, size_t size)
{
	char path[4096], buf[2 * CURSOR_MAX_KEY + 64];
	const char *p, *end, *src, *k;
	size_t srclen, klen;
	ssize_t n;
	int fd, err;

	key[0] = '\0';
	err = cursor_path(dir, source, "", path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	err = -errno;
	close(fd);
	if (n < 0)
		return err;
	buf[(size_t)n] = '\0';
	end = buf + n;
	if ((size_t)n < strlen(MAGIC) || memcmp(buf, MAGIC, strlen(MAGIC)) != 0)
		return -EBADMSG;
	p = buf + strlen(MAGIC);
	src = field(&p, end, &srclen);
	k = src ? field(&p, end, &klen) : NULL;
	if (!k || srclen != strlen(source) || memcmp(src, source, srclen) != 0)
		return -EBADMSG;
	if (klen >= size)
		return -ENAMETOOLONG;
	memcpy(key, k, klen);
	key[klen] = '\0';
	return 0;
}

static int write_cursor(FILE *f, const void *ctx)
{
	return fputs(ctx, f) < 0 ? -EIO : 0;
}

int cursor__save(const char *dir, const char *source, const char *key)
{
	char path[4096], buf[2 * CURSOR_MAX_KEY + 64];
	size_t klen = strlen(key), slen = strlen(source);
	int n, err;

	if (klen > CURSOR_MAX_KEY || slen > CURSOR_MAX_KEY)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	err = cursor_path(dir, source, "", path, sizeof(path));
	if (err)
		return err;
	n = snprintf(buf, sizeof(buf), MAGIC "%zu %s\n%zu %s\n", slen, source, klen, key);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	return atomic_write(path, 0600, write_cursor, buf);
}
