/* The severities and clouds, and their one table of names: the JSON
 * report, the JSON lines, OTLP and the log all spell them from here. */
#ifndef GW_NAMES_H
#define GW_NAMES_H

enum gw_severity {
	GW_SEV_INFO = 0,
	GW_SEV_LOW,
	GW_SEV_MEDIUM,
	GW_SEV_HIGH,
	GW_SEV_CRITICAL,
};

enum gw_cloud {
	GW_CLOUD_UNKNOWN = 0,
	GW_CLOUD_AWS,
	GW_CLOUD_GCP,
	GW_CLOUD_AZURE,
	GW_CLOUD_MINIO,
};

/* "info" .. "critical"; NULL for a number that is no severity. */
const char *gw_severity_name_or_null(int sev);
/* The same, "info" for a number that is no severity. */
const char *gw_severity_name(int sev);
/* "unknown", "aws", "gcp", "azure", "minio"; "unknown" for a number that is
 * no cloud. */
const char *gw_cloud_name(int cloud);

#endif
