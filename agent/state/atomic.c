/* See atomic.h. */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int sync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd, err = 0;

	if ((size_t)snprintf(copy, sizeof(copy), "%s", path) >= sizeof(copy))
		return -ENAMETOOLONG;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		err = -errno;
	if (fd >= 0)
		close(fd);
	return err;
}

/* A path that exists and is not a regular file (a device such as /dev/null,
 * a FIFO) is written into: renaming over it would put a regular file in
 * the device's place. Nothing is created and nothing is fsync'ed. */
static int write_through(const char *path, int (*fill)(FILE *f, const void *ctx), const void *ctx)
{
	FILE *f;
	int fd, err;

	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	err = fill(f, ctx);
	if (fflush(f) && !err)
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int atomic_write(const char *path, mode_t mode, int (*fill)(FILE *f, const void *ctx), const void *ctx)
{
	char tmp[PATH_MAX];
	struct stat st;
	FILE *f = NULL;
	int fd, err;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : write_through(path, fill, ctx);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto fail;
	}
	err = fill(f, ctx);
	if (!err && (fflush(f) || fsync(fileno(f))))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	/* the rename is done: a failure past here leaves the new file in place */
	if (!err)
		return sync_dir(path);
fail:
	unlink(tmp);
	return err;
}
