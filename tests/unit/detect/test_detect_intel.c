/* Threat intel: the prefix trie (longest match, IPv4 and IPv6) and every
 * file format under tests/data/intel. */
#include <errno.h>

#include "assert.h"
#include "detect/detect_internal.h"

TEST(detect_intel_formats_and_longest_match)
{
	struct intel *t = intel__new();
	int kind = 0;

	ASSERT(t);
	ASSERT_EQ_INT(0, intel__load(t, "tor:" TESTDATA("intel/tor-exit-addresses")));
	ASSERT_EQ_INT(0, intel__load(t, "tor:" TESTDATA("intel/tor-bulk-exit-list.txt")));
	ASSERT_EQ_INT(0, intel__load(t, TESTDATA("intel/deny-cidrs.txt")));
	ASSERT_EQ_INT(0, intel__load(t, "hosting:" TESTDATA("intel/hosting.txt")));
	ASSERT_EQ_INT(0, intel__load(t, "allow:" TESTDATA("intel/allow-automation.txt")));
	ASSERT_EQ_INT(0, intel__load(t, TESTDATA("intel/aws-ip-ranges.json")));
	ASSERT_EQ_INT(0, intel__load(t, TESTDATA("intel/gcp-cloud.json")));
	ASSERT_EQ_INT(0, intel__load(t, TESTDATA("intel/azure-servicetags.json")));
	ASSERT_EQ_U64(2 + 3 + 2 + 1 + 1 + 3 + 2 + 2, intel__prefixes(t));

	ASSERT_EQ_STR("tor-exit tor-exit-addresses", intel__match(t, "198.51.100.68", INTEL_NONE, &kind));
	ASSERT_EQ_INT(INTEL_TOR, kind);
	ASSERT(!intel__match(t, "198.51.100.69", INTEL_NONE, &kind));
	ASSERT_EQ_STR("tor-exit tor-bulk-exit-list.txt", intel__match(t, "2001:db8:70::1", INTEL_NONE, &kind));
	ASSERT_EQ_STR("deny-cidrs.txt", intel__match(t, "203.0.113.230", INTEL_NONE, &kind));
	ASSERT_EQ_INT(INTEL_DENY, kind);
	ASSERT(!intel__match(t, "203.0.113.223", INTEL_NONE, &kind));
	ASSERT_EQ_STR("deny-cidrs.txt", intel__match(t, "2001:db8:bad:1::5", INTEL_NONE, &kind));
	ASSERT_EQ_STR("hosting.txt", intel__match(t, "192.0.2.241", INTEL_NONE, &kind));
	ASSERT_EQ_INT(INTEL_HOSTING, kind);
	ASSERT_EQ_STR("allow-automation.txt", intel__match(t, "198.51.100.77", INTEL_ALLOW, &kind));
	ASSERT(!intel__match(t, "198.51.100.77", INTEL_NONE, &kind));

	/* Cloud ranges label provider and region; the longest prefix wins. */
	ASSERT_EQ_STR("aws us-west-2 EC2", intel__match(t, "198.51.100.77", INTEL_CLOUD, &kind));
	ASSERT_EQ_STR("aws us-east-1 AMAZON", intel__match(t, "198.51.100.5", INTEL_CLOUD, &kind));
	ASSERT_EQ_STR("aws eu-west-1 EC2", intel__match(t, "2001:db8:a5::9", INTEL_CLOUD, &kind));
	ASSERT_EQ_STR("gcp us-east1 Google Cloud", intel__match(t, "192.0.2.7", INTEL_CLOUD, &kind));
	ASSERT_EQ_STR("azure westeurope AzureCloud.westeurope",
		      intel__match(t, "203.0.113.130", INTEL_CLOUD, &kind));
	ASSERT(!intel__match(t, "not-an-ip", INTEL_CLOUD, &kind));
	ASSERT(!intel__match(t, "", INTEL_CLOUD, &kind));
	intel__free(t);
}

TEST(detect_intel_bad_files)
{
	struct intel *t = intel__new();

	ASSERT(t);
	ASSERT_EQ_INT(-ENOENT, intel__load(t, TESTDATA("intel/no-such-file")));
	ASSERT_EQ_INT(-EINVAL, intel__load(t, TESTDATA("intel/README.md")));
	ASSERT_EQ_U64(0, intel__prefixes(t));
	intel__free(t);
}
