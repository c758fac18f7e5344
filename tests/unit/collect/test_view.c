/* The collector's view: findings once per id with their reporters,
 * incidents at their latest revision with a bounded history, pages by
 * update, and the bound on entries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "collect/view.h"

/* A batch from agent with one finding fid and one incident iid at rev. */
static struct ship_batch *batch(const char *agent, const char *fid, const char *iid,
				uint64_t rev)
{
	struct ship_batch *b = ship_batch__new();

	if (!b)
		return NULL;
	snprintf(b->hdr.agent_id, sizeof(b->hdr.agent_id), "%s", agent);
	snprintf(b->hdr.hostname, sizeof(b->hdr.hostname), "host-%s", agent);
	if (fid) {
		snprintf(b->findings[0].id, sizeof(b->findings[0].id), "%s", fid);
		b->nfindings = 1;
	}
	if (iid) {
		snprintf(b->incidents[0].id, sizeof(b->incidents[0].id), "%s", iid);
		b->incidents[0].revision = rev;
		b->nincidents = 1;
	}
	return b;
}

static int add(struct view *v, const char *agent, const char *fid, const char *iid,
	       uint64_t rev, uint64_t off)
{
	struct ship_batch *b = batch(agent, fid, iid, rev);
	int err = b ? view__add_batch(v, b, off, (int64_t)(1000 + off)) : -1;

	ship_batch__free(b);
	return err;
}

TEST(view_reporters_and_history)
{
	struct view *v = view__new(100);
	struct view_page p;
	char agent[16];

	ASSERT(v);
	/* 20 agents report one cloud finding; revisions 1..20 of one incident */
	for (int i = 1; i <= 20; i++) {
		snprintf(agent, sizeof(agent), "a%02d", i);
		ASSERT_EQ_INT(0, add(v, agent, "F1", "I1", (uint64_t)i, (uint64_t)i * 100));
	}
	/* an old revision sent late does not win */
	ASSERT_EQ_INT(0, add(v, "a01", NULL, "I1", 3, 5000));
	ASSERT_EQ_INT(0, view__page(v, VIEW_FINDING, NULL, 10, &p));
	ASSERT_EQ_U64(1, p.n);
	ASSERT_EQ_STR("F1", p.rows[0].id);
	ASSERT_EQ_U64(20, p.rows[0].received);
	ASSERT_EQ_U64(VIEW_MAX_AGENTS, p.rows[0].nagents);
	ASSERT_EQ_INT(1, p.rows[0].agents_more);
	ASSERT_EQ_STR("host-a01", p.rows[0].hostnames[0]);
	ASSERT_EQ_U64(2000, p.rows[0].batch_off);
	view_page__free(&p);
	ASSERT_EQ_INT(0, view__page(v, VIEW_INCIDENT, NULL, 10, &p));
	ASSERT_EQ_U64(1, p.n);
	ASSERT_EQ_U64(20, p.rows[0].revision);
	ASSERT_EQ_U64(2000, p.rows[0].batch_off);
	ASSERT_EQ_U64(20, p.rows[0].revisions_seen);
	ASSERT_EQ_U64(VIEW_MAX_HISTORY, p.rows[0].nhist);
	ASSERT_EQ_U64(5, p.rows[0].hist[0].revision);    /* the last 16: 5..20 */
	ASSERT_EQ_U64(20, p.rows[0].hist[VIEW_MAX_HISTORY - 1].revision);
	ASSERT_EQ_STR("a20", p.rows[0].hist_agents[VIEW_MAX_HISTORY - 1]);
	ASSERT_EQ_INT(1000 + 2000, p.rows[0].hist[VIEW_MAX_HISTORY - 1].received_ms);
	view_page__free(&p);
	view__free(v);
}

TEST(view_pages_and_bound)
{
	struct view *v = view__new(3);
	struct view_stats st;
	struct view_page p;
	uint64_t c = 0;
	char id[8];

	ASSERT(v);
	for (int i = 1; i <= 5; i++) {
		snprintf(id, sizeof(id), "F%d", i);
		ASSERT_EQ_INT(0, add(v, "a", id, NULL, 0, (uint64_t)i));
	}
	view__stats(v, &st);
	ASSERT_EQ_U64(3, st.entries[VIEW_FINDING]);
	ASSERT_EQ_U64(2, st.forgotten[VIEW_FINDING]);
	ASSERT_EQ_INT(0, view__page(v, VIEW_FINDING, &c, 2, &p));
	ASSERT_EQ_U64(2, p.n);
	ASSERT_EQ_STR("F3", p.rows[0].id);
	ASSERT_EQ_STR("F4", p.rows[1].id);
	c = p.next;
	view_page__free(&p);
	/* F3 reported again: it moves after the cursor */
	ASSERT_EQ_INT(0, add(v, "b", "F3", NULL, 0, 9));
	ASSERT_EQ_INT(0, view__page(v, VIEW_FINDING, &c, 10, &p));
	ASSERT_EQ_U64(2, p.n);
	ASSERT_EQ_STR("F5", p.rows[0].id);
	ASSERT_EQ_STR("F3", p.rows[1].id);
	ASSERT_EQ_U64(2, p.rows[1].nagents);
	c = p.next + 1;
	view_page__free(&p);
	ASSERT_EQ_INT(-EINVAL, view__page(v, VIEW_FINDING, &c, 10, &p));
	view__free(v);
}
