/* agent/collect: a FindingBatch as the collector takes it from the network
 * (see collect.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <pb_decode.h>

#include "collect/collect.h"

/* Every agent_id field in buf (protobuf lets a field repeat, the last one
 * wins), checked on its raw bytes: a NUL would cut the decoded C string and
 * make two agents one. */
static int check_agent_ids(const uint8_t *buf, size_t len, const char **why)
{
	pb_istream_t s = pb_istream_from_buffer(buf, len);
	uint8_t id[COLLECT_MAX_AGENT_ID + 1];
	pb_wire_type_t wt;
	uint32_t tag, n;
	bool eof = false;

	while (pb_decode_tag(&s, &wt, &tag, &eof)) {
		if (tag != gatewatch_v1_FindingBatch_agent_id_tag || wt != PB_WT_STRING) {
			if (!pb_skip_field(&s, wt))
				break;
			continue;
		}
		if (!pb_decode_varint32(&s, &n))
			break;
		if (n > COLLECT_MAX_AGENT_ID) {
			*why = "agent_id longer than 127 bytes";
			return -EBADMSG;
		}
		if (!pb_read(&s, id, n))
			break;
		for (uint32_t i = 0; i < n; i++)
			if (id[i] < 0x20 || id[i] == 0x7f) {
				*why = id[i] ? "agent_id with a control character" :
					       "agent_id with a NUL byte";
				return -EBADMSG;
			}
	}
	if (!eof) {
		*why = PB_GET_ERROR(&s);
		return -EBADMSG;
	}
	return 0;
}

int collect__decode_batch(const uint8_t *buf, size_t len, struct ship_batch **out,
			  const char **why)
{
	int err = check_agent_ids(buf, len, why);

	*out = NULL;
	if (err < 0)
		return err;
	err = ship_batch__decode(buf, len, out, why);
	if (err < 0)
		return err;
	if (!(*out)->hdr.agent_id[0]) {
		*why = "no agent_id";
		ship_batch__free(*out);
		*out = NULL;
		return -EBADMSG;
	}
	return 0;
}

int collect__batch_identity(const uint8_t *buf, size_t len, gatewatch_v1_BatchIdentity *id)
{
	const char *why;

	if (check_agent_ids(buf, len, &why) < 0 || ship_batch__identity(buf, len, id) < 0 ||
	    !id->agent_id[0])
		return -EBADMSG;
	return 0;
}
