/* libFuzzer target for the collector's decode of network input: a POST
 * body as collect.c takes it (collect__decode_batch). Whatever it accepts
 * must hold what the collector relies on: an agent_id of 1..127 bytes with
 * no NUL or control byte, the findings and incidents within their bounds, an
 * identity (collect__batch_identity) that agrees, and a JSON line for
 * GET /v1/findings that parses as one JSON object. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "collect/collect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_json(const struct ship_batch *b)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	cJSON *j;

	if (!f)
		return;
	if (ship_batch__write_json(f, b) < 0 || fclose(f) != 0) {
		free(out);
		abort();
	}
	if (!len || out[len - 1] != '\n' || memchr(out, '\n', len) != out + len - 1)
		abort();   /* one line, ended */
	j = cJSON_ParseWithLength(out, len);
	if (!j || !cJSON_IsObject(j))
		abort();
	cJSON_Delete(j);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gatewatch_v1_BatchIdentity id;
	struct ship_batch *b = NULL;
	const char *why = NULL;
	size_t n;

	if (collect__decode_batch(data, size, &b, &why) < 0) {
		if (!why || b)
			abort();
		return 0;
	}
	n = strlen(b->hdr.agent_id);
	if (!n || n > COLLECT_MAX_AGENT_ID)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)b->hdr.agent_id[i] < 0x20 || b->hdr.agent_id[i] == 0x7f)
			abort();
	if (b->nfindings > SHIP_MAX_FINDINGS || b->nincidents > SHIP_MAX_INCIDENTS)
		abort();
	if (collect__batch_identity(data, size, &id) < 0 || strcmp(id.agent_id, b->hdr.agent_id) ||
	    id.sequence != b->hdr.sequence)
		abort();
	check_json(b);
	ship_batch__free(b);
	return 0;
}
