/* The buffers a reader keeps from file to file, and the words for a read
 * or gunzip error. */
#include "audit/audit_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void audit_buf__release(struct audit_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->size = 0;
}

const char *audit_load__strerror(int err)
{
	switch (err) {
	case -EFBIG:
		return "larger than 1 GiB (after decompression)";
	case -EOVERFLOW:
		return "expands more than " GUNZIP_RATIO_TEXT " times its compressed size "
		       "(a decompression bomb?); passed over";
	case -EBADMSG:
		return "corrupt or truncated gzip data";
	default:
		return strerror(-err);
	}
}
