/* Object data by inode: at start the agent walks each root and records
 * every regular file's (dev, ino) with its root and bucket in the kernel's
 * members map, so that the first read of a file through another name (a
 * hard link outside the root, a handle) already counts. Bounded by the
 * map's size; the kernel adds the files it finds under a root later. */
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/log.h"
#include "sensor_priv.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "sensor.skel.h"
#pragma GCC diagnostic pop

#define FUSE_MAGIC 0x65735546

struct seed {
	struct sensor *s;
	struct gw_member m;
	dev_t dev;             /* the root's filesystem: mounts below are not walked */
	size_t added, left;
	int failed;
};

static int add_file(struct seed *sd, const struct stat *st)
{
	struct gw_inode_key k = { .dev = ((uint64_t)major(st->st_dev) << 20) | minor(st->st_dev),
				  .ino = st->st_ino };

	if (!sd->left)
		return -ENOSPC;
	if (bpf_map__update_elem(sd->s->skel->maps.members, &k, sizeof(k), &sd->m, sizeof(sd->m),
				 BPF_ANY)) {
		sd->failed++;
		return 0;
	}
	sd->added++;
	sd->left--;
	return 0;
}

/* Walk dirfd (closed here) depth levels deep at most. At depth 0 (the root)
 * each subdirectory is a bucket, named by its directory entry's inode, as
 * the kernel names it. */
static int seed_dir(struct seed *sd, int dirfd, int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	struct stat st;
	int err = 0;

	if (!d) {
		close(dirfd);
		return 0;
	}
	while (!err && (de = readdir(d))) {
		int fd;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			if (depth == 0)
				sd->m.bucket_ino = 0;
			err = add_file(sd, &st);
			continue;
		}
		if (!S_ISDIR(st.st_mode) || st.st_dev != sd->dev || depth + 1 >= GW_MAX_DEPTH)
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (depth == 0)
			sd->m.bucket_ino = de->d_ino;
		err = seed_dir(sd, fd, depth + 1);
	}
	closedir(d);
	return err;
}

void sensor__seed_members(struct sensor *s, uint32_t max)
{
	struct seed sd = { .s = s, .left = max };
	int err = 0;

	for (size_t i = 0; !err && i < s->nroots; i++) {
		int fd = open(s->roots[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct statfs sf;
		struct stat st;

		if (fd < 0 || fstat(fd, &st) < 0 || fstatfs(fd, &sf) < 0) {
			log_warn("failed to walk root %s: %s", s->roots[i].path, strerror(errno));
			if (fd >= 0)
				close(fd);
			continue;
		}
		/* listing a FUSE mount (s3fs, rclone) would list the remote bucket */
		if (sf.f_type == FUSE_MAGIC) {
			close(fd);
			continue;
		}
		sd.dev = st.st_dev;
		sd.m.root_id = (uint32_t)i;
		err = seed_dir(&sd, fd, 0);
	}
	if (err == -ENOSPC)
		log_warn("object files: the first %zu of the roots' files are known by inode (max_inodes); "
			 "the others once read under their root", sd.added);
	else
		log_info("object files: %zu known by inode%s", sd.added,
			 sd.failed ? " (some could not be recorded)" : "");
}
