#!/bin/bash
# lu2kd end to end with the udt back-end, on loopback: two daemons, one test
# client (lu2kd_e2e over liblu2k) with interface A on daemon 1 and B on 2.
#
#   lu2kd_e2e:  NI A (127.0.0.1@lu2k) ----- NI B (127.0.0.2@lu2k)
#                   |  unix socket               |  unix socket
#               lu2kd #1  ==== udt, port P ====> lu2kd #2   (A->B on #1's conn)
#
# Checks the tcp back-end's promises hold for udt: messages of 0 B .. 4 MiB
# arrive once, bit-exact, with exactly one completion each; backpressure (the
# receiver holds its RX buffers: the engine keeps the messages the core has
# no room for, unacknowledged, and the sender waits, nothing lost); kill -9 of
# the receiving daemon while its RX ring or pool is full (a message completed
# OK was handed to the receiver before the kill, the others fail); per-message
# timeouts with the receiving daemon frozen; garbage datagrams on the port
# are counted and dropped; kill -9 of either daemon mid-transfer (every
# message completes exactly once, errors where undelivered, none delivered
# twice) and restart. LU2K_FULL=1: more messages.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/daemon-pair.sh"

t_need_bins lu2kd lu2kd_e2e lu2kctl
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
N=${LU2K_FULL:+1000}
N=${N:-100}
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k

start_daemon() { # name
	t_bg "$1" "$T_BIN/lu2kd" --foreground --port "$PORT" --log-level info -b udt \
		--channel-socket "$T_DIR/$1.sock" --ctl-socket "$T_DIR/$1.ctl" \
		--pid-file "$T_DIR/$1.pid"
	t_wait_for 20 test -s "$T_DIR/$1.pid" || t_fail "$1 did not get ready"
}

e2e() { # extra args...
	timeout 120 "$T_BIN/lu2kd_e2e" --sock-a "$T_DIR/d1.sock" --sock-b "$T_DIR/d2.sock" \
		--nid-a "$A" --nid-b "$B" "$@"
}

start_daemon d1
start_daemon d2

t_log "every size, 0 B .. 4 MiB"
e2e --count "$N" --sizes 0,1,71,72,73,1455,1456,1457,4096,65536,1M,4M --timeout 90 || t_fail "sizes"

t_log "many small messages"
e2e --count $((N * 20)) --sizes 0,64,200 --window 512 --timeout 90 || t_fail "small messages"

t_log "backpressure: the receiver holds its buffers, the RX pool fills"
e2e --count $((N * 6)) --sizes 256K --hold 300 --timeout 90 >"$T_DIR/hold.out" ||
	{ cat "$T_DIR/hold.out"; t_fail "backpressure"; }
cat "$T_DIR/hold.out"
"$T_BIN/lu2kctl" --socket "$T_DIR/d2.ctl" stats | grep -qE 'rx_pauses: [1-9]' ||
	{ "$T_BIN/lu2kctl" --socket "$T_DIR/d2.ctl" stats; t_fail "the RX pool never filled: backpressure not exercised"; }

t_log "timeouts: the receiving daemon is frozen (SIGSTOP), every message fails with ETIMEDOUT"
e2e --count 40 --sizes 0,1M,4M --timeout-ms 700 --stop "$d2_pid" --faults --timeout 30 >"$T_DIR/stop.out" ||
	{ cat "$T_DIR/stop.out"; t_fail "timeouts"; }
cat "$T_DIR/stop.out"
grep -q 'ok 0 err 40, first error Connection timed out' "$T_DIR/stop.out" || t_fail "expected 40 timeouts"
e2e --count "$N" --sizes 0,1M --timeout 60 || t_fail "no recovery after the timeouts"

t_log "garbage datagrams on the port while traffic flows"
# ten times the messages: 100 can be done (0.2 s) before the attach is seen
e2e --count "$((N * 10))" --sizes 0,100,1M --timeout 90 >"$T_DIR/garbage-e2e.out" 2>&1 &
e2e_pid=$!
t_wait_for 10 sh -c "'$T_BIN/lu2kctl' --socket '$T_DIR/d2.ctl' status | grep -q 'channels: 1'" ||
	t_fail "the test client did not attach"
for i in $(seq 20); do
	{
		head -c 1400 /dev/urandom >/dev/udp/127.0.0.2/$PORT
		# a UDT control header (handshake type) with a short body, and a data packet
		# for socket id 0x01020304
		printf '\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00abc' >/dev/udp/127.0.0.2/$PORT
		printf '\x00\x00\x00\x01\xc0\x00\x00\x01\x00\x00\x00\x00\x01\x02\x03\x04data' >/dev/udp/127.0.0.1/$PORT
	} 2>/dev/null
done
wait $e2e_pid || { cat "$T_DIR/garbage-e2e.out"; t_fail "traffic during garbage"; }
"$T_BIN/lu2kctl" --socket "$T_DIR/d2.ctl" stats >"$T_DIR/garbage-stats.yaml"
grep -qE '(hs_rejects|unknown_dst|bad_pkts): [1-9]' "$T_DIR/garbage-stats.yaml" ||
	t_fail "garbage not counted: $(grep -A40 backend "$T_DIR/garbage-stats.yaml")"
t_alive "$d1_pid" && t_alive "$d2_pid" || t_fail "a daemon died of garbage"

kill_full_receiver ring --count 6000 --sizes 0,64 --window 6000
kill_full_receiver pool --count 400 --sizes 1M,4096 --window 400 --rx-pool 8192
e2e --count "$N" --sizes 0,1M --timeout 60 || t_fail "no traffic after the full receiver was killed"

kill9_restart d2 $((N * 10))
kill9_restart d1 $((N * 10))

grep -qiE 'AddressSanitizer|runtime error' "$T_DIR"/*.log && t_fail "sanitizer report in a daemon log"
t_log "PASS"
