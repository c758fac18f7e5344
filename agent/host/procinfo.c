/* See procinfo.h. */
#include "procinfo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Field 22 of /proc/PID/stat, after the parenthesized comm (which may hold
 * spaces and parentheses, so parse from the last ')'). */
static int read_start_time(uint32_t pid, uint64_t *start)
{
	char path[64], buf[1024], *p, *end;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	/* After ')' comes field 3 (state); start time is field 22. */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EIO;
	errno = 0;
	*start = strtoull(p + 1, &end, 10);
	return errno ? -errno : 0;
}

int procinfo__read(uint32_t pid, struct procinfo *pi)
{
	char path[64];
	struct stat st;
	ssize_t n;
	int err;

	memset(pi, 0, sizeof(*pi));
	snprintf(path, sizeof(path), "/proc/%u", pid);
	if (stat(path, &st) < 0)
		return -ENOENT;
	pi->uid = st.st_uid;
	err = read_start_time(pid, &pi->start_time);
	if (err)
		return err == -ENOENT ? -ENOENT : 0;
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = readlink(path, pi->exe, sizeof(pi->exe) - 1);
	pi->exe[n > 0 ? n : 0] = '\0';
	return 0;
}

int dir_name_by_ino(const char *dir, uint64_t ino, char *name, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (size)
		name[0] = '\0';
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_ino != ino || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(name, size, "%s", de->d_name) >= size)
			name[0] = '\0';
		break;
	}
	closedir(d);
	return 0;
}

struct proc_slot {
	uint32_t pid;
	uint32_t uid;
	uint64_t start_time;
	char *exe;
};

struct proc_cache {
	struct proc_slot *slots;
	size_t n;
};

struct proc_cache *proc_cache__new(size_t slots)
{
	struct proc_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->slots = calloc(slots, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->n = slots;
	return c;
}

void proc_cache__free(struct proc_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->slots[i].exe);
	free(c->slots);
	free(c);
}

static void keep(struct proc_cache *c, uint32_t pid, const struct procinfo *pi)
{
	struct proc_slot *s = &c->slots[pid % c->n];

	if (s->pid == pid && s->start_time == pi->start_time && s->exe && strcmp(s->exe, pi->exe) == 0)
		return;
	free(s->exe);
	s->exe = strdup(pi->exe);
	s->pid = s->exe ? pid : 0;
	s->uid = pi->uid;
	s->start_time = pi->start_time;
}

void proc_cache__remember(struct proc_cache *c, uint32_t pid)
{
	struct procinfo pi;

	if (procinfo__read(pid, &pi) == 0)
		keep(c, pid, &pi);
}

int proc_cache__lookup(struct proc_cache *c, uint32_t pid, struct procinfo *pi)
{
	const struct proc_slot *s = &c->slots[pid % c->n];

	if (procinfo__read(pid, pi) == 0) {
		keep(c, pid, pi);
		return 0;
	}
	if (s->pid == pid && s->exe) {
		pi->uid = s->uid;
		pi->start_time = s->start_time;
		snprintf(pi->exe, sizeof(pi->exe), "%s", s->exe);
	}
	return -ENOENT;
}
