#!/usr/bin/env bash
# The collector's view on loopback: each finding once per id with the agents
# that reported it (GET /v1/findings?view=finding), each incident once per id
# at its latest revision with the revisions seen and when (GET /v1/incidents);
# token, pages and cursors as on /v1/findings; the same answers after a
# kill -9 and restart; the entries bounded by --max-entries.
#   tests/e2e/test_collect_view.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_lib.sh"

mk() { "$PY" tests/e2e/mkview.py "$@"; }
# FILE: what a view answer says, one entry a line, compactly.
incidents() {
	"$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l); i = e["incident"]
    print(e["id"], "rev=%d" % e["revision"], "seen=%d" % e["revisions_seen"],
          "hist=" + ",".join("%d@%s" % (h["revision"], h["agent_id"]) for h in e["history"]),
          "timed=%d" % all(h["received_ms"] > 0 for h in e["history"]),
          "agents=" + ",".join(sorted(a["agent_id"] for a in e["agents"])),
          "findings=" + ",".join(i["finding_ids"]), "count=%d" % i["finding_count"],
          i["timeline"][0].replace(" ", "_"))' "$1"
}
findings() {
	"$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    print(e["id"], "agents=" + ",".join(sorted("%s/%s" % (a["agent_id"], a["hostname"])
                                               for a in e["agents"])),
          "received=%d" % e["received"], "count=%d" % e["finding"]["count"])' "$1"
}
cursor() { sed -n 's/^X-Next-Cursor: *\([0-9]*\).*/\1/ip' "$T/hdr"; }

mk "$T/a1" agent-1 1 gw-one f:F1 f:F2:5 i:I1:1:F1
mk "$T/a2" agent-2 1 gw-two f:F1 i:I1:1:F1
mk "$T/a3" agent-3 1 gw-three f:F1 i:I1:2:F1,F2
mk "$T/a1b" agent-1 2 gw-one f:F2:9 i:I1:2:F1,F2
mk "$T/a2b" agent-2 2 gw-two i:I1:1:F1

start_collector "$T/c1.log" 0 --store "$T/s1" --token-file "$T/token" || exit 1
P=$PORT
for f in a1 a2 a3 a1b a1 a2b; do
	check "POST $f" 200 "$(post "$T/$f" "$P")"
done
U="http://127.0.0.1:$P"
check "GET /v1/incidents without the token" 401 "$(code "$U/v1/incidents")"
check "GET /v1/incidents" 200 "$(code "${AUTH[@]}" "$U/v1/incidents")"
want_i="I1 rev=2 seen=2 hist=1@agent-1,2@agent-3 timed=1 agents=agent-1,agent-2,agent-3 findings=F1,F2 count=2 rev_2"
check "one incident at its latest revision, its history, three reporters" "$want_i" \
	"$(incidents "$T/resp")"
check "GET /v1/findings?view=finding" 200 "$(code "${AUTH[@]}" "$U/v1/findings?view=finding")"
want_f="F1 agents=agent-1/gw-one,agent-2/gw-two,agent-3/gw-three received=3 count=1
F2 agents=agent-1/gw-one received=2 count=9"
check "each finding once, with the agents that sent it, at its latest version" "$want_f" \
	"$(findings "$T/resp")"
code "${AUTH[@]}" "$U/v1/findings" >/dev/null
check "GET /v1/findings still answers the batches" "1 1 1 2 2" "$(seqs <"$T/resp" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"

# -- pages and cursors
code "${AUTH[@]}" "$U/v1/findings?view=finding&cursor=0&limit=1" >/dev/null
check "page 1 of 1" "F1" "$(findings "$T/resp" | cut -d' ' -f1)"
c1=$(cursor)
code "${AUTH[@]}" "$U/v1/findings?view=finding&cursor=$c1&limit=1" >/dev/null
check "page 2 of 1" "F2" "$(findings "$T/resp" | cut -d' ' -f1)"
c2=$(cursor)
check "nothing after the last page" "200 0" "$(code "${AUTH[@]}" "$U/v1/incidents?cursor=$c2") $(wc -c <"$T/resp")"
mk "$T/a3b" agent-3 2 gw-three i:I1:3:F1,F2
check "POST a third revision" 200 "$(post "$T/a3b" "$P")"
code "${AUTH[@]}" "$U/v1/incidents?cursor=$c2" >/dev/null
check "the revised incident comes again after the cursor" "I1 rev=3 seen=3" \
	"$(incidents "$T/resp" | cut -d' ' -f1-3)"
check "a cursor this collector never gave" 400 "$(code "${AUTH[@]}" "$U/v1/incidents?cursor=999999")"
check "an unknown view" 400 "$(code "${AUTH[@]}" "$U/v1/findings?view=everything")"
check "a bad limit" 400 "$(code "${AUTH[@]}" "$U/v1/incidents?limit=0")"
check "POST to /v1/incidents" 405 "$(code "${AUTH[@]}" --data x "$U/v1/incidents")"
code "${AUTH[@]}" "$U/v1/incidents" >/dev/null
incidents "$T/resp" >"$T/before"

# -- kill -9 and restart: the same view, times included
kill -9 "$CPID"
wait "$CPID" 2>/dev/null
start_collector "$T/c2.log" 0 --store "$T/s1" --token-file "$T/token" || exit 1
P=$PORT
U="http://127.0.0.1:$P"
code "${AUTH[@]}" "$U/v1/incidents" >/dev/null
check "after a restart: the same incident, history and times" "$(cat "$T/before")" \
	"$(incidents "$T/resp")"
code "${AUTH[@]}" "$U/v1/findings?view=finding" >/dev/null
check "after a restart: the same findings" "$(echo "$want_f")" "$(findings "$T/resp")"
check "after a restart: the same cursors" "F2" "$(code "${AUTH[@]}" \
	"$U/v1/findings?view=finding&cursor=$c1&limit=1" >/dev/null; findings "$T/resp" | cut -d' ' -f1)"

# -- bounded: at most --max-entries findings and incidents, the oldest forgotten
args=()
for i in $(seq 1 8); do args+=("f:G$i" "i:J$i:1:G$i"); done
mk "$T/many" agent-9 1 gw-nine "${args[@]}"
start_collector "$T/c3.log" 0 --store "$T/s3" --token-file "$T/token" --max-entries 3 || exit 1
P=$PORT
check "POST 8 findings and 8 incidents" 200 "$(post "$T/many" "$P")"
code "${AUTH[@]}" "http://127.0.0.1:$P/v1/incidents" >/dev/null
check "the 3 latest incidents held" "J6 J7 J8" "$(incidents "$T/resp" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
kill -TERM "$CPID"
wait "$CPID" 2>/dev/null
check "the summary counts what was forgotten" 1 \
	"$(grep -c 'holding 3 findings and 3 incidents by id (5 and 5 forgotten' "$T/c3.log")"

[ $fails -eq 0 ] && echo "test_collect_view: all passed" || echo "test_collect_view: $fails failed"
[ $fails -eq 0 ]
