/* The host sensor's user-space tables (agent/host/counts.c, procinfo.c):
 * the copy of the kernel's cumulative counts, bounded and swept; process
 * identity from /proc, and the cache that names a reader after it exited. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "assert.h"
#include "host/counts.h"
#include "host/procinfo.h"

struct key {
	uint32_t pid, root;
	uint64_t bucket;
};

TEST(counts_entry_per_key_bounded_and_swept)
{
	struct count_table t;
	struct key k = { 0 };
	struct count_entry *e, *again;
	size_t made = 0;

	ASSERT_EQ_INT(-EINVAL, count_table__init(&t, 16, COUNT_KEY_MAX + 1));
	ASSERT_EQ_INT(0, count_table__init(&t, 16, sizeof(k)));
	k.pid = 7;
	e = count_table__get(&t, &k);
	ASSERT(e != NULL);
	ASSERT_EQ_U64(0, e->v[0] + e->v[1] + e->v[2]);
	e->v[0] = 4096;
	e->seen = 1;
	again = count_table__get(&t, &k);
	ASSERT(again == e);
	ASSERT_EQ_U64(4096, again->v[0]);
	/* capacity 16: more keys than that find no room, and nothing is overwritten */
	for (uint32_t pid = 100; pid < 200; pid++) {
		k.pid = pid;
		e = count_table__get(&t, &k);
		if (!e)
			break;
		e->seen = 1;
		made++;
	}
	ASSERT(made >= 15 && made < 100);
	k.pid = 7;
	ASSERT_EQ_U64(4096, count_table__get(&t, &k)->v[0]);
	/* a key the kernel no longer has goes at the next sweep, making room */
	count_table__get(&t, &k)->seen = 2;
	count_table__sweep(&t, 2);
	ASSERT_EQ_U64(1, t.count);
	ASSERT_EQ_U64(4096, count_table__get(&t, &k)->v[0]);
	k.pid = 100;
	e = count_table__get(&t, &k);
	ASSERT(e != NULL);
	ASSERT_EQ_U64(0, e->v[0]);
	count_table__fini(&t);
}

TEST(procinfo_cgroup_unit_names)
{
	char unit[128];

	cgroup_unit("0::/system.slice/minio.service\n", unit, sizeof(unit));
	ASSERT_EQ_STR("minio.service", unit);
	cgroup_unit("0::/user.slice/user-1000.slice/session-3.scope\n", unit, sizeof(unit));
	ASSERT_EQ_STR("session-3.scope", unit);
	cgroup_unit("0::/\n", unit, sizeof(unit));
	ASSERT_EQ_STR("", unit);
}

TEST(procinfo_self_and_an_exited_reader)
{
	struct procinfo pi, self;
	struct proc_cache *c = proc_cache__new(64);
	pid_t child;
	int status;

	ASSERT(c != NULL);
	ASSERT_EQ_INT(0, procinfo__read((uint32_t)getpid(), &self));
	ASSERT_EQ_U64((uint64_t)getuid(), self.uid);
	ASSERT(self.exe[0] == '/');
	ASSERT(proc_alive((uint32_t)getpid(), self.start_time));
	/* the same pid with another start time is another process */
	ASSERT(!proc_alive((uint32_t)getpid(), self.start_time + 1));
	child = fork();
	if (child == 0)
		_exit(0);
	ASSERT(child > 0);
	ASSERT_EQ_INT(child, waitpid(child, &status, 0));
	ASSERT_EQ_INT(-ENOENT, procinfo__read((uint32_t)child, &pi));
	/* the kernel told its uid and exe when it read: the cache still names it */
	proc_cache__remember(c, (uint32_t)child, 12345, 1000, "/usr/bin/cp");
	ASSERT_EQ_INT(-ENOENT, proc_cache__lookup(c, (uint32_t)child, 12345, &pi));
	ASSERT_EQ_STR("/usr/bin/cp", pi.exe);
	ASSERT_EQ_U64(1000, pi.uid);
	/* a reused pid (another start time) is not that reader */
	ASSERT_EQ_INT(-ENOENT, proc_cache__lookup(c, (uint32_t)child, 99999, &pi));
	ASSERT_EQ_STR("", pi.exe);
	/* a live process is read fresh */
	ASSERT_EQ_INT(0, proc_cache__lookup(c, (uint32_t)getpid(), self.start_time, &pi));
	ASSERT_EQ_STR(self.exe, pi.exe);
	proc_cache__free(c);
}

/* The gateway's identity is kept for its life: a lookup after its cache slot
 * went to another process still names it (an unpinned one is lost), and
 * entries of processes gone are reused. */
TEST(procinfo_pinned_identity_outlives_slot_collisions)
{
	struct procinfo pi, self, gw = { .uid = 0, .start_time = 12345 };
	struct proc_cache *c = proc_cache__new(1);   /* every pid shares the one slot */
	pid_t child;
	int status;

	ASSERT(c != NULL);
	ASSERT_EQ_INT(0, procinfo__read((uint32_t)getpid(), &self));
	child = fork();
	if (child == 0)
		_exit(0);
	ASSERT(child > 0);
	ASSERT_EQ_INT(child, waitpid(child, &status, 0));
	snprintf(gw.exe, sizeof(gw.exe), "/usr/local/bin/minio");
	snprintf(gw.unit, sizeof(gw.unit), "minio.service");
	ASSERT_EQ_INT(0, proc_cache__pin(c, (uint32_t)child, &gw));
	proc_cache__remember(c, (uint32_t)child + 1, 777, 0, "/usr/bin/cp");
	/* another process takes the slot */
	ASSERT_EQ_INT(0, proc_cache__lookup(c, (uint32_t)getpid(), self.start_time, &pi));
	ASSERT_EQ_INT(-ENOENT, proc_cache__lookup(c, (uint32_t)child, 12345, &pi));
	ASSERT_EQ_STR("/usr/local/bin/minio", pi.exe);
	ASSERT_EQ_STR("minio.service", pi.unit);
	ASSERT_EQ_INT(-ENOENT, proc_cache__lookup(c, (uint32_t)child + 1, 777, &pi));
	ASSERT_EQ_STR("", pi.exe);
	/* the pinned entries of processes gone make room for new ones */
	for (uint32_t i = 0; i < 2 * PROC_CACHE_PINNED; i++) {
		gw.start_time = 20000 + i;
		ASSERT_EQ_INT(0, proc_cache__pin(c, (uint32_t)child, &gw));
	}
	proc_cache__free(c);
}

/* Hostile cgroup texts: a v1-only host, container ids, a unit name longer
 * than the room for it, no final newline, the unified line not first. */
TEST(procinfo_cgroup_unit_hostile_texts)
{
	char unit[32], small[8];

	cgroup_unit("12:pids:/system.slice/minio.service\n1:name=systemd:/x.scope\n", unit,
		    sizeof(unit));
	ASSERT_EQ_STR("", unit);
	cgroup_unit("0::/system.slice/docker-0123456789abcdef0123456789abcdef.scope", unit,
		    sizeof(unit));
	ASSERT_EQ_STR("", unit);   /* 46 bytes: no room, nothing half written */
	cgroup_unit("0::/kubepods/pod1/0123456789abcdef0123456789abcdef", unit, sizeof(unit));
	ASSERT_EQ_STR("", unit);   /* 32 hex digits + NUL do not fit 32 bytes either */
	cgroup_unit("0::/system.slice/minio.service/0123456789abcdef0123456789abcde\n", unit,
		    sizeof(unit));
	ASSERT_EQ_STR("minio.service", unit);   /* 31 hex digits are no container id */
	cgroup_unit("1:cpu:/\n0::/system.slice/a.service\n", unit, sizeof(unit));
	ASSERT_EQ_STR("a.service", unit);
	cgroup_unit("0::/system.slice/minio.service\n", small, sizeof(small));
	ASSERT_EQ_STR("", small);
	cgroup_unit("0::/.service/.scope//\n", unit, sizeof(unit));
	ASSERT_EQ_STR("", unit);
	cgroup_unit("", unit, sizeof(unit));
	ASSERT_EQ_STR("", unit);
}

/* A command name may hold spaces and parentheses ("x) y (z"): the fields
 * after it are found from the last ')', so the start time stays right. */
TEST(procinfo_comm_with_parentheses)
{
	struct procinfo before, pi;
	char old[16] = "";

	ASSERT_EQ_INT(0, prctl(PR_GET_NAME, old, 0, 0, 0));
	ASSERT_EQ_INT(0, procinfo__read((uint32_t)getpid(), &before));
	ASSERT_EQ_INT(0, prctl(PR_SET_NAME, "x) 1 2 (z) R", 0, 0, 0));
	ASSERT_EQ_INT(0, procinfo__read((uint32_t)getpid(), &pi));
	prctl(PR_SET_NAME, old, 0, 0, 0);
	ASSERT_EQ_STR("x) 1 2 (z) R", pi.comm);
	ASSERT_EQ_U64(before.start_time, pi.start_time);
	ASSERT(proc_alive((uint32_t)getpid(), pi.start_time));
}

/* The bucket directory named by its inode, from a directory kept open. */
TEST(procinfo_dir_name_by_ino)
{
	char dir[] = "/tmp/gw-ino-XXXXXX", path[64], name[8];
	struct stat st;
	int fd;

	ASSERT(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/photos", dir);
	ASSERT_EQ_INT(0, mkdir(path, 0700));
	ASSERT_EQ_INT(0, stat(path, &st));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT(fd >= 0);
	ASSERT_EQ_INT(0, dir_name_by_ino(fd, st.st_ino, name, sizeof(name)));
	ASSERT_EQ_STR("photos", name);
	/* asked twice: the shared offset is rewound */
	ASSERT_EQ_INT(0, dir_name_by_ino(fd, st.st_ino, name, sizeof(name)));
	ASSERT_EQ_STR("photos", name);
	/* a name longer than the room is no name, not a cut one */
	ASSERT_EQ_INT(0, dir_name_by_ino(fd, st.st_ino, name, 6));
	ASSERT_EQ_STR("", name);
	ASSERT_EQ_INT(0, dir_name_by_ino(fd, st.st_ino + 1000003, name, sizeof(name)));
	ASSERT_EQ_STR("", name);
	ASSERT_EQ_INT(-EBADF, dir_name_by_ino(-1, st.st_ino, name, sizeof(name)));
	close(fd);
	rmdir(path);
	rmdir(dir);
}
