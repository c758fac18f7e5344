/* Baseline building blocks: first-seen sets with a TTL and a bound, robust
 * EWMA statistics, user-agent families, hour of the week. */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "detect/detect_internal.h"
#include "detect/baseline_priv.h"

TEST(detect_seen_ttl_forgets_after_30_days)
{
	struct seen_set s;
	uint64_t dropped = 0;
	const char *ip = "203.0.113.9", *ua = "boto3";

	seen__init(&s, 16);
	ASSERT_EQ_INT(0, seen__touch(&s, ip, SEEN_IP, 20000, 30, &dropped));
	ASSERT_EQ_INT(1, seen__touch(&s, ip, SEEN_IP, 20000, 30, &dropped));
	/* The same string as another kind is another key. */
	ASSERT_EQ_INT(0, seen__touch(&s, ip, SEEN_API, 20000, 30, &dropped));
	ASSERT_EQ_INT(1, seen__touch(&s, ip, SEEN_IP, 20030, 30, &dropped));   /* 30 days: seen */
	ASSERT_EQ_INT(0, seen__touch(&s, ip, SEEN_IP, 20061, 30, &dropped));   /* 31 days: new */
	ASSERT_EQ_INT(0, seen__touch(&s, ua, SEEN_UA, 20061, 30, &dropped));
	ASSERT_EQ_U64(0, dropped);
	ASSERT_EQ_INT(1, seen__has(&s, ua, SEEN_UA));
	ASSERT_EQ_INT(0, seen__has(&s, ua, SEEN_IP));
	seen__free(&s);
}

TEST(detect_seen_bound_counts_drops)
{
	static char keys[40][16];
	struct seen_set s;
	uint64_t dropped = 0;
	int news = 0;

	seen__init(&s, 6);
	for (int i = 0; i < 40; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		news += seen__touch(&s, keys[i], SEEN_API, 100, 30, &dropped) == 0;
	}
	/* Past the bound a key counts as seen (no alert storm) and as a drop. */
	ASSERT(s.n <= 6);
	ASSERT_EQ_INT((int)s.n, news);
	ASSERT_EQ_U64(40 - s.n, dropped);
	/* A day later the bound is the same, but expired keys make room. */
	ASSERT_EQ_INT(0, seen__touch(&s, keys[39], SEEN_API, 200, 30, &dropped));
	seen__free(&s);
}

/* A set starts at 24 slots and grows by a half or a third, not by
 * doubling, to 7/8 full: up to 21 keys it holds 24 slots, not 32; every key
 * is still found through the growths, and a bound of 100 still holds
 * exactly 100 keys. */
TEST(detect_seen_grows_in_small_steps)
{
	static char keys[280][16];
	static const uint32_t caps[] = { 24, 32, 48, 64, 96, 128, 192, 256, 384 };
	struct seen_set s;
	uint64_t dropped = 0;
	size_t k = 0;

	seen__init(&s, 4096);
	for (int i = 0; i < 280; i++) {
		snprintf(keys[i], sizeof(keys[i]), "ip%d", i);
		ASSERT_EQ_INT(0, seen__touch(&s, keys[i], SEEN_IP, 100, 30, &dropped));
		while (k < sizeof(caps) / sizeof(caps[0]) && caps[k] * 7 / 8 < s.n)
			k++;
		ASSERT_EQ_INT((int)caps[k], (int)s.cap);
	}
	ASSERT_EQ_INT(384, (int)s.cap);
	for (int i = 0; i < 280; i++) {
		ASSERT_EQ_INT(1, seen__has(&s, keys[i], SEEN_IP));
		ASSERT_EQ_INT(0, seen__has(&s, keys[i], SEEN_UA));
		ASSERT_EQ_INT(1, seen__touch(&s, keys[i], SEEN_IP, 101, 30, &dropped));
	}
	seen__free(&s);
	seen__init(&s, 100);
	for (int i = 0; i < 280; i++)
		seen__touch(&s, keys[i], SEEN_UA, 100, 30, &dropped);
	ASSERT_EQ_INT(100, (int)s.n);
	ASSERT_EQ_U64(180, dropped);
	seen__free(&s);
}

/* A set at its bound forgets what expired when the next key comes, even
 * with room left in its slots (a bound of 20 in 24 slots). */
TEST(detect_seen_bound_purges_with_room_left)
{
	static char keys[21][16];
	struct seen_set s;
	uint64_t dropped = 0;

	seen__init(&s, 20);
	for (int i = 0; i < 21; i++) {
		snprintf(keys[i], sizeof(keys[i]), "ua%d", i);
		seen__touch(&s, keys[i], SEEN_UA, 100, 30, &dropped);
	}
	ASSERT_EQ_INT(20, (int)s.n);
	ASSERT_EQ_U64(1, dropped);
	/* 100 days on, all 20 expired: the 21st key is new, not a drop. */
	ASSERT_EQ_INT(0, seen__touch(&s, keys[20], SEEN_UA, 200, 30, &dropped));
	ASSERT_EQ_U64(1, dropped);
	ASSERT_EQ_INT(1, (int)s.n);
	seen__free(&s);
}

/* A key new to a set with room is added where its probe ends (in the
 * inline touch), an empty key never is, and a set at its bound does not
 * grow past it through that path. */
TEST(detect_seen_new_key_with_room)
{
	static char keys[8][16];
	struct seen_set s;
	uint64_t dropped = 0;

	seen__init(&s, 3);
	ASSERT_EQ_INT(0, seen__touch(&s, "198.51.100.1", SEEN_IP, 100, 30, &dropped));
	ASSERT_EQ_INT(8, (int)s.cap);   /* a set bounded at 16 or less starts at 8 */
	/* An empty key counts as seen and takes no slot. */
	ASSERT_EQ_INT(1, seen__touch(&s, "", SEEN_BUCKET, 100, 30, &dropped));
	ASSERT_EQ_INT(1, seen__touch(&s, NULL, SEEN_BUCKET, 100, 30, &dropped));
	ASSERT_EQ_INT(1, (int)s.n);
	for (int i = 0; i < 8; i++) {
		snprintf(keys[i], sizeof(keys[i]), "api%d", i);
		ASSERT_EQ_INT(i < 2 ? 0 : 1, seen__touch(&s, keys[i], SEEN_API, 100, 30, &dropped));
	}
	ASSERT_EQ_INT(3, (int)s.n);
	ASSERT_EQ_U64(6, dropped);
	ASSERT_EQ_INT(1, seen__has(&s, keys[1], SEEN_API));
	ASSERT_EQ_INT(0, seen__has(&s, keys[2], SEEN_API));
	ASSERT_EQ_INT(1, seen__touch(&s, keys[0], SEEN_API, 101, 30, &dropped));
	seen__free(&s);
}

TEST(detect_ewma_unusual_and_winsorized)
{
	struct ewma e = { 0 };

	for (int i = 0; i < 50; i++)
		ewma__add(&e, 10 + (i % 3), 0.05);
	ASSERT(e.mean > 10.0 && e.mean < 12.0);
	ASSERT_EQ_INT(1, ewma__unusual(&e, 100, 50, 5, 6));
	ASSERT_EQ_INT(0, ewma__unusual(&e, 40, 50, 5, 6));    /* under the floor */
	ASSERT_EQ_INT(0, ewma__unusual(&e, 52, 50, 5, 6));    /* not 5x the mean */
	/* One huge hour must not teach the baseline that it is normal. */
	ewma__add(&e, 100000, 0.05);
	if (e.mean > 15.0)
		FAIL_AT("mean after one outlier: expected <= 15, got %.1f", e.mean);
	ASSERT_EQ_INT(1, ewma__unusual(&e, 100, 50, 5, 6));
}

TEST(detect_ua_family)
{
	char buf[64];
	int sdk, pt;

	ASSERT_EQ_STR("boto3", ua_family("Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0", buf, sizeof(buf),
					 &sdk, &pt));
	ASSERT_EQ_INT(1, sdk);
	ASSERT_EQ_INT(0, pt);
	ASSERT_EQ_STR("aws-cli", ua_family("aws-cli/2.17.60 md/awscrt#0.21.2", buf, sizeof(buf),
					   &sdk, &pt));
	ASSERT_EQ_STR("browser", ua_family("Mozilla/5.0 (X11; Linux x86_64)", buf, sizeof(buf),
					   &sdk, &pt));
	ASSERT_EQ_INT(0, sdk);
	ua_family("Boto3/1.34 os/linux#6.6.9-amd64 kali", buf, sizeof(buf), &sdk, &pt);
	ASSERT_EQ_INT(1, pt);
	ASSERT_EQ_STR("myapp", ua_family("[MyApp/3.1 (build 7)]", buf, sizeof(buf), &sdk, &pt));
}

TEST(detect_hour_of_week)
{
	const int64_t tue = 1795478400000LL;   /* 2026-11-24T00:00:00Z, a Tuesday */

	ASSERT_EQ_INT(24, gw_hour_of_week(tue, 0));
	ASSERT_EQ_INT(24 + 13, gw_hour_of_week(tue + 13 * 3600000LL, 0));
	ASSERT_EQ_INT(23, gw_hour_of_week(tue, -60));          /* Monday 23:00 at UTC-1 */
	ASSERT_EQ_INT(167, gw_hour_of_week(tue - 24 * 3600000LL - 1, 0));  /* Sunday 23:59 */
}

/* An identity's first-seen set holds what the rules ask about (its IPs,
 * user agents, APIs, services and buckets), not its regions, which no rule
 * asks about: a slot less on every identity. The regions it called in are
 * still counted for a burst of regions, from its recent regions. */
TEST(detect_first_seen_keeps_what_rules_read)
{
	struct detector *d = detector__new(NULL);
	const struct ident *id;
	struct audit_event e = {
		.time_ms = 1792490400000LL, .cloud = GW_CLOUD_AWS, .action = GW_ACT_OBJECT_READ,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER,
		.principal = "arn:aws:iam::111122223333:user/lean", .account = "111122223333",
		.access_key = "AKIAEXAMPLELEAN00001", .source_ip = "203.0.113.77",
		.user_agent = "aws-cli/2.17.60", .region = "eu-west-1", .service = "s3.amazonaws.com",
		.api = "GetObject", .bucket = "reports", .object_key = "q3.csv", .error_code = "",
		.request_id = "", .bytes_out = 100,
	};

	ASSERT(d != NULL);
	ASSERT(detector__feed(d, &e) == 0);
	id = detector__ident(d, e.principal);
	ASSERT(id != NULL);
	ASSERT_EQ_INT(5, (int)id->seen.n);
	ASSERT(id->recent[0].region != NULL && !strcmp(id->recent[0].region, "eu-west-1"));
	detector__flush(d);
	detector__free(d);
}

/* Each user agent's family is learnt as the agent's own, whatever other
 * agents share its place in the family cache: more agents than the cache
 * holds, met again in other orders, so that hits, misses and evictions
 * mix. */
TEST(detect_ua_family_cache_keeps_each_agent_its_family)
{
	enum { NUA = 1500 };
	static char uas[NUA][32], who[NUA][48];
	struct detector *d = detector__new(NULL);
	struct audit_event e = {
		.time_ms = 1792490400000LL, .cloud = GW_CLOUD_AWS, .action = GW_ACT_OTHER,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER, .account = "111122223333",
		.access_key = "", .source_ip = "203.0.113.77", .region = "eu-west-1",
		.service = "s3.amazonaws.com", .api = "HeadBucket", .bucket = "", .object_key = "",
		.error_code = "", .request_id = "",
	};
	char fam[32];

	ASSERT(d != NULL);
	for (int i = 0; i < NUA; i++) {
		snprintf(uas[i], sizeof(uas[i]), "Tool%d/1.0 (unit)", i);
		snprintf(who[i], sizeof(who[i]), "arn:aws:iam::111122223333:user/u%d", i);
	}
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < NUA; i++) {
			int j = pass == 1 ? (i * 7 + 3) % NUA : i;

			e.principal = who[j];
			e.user_agent = uas[pass == 2 ? (j + 1) % NUA : j];
			e.time_ms += 1000;
			ASSERT(detector__feed(d, &e) == 0);
		}
	}
	for (int i = 0; i < NUA; i++) {
		const struct ident *id = detector__ident(d, who[i]);

		ASSERT(id != NULL);
		/* Its own agent, and the next one's. */
		snprintf(fam, sizeof(fam), "tool%d", i);
		ASSERT_EQ_INT(1, seen__has(&id->seen, detector__intern(d, fam), SEEN_UA));
		snprintf(fam, sizeof(fam), "tool%d", (i + 1) % NUA);
		ASSERT_EQ_INT(1, seen__has(&id->seen, detector__intern(d, fam), SEEN_UA));
	}
	detector__flush(d);
	detector__free(d);
}

/* Every slot of the identity table remembers, for the prefetch of the
 * identity's next event, where its open hour and its first-seen slots are
 * after each event: through hours that close and open, and sets that
 * grow (a new IP an event, past the first set's room). */
static void assert_hints(const struct baseline *b)
{
	for (size_t i = 0; i < b->nslots; i++) {
		const struct ident_slot *sl = &b->tab[i];

		if (!sl->id)
			continue;
		ASSERT(sl->h == sl->id->h);
		ASSERT_EQ_U64((uint64_t)(uintptr_t)sl->id->seen.key | (uint64_t)sl->id->seen.cap << 48,
			      sl->seen);
	}
}

TEST(detect_ident_slot_hints_follow_hour_and_set)
{
	static char ips[60][24];
	static const char *const who[] = {
		"arn:aws:iam::111122223333:user/hint-a", "arn:aws:iam::111122223333:user/hint-b",
		"arn:aws:iam::111122223333:user/hint-c",
	};
	struct detector *d = detector__new(NULL);
	struct baseline *b;
	struct audit_event e = {
		.time_ms = 1792490400000LL, .cloud = GW_CLOUD_AWS, .action = GW_ACT_OBJECT_READ,
		.outcome = GW_OUT_OK, .principal_type = GW_PT_USER, .account = "111122223333",
		.access_key = "", .user_agent = "aws-cli/2.17.60", .region = "eu-west-1",
		.service = "s3.amazonaws.com", .api = "GetObject", .bucket = "reports",
		.object_key = "q3.csv", .error_code = "", .request_id = "",
	};

	ASSERT(d != NULL);
	b = baseline__new(d, detector__config(d));
	ASSERT(b != NULL);
	for (int i = 0; i < 60; i++) {
		snprintf(ips[i], sizeof(ips[i]), "198.51.100.%d", i + 1);
		e.principal = who[i % 3];
		e.source_ip = ips[i];
		e.time_ms += 20 * 60000LL;   /* an hour closes every third event of each */
		ASSERT(baseline__feed(b, &e) == 0);
		assert_hints(b);
	}
	ASSERT(baseline__find(b, detector__intern(d, who[0]))->seen.cap > 24);
	baseline__flush(b);
	baseline__free(b);
	detector__free(d);
}

/* A role session's population is its role, interned: the same for every
 * session of the role, another for each other role, also for roles whose
 * ARNs have the same length and the same ends (the role cache's key) and
 * differ only within, and for more roles than the cache holds. */
TEST(detect_role_population_is_the_sessions_role)
{
	static char who[700][96], role[700][96];
	struct detector *d = detector__new(NULL);
	struct audit_event e = {
		.cloud = GW_CLOUD_AWS, .principal_type = GW_PT_ROLE,
		.account = "111122223333",
	};

	ASSERT(d != NULL);
	for (int i = 0; i < 700; i++) {
		/* Pairs alike but for two digits in the middle. */
		snprintf(role[i], sizeof(role[i]),
			 "arn:aws:sts::111122223333:assumed-role/team-%03d-etl-reader", i);
		snprintf(who[i], sizeof(who[i]), "%s/i-%017d", role[i], i);
	}
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < 700; i++) {
			int j = pass == 1 ? 699 - i : i;

			e.principal = who[j];
			ASSERT(detector__population(d, &e, 0) == detector__intern(d, role[j]));
		}
	}
	e.principal = "x:assumed-role/r/s";
	ASSERT(detector__population(d, &e, 0) == detector__intern(d, "x:assumed-role/r"));
	e.principal = "arn:aws:iam::111122223333:user/alice";
	ASSERT(detector__population(d, &e, 0) == NULL);
	detector__free(d);
}

/* A set lent its first block fills it, keeps it through a purge at the
 * same size, leaves it when it grows (never freeing it: it is not the
 * set's), and finds every key throughout. */
TEST(detect_seen_lent_block)
{
	static _Alignas(8) unsigned char block[24 * SEEN_SLOT];
	static char keys[30][16];
	struct seen_set s;
	uint64_t dropped = 0;

	memset(block, 0xa5, sizeof(block));
	seen__init(&s, 4096);
	seen__lend(&s, block, 24);
	for (int i = 0; i < 20; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		ASSERT_EQ_INT(0, seen__touch(&s, keys[i], SEEN_API, (uint16_t)(100 + (i < 5)), 30,
					     &dropped));
	}
	ASSERT(s.key == (const char **)(void *)block);
	ASSERT_EQ_INT(24, (int)s.cap);
	/* 40 days on, the 15 keys of day 100 expired, the 5 of day 101 kept
	 * by a touch: rebuilt within the block. */
	for (int i = 0; i < 5; i++)
		ASSERT_EQ_INT(1, seen__touch(&s, keys[i], SEEN_API, 131, 30, &dropped));
	seen__purge(&s, 140, 30);
	ASSERT(s.key == (const char **)(void *)block);
	ASSERT_EQ_INT(5, (int)s.n);
	ASSERT_EQ_INT(1, seen__has(&s, keys[4], SEEN_API));
	ASSERT_EQ_INT(0, seen__has(&s, keys[5], SEEN_API));
	for (int i = 5; i < 25; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		ASSERT_EQ_INT(0, seen__touch(&s, keys[i], SEEN_API, 140, 30, &dropped));
	}
	ASSERT(s.key != (const char **)(void *)block);
	ASSERT_EQ_INT(32, (int)s.cap);
	for (int i = 0; i < 25; i++)
		ASSERT_EQ_INT(1, seen__has(&s, keys[i], SEEN_API));
	seen__free(&s);
	/* Freed while still in its block: the block is left alone. */
	seen__init(&s, 4096);
	seen__lend(&s, block, 24);
	ASSERT_EQ_INT(0, seen__touch(&s, keys[0], SEEN_IP, 100, 30, &dropped));
	seen__free(&s);
	ASSERT_EQ_U64(0, dropped);
}
