/* Secrets out of what is echoed: a source or URL shown in a log line, a
 * report, a metrics label or check-config's output goes through here, the
 * one place that knows which parts of a URL are secret. */
#ifndef GW_REDACT_H
#define GW_REDACT_H

#include <stddef.h>

/* Room for any source the agent echoes. */
#define REDACT_MAX 4096

/* Copy text into out (size bytes, always NUL-terminated; longer text is
 * cut) with, in every URL in it, the userinfo (user:password@) and the value
 * of every query parameter that carries a secret (a SAS sig, a presigned
 * URL's X-Amz-Signature / X-Amz-Credential / X-Amz-Security-Token or
 * X-Goog-*, any token, key, secret or password) replaced by REDACTED.
 * Returns out. */
char *redact__url(const char *text, char *out, size_t size);

/* 1 when redact__url would change text. */
int redact__has_secret(const char *text);

#endif
