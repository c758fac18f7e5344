/* Small I/O pieces that every stage uses the same way. */
#ifndef GW_IO_H
#define GW_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* All of buf to fd, going on after EINTR and short writes. 0 or -errno
 * (-EIO when the file takes nothing). io__pwrite_all writes at off. */
int io__write_all(int fd, const void *buf, size_t len);
int io__pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

/* A listen address: ADDR:PORT with a numeric IPv4 address or localhost, or
 * [IPv6]:PORT; PORT 0 to 65535 (0: the kernel picks). With
 * IO_LISTEN_LOOPBACK only 127.0.0.0/8, ::1 and localhost are accepted.
 * 0 with ss filled; -EINVAL for bad syntax; -EADDRNOTAVAIL for an address
 * that is not loopback where loopback is required. */
#define IO_LISTEN_LOOPBACK 1u
int io__parse_listen(const char *spec, unsigned flags, struct sockaddr_storage *ss);

#endif
