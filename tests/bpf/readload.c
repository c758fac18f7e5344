/* A workload with exactly known reads, for the BPF tests.
 *
 * usage: readload [--wait] [--linger SEC] [--by-handle | --direct] FILE COUNT SIZE [MODE]
 * MODE is read, pread (default), readv, preadv, preadv2, sendfile, splice,
 * mmap (a PROT_READ mapping of SIZE bytes, copied out and unmapped), mremap
 * (a mapping of SIZE/2 grown to SIZE, copied out: two mapped ops), aio (a
 * Linux AIO IOCB_CMD_PREAD through io_submit, waited for with io_getevents),
 * copy_file_range, uring (an io_uring IORING_OP_READ), uring-async (the
 * same, done by an io-wq worker thread; both exit 3 when the kernel refuses
 * io_uring), or getppid (no read at all: a syscall the
 * sensor does not watch). Does COUNT calls that each read SIZE bytes of FILE (FILE
 * must hold at least SIZE bytes), then prints "pid=N ops=N bytes=N". With
 * --wait, FILE is opened first, "ready pid=N" printed, and the reads start on
 * SIGUSR1: a file opened before the sensor started. With --linger, the
 * process stays alive SEC seconds after its reads (its counts stay in the
 * sensor's map). With --by-handle, FILE is opened through a file handle
 * (name_to_handle_at, open_by_handle_at), not by its name; with --direct,
 * with O_DIRECT (the page cache bypassed; SIZE a multiple of 4096). Exits 1 on any short or
 * failed call, so the test's expectation is exact. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/aio_abi.h>
#include <linux/io_uring.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

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

/* A one-entry io_uring, driven with the raw syscalls. */
struct uring {
	int fd;
	unsigned *sq_tail, *sq_array, *cq_head, *cq_tail, cq_mask;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqes;
};

struct ctx {
	int fd, null_fd, pipe_r, pipe_w, out_fd;
	char *buf;
	size_t size;
	struct uring ring;
};

static int uring_setup(struct uring *r)
{
	struct io_uring_params p = { 0 };
	size_t sq_len, cq_len;
	char *sq, *cq;

	r->fd = (int)syscall(SYS_io_uring_setup, 1, &p);
	if (r->fd < 0)
		return -1;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_CQ_RING);
	r->sqe = mmap(NULL, sizeof(*r->sqe), PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqe == MAP_FAILED)
		return -1;
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = *(unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* One IORING_OP_READ of size bytes at offset 0; its result. */
static ssize_t uring_read(struct uring *r, int fd, char *buf, size_t size, int async)
{
	unsigned tail = *r->sq_tail, head;
	int res;

	memset(r->sqe, 0, sizeof(*r->sqe));
	r->sqe->opcode = IORING_OP_READ;
	r->sqe->fd = fd;
	/* async: done by an io-wq worker thread, not inline */
	r->sqe->flags = async ? IOSQE_ASYNC : 0;
	r->sqe->addr = (unsigned long)buf;
	r->sqe->len = (unsigned)size;
	r->sq_array[0] = 0;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -1;
	head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -1;
	res = r->cqes[head & r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	if (res < 0) {
		errno = -res;
		return -1;
	}
	return res;
}

/* One Linux AIO read of size bytes at offset 0, through the raw syscalls. */
static ssize_t aio_read(struct ctx *c)
{
	static aio_context_t aio;
	struct iocb cb = { 0 }, *cbs[1] = { &cb };
	struct io_event ev;

	if (!aio && syscall(SYS_io_setup, 8, &aio) < 0)
		return -1;
	cb.aio_lio_opcode = IOCB_CMD_PREAD;
	cb.aio_fildes = (unsigned)c->fd;
	cb.aio_buf = (unsigned long)c->buf;
	cb.aio_nbytes = c->size;
	if (syscall(SYS_io_submit, aio, 1, cbs) != 1 ||
	    syscall(SYS_io_getevents, aio, 1, 1, &ev, NULL) != 1)
		return -1;
	return (ssize_t)ev.res;
}

/* Map size bytes of the file (size/2 first, grown by mremap when grow),
 * copy them out, unmap. */
static ssize_t map_copy(struct ctx *c, int grow)
{
	size_t first = grow ? c->size / 2 : c->size;
	char *m = mmap(NULL, first, PROT_READ, MAP_SHARED, c->fd, 0);

	if (m == MAP_FAILED)
		return -1;
	if (grow) {
		char *g = mremap(m, first, c->size, MREMAP_MAYMOVE);

		if (g == MAP_FAILED) {
			munmap(m, first);
			return -1;
		}
		m = g;
	}
	memcpy(c->buf, m, c->size);
	munmap(m, c->size);
	return (ssize_t)c->size;
}

/* FILE through a handle: the kernel finds the inode by the handle, not by
 * a path. */
static int open_by_handle(const char *path)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	int mnt_id, mfd, fd = -1;
	char dir[4096], *slash;

	if (!fh)
		return -1;
	fh->handle_bytes = MAX_HANDLE_SZ;
	/* any directory of the same mount names it: the file's own */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	mfd = open(slash ? (dir[0] ? dir : "/") : ".", O_RDONLY | O_DIRECTORY);
	if (mfd >= 0 && name_to_handle_at(AT_FDCWD, path, fh, &mnt_id, 0) == 0)
		fd = open_by_handle_at(mfd, fh, O_RDONLY);
	if (mfd >= 0)
		close(mfd);
	free(fh);
	return fd;
}

static ssize_t one_call(struct ctx *c, const char *mode)
{
	struct iovec iov[2] = { { c->buf, c->size / 2 }, { c->buf + c->size / 2, c->size - c->size / 2 } };
	off_t off = 0;
	ssize_t n;

	if (strcmp(mode, "read") == 0) {
		if (lseek(c->fd, 0, SEEK_SET) < 0)
			return -1;
		return read(c->fd, c->buf, c->size);
	}
	if (strcmp(mode, "pread") == 0)
		return pread(c->fd, c->buf, c->size, 0);
	/* a syscall the sensor does not watch, for the benchmark */
	if (strcmp(mode, "getppid") == 0)
		return getppid() > 0 ? (ssize_t)c->size : -1;
	if (strcmp(mode, "readv") == 0) {
		if (lseek(c->fd, 0, SEEK_SET) < 0)
			return -1;
		return readv(c->fd, iov, 2);
	}
	if (strcmp(mode, "preadv") == 0)
		return preadv(c->fd, iov, 2, 0);
	if (strcmp(mode, "preadv2") == 0)
		return preadv2(c->fd, iov, 2, 0, 0);
	if (strcmp(mode, "sendfile") == 0)
		return sendfile(c->null_fd, c->fd, &off, c->size);
	if (strcmp(mode, "copy_file_range") == 0) {
		if (lseek(c->out_fd, 0, SEEK_SET) < 0)
			return -1;
		return copy_file_range(c->fd, &off, c->out_fd, NULL, c->size, 0);
	}
	if (strcmp(mode, "splice") == 0) {
		n = splice(c->fd, &off, c->pipe_w, NULL, c->size, 0);
		/* drain the pipe; pipe reads are not file reads */
		if (n > 0 && read(c->pipe_r, c->buf, (size_t)n) != n)
			return -1;
		return n;
	}
	if (strcmp(mode, "aio") == 0)
		return aio_read(c);
	if (strcmp(mode, "mmap") == 0 || strcmp(mode, "mremap") == 0)
		return map_copy(c, mode[1] == 'r');
	if (strcmp(mode, "uring") == 0 || strcmp(mode, "uring-async") == 0)
		return uring_read(&c->ring, c->fd, c->buf, c->size, mode[5] == '-');
	fprintf(stderr, "readload: unknown mode '%s'\n", mode);
	exit(2);
}

int main(int argc, char **argv)
{
	int wait_sig = argc > 1 && strcmp(argv[1], "--wait") == 0;
	long linger = 0;
	int by_handle = 0, direct = 0;
	const char *mode;
	char outpath[] = "/tmp/readload.XXXXXX";
	struct ctx c = { 0 };
	int p[2];
	long count, bytes = 0;

	argv += wait_sig;
	argc -= wait_sig;
	if (argc > 2 && strcmp(argv[1], "--linger") == 0) {
		linger = parse_num(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc > 1 && strcmp(argv[1], "--by-handle") == 0) {
		by_handle = 1;
		argv++;
		argc--;
	}
	if (argc > 1 && strcmp(argv[1], "--direct") == 0) {
		direct = 1;
		argv++;
		argc--;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: readload [--wait] [--linger SEC] [--by-handle | --direct] FILE COUNT SIZE [MODE]\n");
		return 2;
	}
	count = parse_num(argv[2]);
	c.size = (size_t)parse_num(argv[3]);
	mode = argc > 4 ? argv[4] : "pread";
	if (posix_memalign((void **)&c.buf, 4096, c.size ? c.size : 1))
		c.buf = NULL;
	c.fd = by_handle ? open_by_handle(argv[1]) : open(argv[1], O_RDONLY | (direct ? O_DIRECT : 0));
	c.null_fd = open("/dev/null", O_WRONLY);
	c.out_fd = mkstemp(outpath);
	if (!c.buf || c.fd < 0 || c.null_fd < 0 || c.out_fd < 0 || pipe(p) < 0) {
		fprintf(stderr, "readload: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	unlink(outpath);
	if (strncmp(mode, "uring", 5) == 0 && uring_setup(&c.ring) < 0) {
		fprintf(stderr, "readload: io_uring: %s\n", strerror(errno));
		return 3;
	}
	c.pipe_r = p[0];
	c.pipe_w = p[1];
	if (wait_sig) {
		signal(SIGUSR1, on_usr1);
		printf("ready pid=%d\n", (int)getpid());
		fflush(stdout);
		while (!go)
			pause();
	}
	for (long i = 0; i < count; i++) {
		ssize_t n = one_call(&c, mode);

		if (n != (ssize_t)c.size) {
			fprintf(stderr, "readload: %s returned %zd at %ld: %s\n", mode, n, i, strerror(errno));
			return 1;
		}
		bytes += n;
	}
	printf("pid=%d ops=%ld bytes=%ld\n", (int)getpid(), count, bytes);
	fflush(stdout);
	if (linger)
		sleep((unsigned)linger);
	return 0;
}
