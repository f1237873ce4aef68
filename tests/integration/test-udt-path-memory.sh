#!/bin/bash
# A path remembered across reconnects (doc/udt-cc.md, "A path remembered"):
#
#   ns A: [lu2k-perf client] -- lu2kd A (10.77.0.1) --+
#                                                      | lu2k-linkem: 20 Mbit/s, 300 ms
#   ns B: [lu2k-perf server] -- lu2kd B (10.77.0.2) --+
#
# A bulk run from A to B; its client's detach ends A's connection to B, and
# the udt back-end keeps what its congestion control learnt of the path
# (paths_learnt). The next run's connection to B starts from that rate
# (paths_used, and its start_rate_pps: between half and 1.2 x the link's
# packet rate). The figures of both runs are printed; their speed is for the
# simulated tests (tests/sim/test_sim_start), this checks the plumbing.
. "$(dirname "$0")/../lib/common.sh"
. "$T_TOP/tests/linkem/lib.sh"
lk_require
t_need_bins lu2kd lu2k-perf lu2kctl

lk_start --delay 150ms --rate 20mbit --queue 400KB --die-with-parent --quiet
ip netns exec "$LK_A" ping -c 5 -i 0.2 -W 5 10.77.0.2 >/dev/null || t_fail "the link does not carry ping"
port=$((20000 + RANDOM % 20000))
link_pps=1667 # 20 Mbit/s of 1500-byte packets

start_daemon() { lk_start_lu2kd "$1" "$port"; } # A|B

stop() { # NAME: a process started with t_bg
	local pv="${1}_pid"
	kill "${!pv}" 2>/dev/null
	wait "${!pv}" 2>/dev/null
}

stat() { # key: lu2kd A's back-end statistic
	timeout 10 ip netns exec "$LK_A" "$T_BIN/lu2kctl" --socket "$T_DIR/A.ctl" stats |
		awk -v k="$1:" '$1 == k { print $2; exit }'
}

bulk() { # NAME
	timeout 60 ip netns exec "$LK_A" "$T_BIN/lu2k-perf" client --socket "$T_DIR/A.sock" \
		--nid 10.77.0.1@lu2k --peer 10.77.0.2@lu2k --json bulk --size 1M \
		--concurrency 8 --time 6s --timeout 20s >"$T_DIR/$1.json" 2>"$T_DIR/$1.err" ||
		t_fail "$1: lu2k-perf failed: $(cat "$T_DIR/$1.err" "$T_DIR/$1.json")"
	grep -q '"corrupt":0' "$T_DIR/$1.json" || t_fail "$1: corrupt payloads"
	grep -q '"errors":0,' "$T_DIR/$1.json" || t_fail "$1: errors: $(cat "$T_DIR/$1.json")"
	t_log "$1: $(grep -o '"gbit_per_s":[0-9.]*' "$T_DIR/$1.json" | head -1)"
}

start_daemon A
start_daemon B
t_bg srv ip netns exec "$LK_B" "$T_BIN/lu2k-perf" server --nid 10.77.0.2@lu2k --socket "$T_DIR/B.sock" -q
t_wait_attached "$T_DIR/B.ctl" 10.77.0.2@lu2k
bulk cold
[ "$(stat paths_used)" = 0 ] || t_fail "a path was used before any was learnt"
# the client's detach ended A's connection to B: its path is remembered
t_wait_for 20 sh -c "[ \"\$(timeout 10 ip netns exec $LK_A $T_BIN/lu2kctl --socket $T_DIR/A.ctl stats |
	awk '\$1 == \"paths_learnt:\" { print \$2 }')\" -ge 1 ]" ||
	t_fail "no path learnt when the connection to B ended: $(stat paths_learnt)"

# the next connection to B starts from it (looked at while it runs)
t_bg warm ip netns exec "$LK_A" "$T_BIN/lu2k-perf" client --socket "$T_DIR/A.sock" \
	--nid 10.77.0.1@lu2k --peer 10.77.0.2@lu2k --json bulk --size 1M --concurrency 8 --time 6s \
	--timeout 20s
# (polled: on a loaded machine the client may take a while to attach; -v: every field)
start=
for _ in $(seq 20); do
	sleep 0.3
	start=$(timeout 10 ip netns exec "$LK_A" "$T_BIN/lu2kctl" -v --socket "$T_DIR/A.ctl" conns |
		awk '$1 == "start_rate_pps:" && $2 > 0 { print $2; exit }')
	[ -n "$start" ] && break
done
t_wait_for 60 sh -c "! kill -0 $warm_pid 2>/dev/null" || t_fail "the second run did not end"
wait "$warm_pid" || t_fail "warm: lu2k-perf failed: $(cat "$T_DIR/warm.log")"
grep -q '"corrupt":0' "$T_DIR/warm.log" || t_fail "warm: corrupt payloads"
grep -q '"errors":0,' "$T_DIR/warm.log" || t_fail "warm: errors: $(cat "$T_DIR/warm.log")"
t_log "warm: $(grep -o '"gbit_per_s":[0-9.]*' "$T_DIR/warm.log" | head -1)"
t_log "paths learnt $(stat paths_learnt), used $(stat paths_used); the new connection started from ${start:-none} packets/s (link $link_pps)"
[ "$(stat paths_used)" -ge 1 ] || t_fail "the new connection did not use the remembered path"
[ -n "$start" ] || t_fail "no connection started from a remembered rate"
awk -v s="$start" -v l="$link_pps" 'BEGIN { exit !(s >= 0.5 * l && s <= 1.2 * l) }' ||
	t_fail "remembered $start packets/s for a link of $link_pps"
stop srv
echo "PASS"
