#!/bin/bash
# lu2kd (tcp) against a flood of hellos from fake NIDs, on loopback.
#
#   lu2k-perf client (127.0.0.1@lu2k) --- honest bulk ---> lu2k-perf server (127.0.0.2@lu2k)
#               lu2kd #1  ========= tcp, port P =========>  lu2kd #2 (max_peers 64,
#   lu2k-hostile tcp-hellos: 600 connections, one after ---^  peer_idle_timeout_ms 2000)
#                another, each a hello from a new NID (10.77.x.y@lu2k), then close
#
# Before: every hello made a peer that was never freed (600 peers after the
# flood, still there later), and two log lines each (1,200 lines). Checks: at
# most max_peers peers during the flood (idle ones made room), none left once
# idle for peer_idle_timeout_ms; the per-connection lines rate-limited
# (log_suppressed counts the rest); lu2kctl answers; honest bulk completes.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl lu2k-hostile
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k
N=600

# accept = any: the fake NIDs are not the address they come from
printf 'max_peers = 64\npeer_idle_timeout_ms = 2000\naccept = any\n' >"$T_DIR/lu2kd.conf"
stat_of() { # daemon key
	timeout 10 "$T_BIN/lu2kctl" --socket "$T_DIR/$1.ctl" "$3" >"$T_DIR/$1.$3.yaml" ||
		t_fail "lu2kctl did not answer"
	awk -v k="$2:" '$1 == k { print $2; exit }' "$T_DIR/$1.$3.yaml"
}

t_lu2kd d1 tcp
t_lu2kd d2 tcp
t_perf_server server "$B" d2

t_log "$N hellos from $N NIDs"
timeout 120 "$T_BIN/lu2k-hostile" tcp-hellos --target "127.0.0.2:$PORT" --conns $N \
	--src 10.77.0.1@lu2k --dst "$B" >"$T_DIR/hostile.out" || t_fail "lu2k-hostile failed"
cat "$T_DIR/hostile.out"
grep -q "$N hellos, [1-9][0-9]* accepted" "$T_DIR/hostile.out" || t_fail "no hello was accepted"
peers=$(stat_of d2 peers status)
evicted=$(stat_of d2 peers_evicted stats)
supp=$(stat_of d2 log_suppressed stats)
lines=$(grep -c 'incoming connection from 10\.77\.' "$T_DIR/d2.log")
t_log "after the flood: $peers peers, ${evicted:-?} evicted, $lines connection lines logged," \
	"${supp:-?} suppressed"
[ "${peers:-999}" -le 64 ] || t_fail "$peers peers, over max_peers (64)"
[ "${evicted:-0}" -ge $((N - 64 - 10)) ] || t_fail "only ${evicted:-0} idle peers made room"
[ "$lines" -lt $((N / 2)) ] || t_fail "$lines lines for $N connections: not rate-limited"
[ "${supp:-0}" -gt 0 ] || t_fail "log_suppressed is ${supp:-0}"

t_log "idle peers forgotten after peer_idle_timeout_ms"
for i in $(seq 30); do
	[ "$(stat_of d2 peers status)" = 0 ] && break
	sleep 0.5
done
[ "$(stat_of d2 peers status)" = 0 ] || t_fail "peers left: $(stat_of d2 peers status)"
t_log "peers_reaped: $(stat_of d2 peers_reaped stats)"

t_log "honest bulk after the flood"
timeout 60 "$T_BIN/lu2k-perf" client --nid "$A" --peer "$B" --socket "$T_DIR/d1.sock" \
	--timeout 20s --json bulk --size 64K --time 2s >"$T_DIR/client.json" ||
	{ cat "$T_DIR/client.json"; t_fail "honest traffic failed"; }
grep -q '"pass":true' "$T_DIR/client.json" || t_fail "honest traffic did not pass"
echo "PASS"
