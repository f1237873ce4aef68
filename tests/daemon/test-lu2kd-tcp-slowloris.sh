#!/bin/bash
# lu2kd (tcp) against half-sent messages, on loopback.
#
#   lu2k-perf client (127.0.0.1@lu2k) --- honest 1 MiB bulk ---> lu2k-perf server (127.0.0.2@lu2k,
#               lu2kd #1  ========= tcp, port P =========>  lu2kd #2    64 MiB RX pool)
#   lu2k-hostile tcp-slowloris: 20 connections ---------------^ (hello, the header of a
#                4 MiB message and one byte of it, then silence)
#
# Each half-sent message takes its 4 MiB of the interface's RX pool: 20 of
# them more than the pool, and honest messages found no room for as long as
# the attacker held its sockets. With body_timeout_ms (2 s here) a body that
# stops growing closes its connection and gives its range back. Checks: the
# honest bulk completes, verified, while the attacker still holds its
# sockets; lu2kd #2 closed the half-sent messages (body_timeouts, the warning
# in its log); lu2kctl answers.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl lu2k-hostile
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k

printf 'accept = any # the attacker claims 10.66.0.1@lu2k\n[tcp]\nbody_timeout_ms = 2000\n' >"$T_DIR/lu2kd.conf"
start_daemon() { # name
	t_bg "$1" "$T_BIN/lu2kd" -c "$T_DIR/lu2kd.conf" --foreground --port "$PORT" \
		--log-level info -b tcp --channel-socket "$T_DIR/$1.sock" \
		--ctl-socket "$T_DIR/$1.ctl" --pid-file "$T_DIR/$1.pid"
	t_wait_for 20 test -s "$T_DIR/$1.pid" || t_fail "$1 did not get ready"
}

start_daemon d1
start_daemon d2
t_bg server "$T_BIN/lu2k-perf" server --nid "$B" --socket "$T_DIR/d2.sock" --rx-pool 64
t_wait_for 10 grep -q ready "$T_DIR/server.log" || t_fail "the lu2k-perf server did not attach"

t_log "20 half-sent 4 MiB messages, held for 30 s"
t_bg hostile timeout 40 "$T_BIN/lu2k-hostile" tcp-slowloris --target "127.0.0.2:$PORT" \
	--conns 20 --time 30 --src 10.66.0.1@lu2k --dst "$B"
t_wait_for 10 sh -c "'$T_BIN/lu2kctl' --socket '$T_DIR/d2.ctl' peers | grep -q 10.66.0.1" ||
	t_fail "the attacker's connections did not come up"
sleep 0.5

t_log "honest bulk beside them: must complete long before the attacker lets go"
timeout 60 "$T_BIN/lu2k-perf" client --nid "$A" --peer "$B" --socket "$T_DIR/d1.sock" \
	--timeout 20s --json bulk --size 1M --concurrency 8 --time 3s >"$T_DIR/client.json" ||
	{ cat "$T_DIR/client.json"; t_fail "honest traffic failed"; }
grep -q '"pass":true' "$T_DIR/client.json" || t_fail "honest traffic did not pass"
t_log "honest bulk: $(grep -o '"ok":[0-9]*' "$T_DIR/client.json" | head -1) messages," \
	"$(grep -o '"gbit_per_s":[0-9.]*' "$T_DIR/client.json") Gbit/s"
t_alive "$hostile_pid" || t_fail "the attacker let go early: the test proves nothing"

timeout 10 "$T_BIN/lu2kctl" --socket "$T_DIR/d2.ctl" stats >"$T_DIR/stats.yaml" ||
	t_fail "lu2kctl did not answer"
n=$(awk '$1 == "body_timeouts:" { print $2; exit }' "$T_DIR/stats.yaml")
t_log "body_timeouts: $n"
# a 64 MiB pool holds 15 of them at once: the others wait for room (no body yet)
[ "${n:-0}" -ge 15 ] || t_fail "only ${n:-0} half-sent messages were closed"
grep -q 'stopped after 1 of 4194304 bytes' "$T_DIR/d2.log" || t_fail "the warning is missing"
echo "PASS"
