/* A workload with exactly known reads, for the BPF tests.
 *
 * usage: readload FILE COUNT SIZE [pread|read]
 * Does COUNT reads of SIZE bytes from FILE (rewinding as needed; FILE must
 * hold at least SIZE bytes), then prints "pid=N ops=N bytes=N". Exits 1 on
 * any short or failed read, so the test's expectation is exact. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long parse_num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0) {
		fprintf(stderr, "readload: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long count, size, bytes = 0;
	int fd, use_read;
	char *buf;

	if (argc < 4) {
		fprintf(stderr, "usage: readload FILE COUNT SIZE [pread|read]\n");
		return 2;
	}
	count = parse_num(argv[2]);
	size = parse_num(argv[3]);
	use_read = argc > 4 && strcmp(argv[4], "read") == 0;
	buf = malloc((size_t)size);
	fd = open(argv[1], O_RDONLY);
	if (!buf || fd < 0) {
		fprintf(stderr, "readload: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (long i = 0; i < count; i++) {
		ssize_t n;

		if (use_read) {
			if (lseek(fd, 0, SEEK_SET) < 0)
				return 1;
			n = read(fd, buf, (size_t)size);
		} else {
			n = pread(fd, buf, (size_t)size, 0);
		}
		if (n != size) {
			fprintf(stderr, "readload: short read %zd at %ld\n", n, i);
			return 1;
		}
		bytes += n;
	}
	printf("pid=%d ops=%ld bytes=%ld\n", (int)getpid(), count, bytes);
	close(fd);
	free(buf);
	return 0;
}
