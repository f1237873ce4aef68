#!/bin/bash
# Two lu2kd with the udt back-end in a private network namespace, on
# 127.0.0.1 and 127.0.0.2 (and IPv6 NIDs), lu2k-perf server and client over
# liblu2k: bulk, get and ping from 0 B to 4 MiB, every payload verified; then
# lu2kctl must show the udt connection's statistics (RTT, rate, window, loss).
#
#   [perf client] -- lu2kd A (127.0.0.1) ==udt==> lu2kd B (127.0.0.2) -- [perf server]
#                                        <==udt==  (B's own connection back)
. "$(dirname "$0")/../lib/common.sh"
t_require_root
ns=$T_TAG
t_netns "$ns"
t_perf_pair "$ns" -b udt -o cc=udt -o nest_small=1
run() { t_perf_run "$ns" 60 "$@"; } # NAME ARGS...

v4=(--nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k)
for size in 0 1 72 1400 4095 65536 1000000 4M; do
	run "bulk-$size" "${v4[@]}" bulk --size "$size" --concurrency 4 --count 16
	run "get-$size" "${v4[@]}" get --size "$size" --concurrency 4 --count 8
done
run ping "${v4[@]}" ping --count 200
run bulk-ipv6 --nid "[fd00:99::1]@lu2k" --peer "[fd00:99::2]@lu2k" bulk --size 1M --count 16
# 64 B GETs beside 1 MiB PUTs from the same NID: the same connection, small messages
# ahead of (or nested into) the bulk; every ping answered and checked
run bulk-pings "${v4[@]}" bulk --size 1M --concurrency 16 --time 3s --ping-every 20ms
grep -Eq '"ping_latency_us":\{"every_ms":20.0,"sent":([0-9]+),"ok":\1,' "$T_DIR/bulk-pings.json" ||
	t_fail "bulk-pings: pings lost or missing: $(cat "$T_DIR/bulk-pings.json")"
grep -Eq '"ping_latency_us":\{"every_ms":20.0,"sent":[1-9]' "$T_DIR/bulk-pings.json" ||
	t_fail "bulk-pings: no pings sent: $(cat "$T_DIR/bulk-pings.json")"

# lu2kctl shows the udt connections' statistics while traffic flows.
timeout 60 ip netns exec "$ns" "$T_BIN/lu2k-perf" client --socket "$T_DIR/a.sock" "${v4[@]}" \
	bulk --size 64K --concurrency 8 --time 3s >"$T_DIR/bg.out" 2>&1 &
bg=$!
t_defer "kill $bg"
sleep 1.5
ip netns exec "$ns" "$T_BIN/lu2kctl" --socket "$T_DIR/a.ctl" --json conns >"$T_DIR/conns.json" ||
	t_fail "lu2kctl conns failed"
for k in rtt_us send_rate_kbps cwnd flow_window pkts_retrans naks_recv snd_loss link_steps_down link_steps_up; do
	grep -q "\"$k\"" "$T_DIR/conns.json" || t_fail "lu2kctl conns has no $k: $(cat "$T_DIR/conns.json")"
done
grep -Eq '"pkts_sent": ?[1-9]' "$T_DIR/conns.json" || t_fail "no packets counted on A's connections"
# both lu2kd offer nested small messages in the UDT handshake (-o nest_small=1): on
grep -Eq '"nest": ?true' "$T_DIR/conns.json" || t_fail "nesting not on between two lu2kd: $(cat "$T_DIR/conns.json")"
ip netns exec "$ns" "$T_BIN/lu2kctl" --socket "$T_DIR/b.ctl" stats >"$T_DIR/stats.yaml" ||
	t_fail "lu2kctl stats failed"
grep -q "cc: udt" "$T_DIR/stats.yaml" || t_fail "lu2kctl stats: no udt back-end: $(cat "$T_DIR/stats.yaml")"
wait $bg || t_fail "background bulk run failed: $(cat "$T_DIR/bg.out")"
t_alive "$lu2kd_a_pid" || t_fail "lu2kd a died"
t_alive "$lu2kd_b_pid" || t_fail "lu2kd b died"
echo "PASS"
