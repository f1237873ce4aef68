#!/bin/bash
# An MTU black hole on the path: lu2kd (udt) says so instead of waiting silently.
#
#   ns A: lu2k-perf client -- lu2kd A (10.77.0.1) --+
#                                                    | lu2k-linkem: devices MTU 1500, the link
#   ns B: lu2k-perf server -- lu2kd B (10.77.0.2) --+  drops packets above 1200 bytes
#
# UDT's handshake and keep-alives are small and cross; data packets of mss
# 1500 do not, and nothing tells the sender (no ICMP "too big"). The
# connection stays up (the peer answers), nothing is acknowledged and the
# messages time out one by one. Checks: lu2kd A logs the stall once with the
# cause and the fix (mss), counts it (no_progress) and shows no_ack_ms in
# lu2kctl conns; then with mss 1200 at both ends the same link carries a
# verified bulk.
. "$(dirname "$0")/../lib/common.sh"
. "$T_TOP/tests/linkem/lib.sh"
lk_require
t_need_bins lu2kd lu2k-perf lu2kctl

lk_start --delay 5ms --mtu 1200 --dev-mtu 1500 --die-with-parent --quiet
ip netns exec "$LK_A" ping -c 5 -i 0.2 -W 5 10.77.0.2 >/dev/null || t_fail "the link does not carry ping"
ip netns exec "$LK_A" ping -c 1 -W 2 -s 1400 -M do 10.77.0.2 >/dev/null &&
	t_fail "the link carries 1428-byte packets: no black hole to test"

start() { # start RUN MSS
	local port=$((20000 + RANDOM % 20000)) n ns
	for n in A B; do
		ns=LK_$n
		t_bg "d$1$n" ip netns exec "${!ns}" "$T_BIN/lu2kd" -f -b udt -o "mss=$2" -p "$port" \
			--channel-socket "$T_DIR/$1$n.sock" --ctl-socket "$T_DIR/$1$n.ctl"
		t_wait_for 10 test -S "$T_DIR/$1$n.sock" || t_fail "lu2kd $1 $n did not start"
	done
	t_bg "srv$1" ip netns exec "$LK_B" "$T_BIN/lu2k-perf" server --nid 10.77.0.2@lu2k \
		--socket "$T_DIR/${1}B.sock" -q
	t_wait_attached "$T_DIR/${1}B.ctl" 10.77.0.2@lu2k
}

t_log "mss 1500 over a path that drops what is above 1200"
start big 1500
t_bg clientbig ip netns exec "$LK_A" "$T_BIN/lu2k-perf" client --socket "$T_DIR/bigA.sock" \
	--nid 10.77.0.1@lu2k --peer 10.77.0.2@lu2k -q bulk --size 64K --concurrency 2 --time 30s \
	--timeout 25s
t_wait_for 25 grep -q "nothing acknowledged for .* MTU black hole" "$T_DIR/dbigA.log" ||
	t_fail "no stall warning in 25 s: $(tail -5 "$T_DIR/dbigA.log")"
grep "nothing acknowledged" "$T_DIR/dbigA.log" | head -1 | cut -c1-240
[ "$(grep -c "nothing acknowledged" "$T_DIR/dbigA.log")" = 1 ] || t_fail "the stall was said more than once"
ip netns exec "$LK_A" "$T_BIN/lu2kctl" -s "$T_DIR/bigA.ctl" --json stats >"$T_DIR/big-stats.json"
grep -q '"no_progress": 1' "$T_DIR/big-stats.json" || t_fail "no_progress: $(grep no_progress "$T_DIR/big-stats.json")"
ip netns exec "$LK_A" "$T_BIN/lu2kctl" -s "$T_DIR/bigA.ctl" conns | grep -q "no_ack_ms: [1-9]" ||
	t_fail "lu2kctl conns shows no no_ack_ms"
for p in clientbig srvbig dbigA dbigB; do
	pv=${p}_pid
	kill "${!pv}" 2>/dev/null
done
sleep 0.5

t_log "mss 1200 at both ends: the same link carries a verified bulk"
start fit 1200
out=$T_DIR/fit.json
timeout 60 ip netns exec "$LK_A" "$T_BIN/lu2k-perf" client --socket "$T_DIR/fitA.sock" \
	--nid 10.77.0.1@lu2k --peer 10.77.0.2@lu2k --json bulk --size 1M --concurrency 4 --count 40 \
	>"$out" || t_fail "bulk with mss 1200 failed: $(cat "$out")"
grep -q '"pass":true' "$out" && grep -q '"errors":0,' "$out" || t_fail "mss 1200: $(cat "$out")"
grep -q "nothing acknowledged" "$T_DIR/dfitA.log" && t_fail "a stall reported with mss 1200"
t_log "PASS: the stall named its likely cause; mss 1200 works ($(grep -o '"gbit_per_s":[0-9.]*' "$out"))"
