/* The configuration: defaults, the INI loader, the flag setter and the checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "assert.h"
#include "audit/audit.h"
#include "config/config.h"
#include "detect/detect.h"
#include "lib/secret.h"
#include "tmpfile.h"

/* Write text to a fresh temporary file with the given mode; returns its path
 * in buf (caller unlinks). */
static int write_tmp(char *buf, size_t len, const char *text, mode_t mode)
{
	return got_tmp_text(buf, len, text) < 0 ? -1 : chmod(buf, mode);
}

TEST(config_defaults)
{
	struct gw_config c;

	gw_config__defaults(&c);
	ASSERT_EQ_STR("/var/lib/gatewatch", c.state_dir);
	ASSERT_EQ_STR("info", c.log_level);
	ASSERT(c.metrics_listen == NULL);
	ASSERT(c.collector_url == NULL);
	ASSERT_EQ_INT(10, c.interval_sec);
	ASSERT_EQ_INT(300, c.pull_interval_sec);
	ASSERT_EQ_INT(100, c.bulk_threshold);
	ASSERT_EQ_INT(0, c.nroots);
	ASSERT_EQ_INT(LOG_INFO, gw_config__log_priority(&c));
	gw_config__free(&c);
}

TEST(config_load_all_sections)
{
	char path[64];
	struct gw_config c;
	int err;

	ASSERT_EQ_INT(0, write_tmp(path, sizeof(path),
		"# comment\n"
		"[sensor]\nroots = /srv/a, /srv/b\nroots = /srv/c\ninterval_sec = 30\n"
		"[audit]\nsources = cloudtrail:/var/log/ct\nsources = s3://logs/AWSLogs/\n"
		"pull_interval_sec = 60\n"
		"[gateway]\nexes = /usr/local/bin/minio, s3fs\naccess_keys = AKIAEXAMPLE123\n"
		"ips = 203.0.113.7, 2001:db8::/32\n"
		"[detect]\nbulk_threshold = 500 ; inline comment\n"
		"[ship]\ncollector_url = https://collector.example:8443/v1/batches\n"
		"[agent]\nstate_dir = /tmp\nmetrics_listen = 127.0.0.1:9464\nlog_level = debug\n",
		0600));
	gw_config__defaults(&c);
	err = gw_config__load(&c, path);
	unlink(path);
	ASSERT_EQ_INT(0, err);
	ASSERT_EQ_INT(3, c.nroots);
	ASSERT_EQ_STR("/srv/b", c.roots[1]);
	ASSERT_EQ_STR("/srv/c", c.roots[2]);
	ASSERT_EQ_INT(30, c.interval_sec);
	ASSERT_EQ_INT(2, c.naudit);
	ASSERT_EQ_STR("s3://logs/AWSLogs/", c.audit_sources[1]);
	ASSERT_EQ_INT(2, c.ngateway_exes);
	ASSERT_EQ_STR("s3fs", c.gateway_exes[1]);
	ASSERT_EQ_INT(1, c.ngateway_keys);
	ASSERT_EQ_INT(2, c.ngateway_ips);
	ASSERT_EQ_INT(500, c.bulk_threshold);
	ASSERT_EQ_STR("https://collector.example:8443/v1/batches", c.collector_url);
	ASSERT_EQ_STR("127.0.0.1:9464", c.metrics_listen);
	ASSERT_EQ_INT(LOG_DEBUG, gw_config__log_priority(&c));
	ASSERT_EQ_STR(path, c.path);
	gw_config__free(&c);
}

static int load_text(const char *text)
{
	char path[64];
	struct gw_config c;
	int err;

	if (write_tmp(path, sizeof(path), text, 0600))
		return -999;
	gw_config__defaults(&c);
	err = gw_config__load(&c, path);
	unlink(path);
	gw_config__free(&c);
	return err;
}

TEST(config_load_errors)
{
	ASSERT_EQ_INT(-EINVAL, load_text("[sensor]\nrootz = /srv\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[nosuch]\nroots = /srv\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("roots = /srv\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[sensor]\nroots = relative/dir\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[sensor]\ninterval_sec = 0\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[sensor]\ninterval_sec = 10s\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[agent]\nmetrics_listen = 0.0.0.0:9464\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[agent]\nmetrics_listen = 127.0.0.1\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[agent]\nlog_level = loud\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[agent]\nstate_dir =\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[ship]\ncollector_url = ftp://x\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[gateway]\nips = 10.0.0.0/33\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[gateway]\nexes = bin/minio\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[audit]\nsources = cloudtrail:logs\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[sensor]\nthis line has no equals sign\n"));
	ASSERT_EQ_INT(0, load_text("[agent]\nmetrics_listen = [::1]:9464\n"));
	ASSERT_EQ_INT(0, load_text("[agent]\nmetrics_listen = localhost:1\n"));
	ASSERT_EQ_INT(0, load_text(""));
}

TEST(config_load_missing_file)
{
	struct gw_config c;

	gw_config__defaults(&c);
	ASSERT_EQ_INT(-ENOENT, gw_config__load(&c, "/nonexistent/gatewatch.conf"));
	gw_config__free(&c);
}

TEST(config_set_flags)
{
	struct gw_config c;

	gw_config__defaults(&c);
	ASSERT_EQ_INT(0, gw_config__set(&c, "root", "/srv/a"));
	ASSERT_EQ_INT(0, gw_config__set(&c, "roots", "/srv/b,/srv/c"));
	ASSERT_EQ_INT(0, gw_config__set(&c, "sensor.roots", "/srv/d"));
	ASSERT_EQ_INT(4, c.nroots);
	ASSERT_EQ_INT(0, gw_config__set(&c, "root", ""));
	ASSERT_EQ_INT(0, c.nroots);
	ASSERT_EQ_INT(0, gw_config__set(&c, "interval-sec", "5"));
	ASSERT_EQ_INT(0, gw_config__set(&c, "bulk_threshold", "7"));
	ASSERT_EQ_INT(5, c.interval_sec);
	ASSERT_EQ_INT(7, c.bulk_threshold);
	ASSERT_EQ_INT(0, gw_config__set(&c, "metrics-listen", "127.0.0.1:9000"));
	ASSERT_EQ_INT(0, gw_config__set(&c, "metrics-listen", ""));
	ASSERT(c.metrics_listen == NULL);
	ASSERT_EQ_INT(-EINVAL, gw_config__set(&c, "no-such-flag", "1"));
	ASSERT_EQ_INT(-EINVAL, gw_config__set(&c, "log-level", "verbose"));
	ASSERT_EQ_STR("info", c.log_level);
	gw_config__free(&c);
}

TEST(config_key_table)
{
	const struct gw_config_key *k;
	size_t n = 0;
	int have_state = 0;

	for (size_t i = 0; (k = gw_config__key(i)); i++, n++) {
		ASSERT(k->section && k->name && k->flag && k->help && k->def && k->metavar);
		if (!strcmp(k->name, "state_dir"))
			have_state = !strcmp(k->def, "/var/lib/gatewatch");
	}
	ASSERT(n >= 18);
	ASSERT(have_state);
}

TEST(config_check_secrets)
{
	char conf[64], tok[64];
	char text[256];
	struct gw_config c;
	int err;

	ASSERT_EQ_INT(0, write_tmp(tok, sizeof(tok), "s3cret\n", 0644));
	snprintf(text, sizeof(text), "[ship]\ntoken_file = %s\n[agent]\nstate_dir = /tmp\n", tok);
	ASSERT_EQ_INT(0, write_tmp(conf, sizeof(conf), text, 0644));
	gw_config__defaults(&c);
	ASSERT_EQ_INT(0, gw_config__load(&c, conf));
	err = gw_config__check(&c);            /* world-readable token file */
	chmod(tok, 0600);
	ASSERT_EQ_INT(-EINVAL, err);
	ASSERT_EQ_INT(0, gw_config__check(&c));
	/* A SAS signature in a URL makes the file itself a secret. */
	ASSERT_EQ_INT(0, gw_config__set(&c, "audit",
		"azure:https://acct.blob.core.windows.net/insights-logs?sv=2022&sig=abc%2B"));
	ASSERT_EQ_INT(-EINVAL, gw_config__check(&c));
	c.file_mode = S_IFREG | 0640;
	ASSERT_EQ_INT(0, gw_config__check(&c));
	gw_config__free(&c);
	unlink(conf);
	unlink(tok);
}

/* One rule for every file that holds a secret: symlinks, non-regular
 * files, group/world-writable and world-readable files are refused; a
 * group-readable one is read (with a warning). */
TEST(secret_file_rule)
{
	char tok[64], link[80], fifo[80], buf[64];
	size_t n = 0;

	ASSERT_EQ_INT(0, write_tmp(tok, sizeof(tok), "tok-123 \n", 0600));
	ASSERT_EQ_INT(0, secret_file__read(tok, buf, sizeof(buf), &n));
	ASSERT_EQ_STR("tok-123", buf);
	ASSERT_EQ_U64(7, n);
	chmod(tok, 0640);
	ASSERT_EQ_INT(0, secret_file__read(tok, buf, sizeof(buf), &n));
	ASSERT_EQ_INT(0, secret_file__check(tok));
	chmod(tok, 0620);
	ASSERT_EQ_INT(-EPERM, secret_file__read(tok, buf, sizeof(buf), &n));
	ASSERT_EQ_INT(-EPERM, secret_file__check(tok));
	chmod(tok, 0602);
	ASSERT_EQ_INT(-EPERM, secret_file__check(tok));
	chmod(tok, 0644);
	ASSERT_EQ_INT(-EPERM, secret_file__read(tok, buf, sizeof(buf), &n));
	chmod(tok, 0600);
	snprintf(link, sizeof(link), "%s.link", tok);
	ASSERT_EQ_INT(0, symlink(tok, link));
	ASSERT_EQ_INT(-ELOOP, secret_file__read(link, buf, sizeof(buf), &n));
	ASSERT_EQ_INT(-ELOOP, secret_file__check(link));
	unlink(link);
	/* a FIFO is refused at once, never waited on */
	snprintf(fifo, sizeof(fifo), "%s.fifo", tok);
	ASSERT_EQ_INT(0, mkfifo(fifo, 0600));
	ASSERT_EQ_INT(-EINVAL, secret_file__read(fifo, buf, sizeof(buf), &n));
	unlink(fifo);
	/* too long for the buffer, empty, a NUL inside */
	ASSERT_EQ_INT(-EFBIG, secret_file__read(tok, buf, 4, &n));
	unlink(tok);
	ASSERT_EQ_INT(0, write_tmp(tok, sizeof(tok), " \n", 0600));
	ASSERT_EQ_INT(-EINVAL, secret_file__read(tok, buf, sizeof(buf), &n));
	unlink(tok);
	{
		FILE *f;

		ASSERT_EQ_INT(0, write_tmp(tok, sizeof(tok), "", 0600));
		f = fopen(tok, "w");
		ASSERT(f);
		fwrite("ab\0cd\n", 1, 6, f);
		fclose(f);
		ASSERT_EQ_INT(-EINVAL, secret_file__read(tok, buf, sizeof(buf), &n));
		unlink(tok);
	}
}

TEST(config_check_paths)
{
	struct gw_config c;

	gw_config__defaults(&c);
	ASSERT_EQ_INT(0, gw_config__set(&c, "state-dir", "/tmp/gw-no-such-state"));
	ASSERT_EQ_INT(0, gw_config__check(&c));     /* parent exists: created at start */
	ASSERT_EQ_INT(0, gw_config__set(&c, "root", "/nonexistent/bucket-root"));
	ASSERT_EQ_INT(-EINVAL, gw_config__check(&c));
	ASSERT_EQ_INT(0, gw_config__set(&c, "root", ""));
	ASSERT_EQ_INT(0, gw_config__set(&c, "cert-file", "/etc/hostname"));
	ASSERT_EQ_INT(-EINVAL, gw_config__check(&c)); /* cert without key */
	gw_config__free(&c);
}

/* The shipped file documents every key, commented out, with its default,
 * under its own section, and loads as it is. */
TEST(config_shipped_file_documents_every_key)
{
	const char *path = "packaging/gatewatch.conf";
	const struct gw_config_key *k;
	char line[512], section[64] = "", want[256];
	struct gw_config c;

	for (size_t i = 0; (k = gw_config__key(i)); i++) {
		FILE *f = fopen(path, "r");
		int found = 0;

		ASSERT(f != NULL);
		snprintf(want, sizeof(want), "#%s =%s%s\n", k->name, k->def[0] ? " " : "", k->def);
		while (fgets(line, sizeof(line), f)) {
			if (line[0] == '[')
				snprintf(section, sizeof(section), "%.*s", (int)strcspn(line + 1, "]"),
					 line + 1);
			else if (!strcmp(line, want) && !strcmp(section, k->section))
				found = 1;
		}
		fclose(f);
		if (!found)
			FAIL_AT("%s: no line '#%s = %s' in [%s]", path, k->name, k->def, k->section);
	}
	gw_config__defaults(&c);
	ASSERT_EQ_INT(0, gw_config__load(&c, path));
	gw_config__free(&c);
}

/* Each [detect] default lives once (DETECT_DEF_* in detect/detect.h): the
 * configuration's defaults make exactly detector_config__defaults(), and
 * every [detect] number reaches the detector (another value changes its
 * configuration), so that equality covers every key. */
TEST(config_detect_defaults_agree_for_every_key)
{
	const struct gw_config_key *k;
	struct detector_config def, dc;
	struct gw_config c;
	char name[96], val[24];
	size_t keys = 0;

	detector_config__defaults(&def);
	gw_config__defaults(&c);
	detector_config__defaults(&dc);
	ASSERT_EQ_INT(0, gw_config__detector(&c, &dc));
	gw_config__free(&c);
	if (memcmp(&dc, &def, sizeof(dc)) != 0)
		FAIL_AT("the [detect] defaults of the configuration are not the detector's");
	for (size_t i = 0; (k = gw_config__key(i)); i++) {
		if (strcmp(k->section, "detect") != 0 || k->type != GW_CFG_UINT)
			continue;
		keys++;
		snprintf(name, sizeof(name), "detect.%s", k->name);
		snprintf(val, sizeof(val), "%lu", strtoul(k->def, NULL, 10) + 1);
		gw_config__defaults(&c);
		ASSERT_EQ_INT(0, gw_config__set(&c, name, val));
		detector_config__defaults(&dc);
		ASSERT_EQ_INT(0, gw_config__detector(&c, &dc));
		gw_config__free(&c);
		if (memcmp(&dc, &def, sizeof(dc)) == 0)
			FAIL_AT("[detect] %s = %s does not reach the detector", k->name, val);
	}
	ASSERT(keys >= 17);
}

/* The [detect] keys become the detector's configuration: defaults agree
 * with detector_config__defaults(), set keys arrive, contradictions fail. */
TEST(config_detect_section)
{
	struct detector_config dc, def;
	struct gw_config c;
	int tz = 1;

	gw_config__defaults(&c);
	detector_config__defaults(&def);
	detector_config__defaults(&dc);
	ASSERT_EQ_INT(0, gw_config__detector(&c, &dc));
	ASSERT(memcmp(&dc, &def, sizeof(dc)) == 0);
	ASSERT_EQ_INT(0, gw_config__set(&c, "tz-offset", "-05:30"));
	ASSERT_EQ_INT(0, gw_config__set(&c, "detect.business_start_hour", "9"));
	ASSERT_EQ_INT(0, gw_config__set(&c, "business-end-hour", "17"));
	ASSERT_EQ_INT(0, gw_config__set(&c, "denied-min", "9"));
	ASSERT_EQ_INT(0, gw_config__set(&c, "baseline_days", "7"));
	ASSERT_EQ_INT(0, gw_config__detector(&c, &dc));
	ASSERT_EQ_INT(-330, dc.tz_offset_min);
	ASSERT_EQ_INT(9, dc.work_start_hour);
	ASSERT_EQ_INT(17, dc.work_end_hour);
	ASSERT_EQ_INT(9, dc.denied_min);
	ASSERT_EQ_INT(7, dc.baseline_days);
	ASSERT_EQ_INT(-EINVAL, gw_config__set(&c, "tz-offset", "+14:30"));
	ASSERT_EQ_INT(-EINVAL, gw_config__set(&c, "tz-offset", "0530"));
	ASSERT_EQ_INT(-EINVAL, gw_config__set(&c, "regions-min", "9"));
	ASSERT_EQ_STR("-05:30", c.tz);
	ASSERT_EQ_INT(0, gw_config__set(&c, "business-start-hour", "17"));
	ASSERT_EQ_INT(-EINVAL, gw_config__detector(&c, &dc));
	ASSERT_EQ_INT(-EINVAL, gw_config__check(&c));
	ASSERT_EQ_INT(0, gw_config__parse_tz("UTC", &tz));
	ASSERT_EQ_INT(0, tz);
	ASSERT_EQ_INT(-EINVAL, load_text("[detect]\ntz_offset = +25:00\n"));
	ASSERT_EQ_INT(-EINVAL, load_text("[detect]\nbaseline_days = 0\n"));
	ASSERT_EQ_INT(0, load_text("[detect]\ntz_offset = +02:00\nlist_floor = 80\n"));
	gw_config__free(&c);
}

/* The daemon's configuration takes every SOURCE that analyze takes: each
 * format prefix before a local path and before a bucket URL, and a bare
 * path or URL (the format detected), through the audit stage's one parser. */
TEST(config_sources_take_every_analyze_source)
{
	static const char *const prefixes[] = { "", "cloudtrail:", "s3access:", "gcs:", "azure:",
						"azure-activity:", "minio:" };
	static const char *const wheres[] = { "/var/log/gw-audit", "s3://trail/AWSLogs/",
					      "gs://audit-bucket/logs/",
					      "https://acct.blob.core.windows.net/insights-logs/x" };
	char text[256], spec[160];
	struct audit_spec s;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		for (size_t j = 0; j < sizeof(wheres) / sizeof(wheres[0]); j++) {
			snprintf(spec, sizeof(spec), "%s%s", prefixes[i], wheres[j]);
			ASSERT_EQ_INT(0, audit_spec__parse(spec, &s));
			snprintf(text, sizeof(text), "[audit]\nsources = %s\n", spec);
			if (load_text(text) != 0) {
				fprintf(stderr, "  config refused %s\n", spec);
				ASSERT_EQ_INT(0, load_text(text));
			}
		}
	ASSERT_EQ_INT(-EINVAL, load_text("[audit]\nsources = cloudtrial:/var/log/ct\n"));
}
