/* The buffers a reader's window comes from (see reader.c): a streamed
 * file's window, given back between pieces to its thread's cache; a file
 * mapped, or read or inflated whole into a buffer its thread keeps for
 * the next one. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>

#include "audit/audit_internal.h"
#include "audit/jsonarena.h"
#include "audit/reader_priv.h"
#include "lib/hugemem.h"

/* A streamed file's window between two pieces: the unread bytes move to
 * a buffer of their own and the window to this thread's cache, for the
 * next file it reads: analyze's merge holds more files open than it has
 * reader threads, and only a file being read needs its window. */
static __thread struct audit_buf win_cache;
static void whole_keep(void);

void reader__park(struct audit_reader *r)
{
	size_t n = r->end - r->start;
	char *p;

	if (r->mapped || r->parked || !(p = malloc(n + 1)))
		return;
	memcpy(p, r->win + r->start, n);
	if (!win_cache.p) {
		win_cache.p = r->win;
		win_cache.size = r->size;
		whole_keep();
	} else {
		free(r->win);
	}
	r->win = p;
	r->start = 0;
	r->end = n;
	r->parked = 1;
}

/* The window back (the cached one when it is of the size), with the
 * unread bytes at its front. 0 or -ENOMEM. */
int reader__unpark(struct audit_reader *r)
{
	char *w;

	if (!r->parked)
		return 0;
	if (win_cache.p && win_cache.size == r->size) {
		w = win_cache.p;
		win_cache.p = NULL;
		win_cache.size = 0;
	} else if (!(w = malloc(r->size + 1))) {
		return -ENOMEM;
	}
	if (r->end > r->start)
		memcpy(w, r->win + r->start, r->end - r->start);
	r->end -= r->start;
	r->start = 0;
	free(r->win);
	r->win = w;
	r->parked = 0;
	return 0;
}

/* Map a plain file (not an empty one, nor what cannot be mapped: a pipe,
 * a file system without mmap), writable in private for the NUL blanking. */
void reader__map(struct audit_reader *r)
{
	struct stat sb;
	void *m;

	if (fstat(r->fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    (uint64_t)sb.st_size > SIZE_MAX / 2)
		return;
	m = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, r->fd, 0);
	if (m == MAP_FAILED)
		return;
	madvise(m, (size_t)sb.st_size, MADV_SEQUENTIAL);
	free(r->win);
	r->win = m;
	r->mapped = 1;
	r->map_len = (size_t)sb.st_size;
	r->out_total = r->map_len;
}

/* The last whole-inflated file's buffer, kept for the next one of this
 * thread: fresh pages for every file cost a page fault per 4 KiB. */
static __thread struct audit_buf whole_buf;
/* The same for the compressed bytes read whole. */
static __thread struct audit_buf whole_in;

/* The kept buffers go when their thread ends. */
static pthread_key_t whole_key;
static pthread_once_t whole_once = PTHREAD_ONCE_INIT;
static int whole_key_ok;

static void whole_release(void *unused)
{
	(void)unused;
	audit_buf__release(&whole_buf);
	audit_buf__release(&whole_in);
	audit_buf__release(&win_cache);
}

static void whole_key_init(void)
{
	whole_key_ok = pthread_key_create(&whole_key, whole_release) == 0;
}

/* Buffers kept in this thread are freed at its end. */
static void whole_keep(void)
{
	pthread_once(&whole_once, whole_key_init);
	if (whole_key_ok && !pthread_getspecific(whole_key))
		pthread_setspecific(whole_key, &whole_buf);
}

/* A buffer for a whole file, in huge pages where the system gives them:
 * a fault per 4 KiB page of a fresh 20 MB buffer cost as much system
 * time as inflating it. */
static void *whole_alloc(size_t n)
{
	void *p = huge__alloc(n);

	whole_keep();
	return p;
}

/* The kept whole-file buffer when it holds n bytes and a NUL, else a new
 * one; *cap is its size. */
static char *whole_take(size_t n, size_t *cap)
{
	char *out;

	if (whole_buf.size >= n) {
		out = whole_buf.p;
		*cap = whole_buf.size;
		whole_buf.p = NULL;
		whole_buf.size = 0;
		return out;
	}
	/* Sizes rounded up to a MiB, so that the next file, a little bigger,
	 * still fits the kept buffer. */
	*cap = (n + ((size_t)1 << 20)) & ~(((size_t)1 << 20) - 1);
	return whole_alloc(*cap + 1);
}

/* Reading one file at a time, a plain file up to READER_WHOLE_GZ is read
 * whole into the kept buffer: its huge pages cost a fifth of the time the
 * mapped file's pages did. 0, or -1 to map it instead. */
int reader__read_whole(struct audit_reader *r)
{
	size_t cap = 0, n, got = 0;
	struct stat sb;
	char *out;
	ssize_t k;

	if (fstat(r->fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    (uint64_t)sb.st_size > r->whole_max)
		return -1;
	n = (size_t)sb.st_size;
	out = whole_take(n, &cap);
	if (!out)
		return -1;
	while (got < n && (k = pread(r->fd, out + got, n - got, (off_t)got)) > 0)
		got += (size_t)k;
	if (got != n) {
		if (!whole_buf.p) {
			whole_buf.p = out;
			whole_buf.size = cap;
		} else {
			free(out);
		}
		return -1;
	}
	free(r->win);
	r->win = out;
	r->mapped = 1;
	r->whole = n;
	r->whole_cap = cap;
	r->map_len = n;
	r->out_total = n;
	return 0;
}

/* The inflated size a gzip file of len bytes says in its trailer (of its
 * last member), or UINT32_MAX when it cannot be read. */
static uint32_t gz_trailer_size(int fd, size_t len)
{
	uint32_t isize;

	if (pread(fd, &isize, 4, (off_t)(len - 4)) != 4)
		return UINT32_MAX;
	return le32toh(isize);
}

/* A gzip file of one member, small enough, inflated whole into win (a
 * view then, as a mapped file); anything else is left to zlib's stream. */
void reader__gunzip_whole(struct audit_reader *r)
{
	struct libdeflate_decompressor *d = NULL;
	size_t in_len, used = 0, out_len = 0, cap = 0;
	unsigned char *in = NULL;
	uint32_t isize;
	struct stat sb;
	char *out = NULL;

	if (fstat(r->fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size < 18 ||
	    (uint64_t)sb.st_size > r->whole_max ||
	    gz_trailer_size(r->fd, (size_t)sb.st_size) > r->whole_max)
		return;   /* too big: the compressed bytes are not even read */
	in_len = (size_t)sb.st_size;
	if (whole_in.size < in_len) {
		/* rounded up as whole_take() does, so that the next file, a
		 * little bigger, still fits (fresh pages cost faults) */
		cap = (in_len + ((size_t)1 << 20)) & ~(((size_t)1 << 20) - 1);
		free(whole_in.p);
		whole_in.size = 0;
		if (!(whole_in.p = whole_alloc(cap)))
			goto out;
		whole_in.size = cap;
	}
	in = (unsigned char *)whole_in.p;
	if (pread(r->fd, in, in_len, 0) != (ssize_t)in_len)
		goto out;
	memcpy(&isize, in + in_len - 4, 4);
	isize = le32toh(isize);
	if (!isize || isize > r->whole_max || isize > gz_budget(in_len))
		goto out;
	out = whole_take(isize, &cap);
	if (!out || !(d = libdeflate_alloc_decompressor()))
		goto out;
	if (libdeflate_gzip_decompress_ex(d, in, in_len, out, isize, &used, &out_len) !=
	    LIBDEFLATE_SUCCESS || used != in_len || out_len != isize)
		goto out;
	free(r->win);
	r->win = out;
	out = NULL;
	r->mapped = 1;
	r->whole = isize;
	r->whole_cap = cap;
	r->map_len = isize;
	r->in_total = in_len;
	r->out_total = isize;
out:
	libdeflate_free_decompressor(d);
	if (out && !whole_buf.p) {
		whole_buf.p = out;
		whole_buf.size = cap;
		out = NULL;
	}
	free(out);
}

void audit_thread__release(void)
{
	whole_release(NULL);
	json_arena__release();
}

size_t audit_reader__test_kept_gz_bytes(void)
{
	return whole_in.size;
}

size_t audit_reader__test_kept_window(void)
{
	return win_cache.size;
}

void reader__drop_win(struct audit_reader *r)
{
	if (r->mapped && !r->whole) {
		munmap(r->win, r->map_len);
	} else if (r->whole && whole_buf.size < r->whole_cap) {
		free(whole_buf.p);
		whole_buf.p = r->win;
		whole_buf.size = r->whole_cap;
	} else {
		free(r->win);
	}
}
