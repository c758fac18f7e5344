/* gatewatch decode: stored finding batches to JSON lines. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/log.h"
#include "collect/store.h"
#include "ship/wire.h"

struct decode_ctx {
	const char *name;
	uint64_t bad;          /* records whose payload does not decode */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gatewatch decode [FILE]\n"
		"\n"
		"Print each finding batch in FILE as one JSON line. FILE is a collector\n"
		"store (STORE/" STORE_FILE ") or one raw FindingBatch protobuf; standard\n"
		"input when FILE is missing or '-'.\n"
		"\n"
		"  -h, --help   this text\n");
}

static int print_batch(const char *name, uint64_t off, const uint8_t *data, size_t len)
{
	struct ship_batch *b = NULL;
	const char *why;
	int err = ship_batch__decode(data, len, &b, &why);

	if (err < 0) {
		log_err("%s: batch at offset %llu does not decode: %s", name,
			(unsigned long long)off, why);
		return err;
	}
	err = ship_batch__write_json(stdout, b);
	ship_batch__free(b);
	return err;
}

static int on_record(uint64_t off, const uint8_t *data, size_t len, void *ctx)
{
	struct decode_ctx *c = ctx;
	int err = print_batch(c->name, off, data, len);

	if (err == -EIO)
		return err;
	if (err < 0)
		c->bad++;   /* the framing is sound: go on with the next record */
	return 0;
}

static int decode_store(FILE *f, const char *name)
{
	struct decode_ctx c = { .name = name };
	struct store_scan st;
	int err = store__scan_stream(f, UINT64_MAX, on_record, &c, &st);

	if (err == -EBADMSG) {
		log_err("%s: %s at offset %llu; stopping", name, store__bad_name(st.bad),
			(unsigned long long)st.end);
		return GW_EXIT_FAIL;
	}
	if (err < 0) {
		log_err("%s: %s", name, strerror(-err));
		return GW_EXIT_FAIL;
	}
	return c.bad ? GW_EXIT_FAIL : GW_EXIT_OK;
}

static int decode_raw(FILE *f, const char *name)
{
	uint8_t *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;
	int rc = GW_EXIT_FAIL;

	do {
		if (len == cap) {
			if (cap >= STORE_MAX_RECORD) {
				log_err("%s: larger than %u bytes, not a batch", name, STORE_MAX_RECORD);
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				log_err("%s: out of memory", name);
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		log_err("%s: read error", name);
		goto out;
	}
	if (print_batch(name, 0, buf, len) == 0)
		rc = GW_EXIT_OK;
out:
	free(buf);
	return rc;
}

int decode_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *name = "<stdin>";
	FILE *f = stdin;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return GW_EXIT_OK;
		}
		usage(stderr);
		return GW_EXIT_USAGE;
	}
	if (argc - optind > 1) {
		log_err("decode: one FILE at most (see 'gatewatch decode --help')");
		return GW_EXIT_USAGE;
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		path = name = argv[optind];
		f = fopen(path, "rbe");
		if (!f) {
			log_err("cannot open %s: %s", path, strerror(errno));
			return GW_EXIT_USAGE;
		}
	}
	/* A store starts with the record magic "GWB1"; a protobuf never starts
	 * with 'G' (0x47 would be wire type 7, which does not exist). */
	c = getc(f);
	if (c == EOF)
		rc = ferror(f) ? GW_EXIT_FAIL : GW_EXIT_OK;
	else if (ungetc(c, f) == EOF)
		rc = GW_EXIT_FAIL;
	else
		rc = c == STORE_MAGIC[0] ? decode_store(f, name) : decode_raw(f, name);
	if (fflush(stdout) != 0)
		rc = GW_EXIT_FAIL;
	if (path)
		fclose(f);
	return rc;
}
