/* ship__post against a scripted HTTP server on loopback: retries, final
 * answers, the ack check, the bearer token, the default path. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pb_encode.h>

#include "assert.h"
#include "ship/ship.h"
#include "ship/wire.h"

#define FAKE_MAX 6

struct fake {
	int lfd;
	int port;
	int nscript;
	int status[FAKE_MAX];
	long long ack_seq[FAKE_MAX];     /* -1: no ack body */
	const char *ctype[FAKE_MAX];     /* Content-Type, with body[i] as the body */
	const char *body[FAKE_MAX];
	const char *location[FAKE_MAX];
	int requests;
	char first_line[128];
	char auth[128];
};

static void read_request(int fd, struct fake *f)
{
	char buf[16384], *hdr_end, *p;
	size_t len = 0;
	unsigned long long clen = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		hdr_end = strstr(buf, "\r\n\r\n");
		if (!hdr_end)
			continue;
		p = strcasestr(buf, "\r\nContent-Length:");
		clen = p ? strtoull(p + 17, NULL, 10) : 0;
		if (len >= (size_t)(hdr_end + 4 - buf) + clen)
			break;
	}
	buf[len] = '\0';
	snprintf(f->first_line, sizeof(f->first_line), "%.*s", (int)strcspn(buf, "\r\n"), buf);
	p = strcasestr(buf, "\r\nAuthorization: ");
	f->auth[0] = '\0';
	if (p)
		snprintf(f->auth, sizeof(f->auth), "%.*s", (int)strcspn(p + 17, "\r\n"), p + 17);
}

static void *serve(void *arg)
{
	struct fake *f = arg;

	for (int i = 0; i < f->nscript; i++) {
		gatewatch_v1_BatchAck ack = gatewatch_v1_BatchAck_init_zero;
		uint8_t body[512];
		pb_ostream_t s = pb_ostream_from_buffer(body, sizeof(body));
		char head[512], extra[256] = "";
		int fd = accept(f->lfd, NULL, NULL), hl;
		size_t blen = 0;

		if (fd < 0)
			break;
		read_request(fd, f);
		f->requests++;
		if (f->ack_seq[i] >= 0) {
			ack.sequence = (uint64_t)f->ack_seq[i];
			pb_encode(&s, gatewatch_v1_BatchAck_fields, &ack);
			blen = s.bytes_written;
		} else if (f->body[i]) {
			blen = strlen(f->body[i]);
			memcpy(body, f->body[i], blen);
		}
		if (f->ctype[i])
			snprintf(extra, sizeof(extra), "Content-Type: %s\r\n", f->ctype[i]);
		if (f->location[i])
			snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
				 "Location: %s\r\n", f->location[i]);
		hl = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n%s"
			      "Connection: close\r\n\r\n", f->status[i], blen, extra);
		if (write(fd, head, (size_t)hl) < 0 || write(fd, body, blen) < 0)
			perror("write");
		close(fd);
	}
	return NULL;
}

static int fake_start(struct fake *f, pthread_t *t)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(f->lfd, 8) != 0 || getsockname(f->lfd, (struct sockaddr *)&a, &alen) != 0)
		return -1;
	f->port = ntohs(a.sin_port);
	return pthread_create(t, NULL, serve, f) == 0 ? 0 : -1;
}

static int post(struct fake *f, const char *path, const char *token, uint64_t seq, int attempts)
{
	struct ship_post_opts o;
	char url[128];
	pthread_t t;
	int err;

	if (fake_start(f, &t) != 0)
		return -999;
	ship_post_opts__defaults(&o);
	o.backoff_ms = 2;
	o.token = token;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", f->port, path);
	err = ship__post_opts(url, (const uint8_t *)"batch", 5, seq, attempts, &o);
	shutdown(f->lfd, SHUT_RDWR);
	pthread_join(t, NULL);
	close(f->lfd);
	return err;
}

TEST(post_retries_then_acked)
{
	struct fake f = { .nscript = 2, .status = { 503, 200 }, .ack_seq = { -1, 9 } };

	ASSERT_EQ_INT(0, post(&f, "", NULL, 9, 3));
	ASSERT_EQ_INT(2, f.requests);
	ASSERT_EQ_STR("POST /v1/batches HTTP/1.1", f.first_line);
	ASSERT_EQ_STR("", f.auth);
}

/* Only a collector's explicit refusal of the batch is final. */
TEST(post_collector_rejection_is_final)
{
	struct fake f = { .nscript = 2, .status = { 400, 200 }, .ack_seq = { -1, 9 },
			  .ctype = { "application/json; charset=utf-8" },
			  .body = { "{\"error\":\"invalid-batch\",\"detail\":\"no agent_id\"}\n" } };

	ASSERT_EQ_INT(-EPROTO, post(&f, "/custom/path", NULL, 9, 3));
	ASSERT_EQ_INT(1, f.requests);
	ASSERT_EQ_STR("POST /custom/path HTTP/1.1", f.first_line);
}

/* A proxy's 400 page, a 400 with another JSON error, a 404, a 409: all kept
 * and retried, never final. */
TEST(post_other_client_errors_are_retried)
{
	struct fake f = { .nscript = 5, .status = { 400, 400, 404, 409, 200 },
			  .ack_seq = { -1, -1, -1, -1, 9 },
			  .ctype = { "text/html", "application/json", "application/json",
				     "application/json" },
			  .body = { "<html>{\"error\":\"invalid-batch\"}</html>",
				    "{\"error\":\"bad-token\"}", "{\"error\":\"invalid-batch\"}",
				    "{\"error\":\"invalid-batch\"}" } };

	ASSERT_EQ_INT(0, post(&f, "/v1/batches", NULL, 9, 5));
	ASSERT_EQ_INT(5, f.requests);
}

/* A redirect is not followed: the same URL again, and the batch kept. */
TEST(post_redirect_not_followed)
{
	struct fake f = { .nscript = 3, .status = { 301, 308, 200 }, .ack_seq = { -1, -1, 9 },
			  .location = { "https://user:pw@elsewhere.example/v1/batches?sig=x",
					"/other/path" } };

	ASSERT_EQ_INT(0, post(&f, "/v1/batches", NULL, 9, 3));
	ASSERT_EQ_INT(3, f.requests);
	ASSERT_EQ_STR("POST /v1/batches HTTP/1.1", f.first_line);
}

TEST(post_token_and_unauthorized)
{
	struct fake f = { .nscript = 1, .status = { 401 }, .ack_seq = { -1 } };

	ASSERT_EQ_INT(-EACCES, post(&f, "/", "s3cret", 9, 3));
	ASSERT_EQ_INT(1, f.requests);
	ASSERT_EQ_STR("Bearer s3cret", f.auth);
}

TEST(post_wrong_ack_retried_then_fails)
{
	struct fake f = { .nscript = 3, .status = { 200, 429, 200 }, .ack_seq = { 8, -1, 8 } };

	ASSERT_EQ_INT(-ETIMEDOUT, post(&f, "/v1/batches", NULL, 9, 3));
	ASSERT_EQ_INT(3, f.requests);
}

TEST(post_bad_url)
{
	ASSERT_EQ_INT(-EINVAL, ship__post("ftp://127.0.0.1/x", (const uint8_t *)"b", 1, 1, 1));
}
