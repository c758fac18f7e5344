/* Azure Storage logs: classic Storage Analytics 1.0/2.0 (the docs' and
 * the WebJobs SDK's lines, valid and malformed) and StorageBlobLogs JSON. */
#include <stdio.h>

#include "assert.h"
#include "audit_test_util.h"

#define AZ REAL "azure_storage_analytics/"

TEST(azure_classic_v1_docs_samples)
{
	struct got *g = got_read("azure:" AZ "msdocs_storage_analytics_log_format_v1_samples.log");
	const struct audit_event *e;

	ASSERT(g);
	ASSERT_EQ_INT(0, g->rc);
	ASSERT_EQ_U64(8, g->st.records);
	ASSERT_EQ_U64(8, g->st.events);
	e = &g->ev[0];
	ASSERT_EQ_INT(got_ms("2014-06-19T22:59:23.196Z"), e->time_ms);
	ASSERT_EQ_STR("GetBlob", e->api);
	ASSERT_EQ_INT(GW_ACT_OBJECT_READ, e->action);
	ASSERT_EQ_INT(GW_PT_ANONYMOUS, e->principal_type);
	ASSERT_EQ_STR("anonymous", e->access_key);      /* the authentication type */
	ASSERT_EQ_STR("sample-container1", e->bucket);
	ASSERT_EQ_STR("00001.txt", e->object_key);
	ASSERT_EQ_STR("192.100.0.102", e->source_ip);
	ASSERT_EQ_STR("WA-Storage/4.0.1 (.NET CLR 4.0.30319.34014; Win32NT 6.3.9600.0)", e->user_agent);
	ASSERT_EQ_U64(23, e->bytes_out);   /* response-packet-size */
	ASSERT_EQ_INT(GW_CLOUD_AZURE, e->cloud);
	e = &g->ev[1];
	ASSERT_EQ_STR("PutBlob", e->api);
	ASSERT_EQ_INT(GW_ACT_OBJECT_WRITE, e->action);
	ASSERT_EQ_STR("storagesample", e->principal);
	ASSERT_EQ_U64(23, e->bytes_in);    /* request-packet-size */
	got_free(g);
}

TEST(azure_classic_v2_real_capture)
{
	/* No prefix: detected. */
	struct got *g = got_read(AZ "mslearn_storage_analytics_v2_real_capture.log");

	ASSERT(g);
	ASSERT_EQ_U64(4, g->st.records);
	ASSERT_EQ_U64(4, g->st.events);
	ASSERT_EQ_STR("40.91.210.176", g->ev[0].source_ip);
	ASSERT_EQ_STR("testcontainer", g->ev[0].bucket);
	ASSERT_EQ_STR("testblob7.dat", g->ev[0].object_key);
	ASSERT_EQ_STR("c675930e-f01e-0016-2e66-2b5b8a000000", g->ev[0].request_id);
	got_free(g);
}

TEST(azure_classic_webjobs_valid_and_malformed)
{
	static const char *const keys[][2] = {
		{ "sample-container", "Copy-sample-blob.txt" },
		{ "sample-container", "Copy-sample-blob.txt" },
		{ "sample-container", "sample-blob.txt" }, /* a URL-valued key */
		{ "sample-container", "Copy-sample-blob.txt" },
		{ "input", "/\";\"" },                     /* &quot;;&quot; decoded */
	};
	struct got *g = got_read("azure:" AZ "webjobs_parser_valid_v1.log");

	ASSERT(g);
	ASSERT_EQ_U64(5, g->st.events);
	ASSERT_EQ_U64(0, g->st.skipped);
	for (size_t i = 0; i < 5; i++) {
		ASSERT_EQ_STR(keys[i][0], g->ev[i].bucket);
		ASSERT_EQ_STR(keys[i][1], g->ev[i].object_key);
	}
	got_free(g);
	g = got_read("azure:" AZ "webjobs_parser_malformed.log");
	ASSERT(g);
	ASSERT_EQ_INT(0, g->rc);
	ASSERT_EQ_U64(5, g->st.records);
	ASSERT_EQ_U64(0, g->st.events);
	ASSERT_EQ_U64(5, g->st.skipped);
	got_free(g);
}

TEST(azure_storagebloblogs_secura)
{
	struct got *g = got_read(REAL "azure_storagebloblogs_secura/storagebloblogs_secura_2022-07.ndjson");
	const struct audit_event *e;
	size_t sas_get = 0, deletes = 0, lists = 0;

	ASSERT(g);
	ASSERT_EQ_INT(0, g->rc);
	ASSERT_EQ_U64(0, g->st.files_failed);
	ASSERT_EQ_U64(8, g->st.records);
	ASSERT_EQ_U64(8, g->st.events);
	e = &g->ev[0];
	ASSERT_EQ_STR("ListContainers", e->api);
	ASSERT_EQ_INT(GW_ACT_LIST, e->action);
	ASSERT_EQ_STR("<Redacted>", e->source_ip);
	ASSERT_EQ_STR("AccountKey", e->access_key);
	ASSERT_EQ_STR("diag7fff8f1ab8425b12", e->account);
	ASSERT_EQ_STR("West Europe", e->region);
	ASSERT_EQ_U64(13049, e->bytes_out);
	ASSERT_EQ_STR("securacontainer", g->ev[1].bucket);
	for (size_t i = 0; i < 8; i++) {
		e = &g->ev[i];
		if (e->action == GW_ACT_OBJECT_READ && strcmp(e->access_key, "SAS") == 0 &&
		    strcmp(e->object_key, "passwords.txt") == 0)
			sas_get++;
		deletes += e->action == GW_ACT_OBJECT_DELETE;
		lists += e->action == GW_ACT_LIST;
	}
	ASSERT(sas_get >= 1);
	ASSERT_EQ_U64(1, deletes);
	ASSERT_EQ_U64(2, lists);
	got_free(g);
}

TEST(azure_storagebloblogs_dynatrace)
{
	struct got *g = got_read("azure:" REAL "azure_storagebloblogs_dynatrace/"
				 "storagebloblogs_benign_function_checkpoint.ndjson");

	ASSERT(g);
	ASSERT_EQ_U64(2, g->st.events);
	ASSERT_EQ_STR("SetBlobMetadata", g->ev[0].api);
	ASSERT_EQ_STR("10.50.0.204", g->ev[0].source_ip);
	ASSERT_EQ_STR("azure-webjobs-eventhub", g->ev[0].bucket);
	ASSERT_EQ_STR("nippon.servicebus.windows.net/http/$default/checkpoint/0", g->ev[0].object_key);
	ASSERT_EQ_STR("eastus", g->ev[0].region);
	got_free(g);
}

/* Storage Analytics names no SAS token (requester-account-name is empty for
 * SAS requests and sig is masked), so each token is named by the fields it
 * is signed over: the same token (its URL's & plain or HTML-encoded) is one
 * principal, another token is another, a token bound to a stored access
 * policy is named by the policy, and account-key requests keep the account. */
TEST(azure_classic_sas_token_is_a_principal)
{
	struct got *g = got_read("azure:tests/data/azure_classic/sas_tokens.log");

	ASSERT(g);
	ASSERT_EQ_INT(0, g->rc);
	ASSERT_EQ_U64(5, g->st.events);
	ASSERT_EQ_INT(GW_PK_SAS, g->ev[0].principal_kind);
	ASSERT(strncmp(g->ev[0].principal, "sas:contosodata:", 16) == 0);
	ASSERT_EQ_U64(32, strlen(g->ev[0].principal));
	ASSERT_EQ_STR(g->ev[0].principal, g->ev[1].principal);
	ASSERT_EQ_STR(g->ev[0].principal, g->ev[0].access_key);
	ASSERT(strcmp(g->ev[0].principal, g->ev[2].principal) != 0);
	ASSERT_EQ_STR("sas:contosodata:policy/nightly-export", g->ev[3].principal);
	ASSERT_EQ_STR("contosodata", g->ev[4].principal);
	ASSERT_EQ_INT(GW_PK_OWN, g->ev[4].principal_kind);
	ASSERT_EQ_STR("passwords.txt", g->ev[0].object_key);
	got_free(g);
}
