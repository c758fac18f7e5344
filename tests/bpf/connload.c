/* A workload with exactly known TCP connections, for the BPF tests.
 *
 * usage: connload ADDR COUNT REFUSED
 * Listens on ADDR (127.0.0.1 or ::1) port 0, connects to it COUNT times and
 * accepts each, then connects REFUSED times to a port on ADDR where nothing
 * listens. Prints "pid=N port=N closed_port=N". */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int make_addr(const char *addr, unsigned short port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return AF_INET6;
	}
	return -1;
}

static unsigned short bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	getsockname(fd, (struct sockaddr *)&ss, &len);
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned short port, closed;
	int fam, lfd, tfd;
	long count, refused;

	if (argc != 4) {
		fprintf(stderr, "usage: connload ADDR COUNT REFUSED\n");
		return 2;
	}
	count = strtol(argv[2], NULL, 10);
	refused = strtol(argv[3], NULL, 10);
	fam = make_addr(argv[1], 0, &ss, &len);
	if (fam < 0)
		return 2;
	lfd = socket(fam, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 128) < 0) {
		perror("connload: listen");
		return 1;
	}
	port = bound_port(lfd);
	/* a port with nothing listening: bind one, read its number, close it */
	tfd = socket(fam, SOCK_STREAM, 0);
	if (tfd < 0 || bind(tfd, (struct sockaddr *)&ss, len) < 0)
		return 1;
	closed = bound_port(tfd);
	close(tfd);
	for (long i = 0; i < count; i++) {
		int c = socket(fam, SOCK_STREAM, 0), a;

		make_addr(argv[1], port, &ss, &len);
		if (c < 0 || connect(c, (struct sockaddr *)&ss, len) < 0) {
			perror("connload: connect");
			return 1;
		}
		a = accept(lfd, NULL, NULL);
		if (a < 0) {
			perror("connload: accept");
			return 1;
		}
		close(a);
		close(c);
	}
	for (long i = 0; i < refused; i++) {
		int c = socket(fam, SOCK_STREAM, 0);

		make_addr(argv[1], closed, &ss, &len);
		if (c < 0 || connect(c, (struct sockaddr *)&ss, len) == 0 || errno != ECONNREFUSED) {
			fprintf(stderr, "connload: expected a refusal on port %u\n", closed);
			return 1;
		}
		close(c);
	}
	printf("pid=%d port=%u closed_port=%u\n", (int)getpid(), port, closed);
	return 0;
}
