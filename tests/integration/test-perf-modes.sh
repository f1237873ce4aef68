#!/bin/bash
# Two lu2kd (tcp back-end) in a private network namespace, on 127.0.0.1 and
# 127.0.0.2 (and ::1 / IPv6 NIDs), lu2k-perf server and client over liblu2k:
# every mode, message sizes from 0 B to 4 MiB, every payload verified.
#
#   [perf client] -- lu2kd A (127.0.0.1) ==tcp==> lu2kd B (127.0.0.2) -- [perf server]
#                                        <==tcp==  (B's own connection back)
. "$(dirname "$0")/../lib/common.sh"
t_require_root
PY=/usr/bin/python3
ns=$T_TAG
t_netns "$ns"
t_perf_pair "$ns"
run() { t_perf_run "$ns" 120 "$@"; } # NAME ARGS...

v4=(--nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k)
for size in 0 1 72 4095 4096 65536 1000000 1M 4M; do
	run "bulk-$size" "${v4[@]}" bulk --size "$size" --concurrency 4 --count 24
	run "get-$size" "${v4[@]}" get --size "$size" --concurrency 4 --count 12
done
run ping "${v4[@]}" ping --count 200
run stream "${v4[@]}" stream --rate 20mbit --fps 25 --time 2s --deadline 500ms
grep -q '"late":0,"lost":0' "$T_DIR/stream.json" || t_fail "stream frames late or lost on loopback: $(cat "$T_DIR/stream.json")"
run bulk-ipv6 --nid "[fd00:99::1]@lu2k" --peer "[fd00:99::2]@lu2k" bulk --size 1M --count 32

# Samples per --interval in the JSON: they add up to the run, and --plot draws them.
plot=
command -v gnuplot >/dev/null && plot="--plot $T_DIR/bulk.png"
# shellcheck disable=SC2086
run intervals "${v4[@]}" --interval 250ms $plot bulk --size 64K --concurrency 4 --time 1500ms
$PY - "$T_DIR/intervals.json" <<'PY' || t_fail "intervals: $(cat "$T_DIR/intervals.json")"
import json, sys
r = json.load(open(sys.argv[1]))
iv = r["intervals"]
assert r["interval_s"] == 0.25 and 5 <= len(iv) <= 8, len(iv)
assert sum(i["msgs_ok"] for i in iv) == r["ok"], (sum(i["msgs_ok"] for i in iv), r["ok"])
assert sum(i["bytes_ok"] for i in iv) == r["bytes"]
assert sum(i["msgs_err"] for i in iv) == r["errors"] == 0
assert all(i["bit_per_s"] > 0 and i["lat_n"] > 0 for i in iv[:5]), iv
assert all(b["t"] > a["t"] for a, b in zip(iv, iv[1:]))
PY
if [ -n "$plot" ]; then
	[ "$(head -c 8 "$T_DIR/bulk.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] ||
		t_fail "--plot did not write a PNG"
	t_log "intervals add up; --plot wrote a PNG"
else
	t_log "intervals add up; no gnuplot: --plot not tried"
fi

# A failure says why: nobody serves 127.0.0.3 (lu2kd a is refused there).
out=$T_DIR/nopeer.json
timeout 60 ip netns exec "$ns" "$T_BIN/lu2k-perf" client --socket "$T_DIR/a.sock" --json \
	--nid 127.0.0.1@lu2k --peer 127.0.0.3@lu2k --timeout 5s bulk --size 4K --count 3 >"$out" 2>/dev/null &&
	t_fail "a run to a NID nobody serves passed"
grep -q '"pass":false' "$out" && grep -Eq '"reason":"3 (failed|lost) \(' "$out" ||
	t_fail "no reason for the failure: $(cat "$out")"
t_log "a failed run's reason: $(grep -o '"reason":"[^"]*"' "$out")"

# The daemons stayed up and count what they carried.
t_alive "$lu2kd_a_pid" || t_fail "lu2kd a died"
t_alive "$lu2kd_b_pid" || t_fail "lu2kd b died"
ip netns exec "$ns" "$T_BIN/lu2kctl" --socket "$T_DIR/b.ctl" peers >"$T_DIR/peers.yaml" ||
	t_fail "lu2kctl peers failed"
grep -q "127.0.0.1@lu2k" "$T_DIR/peers.yaml" || t_fail "lu2kctl on B does not list peer 127.0.0.1@lu2k: $(cat "$T_DIR/peers.yaml")"
echo "PASS"
