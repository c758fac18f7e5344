/* See io.h. */
#include "lib/io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int io__write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int io__pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, p + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* "HOST" of HOST:PORT, or V6 of [V6]:PORT, into host; the port into *port. */
static int split_listen(const char *spec, char *host, size_t size, int *v6, unsigned *port)
{
	const char *colon = strrchr(spec, ':'), *h = spec;
	unsigned long p;
	char *end;
	size_t hl;

	if (!colon || colon == spec || colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (*end || errno || p > 65535)
		return -EINVAL;
	hl = (size_t)(colon - spec);
	*v6 = spec[0] == '[';
	if (*v6) {
		if (hl < 3 || spec[hl - 1] != ']')
			return -EINVAL;
		h++;
		hl -= 2;
	}
	if (hl >= size)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (unsigned)p;
	return 0;
}

int io__parse_listen(const char *spec, unsigned flags, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	unsigned port;
	int v6, err;

	memset(ss, 0, sizeof(*ss));
	err = split_listen(spec, host, sizeof(host), &v6, &port);
	if (err)
		return err;
	if (v6) {
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
		if ((flags & IO_LISTEN_LOOPBACK) && !IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return -EADDRNOTAVAIL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	if (strcmp(host, "localhost") == 0)
		in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		return -EINVAL;
	if ((flags & IO_LISTEN_LOOPBACK) && (ntohl(in4->sin_addr.s_addr) >> 24) != 127)
		return -EADDRNOTAVAIL;
	in4->sin_family = AF_INET;
	in4->sin_port = htons((uint16_t)port);
	return 0;
}
