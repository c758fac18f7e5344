/* Whole-file loads and gunzip (agent/audit/fileio.c): the size cap, several
 * members, and buffers kept from file to file. */
#include <errno.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assert.h"
#include "audit/audit_internal.h"

/* n bytes of text that compresses well but not to nothing */
static char *text(size_t n, unsigned seed)
{
	char *s = malloc(n + 1);

	for (size_t i = 0; s && i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		s[i] = (char)('a' + (seed >> 16) % 4);
	}
	return s;
}

static char *gz(const char *s, size_t n, size_t *out)
{
	struct libdeflate_compressor *z = libdeflate_alloc_compressor(6);
	char *g = malloc(n + 1024);

	*out = z && g ? libdeflate_gzip_compress(z, s, n, g, n + 1024) : 0;
	libdeflate_free_compressor(z);
	return g;
}

TEST(audit_gunzip_cap_and_members)
{
	size_t n1 = 300000, n2 = 5000, g1n, g2n, len;
	char *t1 = text(n1, 1), *t2 = text(n2, 2), *g1 = gz(t1, n1, &g1n), *g2 = gz(t2, n2, &g2n);
	char *both = malloc(g1n + g2n), *buf = NULL;

	ASSERT(t1 && t2 && g1n && g2n && both);
	ASSERT_EQ_INT(0, audit_buf__gunzip(g1, g1n, n1, &buf, &len));
	ASSERT_EQ_U64(n1, len);
	ASSERT(memcmp(buf, t1, n1) == 0 && buf[len] == '\0');
	free(buf);
	ASSERT_EQ_INT(-EFBIG, audit_buf__gunzip(g1, g1n, n1 - 1, &buf, &len));
	ASSERT_EQ_INT(-EFBIG, audit_buf__gunzip(g1, g1n, n1 / 3, &buf, &len));
	ASSERT_EQ_INT(-EBADMSG, audit_buf__gunzip(g1, g1n - 5, n1, &buf, &len));
	/* two members, the last one small: its size says little about the whole */
	memcpy(both, g1, g1n);
	memcpy(both + g1n, g2, g2n);
	ASSERT_EQ_INT(0, audit_buf__gunzip(both, g1n + g2n, n1 + n2, &buf, &len));
	ASSERT_EQ_U64(n1 + n2, len);
	ASSERT(memcmp(buf, t1, n1) == 0 && memcmp(buf + n1, t2, n2) == 0);
	free(buf);
	ASSERT_EQ_INT(-EFBIG, audit_buf__gunzip(both, g1n + g2n, n1 + n2 - 1, &buf, &len));
	free(t1);
	free(t2);
	free(g1);
	free(g2);
	free(both);
}

static int put_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "w");
	int ok = f && fwrite(s, 1, n, f) == n;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

/* Files of various sizes, plain and gzipped, through the same buffers. */
TEST(audit_file_load_reuses_buffers)
{
	static const size_t sizes[] = { 200000, 1000, 260000, 0, 900000, 5 };
	char dir[] = "/tmp/gw-fileio-XXXXXX", path[96], cmd[64], *t, *g, *buf;
	struct audit_buf raw = { 0 }, out = { 0 };
	size_t gn, len;

	ASSERT(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int zip = i % 2 == 0;

		t = text(sizes[i], (unsigned)i);
		g = gz(t, sizes[i], &gn);
		snprintf(path, sizeof(path), "%s/%zu.json%s", dir, i, zip ? ".gz" : "");
		ASSERT(t && g && gn);
		ASSERT_EQ_INT(0, zip ? put_file(path, g, gn) : put_file(path, t, sizes[i]));
		ASSERT_EQ_INT(0, audit_file__load(path, 1 << 20, &raw, &out, &buf, &len));
		ASSERT_EQ_U64(sizes[i], len);
		ASSERT(memcmp(buf, t, len) == 0 && buf[len] == '\0');
		/* past the cap, whatever the buffers hold already */
		if (sizes[i] > 10)
			ASSERT_EQ_INT(-EFBIG, audit_file__load(path, sizes[i] - 10, &raw, &out, &buf, &len));
		free(t);
		free(g);
	}
	/* a .gz without the magic is damaged, not text */
	snprintf(path, sizeof(path), "%s/plain.gz", dir);
	ASSERT_EQ_INT(0, put_file(path, "{}", 2));
	ASSERT_EQ_INT(-EBADMSG, audit_file__load(path, 1 << 20, &raw, &out, &buf, &len));
	audit_buf__release(&raw);
	audit_buf__release(&out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ_INT(0, system(cmd));
}
