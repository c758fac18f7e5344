/* Recursive directory listing for audit sources: the regular files under a
 * directory, sorted by path so that a re-run reads them in the same order.
 * Hidden entries (".name") are skipped: editors' and tools' leftovers. */
#include "audit/audit_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/log.h"

#define WALK_MAX_DEPTH 32
#define WALK_MAX_FILES (1u << 22)

struct pathlist {
	char **v;
	size_t n, cap;
	size_t failed;      /* subdirectories that could not be listed */
};

static int pathlist__add(struct pathlist *l, char *path)
{
	char **nv;

	if (l->n == WALK_MAX_FILES)
		return -E2BIG;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = path;
	return 0;
}

static int walk_dir(const char *dir, int depth, struct pathlist *l);

static int walk_entry(const char *dir, const char *name, int depth, struct pathlist *l)
{
	struct stat sb;
	char *path = NULL;
	int err = 0;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	if (lstat(path, &sb) < 0) {
		err = -errno;
		goto out;
	}
	if (S_ISDIR(sb.st_mode)) {
		err = depth < WALK_MAX_DEPTH ? walk_dir(path, depth + 1, l) : -ELOOP;
		/* One unreadable subdirectory does not hide its siblings. */
		if (err && err != -ENOMEM && err != -E2BIG) {
			log_err("failed to list %s: %s", path, strerror(-err));
			l->failed++;
			err = 0;
		}
		goto out;
	}
	/* A symlink to a file is read; a symlink to a directory is not followed. */
	if (S_ISLNK(sb.st_mode) && (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode)))
		goto out;
	if (!S_ISREG(sb.st_mode))
		goto out;
	err = pathlist__add(l, path);
	if (!err)
		path = NULL;
out:
	free(path);
	return err;
}

static int walk_dir(const char *dir, int depth, struct pathlist *l)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int err = 0;

	if (!d)
		return -errno;
	while (!err && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		err = walk_entry(dir, de->d_name, depth, l);
	}
	closedir(d);
	return err;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int audit_walk(const char *dir, char ***paths, size_t *n, size_t *failed)
{
	struct pathlist l = { 0 };
	size_t len = strlen(dir);
	char *root;
	int err;

	/* "logs/" and "logs" list the same paths. */
	root = strndup(dir, len > 1 && dir[len - 1] == '/' ? len - 1 : len);
	if (!root)
		return -ENOMEM;
	err = walk_dir(root, 0, &l);
	free(root);
	if (err) {
		audit_paths__free(l.v, l.n);
		return err;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_path);
	*paths = l.v;
	*n = l.n;
	*failed = l.failed;
	return 0;
}

void audit_paths__free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
