/* See log.h. */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *log_prog = "gatewatch";
static int log_level = LOG_INFO;
static int log_prefix;   /* "<N>" priority prefix: stderr is the journal */
static int log_colour;   /* colour: stderr is a terminal and NO_COLOR is unset */

/* JOURNAL_STREAM is "DEV:INO" of the journal's socket; it is inherited by
 * children whose stderr may go elsewhere, so it counts only when it names
 * stderr itself (systemd.exec(5)). */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (!js || !*js || fstat(STDERR_FILENO, &st) != 0)
		return 0;
	errno = 0;
	dev = strtoull(js, &end, 10);
	if (errno || end == js || *end != ':')
		return 0;
	js = end + 1;
	ino = strtoull(js, &end, 10);
	if (errno || end == js || *end)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void gw_log_init(const char *prog)
{
	const char *lvl = getenv("GATEWATCH_LOG_LEVEL");

	if (prog)
		log_prog = prog;
	/* Under journald the priority prefix is parsed; anywhere else it is noise. */
	log_prefix = stderr_is_journal();
	log_colour = !log_prefix && isatty(STDERR_FILENO) && !getenv("NO_COLOR") &&
		     !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);
	if (lvl && strcmp(lvl, "debug") == 0)
		log_level = LOG_DEBUG;
}

int gw_log_level(void)
{
	return log_level;
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
	else if (log_colour && prio <= LOG_WARNING)
		fprintf(stderr, "%s: %s%s\033[0m\n", log_prog,
			prio <= LOG_ERR ? "\033[1;31m" : "\033[33m", line);
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
