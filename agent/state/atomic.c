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

/* fill into the open fd, fsync'ed when sync; fd is closed. */
static int fill_fd(int fd, int sync, int (*fill)(FILE *f, const void *ctx), const void *ctx)
{
	FILE *f = fdopen(fd, "w");
	int err;

	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	err = fill(f, ctx);
	if (!err && (fflush(f) || (sync && fsync(fileno(f)))))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int atomic_write(const char *path, mode_t mode, int (*fill)(FILE *f, const void *ctx), const void *ctx)
{
	char tmp[PATH_MAX];
	struct stat st;
	int fd, err;

	/* a path that exists and is not a regular file (a device such as
	 * /dev/null, a FIFO) is written into, not created or fsync'ed:
	 * renaming over it would put a regular file in the device's place */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		return fd < 0 ? -errno : fill_fd(fd, 0, fill, ctx);
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	err = fill_fd(fd, 1, fill, ctx);
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	/* the rename is done: a failure past here leaves the new file in place */
	if (!err)
		return sync_dir(path);
	unlink(tmp);
	return err;
}
