/* Host windows as JSON lines. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host.h"
#include "timefmt.h"

static cJSON *process_obj(const struct host_read *r)
{
	cJSON *p = cJSON_CreateObject();

	if (!p)
		return NULL;
	cJSON_AddNumberToObject(p, "pid", r->pid);
	cJSON_AddNumberToObject(p, "start_time", (double)r->start_time);
	cJSON_AddNumberToObject(p, "uid", r->uid);
	cJSON_AddStringToObject(p, "comm", r->comm);
	cJSON_AddStringToObject(p, "exe", r->exe);
	cJSON_AddNumberToObject(p, "read_ops", 0);
	cJSON_AddNumberToObject(p, "read_bytes", 0);
	cJSON_AddNumberToObject(p, "read_errors", 0);
	cJSON_AddArrayToObject(p, "reads");
	return p;
}

static void add_to(cJSON *obj, const char *key, uint64_t v)
{
	cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);

	cJSON_SetNumberValue(n, n->valuedouble + (double)v);
}

static int add_read(cJSON *proc, const struct host_read *r)
{
	cJSON *rd = cJSON_CreateObject();

	if (!rd)
		return -ENOMEM;
	cJSON_AddStringToObject(rd, "root", r->root);
	cJSON_AddStringToObject(rd, "bucket", r->bucket);
	cJSON_AddNumberToObject(rd, "ops", (double)r->ops);
	cJSON_AddNumberToObject(rd, "bytes", (double)r->bytes);
	cJSON_AddNumberToObject(rd, "errors", (double)r->errors);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(proc, "reads"), rd);
	add_to(proc, "read_ops", r->ops);
	add_to(proc, "read_bytes", r->bytes);
	add_to(proc, "read_errors", r->errors);
	return 0;
}

int host_window__write_json(const struct host_window *w, FILE *out)
{
	cJSON *root = cJSON_CreateObject(), *procs, *drops, *proc = NULL;
	char ts[40];
	char *text = NULL;
	int err = -ENOMEM;

	if (!root)
		return -ENOMEM;
	gw_format_time_ms(w->start_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(root, "window_start", ts);
	gw_format_time_ms(w->end_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(root, "window_end", ts);
	cJSON_AddStringToObject(root, "hooks", w->hooks ? w->hooks : "");
	procs = cJSON_AddArrayToObject(root, "processes");
	for (size_t i = 0; procs && i < w->nreads; i++) {
		const struct host_read *r = &w->reads[i];

		if (i == 0 || r->pid != w->reads[i - 1].pid) {
			proc = process_obj(r);
			if (!proc)
				goto out;
			cJSON_AddItemToArray(procs, proc);
		}
		if (add_read(proc, r) < 0)
			goto out;
	}
	drops = cJSON_AddObjectToObject(root, "drops");
	if (!drops)
		goto out;
	cJSON_AddNumberToObject(drops, "pending_full", (double)w->drops[0]);
	cJSON_AddNumberToObject(drops, "counts_full", (double)w->drops[1]);
	cJSON_AddNumberToObject(drops, "events_full", (double)w->drops[2]);
	text = cJSON_PrintUnformatted(root);
	if (!text)
		goto out;
	err = fprintf(out, "%s\n", text) < 0 || fflush(out) ? -EIO : 0;
out:
	free(text);
	cJSON_Delete(root);
	return err;
}
