/* See names.h. */
#include "lib/names.h"

#include <stddef.h>

static const char *const severity_names[] = {
	[GW_SEV_INFO] = "info",
	[GW_SEV_LOW] = "low",
	[GW_SEV_MEDIUM] = "medium",
	[GW_SEV_HIGH] = "high",
	[GW_SEV_CRITICAL] = "critical",
};

static const char *const cloud_names[] = {
	[GW_CLOUD_UNKNOWN] = "unknown",
	[GW_CLOUD_AWS] = "aws",
	[GW_CLOUD_GCP] = "gcp",
	[GW_CLOUD_AZURE] = "azure",
	[GW_CLOUD_MINIO] = "minio",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *gw_severity_name_or_null(int sev)
{
	return sev >= 0 && (size_t)sev < N(severity_names) ? severity_names[sev] : NULL;
}

const char *gw_severity_name(int sev)
{
	const char *n = gw_severity_name_or_null(sev);

	return n ? n : "info";
}

const char *gw_cloud_name(int cloud)
{
	return cloud >= 0 && (size_t)cloud < N(cloud_names) ? cloud_names[cloud] : "unknown";
}
