/* Host windows as JSON lines: one object per window, one entry per process
 * with its reads (per root and bucket) and its connections (per remote). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "lib/isotime.h"

static const char *const drop_names[HOST_DROP_KINDS] = {
	"pending_full", "counts_full", "events_full", "conns_full", "verdicts_full", "unattributed_full",
	"agent",
};

static cJSON *process_obj(const struct host_proc *p)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "pid", p->pid);
	cJSON_AddNumberToObject(o, "start_time", (double)p->start_time);
	cJSON_AddNumberToObject(o, "start_ns", (double)p->start_ns);
	cJSON_AddNumberToObject(o, "uid", p->uid);
	cJSON_AddStringToObject(o, "comm", p->comm);
	cJSON_AddStringToObject(o, "exe", p->exe);
	cJSON_AddStringToObject(o, "unit", p->unit);
	cJSON_AddNumberToObject(o, "read_ops", 0);
	cJSON_AddNumberToObject(o, "read_bytes", 0);
	cJSON_AddNumberToObject(o, "read_errors", 0);
	cJSON_AddNumberToObject(o, "mapped_ops", 0);
	cJSON_AddNumberToObject(o, "mapped_bytes", 0);
	cJSON_AddBoolToObject(o, "mapped", 0);
	cJSON_AddArrayToObject(o, "reads");
	cJSON_AddArrayToObject(o, "conns_out");
	cJSON_AddArrayToObject(o, "conns_in");
	return o;
}

static void add_to(cJSON *obj, const char *key, uint64_t v)
{
	cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);

	cJSON_SetNumberValue(n, n->valuedouble + (double)v);
}

static int add_read(cJSON *proc, const struct host_read *r)
{
	cJSON *rd = cJSON_CreateObject(), *samples;

	if (!rd)
		return -ENOMEM;
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(proc, "reads"), rd);
	cJSON_AddStringToObject(rd, "root", r->root);
	cJSON_AddStringToObject(rd, "bucket", r->bucket);
	cJSON_AddNumberToObject(rd, "ops", (double)r->ops);
	cJSON_AddNumberToObject(rd, "bytes", (double)r->bytes);
	cJSON_AddNumberToObject(rd, "errors", (double)r->errors);
	cJSON_AddNumberToObject(rd, "mapped_ops", (double)r->mapped_ops);
	cJSON_AddNumberToObject(rd, "mapped_bytes", (double)r->mapped_bytes);
	cJSON_AddBoolToObject(rd, "mapped", r->mapped_ops > 0);
	samples = cJSON_AddArrayToObject(rd, "samples");
	for (size_t i = 0; samples && i < r->nsamples; i++)
		cJSON_AddItemToArray(samples, cJSON_CreateString(r->samples[i]));
	add_to(proc, "read_ops", r->ops);
	add_to(proc, "read_bytes", r->bytes);
	add_to(proc, "read_errors", r->errors);
	add_to(proc, "mapped_ops", r->mapped_ops);
	add_to(proc, "mapped_bytes", r->mapped_bytes);
	if (r->mapped_ops)
		cJSON_ReplaceItemInObjectCaseSensitive(proc, "mapped", cJSON_CreateTrue());
	return 0;
}

static int add_conn(cJSON *proc, const struct host_conn *c)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return -ENOMEM;
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(proc, c->inbound ? "conns_in" : "conns_out"), o);
	cJSON_AddStringToObject(o, "addr", c->addr);
	if (c->inbound) {
		cJSON_AddNumberToObject(o, "accepted", (double)c->ok);
	} else {
		cJSON_AddNumberToObject(o, "port", c->port);
		cJSON_AddNumberToObject(o, "ok", (double)c->ok);
		cJSON_AddNumberToObject(o, "failed", (double)c->failed);
	}
	return 0;
}

/* Reads no process was credited with, per root x bucket, with the processes
 * the kernel could still name. */
static int add_unattr(cJSON *arr, const struct host_window *w)
{
	for (size_t i = 0; i < w->nunattr; i++) {
		const struct host_unattr *u = &w->unattr[i];
		cJSON *o = cJSON_CreateObject(), *procs;

		if (!o)
			return -ENOMEM;
		cJSON_AddItemToArray(arr, o);
		cJSON_AddStringToObject(o, "root", u->root);
		cJSON_AddStringToObject(o, "bucket", u->bucket);
		cJSON_AddNumberToObject(o, "ops", (double)u->ops);
		cJSON_AddNumberToObject(o, "bytes", (double)u->bytes);
		cJSON_AddNumberToObject(o, "errors", (double)u->errors);
		procs = cJSON_AddArrayToObject(o, "processes");
		for (size_t j = 0; procs && j < u->nprocs; j++) {
			const struct host_proc *p = &u->procs[j];
			cJSON *po = cJSON_CreateObject();

			if (!po)
				return -ENOMEM;
			cJSON_AddItemToArray(procs, po);
			cJSON_AddNumberToObject(po, "pid", p->pid);
			cJSON_AddNumberToObject(po, "start_ns", (double)p->start_ns);
			cJSON_AddNumberToObject(po, "uid", p->uid);
			cJSON_AddStringToObject(po, "comm", p->comm);
			cJSON_AddStringToObject(po, "exe", p->exe);
		}
	}
	return 0;
}

/* Order of processes: pid, then start time (a reused pid is another process). */
static int proc_cmp(const struct host_proc *a, const struct host_proc *b)
{
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	return 0;
}

/* Reads and connections are each sorted by process: merge them per process. */
static int add_processes(cJSON *procs, const struct host_window *w)
{
	size_t i = 0, j = 0;

	while (i < w->nreads || j < w->nconns) {
		const struct host_proc *p;
		cJSON *o;

		if (j == w->nconns || (i < w->nreads && proc_cmp(&w->reads[i].proc, &w->conns[j].proc) <= 0))
			p = &w->reads[i].proc;
		else
			p = &w->conns[j].proc;
		o = process_obj(p);
		if (!o)
			return -ENOMEM;
		cJSON_AddItemToArray(procs, o);
		for (; i < w->nreads && proc_cmp(&w->reads[i].proc, p) == 0; i++)
			if (add_read(o, &w->reads[i]) < 0)
				return -ENOMEM;
		for (; j < w->nconns && proc_cmp(&w->conns[j].proc, p) == 0; j++)
			if (add_conn(o, &w->conns[j]) < 0)
				return -ENOMEM;
	}
	return 0;
}

int host_window__write_json(const struct host_window *w, FILE *out)
{
	cJSON *root = cJSON_CreateObject(), *procs, *drops, *unattr;
	char ts[40];
	char *text = NULL;
	int err = -ENOMEM;

	if (!root)
		return -ENOMEM;
	if (iso8601__format(w->start_ms, ts, sizeof(ts)) == 0)
		cJSON_AddStringToObject(root, "window_start", ts);
	if (iso8601__format(w->end_ms, ts, sizeof(ts)) == 0)
		cJSON_AddStringToObject(root, "window_end", ts);
	cJSON_AddStringToObject(root, "hooks", w->hooks ? w->hooks : "");
	procs = cJSON_AddArrayToObject(root, "processes");
	if (!procs || add_processes(procs, w) < 0)
		goto out;
	unattr = cJSON_AddArrayToObject(root, "unattributed");
	if (!unattr || add_unattr(unattr, w) < 0)
		goto out;
	drops = cJSON_AddObjectToObject(root, "drops");
	if (!drops)
		goto out;
	for (int k = 0; k < HOST_DROP_KINDS; k++)
		cJSON_AddNumberToObject(drops, drop_names[k], (double)w->drops[k]);
	text = cJSON_PrintUnformatted(root);
	if (!text)
		goto out;
	err = fprintf(out, "%s\n", text) < 0 || fflush(out) ? -EIO : 0;
out:
	free(text);
	cJSON_Delete(root);
	return err;
}
