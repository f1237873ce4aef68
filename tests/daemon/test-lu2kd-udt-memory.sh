#!/bin/bash
# lu2kd (udt) under a memory attack from the network, on loopback.
#
#   lu2k-perf client (127.0.0.1@lu2k) --- honest 64 KiB bulk, verified ---> lu2k-perf server (127.0.0.2@lu2k)
#               lu2kd #1  ========= udt, port P =========>  lu2kd #2 (max_rx_memory 96 MiB)
#   lu2k-hostile: 20 UDT connections -----------------------^  (cookie round trip, hello,
#                 then 16,384 full packets each that never make a message whole)
#
# Two attacks, each for 6 s while honest bulk traffic flows: 'endless' (one
# message that never ends, in order) and 'holes' (every packet behind a hole
# that is never filled). Without limits each connection made lu2kd keep its
# whole window (16,384 packets, ~24 MB): 20 of them ~480 MB. Checks: the
# honest messages all complete, verified; lu2kd #2's anonymous memory stays
# within the budget plus a margin, and its rx_memory_peak counter within
# max_rx_memory; the attackers' connections are closed (a hole left
# unrepaired for rx_stall_timeout_ms, 2 s here, or a message longer than
# lu2k's largest); the warnings are logged; lu2kctl answers; the memory is
# given back. Last, one endless message alone is cut at the largest size.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl lu2k-hostile
t_need_lo8

# Under AddressSanitizer freed blocks wait in a quarantine (256 MiB): keep it
# small, so that lu2kd's size shows what it holds, not what it freed.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8:thread_local_quarantine_size_kb=64

PORT=$((20000 + RANDOM % 20000))
BUDGET_MIB=96
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k

printf "accept = any # the attackers claim 10.66.0.x@lu2k\n[udt]\nmax_rx_memory = %dM\nrx_stall_timeout_ms = 2000\n" "$BUDGET_MIB" >"$T_DIR/lu2kd.conf"
start_daemon() { # name
	t_bg "$1" "$T_BIN/lu2kd" -c "$T_DIR/lu2kd.conf" --foreground --port "$PORT" \
		--log-level info -b udt --channel-socket "$T_DIR/$1.sock" \
		--ctl-socket "$T_DIR/$1.ctl" --pid-file "$T_DIR/$1.pid"
	t_wait_for 20 test -s "$T_DIR/$1.pid" || t_fail "$1 did not get ready"
}
ctl() { timeout 10 "$T_BIN/lu2kctl" --socket "$T_DIR/$1.ctl" "$2"; }
rss_anon_kib() { awk '/^RssAnon/ { print $2 }' "/proc/$1/status"; }

start_daemon d1
start_daemon d2
t_bg server "$T_BIN/lu2k-perf" server --nid "$B" --socket "$T_DIR/d2.sock"
t_wait_for 10 grep -q ready "$T_DIR/server.log" || t_fail "the lu2k-perf server did not attach"

# One attack while honest traffic flows; prints d2's growth of RssAnon (KiB).
attack() { # mode
	local mode=$1 base max=0 r client_pid hostile_pid i
	base=$(rss_anon_kib "$d2_pid")
	timeout 100 "$T_BIN/lu2k-perf" client --nid "$A" --peer "$B" --socket "$T_DIR/d1.sock" \
		--timeout 60s --json bulk --size 64K --concurrency 4 --time 7s \
		>"$T_DIR/client-$mode.json" 2>"$T_DIR/client-$mode.err" &
	client_pid=$!
	# paced: the attack is on memory, not a flood that overflows the shared
	# UDP socket (the honest connection's packets arrive on it too)
	timeout 60 "$T_BIN/lu2k-hostile" "udt-$mode" --target "127.0.0.2:$PORT" --conns 20 \
		--time 6 --pps 65000 --src 10.66.0.1@lu2k --dst "$B" >"$T_DIR/hostile-$mode.out" 2>&1 &
	hostile_pid=$!
	for ((i = 0; i < 140; i++)); do # sampled for 7 s
		r=$(rss_anon_kib "$d2_pid")
		[ "$r" -gt "$max" ] && max=$r
		sleep 0.05
	done
	wait "$hostile_pid" || { cat "$T_DIR/hostile-$mode.out" >&2; t_fail "$mode: the attack did not run"; }
	cat "$T_DIR/hostile-$mode.out" >&2
	wait "$client_pid" && grep -q '"pass":true' "$T_DIR/client-$mode.json" ||
		{ cat "$T_DIR/client-$mode.json" "$T_DIR/client-$mode.err" >&2; t_fail "$mode: honest traffic failed"; }
	echo "$mode: honest bulk: $(grep -o '"ok":[0-9]*' "$T_DIR/client-$mode.json") messages," \
		"$(grep -o '"gbit_per_s":[0-9.]*' "$T_DIR/client-$mode.json") Gbit/s" >&2
	t_alive "$d2_pid" || t_fail "$mode: lu2kd #2 died"
	echo "$mode: RssAnon of lu2kd #2 before ${base} KiB, highest $max KiB" >&2
	echo $((max - base))
}

for mode in endless holes; do
	t_log "attack '$mode' while honest traffic flows"
	grown=$(attack "$mode") || exit 1
	# the budget, the allocator's and the sanitizers' overhead per buffer, and slack
	limit=$((BUDGET_MIB * 1024 * 2 + 64 * 1024))
	t_log "$mode: lu2kd #2 grew by $((grown / 1024)) MiB (limit $((limit / 1024)) MiB)"
	[ "$grown" -le "$limit" ] || t_fail "$mode: lu2kd #2 grew by $grown KiB, over $limit KiB"
	ctl d2 stats >"$T_DIR/stats-$mode.yaml" || t_fail "lu2kctl did not answer"
	peak=$(awk '/^    rx_memory_peak:/ { print $2 }' "$T_DIR/stats-$mode.yaml")
	[ -n "$peak" ] && [ "$peak" -le $((BUDGET_MIB << 20)) ] ||
		t_fail "$mode: rx_memory_peak '$peak' over max_rx_memory"
done

stat() { awk -v k="    $2:" '$1 ":" == k ":" || index($0, k) == 1 { print $2; exit }' "$T_DIR/stats-$1.yaml"; }
closed=$(($(stat holes rx_stalls) + $(stat holes msgs_too_long)))
t_log "attackers' connections closed: $closed (too long $(stat holes msgs_too_long), stalled $(stat holes rx_stalls))"
[ "$closed" -ge 20 ] || t_fail "only $closed attackers' connections were closed"
grep -q 'receive memory limit reached' "$T_DIR/d2.log" || t_fail "the budget's warning is missing"
grep -q 'left a hole unrepaired' "$T_DIR/d2.log" || t_fail "the stall's warning is missing"

t_log "one endless message alone: cut at the largest message lu2k carries"
timeout 60 "$T_BIN/lu2k-hostile" udt-endless --target "127.0.0.2:$PORT" --conns 1 --time 2 --pps 65000 \
	--src 10.66.0.2@lu2k --dst "$B" || t_fail "the attack did not run"
t_wait_for 10 sh -c "'$T_BIN/lu2kctl' --socket '$T_DIR/d2.ctl' stats | grep -qE '^    msgs_too_long: [1-9]'" ||
	t_fail "the endless message did not close its connection: $(ctl d2 stats | grep -E 'too_long|rx_stalls')"
grep -q 'a message over' "$T_DIR/d2.log" || t_fail "the endless message's warning is missing"
t_log "memory back once the attackers are gone"
t_wait_for 30 sh -c "'$T_BIN/lu2kctl' --socket '$T_DIR/d2.ctl' stats | grep -qE '^    rx_memory: [0-9]{1,7}$'" ||
	t_fail "receive memory not given back: $(ctl d2 stats | grep -E 'rx_memory|conns:')"
echo "PASS"
