#!/bin/bash
# lu2k-perf's progress inside messages, over a slow emulated link:
#
#   ns A: lu2k-perf client -- lu2kd A (10.77.0.1) --+
#                                                    | lu2k-linkem: 8 Mbit/s, 20 ms
#   ns B: lu2k-perf server -- lu2kd B (10.77.0.2) --+
#
# One 4 MiB message takes about 4 s on this link, so whole messages alone
# would show nothing for the first intervals. For each back-end (udt, tcp),
# the --json intervals must show bytes acknowledged in intervals where no
# message completed yet, the acknowledged bytes of the run must cover the
# payload that completed, and the progress line must show "acked".
. "$(dirname "$0")/../lib/common.sh"
. "$T_TOP/tests/linkem/lib.sh"
lk_require
t_need_bins lu2kd lu2k-perf
PY=/usr/bin/python3

lk_start --delay 10ms --rate 8mbit --queue 200KB --die-with-parent --quiet
ip netns exec "$LK_A" ping -c 5 -i 0.2 -W 5 10.77.0.2 >/dev/null || t_fail "the link does not carry ping"

for be in udt tcp; do
	port=$((20000 + RANDOM % 20000))
	for n in A B; do
		ns=LK_$n
		t_bg "d$be$n" ip netns exec "${!ns}" "$T_BIN/lu2kd" -f -b "$be" -p "$port" \
			--channel-socket "$T_DIR/$be$n.sock" --ctl-socket "$T_DIR/$be$n.ctl"
		t_wait_for 10 test -S "$T_DIR/$be$n.sock" || t_fail "lu2kd $be $n did not start"
	done
	t_bg "srv$be" ip netns exec "$LK_B" "$T_BIN/lu2k-perf" server --nid 10.77.0.2@lu2k \
		--socket "$T_DIR/${be}B.sock" -q
	t_wait_attached "$T_DIR/${be}B.ctl" 10.77.0.2@lu2k
	out=$T_DIR/$be.json
	# --progress with --json: the progress lines go to stderr
	timeout 60 ip netns exec "$LK_A" "$T_BIN/lu2k-perf" client --socket "$T_DIR/${be}A.sock" \
		--nid 10.77.0.1@lu2k --peer 10.77.0.2@lu2k --json --progress --interval 250ms \
		bulk --size 4M --concurrency 1 --count 1 --timeout 30s >"$out" 2>"$T_DIR/$be.err" ||
		t_fail "$be: lu2k-perf failed: $(cat "$out" "$T_DIR/$be.err")"
	grep -q "acked [0-9.]* [kMG]*bit/s" "$T_DIR/$be.err" ||
		t_fail "$be: no acked rate on the progress lines: $(head -3 "$T_DIR/$be.err")"
	$PY - "$out" <<'PY' || t_fail "$be: $(cat "$out")"
import json, sys
r = json.load(open(sys.argv[1]))
iv = r["intervals"]
assert r["pass"] and r["ok"] == 1, (r["pass"], r["ok"])
# before the message completes: acknowledged bytes move, whole messages do not
early = [i for i in iv if i["msgs_ok"] == 0 and i["bytes_acked"]]
assert len(early) >= 4, [(i["msgs_ok"], i["bytes_acked"]) for i in iv]
acked = sum(i["bytes_acked"] or 0 for i in iv)
# the transport acknowledged at least the payload (framing adds a little)
assert 4 << 20 <= acked <= (4 << 20) * 1.05, acked
print("  %d intervals, %d of them with bytes acknowledged before the message completed; "
      "%d bytes acknowledged" % (len(iv), len(early), acked))
PY
	t_log "$be: $(grep -m1 'acked' "$T_DIR/$be.err" | sed 's/^ *//')"
	for p in "srv$be" "d${be}A" "d${be}B"; do
		pv=${p}_pid
		kill "${!pv}" 2>/dev/null
	done
	sleep 0.3
done
t_log "PASS: progress from acknowledged bytes over udt and tcp"
