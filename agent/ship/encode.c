/* agent/ship: findings -> FindingBatch protobuf (nanopb), and back. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "lib/gw.h"
#include "ship/schema.h"
#include "ship/ship.h"
#include "ship/wire.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Read the first line of path into buf, trimmed; 0 if it is a usable id. */
static int read_id_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)cap, f))
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!isprint((unsigned char)buf[i]))
			return -EINVAL;
	return n ? 0 : -ENODATA;
}

void batch_meta__from_host(struct batch_meta *meta)
{
	static char machine_id[128], host[256], boot_id[64];

	if (gethostname(host, sizeof(host)) != 0 || !host[0])
		ship__copy_str(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	if (read_id_file("/etc/machine-id", machine_id, sizeof(machine_id)) != 0)
		ship__copy_str(machine_id, sizeof(machine_id), host);
	if (read_id_file("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id)) != 0)
		boot_id[0] = '\0';
	meta->agent_id = machine_id;
	meta->hostname = host;
	meta->boot_id = boot_id;
	meta->agent_version = GW_VERSION;
}

struct ship_batch *ship_batch__new(void)
{
	struct ship_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->findings = calloc(SHIP_MAX_FINDINGS, sizeof(*b->findings));
	b->incidents = calloc(SHIP_MAX_INCIDENTS, sizeof(*b->incidents));
	if (!b->findings || !b->incidents) {
		ship_batch__free(b);
		errno = ENOMEM;
		return NULL;
	}
	return b;
}

void ship_batch__free(struct ship_batch *b)
{
	if (!b)
		return;
	free(b->findings);
	free(b->incidents);
	free(b);
}

/* The techniques of an incident's findings, each once, first seen first. */
static void add_mitre(gatewatch_v1_Incident *m, const char *t)
{
	if (!t || !*t || m->mitre_count == ARRAY_LEN(m->mitre))
		return;
	for (pb_size_t i = 0; i < m->mitre_count; i++)
		if (strcmp(m->mitre[i], t) == 0)
			return;
	ship__copy_str(m->mitre[m->mitre_count++], sizeof(m->mitre[0]), t);
}

void ship__incident_to_pb(const struct incident *in, uint64_t revision, gatewatch_v1_Incident *m)
{
	const size_t max_ids = ARRAY_LEN(m->finding_ids);

	memset(m, 0, sizeof(*m));
	ship_fields__fill(ship_incident_fields, ship_incident_nfields, in, m);
	/* The rows without a plain source (SHIP_SRC_HAND in schema.c). */
	m->revision = revision;
	m->finding_count = in->nfindings;
	for (size_t i = 0; i < in->nfindings && m->finding_ids_count < max_ids; i++)
		ship__copy_str(m->finding_ids[m->finding_ids_count++], sizeof(m->finding_ids[0]),
			       in->findings[i]->id);
	for (size_t i = 0; i < in->nfindings; i++)
		for (size_t k = 0; k < in->findings[i]->nmitre; k++)
			add_mitre(m, in->findings[i]->mitre[k]);
}

void ship__finding_to_pb(const struct finding *f, gatewatch_v1_Finding *m)
{
	memset(m, 0, sizeof(*m));
	ship_fields__fill(ship_finding_fields, ship_finding_nfields, f, m);
}

int ship__encode_batch(const struct batch_meta *meta, const struct finding *const *findings,
		       size_t n, uint8_t **buf, size_t *len)
{
	struct ship_batch *b = NULL;
	int err;

	if (n > SHIP_MAX_FINDINGS)
		return -E2BIG;
	b = ship_batch__new();
	if (!b)
		return -ENOMEM;
	ship__copy_str(b->hdr.agent_id, sizeof(b->hdr.agent_id), meta->agent_id);
	ship__copy_str(b->hdr.hostname, sizeof(b->hdr.hostname), meta->hostname);
	ship__copy_str(b->hdr.boot_id, sizeof(b->hdr.boot_id), meta->boot_id);
	ship__copy_str(b->hdr.agent_version, sizeof(b->hdr.agent_version), meta->agent_version);
	b->hdr.sequence = meta->sequence;
	for (size_t i = 0; i < n; i++)
		ship__finding_to_pb(findings[i], &b->findings[i]);
	b->nfindings = n;
	err = ship_batch__encode(b, buf, len);
	ship_batch__free(b);
	return err;
}

/* Callback fields: arg points to the struct ship_batch. */
static bool encode_findings(pb_ostream_t *s, const pb_field_t *field, void *const *arg)
{
	const struct ship_batch *b = *arg;

	for (size_t i = 0; i < b->nfindings; i++)
		if (!pb_encode_tag_for_field(s, field) ||
		    !pb_encode_submessage(s, gatewatch_v1_Finding_fields, &b->findings[i]))
			return false;
	return true;
}

static bool encode_incidents(pb_ostream_t *s, const pb_field_t *field, void *const *arg)
{
	const struct ship_batch *b = *arg;

	for (size_t i = 0; i < b->nincidents; i++)
		if (!pb_encode_tag_for_field(s, field) ||
		    !pb_encode_submessage(s, gatewatch_v1_Incident_fields, &b->incidents[i]))
			return false;
	return true;
}

int ship_batch__encode(const struct ship_batch *b, uint8_t **buf, size_t *len)
{
	gatewatch_v1_FindingBatch hdr = b->hdr;
	pb_ostream_t s;
	size_t size = 0;
	uint8_t *out = NULL;
	int err;

	if (b->nfindings > SHIP_MAX_FINDINGS || b->nincidents > SHIP_MAX_INCIDENTS)
		return -E2BIG;
	hdr.findings.funcs.encode = encode_findings;
	hdr.findings.arg = (void *)(uintptr_t)b;   /* only read back as const */
	hdr.incidents.funcs.encode = encode_incidents;
	hdr.incidents.arg = (void *)(uintptr_t)b;
	err = -EINVAL;
	if (!pb_get_encoded_size(&size, gatewatch_v1_FindingBatch_fields, &hdr))
		goto out;
	err = -ENOMEM;
	out = malloc(size ? size : 1);
	if (!out)
		goto out;
	s = pb_ostream_from_buffer(out, size);
	err = -EINVAL;
	if (!pb_encode(&s, gatewatch_v1_FindingBatch_fields, &hdr))
		goto out;
	*buf = out;
	*len = s.bytes_written;
	out = NULL;
	err = 0;
out:
	free(out);
	return err;
}

static bool decode_finding(pb_istream_t *s, const pb_field_t *field, void **arg)
{
	struct ship_batch *b = *arg;

	(void)field;
	if (b->nfindings >= SHIP_MAX_FINDINGS)
		PB_RETURN_ERROR(s, "more than 64 findings in a batch");
	if (!pb_decode(s, gatewatch_v1_Finding_fields, &b->findings[b->nfindings]))
		return false;
	b->nfindings++;
	return true;
}

static bool decode_incident(pb_istream_t *s, const pb_field_t *field, void **arg)
{
	struct ship_batch *b = *arg;

	(void)field;
	if (b->nincidents >= SHIP_MAX_INCIDENTS)
		PB_RETURN_ERROR(s, "more than 16 incidents in a batch");
	if (!pb_decode(s, gatewatch_v1_Incident_fields, &b->incidents[b->nincidents]))
		return false;
	b->nincidents++;
	return true;
}

int ship_batch__decode(const uint8_t *buf, size_t len, struct ship_batch **out,
		       const char **why)
{
	struct ship_batch *b = ship_batch__new();
	pb_istream_t s;
	int err;

	*why = NULL;
	if (!b) {
		*why = "out of memory";
		return -ENOMEM;
	}
	b->hdr.findings.funcs.decode = decode_finding;
	b->hdr.findings.arg = b;
	b->hdr.incidents.funcs.decode = decode_incident;
	b->hdr.incidents.arg = b;
	s = pb_istream_from_buffer(buf, len);
	err = -EBADMSG;
	if (!pb_decode(&s, gatewatch_v1_FindingBatch_fields, &b->hdr)) {
		*why = PB_GET_ERROR(&s);
		goto out;
	}
	memset(&b->hdr.findings, 0, sizeof(b->hdr.findings));
	memset(&b->hdr.incidents, 0, sizeof(b->hdr.incidents));
	*out = b;
	b = NULL;
	err = 0;
out:
	ship_batch__free(b);
	return err;
}

int ship_batch__identity(const uint8_t *buf, size_t len, gatewatch_v1_BatchIdentity *id)
{
	pb_istream_t s = pb_istream_from_buffer(buf, len);

	memset(id, 0, sizeof(*id));
	return pb_decode(&s, gatewatch_v1_BatchIdentity_fields, id) ? 0 : -EBADMSG;
}
