/* gatewatch logging: one line per message on stderr.
 *
 * When stderr is the journal (JOURNAL_STREAM names it), each line starts
 * with the syslog priority prefix "<N>" that journald reads; in a terminal,
 * a pipe or a file lines are plain, errors and warnings coloured only on a
 * terminal and never with NO_COLOR set. No timestamps are printed. Messages
 * are lower case and name the object they are about.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdarg.h>
#include <syslog.h>

void gw_log_init(const char *prog);
/* Raise or lower the threshold (LOG_DEBUG shows everything). */
void gw_log_set_level(int level);
/* The threshold now, to put it back after a quiet stretch. */
int gw_log_level(void);
void gw_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gw_vlog(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define log_err(...) gw_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...) gw_log(LOG_WARNING, __VA_ARGS__)
#define log_info(...) gw_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...) gw_log(LOG_DEBUG, __VA_ARGS__)

#endif
