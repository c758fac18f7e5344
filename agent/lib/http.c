/* agent/lib: answers, bearer tokens and the log rate limit of the HTTP
 * servers (see http.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/http.h"

enum MHD_Result http__respond(struct MHD_Connection *conn, unsigned int status, const char *type,
			      void *body, size_t len, enum MHD_ResponseMemoryMode mode,
			      unsigned int retry_after)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;
	char ra[16];

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	if (retry_after) {
		snprintf(ra, sizeof(ra), "%u", retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

enum MHD_Result http__respond_error(struct MHD_Connection *conn, unsigned int status,
				    const char *code, const char *detail, unsigned int retry_after)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	if (!f)
		return MHD_NO;
	fputs("{\"error\":", f);
	json_str(f, code);
	if (detail) {
		fputs(",\"detail\":", f);
		json_str(f, detail);
	}
	fputs("}\n", f);
	if (fclose(f) != 0) {
		free(body);
		return MHD_NO;
	}
	return http__respond(conn, status, "application/json", body, len, MHD_RESPMEM_MUST_FREE,
			     retry_after);
}

bool http__bearer_ok(const char *token, size_t token_len, const char *auth)
{
	const char *got;
	size_t glen;
	unsigned char diff;

	if (!token_len)
		return true;
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return false;
	got = auth + 7;
	glen = strlen(got);
	diff = glen != token_len;
	for (size_t i = 0; i < token_len; i++)
		diff |= (unsigned char)(i < glen ? got[i] : 0) ^ (unsigned char)token[i];
	return diff == 0;
}

bool http__log_ok(void)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static time_t sec;
	static unsigned int n;
	time_t now = time(NULL);
	bool ok;

	pthread_mutex_lock(&mu);
	if (now != sec) {
		sec = now;
		n = 0;
	}
	ok = ++n <= 10;
	pthread_mutex_unlock(&mu);
	return ok;
}
