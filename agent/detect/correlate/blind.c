/* sensor-blinded: the host sensor lost sight of some object reads in a
 * window (a counts map or the ring buffer was full, or the agent could not
 * keep a row). Without it a flood of short-lived readers hides the real
 * reader behind a drop counter in the log. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate_priv.h"

/* Drop kinds that lose sight of reads or readers: the verdict cache failing
 * to store costs time, not data. */
static const char *const loss_names[HOST_DROP_KINDS] = {
	[HOST_DROP_PENDING] = "pending_full",
	[HOST_DROP_COUNTS] = "counts_full",
	[HOST_DROP_EVENTS] = "events_full",
	[HOST_DROP_CONNS] = "conns_full",
	[HOST_DROP_UNATTR] = "unattributed_full",
	[HOST_DROP_AGENT] = "agent",
};

/* The likeliest cause, from the kinds lost and how full the maps were. */
static const char *blind_cause(const struct host_window *w)
{
	if (w->drops[HOST_DROP_COUNTS] || w->nunattr)
		return w->reads_max && w->reads_used * 10 >= w->reads_max * 9
			       ? "the read counts map was full: a flood of short-lived readers, or max_counts too small for this host"
			       : "the read counts map was full at times during the window: a burst of short-lived readers";
	if (w->drops[HOST_DROP_UNATTR])
		return "the unattributed map was full: reads under more root x bucket pairs than it holds";
	if (w->drops[HOST_DROP_EVENTS])
		return "the ring buffer was full: a burst of new processes or samples";
	if (w->drops[HOST_DROP_PENDING])
		return "too many reads in flight at once";
	if (w->drops[HOST_DROP_CONNS])
		return "the connection counts map was full: a flood of connections";
	return "the agent could not keep every row (memory or its own table full)";
}

static int blind_evidence(struct finding *f, const struct host_window *w, uint64_t *lost)
{
	char roots[512] = "";
	size_t len = 0;
	int err = 0;

	*lost = 0;
	for (int k = 0; k < HOST_DROP_KINDS; k++) {
		if (!loss_names[k] || !w->drops[k])
			continue;
		err |= finding__add_evidence(f, loss_names[k], "%" PRIu64, w->drops[k]);
		*lost += w->drops[k];
	}
	for (size_t i = 0; i < w->nunattr; i++) {
		const struct host_unattr *u = &w->unattr[i];
		int n;

		if (strstr(roots, u->root))
			continue;
		n = snprintf(roots + len, sizeof(roots) - len, "%s%s", len ? "," : "", u->root);
		if (n < 0 || (size_t)n >= sizeof(roots) - len)
			break;
		len += (size_t)n;
	}
	if (roots[0])
		err |= finding__add_evidence(f, "roots", "%s", roots);
	if (w->reads_max)
		err |= finding__add_evidence(f, "counts_map_fill", "%" PRIu32 "/%" PRIu32, w->reads_used,
					     w->reads_max);
	err |= finding__add_evidence(f, "hooks", "%s", w->hooks ? w->hooks : "");
	err |= finding__add_evidence(f, "cause", "%s", blind_cause(w));
	return err ? -ENOMEM : 0;
}

/* The unattributed volume, and up to two of the processes the kernel could
 * still name; the largest bucket is the finding's bucket. */
static int blind_volume(struct finding *f, const struct host_window *w)
{
	const struct host_unattr *top = NULL;
	size_t named = 0;
	int err = 0;

	for (size_t i = 0; i < w->nunattr; i++) {
		const struct host_unattr *u = &w->unattr[i];

		f->bytes += u->bytes;
		if (!top || u->bytes > top->bytes)
			top = u;
	}
	if (!top)
		return 0;
	f->bucket = strdup(top->bucket);
	if (!f->bucket)
		return -ENOMEM;
	err |= finding__add_evidence(f, "unattributed_bytes", "%" PRIu64, f->bytes);
	err |= finding__add_evidence(f, "largest", "%s/%s: %" PRIu64 " ops, %" PRIu64 " bytes",
				     top->root, top->bucket, top->ops, top->bytes);
	/* the largest bucket's readers first: that is where the volume went */
	for (size_t j = 0; j < top->nprocs && named < 2; j++, named++) {
		const struct host_proc *p = &top->procs[j];

		err |= finding__add_evidence(f, named ? "reader2" : "reader1",
					     "pid %" PRIu32 " exe %s comm %s uid %" PRIu32, p->pid,
					     p->exe[0] ? p->exe : "(unknown)", p->comm, p->uid);
	}
	return err ? -ENOMEM : 0;
}

void corr_sensor_blinded(struct correlator *c, const struct host_window *w)
{
	struct finding *f;
	uint64_t lost = 0;
	char key[32];

	for (int k = 0; k < HOST_DROP_KINDS; k++)
		if (loss_names[k])
			lost += w->drops[k];
	if (!lost && !w->nunattr)
		return;
	snprintf(key, sizeof(key), "%" PRId64, w->end_ms);
	f = corr_finding(c, "sensor-blinded", "The host sensor lost sight of object reads",
			 GW_SEV_HIGH, 85, w->start_ms, w->end_ms, key);
	if (!f) {
		c->stats.dropped++;
		return;
	}
	f->mitre[f->nmitre++] = "T1562";
	if (blind_evidence(f, w, &lost) || blind_volume(f, w)) {
		finding__free(f);
		c->stats.dropped++;
		return;
	}
	f->count = lost;
	corr_emit(c, f);
}

const struct rule rule_sensor_blinded = {
	.id = "sensor-blinded",
	.window = corr_sensor_blinded,
};
