/* Files that hold a secret (bearer tokens, TLS private keys): one rule for
 * every reader (collect, ship, run, check-config). Refused, with one line
 * naming the file: a symlink, anything but a regular file, a file that
 * group or others may write, or that others may read. A group-readable
 * file is accepted with a warning. */
#ifndef GW_SECRET_H
#define GW_SECRET_H

#include <stddef.h>

/* Check the file at path by the rule without reading it (a key handed to
 * libcurl or gnutls by name). 0, or a negative errno after logging. */
int secret_file__check(const char *path);

/* As secret_file__check, but instead of logging a refusal, puts it in why
 * (whylen bytes; SECRET_WHY_MAX is enough), naming the file. */
#define SECRET_WHY_MAX 4352
int secret_file__judge(const char *path, char *why, size_t whylen);

/* Read a token (at most size - 1 bytes) into buf, NUL-terminated, with
 * trailing whitespace removed; *len is its length. 0, or a negative errno
 * after one line naming the file: -EFBIG (too long), -EINVAL (empty or
 * holding a NUL), or the rule's. */
int secret_file__read(const char *path, char *buf, size_t size, size_t *len);

#endif
