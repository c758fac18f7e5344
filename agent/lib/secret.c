/* See secret.h. The file is opened once, without following a symlink and
 * without blocking on a FIFO, and the rule is judged on that descriptor. */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* Open path and judge it: a descriptor, or a negative errno with why
 * (whylen bytes) saying what is wrong, naming the file. */
static int secret_open(const char *path, char *why, size_t whylen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY), err;

	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP)
			snprintf(why, whylen, "%s holds a secret but is a symlink; refused "
				 "(name the file itself)", path);
		else
			snprintf(why, whylen, "failed to open %s: %s", path, strerror(-err));
		return err;
	}
	err = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s holds a secret but is not a regular file; refused", path);
		err = -EINVAL;
	} else if (st.st_mode & (S_IWGRP | S_IWOTH | S_IROTH)) {
		snprintf(why, whylen, "%s holds a secret but is %s (mode %04o); chmod go-w,o-r it",
			 path, st.st_mode & S_IWOTH ? "world-writable" : st.st_mode & S_IWGRP ?
			 "group-writable" : "world-readable", (unsigned)(st.st_mode & 07777));
		err = -EPERM;
	} else if (st.st_mode & S_IRGRP) {
		log_warn("%s holds a secret and is group-readable (mode %04o); chmod g-r it "
			 "unless the group needs it", path, (unsigned)(st.st_mode & 07777));
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int secret_file__judge(const char *path, char *why, size_t whylen)
{
	int fd = secret_open(path, why, whylen);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int secret_file__check(const char *path)
{
	char why[SECRET_WHY_MAX];
	int err = secret_file__judge(path, why, sizeof(why));

	if (err)
		log_err("%s", why);
	return err;
}

int secret_file__read(const char *path, char *buf, size_t size, size_t *len)
{
	char why[SECRET_WHY_MAX];
	size_t n = 0;
	ssize_t r;
	int fd = secret_open(path, why, sizeof(why)), err = 0;

	if (fd < 0) {
		log_err("%s", why);
		return fd;
	}
	while (n < size) {
		r = read(fd, buf + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? -errno : 0;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	if (!err && n == size)
		err = -EFBIG;
	if (err) {
		log_err("failed to read %s: %s", path, err == -EFBIG ? "too long for a token" :
			strerror(-err));
		explicit_bzero(buf, size);
		return err;
	}
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r' ||
			 buf[n - 1] == '\n'))
		n--;
	buf[n] = '\0';
	if (!n || memchr(buf, '\0', n)) {
		log_err("%s: %s", path, n ? "the token holds a NUL byte" : "empty token");
		explicit_bzero(buf, size);
		return -EINVAL;
	}
	*len = n;
	return 0;
}
