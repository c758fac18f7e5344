"""The organisation of `make eval`: who works how, what benign surprises
happen, and where the attacks of eval_scenarios.SCENARIOS are injected.

The population (about 65% people, 35% workloads, spread over AWS, GCP,
Azure and MinIO):
  office     weekdays 08-18, public holidays off, a rare weekend hour;
             laptops change networks (a new address for a day)
  analyst    as office, plus evenings from home; 40% write month-end
             reports (40-160 reads of the shared reports bucket over one to
             three hours on the last business day), 30% quarter-end reports
             (three days of 20-45 reads an hour of it)
  oncall     as office, and in their on-call week paged at night or at the
             weekend (reads and lists)
  automation around the clock, with drift (volume grows or shrinks by the
             day) and bursts (a backfill hour at several times the rate)
  ci         build runners: builds in working hours pull tens to a hundred
             artifacts in minutes; release days run many builds
  nightly    a nightly export job, 02:00, growing by the day
  etl        automation over two buckets
  inventory  a weekly (Sunday 03:00) listing of every bucket
and benign events through the period, each a twin of some scenario along
more than one dimension (see BENIGN): SDK upgrades (a new user agent
version, sometimes a new SDK), regional failovers (another region from the
standby's address), planned migrations (copies into a new bucket, created by
the migrating identity or by the infrastructure account the day before),
new hires learning their permissions by trial and error, new services
onboarding (a first sync), Saturday work, a traveller whose address sits
next to a Tor exit. Every injected attack uses entities no other one uses:
its own victim, address, destination or target bucket.
"""
import datetime as dt
import json
import os
import random

import eval_scenarios as es
from gen_activity import (AZ_SDK_UA, AZCOPY_UA, BOTO3_UA, BROWSER_UA, CLI_UA, GO_UA, GSUTIL_UA,
                          HOLIDAYS, JAVA_UA, START, Writer, at, iso, make_ident, normal_call)

WARMUP_DAYS = 21          # three weeks: past baseline_days (14 active days) for everyone
MINIO_UA = "MinIO (linux; amd64) minio-go/v7.0.70"
UA_BY_CLOUD = {"aws": [BROWSER_UA, CLI_UA], "gcp": [GSUTIL_UA], "azure": [AZCOPY_UA],
               "minio": [MINIO_UA, CLI_UA]}
SVC_UA = {"aws": [GO_UA, JAVA_UA], "gcp": ["gcloud-golang-storage/1.43.0"],
          "azure": [AZ_SDK_UA], "minio": [MINIO_UA]}
UPGRADES = {GO_UA: GO_UA.replace("1.30.3", "1.32.6"), JAVA_UA: JAVA_UA.replace("2.25.60", "2.28.9"),
            AZ_SDK_UA: AZ_SDK_UA.replace("12.26.1", "12.28.0"),
            MINIO_UA: MINIO_UA.replace("7.0.70", "7.0.80"),
            "gcloud-golang-storage/1.43.0": "gcloud-golang-storage/1.46.0", CLI_UA: CLI_UA}
CLOUDS = ["aws", "gcp", "azure", "aws", "minio", "aws", "gcp", "azure", "aws", "minio"]
KINDS = (["office"] * 8 + ["analyst"] * 3 + ["oncall"] * 2 + ["automation"] * 3 +
         ["ci", "nightly", "etl", "automation"])


class Addr:
    """Addresses handed out once: the organisation's (203.0.113.0/24 below the
    deny list's /27), benign new networks (192.0.2.0/24), attackers'
    (198.51.100.0/24 without the listed Tor exits); IPv6 past those."""

    def __init__(self):
        self.pools = {"org": iter(range(20, 224)), "benign": iter(range(2, 255)),
                      "attack": iter(x for x in range(2, 255) if x not in (66, 68, 77))}
        self.prefix = {"org": "203.0.113.%d", "benign": "192.0.2.%d", "attack": "198.51.100.%d"}
        self.v6 = {"org": 0x5000, "benign": 0xb000, "attack": 0xa000}

    def take(self, pool):
        x = next(self.pools[pool], None)
        if x is not None:
            return self.prefix[pool] % x
        self.v6[pool] += 1
        return "2001:db8:%x::%x" % (self.v6[pool] >> 12, self.v6[pool] & 0xfff)


def is_business_day(day):
    d = (START + dt.timedelta(days=day)).date()
    return d.weekday() < 5 and d not in HOLIDAYS


def last_business_days(days):
    """Days that are the last business day of their month."""
    out = set()
    for day in range(days):
        if not is_business_day(day):
            continue
        nxt = day + 1
        while nxt < days + 31 and not is_business_day(nxt):
            nxt += 1
        if (START + dt.timedelta(days=nxt)).month != (START + dt.timedelta(days=day)).month:
            out.add(day)
    return out


def population(rng, n, addr):
    office_ips = {c: addr.take("org") for c in ("aws", "gcp", "azure", "minio")}
    ids = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        if kind == "automation" and i % len(KINDS) == len(KINDS) - 1 and i < len(KINDS):
            kind = "inventory"
        cloud = CLOUDS[(i // len(KINDS) + i) % len(CLOUDS)]
        team = "team-%s-%d" % (cloud, i % 4)
        if kind in ("office", "analyst", "oncall"):
            ident = make_ident("%s%03d" % (kind, i), kind, office_ips[cloud],
                               rng.choice(UA_BY_CLOUD[cloud]), buckets=(team,),
                               volume=rng.randrange(40, 120), cloud=cloud)
            if kind == "analyst":
                ident["buckets"].append("research-%s" % cloud)
                ident["ip2"] = addr.take("benign")     # home
        else:
            name = {"automation": "svc-app", "ci": "svc-ci", "nightly": "svc-nightly",
                    "etl": "svc-etl", "inventory": "svc-inventory"}[kind]
            bucket = {"automation": "app", "ci": "artifacts", "nightly": "exports",
                      "etl": "lake", "inventory": "inventory"}[kind]
            ident = make_ident("%s%03d" % (name, i), kind, addr.take("org"),
                               rng.choice(SVC_UA[cloud]), buckets=("%s-%s-%d" % (bucket, cloud, i),),
                               volume=rng.randrange(100, 300), cloud=cloud)
            if kind == "etl":
                ident["buckets"].append("lake-shared-%s" % cloud)
            ident["drift"] = rng.uniform(-0.002, 0.008)
        ident["start"] = 0
        ids.append(ident)
    return ids


def day_calls(w, rng, ident, day, hours, n, ip=None):
    base = START + dt.timedelta(days=day)
    for _ in range(n):
        t = base + dt.timedelta(hours=rng.choice(hours), seconds=rng.randrange(3600))
        region = ident["region"]
        if ident.get("region2") and rng.random() < 0.2:
            region = ident["region2"]
        use_ip = ip or (ident["ip2"] if ident.get("ip2") and rng.random() < 0.3 else ident["ip"])
        normal_call(w, rng, ident, t, region=region, ip=use_ip)


def burst(w, rng, ident, t0, n, bucket, prefix, api="GetObject", span=3000, ip=None):
    for i in range(n):
        w.add(ident, t0 + dt.timedelta(seconds=i * span // max(n, 1)), "s3", api, ip=ip,
              bucket=bucket, key="%s/%05d" % (prefix, i),
              nbytes=rng.randrange(10**4, 10**6) if api == "GetObject" else None)


def people(w, rng, ident, day, ip):
    date = (START + dt.timedelta(days=day)).date()
    if not is_business_day(day):
        if rng.random() < 0.05 and date.weekday() >= 5:
            day_calls(w, rng, ident, day, [10, 11, 15], rng.randrange(2, 8), ip)
        return
    day_calls(w, rng, ident, day, list(range(8, 18)), int(ident["volume"] * rng.uniform(0.7, 1.3)), ip)
    if ident["kind"] == "analyst" and rng.random() < 0.15:
        day_calls(w, rng, ident, day, [19, 20, 21], rng.randrange(5, 20), ident["ip2"])


def workload(w, rng, ident, day):
    kind = ident["kind"]
    scale = max(0.3, 1.0 + ident.get("drift", 0.0) * day)
    if kind in ("automation", "etl"):
        day_calls(w, rng, ident, day, list(range(24)), int(ident["volume"] * scale * rng.uniform(0.8, 1.2)))
    elif kind == "nightly":
        n = int(rng.randrange(140, 180) * (1.0 + 0.005 * day))
        burst(w, rng, ident, at(day, 2, 1), n, ident["buckets"][0], "exports/%d" % day)
    elif kind == "ci" and is_business_day(day):
        builds = rng.randrange(3, 9) if rng.random() > 0.05 else rng.randrange(15, 25)
        for _ in range(builds):
            burst(w, rng, ident, at(day, rng.randrange(8, 19), rng.randrange(55)),
                  rng.randrange(20, 90), ident["buckets"][0], "build/%d" % rng.randrange(10**6),
                  span=300)
    elif kind == "inventory":
        day_calls(w, rng, ident, day, list(range(24)), 12)
        if (START + dt.timedelta(days=day)).weekday() == 6:
            t0 = at(day, 3, 1)
            for i in range(rng.randrange(40, 90)):
                w.add(ident, t0 + dt.timedelta(seconds=i * 20), "s3", "ListObjects",
                      bucket="team-%s-%d" % (ident.get("cloud", "aws"), i % 24))


def routine(w, rng, ident, day, ip=None):
    if day < ident["start"]:
        return
    if ident["kind"] in ("office", "analyst", "oncall", "hire"):
        people(w, rng, ident, day, ip)
    else:
        workload(w, rng, ident, day)


def twin(kind, ident, t0, t1, twin_of, dims, bucket=None):
    e = {"type": kind, "principal": ident["arn"], "start": iso(t0), "end": iso(t1),
         "cloud": ident.get("cloud", "aws"), "twin_of": list(twin_of), "dims": list(dims)}
    if bucket:
        e["bucket"] = bucket
    return e


def daily_twins(w, rng, world, ident, day):
    """Benign surprises of ordinary days; returns their truth entries."""
    kind, out = ident["kind"], []
    date = (START + dt.timedelta(days=day)).date()
    if day < ident["start"] or day < 7:
        return out
    if kind in ("office", "analyst", "oncall") and is_business_day(day) and rng.random() < 0.02:
        ip = world.addr.take("benign")     # a hotel, a client's office: one day
        people(w, rng, ident, day, ip)
        out.append(twin("laptop-new-network", ident, at(day, 8), at(day, 18), ["new-source-ip"],
                        ["address", "a second day of work"]))
    if kind == "analyst" and day in world.month_end and ident["month_end"]:
        t0 = at(day, rng.randrange(9, 15), rng.randrange(10))
        bucket = "reports-%s" % ident.get("cloud", "aws")
        hours = rng.randrange(1, 4)
        burst(w, rng, ident, t0, rng.randrange(40, 160), bucket, "month-end/%d" % day,
              span=3000 * hours)
        out.append(twin("month-end-report", ident, t0, t0 + dt.timedelta(hours=hours),
                        ["bulk-download", "bucket-read-spike"], ["volume", "calendar", "shared bucket"],
                        bucket))
    if kind == "analyst" and day in world.quarter_end and ident["quarter"]:
        bucket = "reports-%s" % ident.get("cloud", "aws")
        per_hour = rng.randrange(20, 45)
        for h in range(9, 17):
            burst(w, rng, ident, at(day, h, 1), per_hour, bucket, "quarter/%d/%d" % (day, h))
        out.append(twin("quarter-end-report", ident, at(day, 8), at(day, 18),
                        ["read-volume", "bulk-download"], ["volume over a day", "calendar"], bucket))
    if kind == "oncall" and (day // 7 + ident["rota"]) % 4 == 0 and rng.random() < 0.25:
        hour = rng.choice([0, 1, 2, 3, 4, 5, 22, 23]) if date.weekday() < 5 else rng.randrange(24)
        t0 = at(day, hour, rng.randrange(30))
        burst(w, rng, ident, t0, rng.randrange(10, 50), ident["buckets"][0], "incident/%d" % day,
              span=1500)
        burst(w, rng, ident, t0, rng.randrange(3, 15), ident["buckets"][0], "", api="ListObjects",
              span=1500)
        out.append(twin("on-call-page", ident, t0, t0 + dt.timedelta(hours=1),
                        ["after-hours-access"], ["hour of the week", "volume"]))
    if kind == "office" and date.weekday() == 5 and rng.random() < 0.02:
        for h in range(10, 14):
            day_calls(w, rng, ident, day, [h], rng.randrange(15, 40))
        out.append(twin("saturday-work", ident, at(day, 10), at(day, 14), ["after-hours-access"],
                        ["weekend", "volume"]))
    if kind in ("automation", "etl") and rng.random() < 0.02:
        t0 = at(day, rng.randrange(24), 1)
        n = int(ident["volume"] / 24 * rng.uniform(3, 6)) + 10
        burst(w, rng, ident, t0, n, ident["buckets"][0], "backfill/%d" % day)
        out.append(twin("backfill-burst", ident, t0, t0 + dt.timedelta(hours=1),
                        ["bucket-read-spike", "bulk-download"], ["volume", "hour"],
                        ident["buckets"][0]))
    return out


def ev_sdk_upgrade(w, rng, world, ident, day):
    old = ident["ua"]
    switch = rng.random() < 0.25
    ident["ua"] = BOTO3_UA if switch else UPGRADES.get(old, old)
    out = [twin("sdk-upgrade" + ("-new-sdk" if switch else ""), ident, at(day, 0), at(day + 1, 0),
                ["new-user-agent"], ["user agent", "every call at once"])]
    if rng.random() < 0.3:
        # The new SDK needs one permission the old one did not: denials on one API.
        t0 = at(day, 10, 5)
        for i in range(rng.randrange(5, 16)):
            w.add(ident, t0 + dt.timedelta(seconds=i * 120), "s3", "GetBucketAcl",
                  bucket=ident["buckets"][0], error="AccessDenied")
        out.append(twin("sdk-upgrade-missing-permission", ident, t0, t0 + dt.timedelta(hours=1),
                        ["access-denied-cluster"], ["user agent", "denials on one API"]))
    return out


def ev_failover(w, rng, world, ident, day):
    ip = world.addr.take("org")      # the standby region's NAT address
    t0 = at(day, 10)
    for h in range(10, 14):
        for _ in range(max(4, ident["volume"] // 24)):
            t = at(day, h) + dt.timedelta(seconds=rng.randrange(3600))
            normal_call(w, rng, ident, t, region="us-west-2", ip=ip)
    return [twin("regional-failover", ident, t0, at(day, 14), ["multi-region-burst", "new-source-ip"],
                 ["region", "address"])]


def ev_migration(w, rng, world, ident, day, creator=None):
    """Copies into a new bucket, created by the migrating identity or, the
    day before, by another identity of the organisation."""
    bucket = "archive-%s-%d" % (ident.get("cloud", "aws"), world.uid())
    if creator:
        w.add(creator, at(day - 1, 16), "s3", "CreateBucket", bucket=bucket)
        w.add(creator, at(day - 1, 16, 1), "s3", "PutObject", bucket=bucket, key="README")
    else:
        w.add(ident, at(day, 9), "s3", "CreateBucket", bucket=bucket)
    t0 = at(day, 9, 1)
    n = rng.randrange(200, 1500)
    for i in range(n):
        w.add(ident, t0 + dt.timedelta(seconds=5 * i), "s3", "CopyObject", bucket=bucket,
              key="moved/%05d" % i)
    return [twin("planned-migration" + ("-other-creator" if creator else ""), ident, t0,
                 t0 + dt.timedelta(seconds=5 * n), ["cross-account-copy"],
                 ["copy", "new bucket", "volume"])]


def ev_new_hire(w, rng, world, ident, day):
    t0 = at(day, 9, 5)
    probes = es.PROBE_AWS if ident.get("cloud", "aws") == "aws" else es.PROBE_STORAGE
    n = rng.randrange(20, 40)
    for i in range(n):
        t = t0 + dt.timedelta(seconds=i * 90)
        if rng.random() < 0.4:
            svc, api = probes[rng.randrange(len(probes))]
            w.add(ident, t, svc, api, bucket=ident["buckets"][0], error="AccessDenied")
        else:
            normal_call(w, rng, ident, t)
    return [twin("new-hire", ident, t0, t0 + dt.timedelta(seconds=n * 90),
                 ["access-denied-cluster", "first-time-api"], ["new principal", "denials"])]


def ev_new_service(w, rng, world, ident, day):
    t0 = at(day, 11, 1)
    burst(w, rng, ident, t0, rng.randrange(150, 400), ident["buckets"][0], "sync")
    return [twin("new-service", ident, t0, t0 + dt.timedelta(hours=1),
                 ["bulk-download", "bucket-read-spike"], ["new principal", "new bucket", "volume"],
                 ident["buckets"][0])]


def ev_near_tor(w, rng, world, ident, day):
    ip = world.traveller_ip
    t0 = at(day, 13, 3)
    for i in range(rng.randrange(10, 30)):
        normal_call(w, rng, ident, t0 + dt.timedelta(seconds=i * 60), ip=ip)
    return [twin("traveller-near-tor-exit", ident, t0, t0 + dt.timedelta(hours=1),
                 ["suspicious-source"], ["address next to an exit", "travel"])]


def ev_new_laptop(w, rng, world, ident, day):
    ident["ip"] = world.addr.take("benign")
    ident["ua"] = ident["ua"].replace("128.0", "131.0").replace("2.17.60", "2.22.4")
    return [twin("new-laptop", ident, at(day, 0), at(day + 1, 0),
                 ["new-source-ip", "new-user-agent"], ["address", "user agent version"])]


def ev_same_bucket_copy(w, rng, world, ident, day):
    t0 = at(day, 14, 1)
    for i in range(rng.randrange(5, 40)):
        w.add(ident, t0 + dt.timedelta(seconds=20 * i), "s3", "CopyObject",
              bucket=ident["buckets"][0], key="renamed/%04d" % i)
    return [twin("same-bucket-copy", ident, t0, t0 + dt.timedelta(hours=1),
                 ["cross-account-copy"], ["copy", "own bucket"])]


class World:
    def __init__(self, rng, n, days):
        self.rng, self.days = rng, days
        self.addr = Addr()
        self.month_end = last_business_days(days)
        # Three days up to the end of a quarter (the period starts in September).
        ends = [d for d in self.month_end if (START + dt.timedelta(days=d)).month in (3, 6, 9, 12)]
        self.quarter_end = {e - k for e in ends for k in range(3) if is_business_day(e - k)}
        self.next_uid = 0
        self.tor_exits = []
        self.ids = population(rng, n, self.addr)
        for i, ident in enumerate(self.ids):
            ident["rota"] = i % 4
            # Some analysts report at month end (a few hours of reads of the
            # shared reports bucket), fewer at quarter end (three heavy days).
            ident["month_end"] = rng.random() < 0.4
            ident["quarter"] = rng.random() < 0.3
        self.decoy_exit = self.addr.take("attack")
        self.traveller_ip = self.addr.take("attack")     # next to an exit, on no list
        self.tor_exits.append(self.decoy_exit)

    def uid(self):
        self.next_uid += 1
        return self.next_uid

    def window(self):
        return max(24, self.days - 45), self.days - 4


def plan_attacks(world, reps):
    rng = world.rng
    users = [i for i in world.ids if i["kind"] in ("office", "analyst", "oncall")]
    rng.shuffle(users)
    targets = [i for i in world.ids if i["kind"] in ("automation", "etl")]
    rng.shuffle(targets)
    lo, hi = world.window()
    attacks, skipped = [], []
    for rep in range(reps):
        for k, row in enumerate(es.SCENARIOS):
            order = list(row["clouds"][(rep + k) % len(row["clouds"]):]) + list(row["clouds"])
            victim = next((u for c in order for u in users if u.get("cloud", "aws") == c), None)
            if victim is None:
                skipped.append(row["type"])
                continue
            cloud = victim.get("cloud", "aws")
            a = es.Attack(row, victim, rng.randrange(lo, hi), world.days, es.draw_size(rng, row),
                          rng.choice(row["signals"]), world.uid(), world.addr.take("attack"))
            if row["type"] == "bucket-read-spike":
                tgt = next((t for t in targets if t.get("cloud", "aws") == cloud), None)
                if tgt is None:
                    skipped.append(row["type"])
                    continue
                targets.remove(tgt)
                a.bucket = tgt["buckets"][0]
            elif row["type"] == "cross-account-copy":
                a.bucket = "xfer-%d-%04x" % (a.uid, rng.randrange(1 << 16))
            elif row["type"] == "tor-exit":
                world.tor_exits.append(a.new_ip)
            users.remove(victim)
            attacks.append(a)
    return attacks, skipped, users


def plan_events(world, spare_users):
    """One-off benign events: (day, function, identity, extra args)."""
    rng, ids = world.rng, world.ids
    lo, hi = WARMUP_DAYS, world.days - 2
    events = []
    per = max(1, len(ids) // 40)
    work = [i for i in ids if i["kind"] in ("automation", "etl", "ci", "nightly")]
    for ident in work:
        events.append((rng.randrange(lo, hi), ev_sdk_upgrade, ident, ()))
    autos = [i for i in ids if i["kind"] == "automation"]
    rng.shuffle(autos)
    aws_autos = [i for i in autos if i.get("cloud", "aws") == "aws"]
    for ident in aws_autos[:per]:
        events.append((rng.randrange(lo, hi), ev_failover, ident, ()))
    for k in range(per):
        if len(autos) >= 2 * k + 2:
            events.append((rng.randrange(lo, hi), ev_migration, autos[2 * k], ()))
            events.append((rng.randrange(lo + 1, hi), ev_migration, autos[2 * k + 1],
                           (next((c for c in autos if c is not autos[2 * k + 1] and
                                  c.get("cloud", "aws") == autos[2 * k + 1].get("cloud", "aws")),
                                 autos[2 * k]),)))
    for k in range(per):
        cloud = CLOUDS[k % len(CLOUDS)]
        hire = make_ident("hire%03d" % k, "hire", ids[0]["ip"], rng.choice(UA_BY_CLOUD[cloud]),
                          buckets=("team-%s-%d" % (cloud, k % 4),), volume=rng.randrange(40, 100),
                          cloud=cloud)
        svc = make_ident("svc-new%03d" % k, "automation", world.addr.take("org"),
                         rng.choice(SVC_UA[cloud]), buckets=("onboard-%s-%d" % (cloud, k),),
                         volume=rng.randrange(100, 300), cloud=cloud)
        for ident, fn in ((hire, ev_new_hire), (svc, ev_new_service)):
            ident["start"] = rng.randrange(lo, hi)
            ident["rota"], ident["quarter"], ident["month_end"], ident["drift"] = 0, False, False, 0.0
            ids.append(ident)
            events.append((ident["start"], fn, ident, ()))
    rng.shuffle(spare_users)
    for fn in (ev_near_tor, ev_new_laptop, ev_same_bucket_copy):
        for _ in range(per):
            if spare_users:
                events.append((rng.randrange(lo, hi), fn, spare_users.pop(), ()))
    return events


def attack_truth(a, t0, t1):
    row = a.row
    floor = row["floor"][1] if row["floor"] else 1
    signal = a.signal or row.get("inherent")
    e = {"type": row["type"], "rule": row["rule"], "incident": row["incident"],
         "principal": a.ident["arn"], "cloud": a.cloud(), "start": iso(t0), "end": iso(t1),
         "size": a.size, "unit": row["unit"], "floor_key": row["floor"][0] if row["floor"] else None,
         "floor": floor, "ratio": round(a.size * row.get("scale", 1.0) / floor, 3), "signal": signal,
         "signal_rule": es.SIGNAL_RULE.get(signal), "uid": a.uid}
    if a.bucket and row["type"] == "bucket-read-spike":
        e["bucket"] = a.bucket
    return e


def write_intel(outdir, exits):
    os.makedirs(os.path.join(outdir, "intel"), exist_ok=True)
    with open(os.path.join(outdir, "intel", "tor-exit-addresses"), "w") as f:
        for k, ip in enumerate(exits):
            f.write("ExitNode %040X\nPublished 2026-11-20 10:41:33\nLastStatus 2026-11-20 12:00:00\n"
                    "ExitAddress %s 2026-11-20 12:04:05\n" % (k + 1, ip))


def evaluate(outdir, n, days, seed):
    world = World(random.Random(seed), n, days)
    rng = world.rng
    w = Writer(outdir)
    attacks, skipped, spare = plan_attacks(world, max(1, round(n / 30)))
    events = plan_events(world, spare)
    ev_by_day, at_by_day = {}, {}
    for e in events:
        ev_by_day.setdefault(e[0], []).append(e)
    for a in attacks:
        at_by_day.setdefault(a.day, []).append(a)
    truth = {"identities": len(world.ids), "days": days, "seed": seed, "start": iso(START),
             "warmup_days": WARMUP_DAYS, "scenarios": [], "benign": [], "skipped": skipped}
    for day in range(days):
        for ident in world.ids:
            routine(w, rng, ident, day)
            truth["benign"].extend(daily_twins(w, rng, world, ident, day))
        for _, fn, ident, extra in ev_by_day.get(day, []):
            truth["benign"].extend(fn(w, rng, world, ident, day, *extra))
        for a in at_by_day.get(day, []):
            t0, t1 = a.row["fn"](w, rng, a)
            truth["scenarios"].append(attack_truth(a, t0, t1))
    for ident in world.ids:
        if ident["kind"] == "nightly":
            truth["benign"].append(twin("nightly-export-drift", ident, at(WARMUP_DAYS, 0), at(days, 0),
                                        ["read-volume", "bulk-download"], ["volume", "growth"]))
    truth["identity_days"] = sum(days - i["start"] for i in world.ids)
    truth["steady_identity_days"] = sum(days - max(i["start"], WARMUP_DAYS) for i in world.ids)
    truth["events"] = w.n
    write_intel(outdir, world.tor_exits)
    w.write()
    return truth
