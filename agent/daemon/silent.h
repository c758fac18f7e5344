/* audit-source-silent: a pulled audit source that delivered at a steady
 * gap stops delivering for silent_factor times that gap (and at least
 * silent_min_sec) while the agent runs: the cloud's trail may have been
 * stopped, redirected or cut off, and what happens on the buckets goes
 * unlogged. Critical when the host sensor still sees object reads under
 * the watched roots since the last delivery, high otherwise. */
#ifndef GW_DAEMON_SILENT_H
#define GW_DAEMON_SILENT_H

#include <stddef.h>
#include <stdint.h>

struct finding;
struct silent;

/* n sources; factor and min_sec as configured. NULL on ENOMEM. */
struct silent *silent__new(size_t n, unsigned factor, unsigned min_sec);
void silent__free(struct silent *s);
/* After a reload: s itself when it watches n sources (with the new factor
 * and minimum), else a fresh one in its place (s kept on ENOMEM). */
struct silent *silent__renew(struct silent *s, size_t n, unsigned factor, unsigned min_sec);
/* Source i delivered (new objects or events) at wall time now_ms. */
void silent__delivered(struct silent *s, size_t i, int64_t now_ms);
/* The sensor saw ops object reads under the roots in its last window. */
void silent__host_reads(struct silent *s, uint64_t ops);
/* A finding when source i (spec, redacted in the finding) has been silent
 * too long, once per silence; NULL otherwise (or on ENOMEM, logged). */
struct finding *silent__check(struct silent *s, size_t i, const char *spec, int64_t now_ms);

#endif
