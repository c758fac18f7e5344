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

/* Field 22 of /proc/PID/stat (and the comm when asked), after the parenthesized comm (which may hold
 * spaces and parentheses, so parse from the last ')'). */
static int read_stat(uint32_t pid, uint64_t *start, char *comm, size_t commsz)
{
	char path[64], buf[1024], *p, *end, *open_paren;
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
	open_paren = strchr(buf, '(');
	if (!p || !open_paren || open_paren > p)
		return -EIO;
	if (comm && commsz)
		snprintf(comm, commsz, "%.*s", (int)(p - open_paren - 1), open_paren + 1);
	/* After ')' comes field 3 (state); start time is field 22. */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EIO;
	errno = 0;
	*start = strtoull(p + 1, &end, 10);
	return errno ? -errno : 0;
}

static int is_hex_id(const char *s, size_t n)
{
	if (n < 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

void cgroup_unit(const char *cgroup, char *unit, size_t size)
{
	const char *line_end, *p, *comp, *best = NULL;
	size_t best_len = 0, n;

	if (size)
		unit[0] = '\0';
	/* the unified hierarchy's line is "0::/path" */
	p = strstr(cgroup, "0::/");
	if (!p)
		return;
	p += 3;
	line_end = strchr(p, '\n');
	if (!line_end)
		line_end = p + strlen(p);
	for (comp = p + 1; comp < line_end; comp += n + 1) {
		const char *slash = memchr(comp, '/', (size_t)(line_end - comp));

		n = (size_t)((slash ? slash : line_end) - comp);
		if ((n > 8 && memcmp(comp + n - 8, ".service", 8) == 0) ||
		    (n > 6 && memcmp(comp + n - 6, ".scope", 6) == 0) || is_hex_id(comp, n)) {
			best = comp;
			best_len = n;
		}
		if (!slash)
			break;
	}
	if (best && best_len < size) {
		memcpy(unit, best, best_len);
		unit[best_len] = '\0';
	}
}

static void read_unit(uint32_t pid, char *unit, size_t size)
{
	char path[64], buf[2048];
	ssize_t n;
	int fd;

	unit[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	cgroup_unit(buf, unit, size);
}

int proc_alive(uint32_t pid, uint64_t start_time)
{
	uint64_t st;

	return read_stat(pid, &st, NULL, 0) == 0 && st == start_time;
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
	err = read_stat(pid, &pi->start_time, pi->comm, sizeof(pi->comm));
	if (err)
		return err == -ENOENT ? -ENOENT : 0;
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = readlink(path, pi->exe, sizeof(pi->exe) - 1);
	pi->exe[n > 0 ? n : 0] = '\0';
	read_unit(pid, pi->unit, sizeof(pi->unit));
	return 0;
}

int dir_name_by_ino(int dirfd, uint64_t ino, char *name, size_t size)
{
	int fd = dirfd >= 0 ? fcntl(dirfd, F_DUPFD_CLOEXEC, 0) : -1;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (size)
		name[0] = '\0';
	if (!d) {
		if (fd >= 0)
			close(fd);
		return dirfd >= 0 ? -errno : -EBADF;
	}
	rewinddir(d);   /* the duplicate shares the offset of the last listing */
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
	char *unit;
};

struct proc_cache {
	struct proc_slot *slots;
	size_t n;
	struct proc_slot pinned[PROC_CACHE_PINNED];
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
	for (size_t i = 0; i < c->n; i++) {
		free(c->slots[i].exe);
		free(c->slots[i].unit);
	}
	for (size_t i = 0; i < PROC_CACHE_PINNED; i++) {
		free(c->pinned[i].exe);
		free(c->pinned[i].unit);
	}
	free(c->slots);
	free(c);
}

static void keep(struct proc_cache *c, uint32_t pid, const struct procinfo *pi)
{
	struct proc_slot *s = &c->slots[pid % c->n];

	if (s->pid == pid && s->start_time == pi->start_time && s->exe &&
	    (strcmp(s->exe, pi->exe) == 0 || !pi->exe[0]))
		return; /* a zombie has no exe any more: keep what was known */
	free(s->exe);
	free(s->unit);
	s->exe = strdup(pi->exe);
	s->unit = strdup(pi->unit);
	s->pid = s->exe && s->unit ? pid : 0;
	s->uid = pi->uid;
	s->start_time = pi->start_time;
}

void proc_cache__remember(struct proc_cache *c, uint32_t pid, uint64_t start_time, uint32_t uid,
			  const char *exe)
{
	struct procinfo pi;

	if (procinfo__read(pid, &pi) == 0 && pi.start_time == start_time) {
		/* an exiting process (zombie) no longer has an exe link */
		if (!pi.exe[0])
			snprintf(pi.exe, sizeof(pi.exe), "%s", exe);
		keep(c, pid, &pi);
		return;
	}
	memset(&pi, 0, sizeof(pi));
	pi.uid = uid;
	pi.start_time = start_time;
	snprintf(pi.exe, sizeof(pi.exe), "%s", exe);
	keep(c, pid, &pi);
}

static struct proc_slot *pinned_of(struct proc_cache *c, uint32_t pid, uint64_t start_time)
{
	for (size_t i = 0; i < PROC_CACHE_PINNED; i++)
		if (c->pinned[i].exe && c->pinned[i].pid == pid && c->pinned[i].start_time == start_time)
			return &c->pinned[i];
	return NULL;
}

int proc_cache__pin(struct proc_cache *c, uint32_t pid, const struct procinfo *pi)
{
	struct proc_slot *p = pinned_of(c, pid, pi->start_time);
	char *exe, *unit;

	for (size_t i = 0; !p && i < PROC_CACHE_PINNED; i++)
		if (!c->pinned[i].exe || !proc_alive(c->pinned[i].pid, c->pinned[i].start_time))
			p = &c->pinned[i];
	if (!p)
		return -ENOSPC;
	exe = strdup(pi->exe);
	unit = strdup(pi->unit);
	if (!exe || !unit) {
		free(exe);
		free(unit);
		return -ENOMEM;
	}
	free(p->exe);
	free(p->unit);
	p->exe = exe;
	p->unit = unit;
	p->pid = pid;
	p->uid = pi->uid;
	p->start_time = pi->start_time;
	return 0;
}

int proc_cache__lookup(struct proc_cache *c, uint32_t pid, uint64_t start_time,
		       struct procinfo *pi)
{
	const struct proc_slot *s = pinned_of(c, pid, start_time);

	if (!s)
		s = &c->slots[pid % c->n];
	if (procinfo__read(pid, pi) == 0 && pi->start_time == start_time) {
		keep(c, pid, pi);
		if (!pi->exe[0] && s->pid == pid && s->start_time == start_time && s->exe)
			snprintf(pi->exe, sizeof(pi->exe), "%s", s->exe);
		return 0;
	}
	memset(pi, 0, sizeof(*pi));
	pi->start_time = start_time;
	if (s->pid == pid && s->start_time == start_time && s->exe) {
		pi->uid = s->uid;
		snprintf(pi->exe, sizeof(pi->exe), "%s", s->exe);
		snprintf(pi->unit, sizeof(pi->unit), "%s", s->unit ? s->unit : "");
	}
	return -ENOENT;
}
