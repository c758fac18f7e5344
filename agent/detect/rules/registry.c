/* The rules, in the order the detector runs them: each rule's file
 * defines its struct rule, and this table is where a new one is added
 * (and DETECTOR_NRULES in detect_internal.h raised with it). */
#include "detect/detect_internal.h"

const struct rule *const detector_rules[] = {
	&rule_bulk_download,
	&rule_new_source_ip,
	&rule_first_time_api,
	&rule_access_denied_cluster,
	&rule_multi_region_burst,
	&rule_enumeration_spike,
	&rule_after_hours_access,
	&rule_suspicious_source,
	&rule_new_user_agent,
	&rule_cross_account_copy,
	&rule_read_volume,
	&rule_bucket_read_spike,
	&rule_anonymous_access,
	&rule_root_activity,
	&rule_foreign_principal_access,
	&rule_sensitive_object_read,
	&rule_first_sighting,
	&rule_workload_credential_off_workload,
	&rule_new_principal_denied,
	&rule_public_exposure,
	&rule_audit_logging_disabled,
	&rule_protection_removed,
	&rule_foreign_account_copy,
	&rule_ransomware_encryption,
	&rule_storage_credential_created,
	&rule_mass_delete,
	&rule_mass_overwrite,
	&rule_sensor_blinded,
	&rule_unexpected_reader,
	&rule_process_read_spike,
	&rule_unaudited_reads,
	&rule_credential_off_gateway,
	&rule_new_client,
};

_Static_assert(sizeof(detector_rules) / sizeof(detector_rules[0]) == DETECTOR_NRULES,
	       "DETECTOR_NRULES must count the rules in detector_rules");

const struct rule *detector__rule(size_t i)
{
	return i < DETECTOR_NRULES ? detector_rules[i] : NULL;
}

const char *detector__rule_id(size_t i)
{
	return i < DETECTOR_NRULES ? detector_rules[i]->id : NULL;
}

int detector__rule_account_wide(size_t i)
{
	return i < DETECTOR_NRULES && detector_rules[i]->account_wide;
}
