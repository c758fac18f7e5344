/* See detect.h: [audit] scope = gateway, the events that touch the gateway. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

static int in_list(const char *const *v, size_t n, const char *s)
{
	if (!s || !*s)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] && strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* 1 when ip (v4 or v6 text) is inside net ("IP" or "IP/LEN"). */
static int ip_in(const char *net, const char *ip)
{
	unsigned char a[16], b[16];
	char addr[64];
	const char *slash = strchr(net, '/');
	size_t alen = slash ? (size_t)(slash - net) : strlen(net);
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET, bits = fam == AF_INET6 ? 128 : 32;
	char *end;
	long len = bits;

	if (alen >= sizeof(addr))
		return 0;
	memcpy(addr, net, alen);
	addr[alen] = '\0';
	if (inet_pton(fam, addr, a) != 1 || inet_pton(fam, ip, b) != 1)
		return 0;
	if (slash) {
		len = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || len < 0 || len > bits)
			return 0;
	}
	for (long i = 0; i < len; i += 8) {
		unsigned char mask = (unsigned char)(len - i >= 8 ? 0xff : 0xff << (8 - (len - i)));

		if ((a[i / 8] ^ b[i / 8]) & mask)
			return 0;
	}
	return 1;
}

int detector_config__in_scope(const struct detector_config *c, const struct audit_event *ev)
{
	if (!c->gateway_scope)
		return 1;
	if (in_list(c->scope_keys, c->nscope_keys, ev->access_key) ||
	    in_list(c->scope_buckets, c->nscope_buckets, ev->bucket))
		return 1;
	for (size_t i = 0; ev->source_ip && *ev->source_ip && i < c->nscope_ips; i++)
		if (c->scope_ips[i] && ip_in(c->scope_ips[i], ev->source_ip))
			return 1;
	return 0;
}
