/* See log.h. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *log_prog = "gatewatch";
static int log_level = LOG_INFO;
static int log_prefix = 1;

void gw_log_init(const char *prog)
{
	const char *lvl = getenv("GATEWATCH_LOG_LEVEL");

	if (prog)
		log_prog = prog;
	/* Under journald the priority prefix is parsed; on a terminal it is noise. */
	log_prefix = !isatty(STDERR_FILENO) || getenv("JOURNAL_STREAM");
	if (lvl && strcmp(lvl, "debug") == 0)
		log_level = LOG_DEBUG;
}

void gw_log_set_level(int level)
{
	log_level = level;
}

void gw_vlog(int prio, const char *fmt, va_list ap)
{
	char line[16384];
	int n;

	if (prio > log_level)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	/* Strip a trailing newline (libbpf adds one); a truncated line stays truncated. */
	n = (int)strnlen(line, sizeof(line));
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (log_prefix)
		fprintf(stderr, "<%d>%s: %s\n", prio, log_prog, line);
	else
		fprintf(stderr, "%s: %s\n", log_prog, line);
}

void gw_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gw_vlog(prio, fmt, ap);
	va_end(ap);
}
