#!/bin/bash
# lu2kd end to end, on loopback: two daemons, one test client (lu2kd_e2e over
# liblu2k) with interface A on daemon 1 and B on daemon 2.
#
#   lu2kd_e2e:  NI A (127.0.0.1@lu2k) ----- NI B (127.0.0.2@lu2k)
#                   |  unix socket               |  unix socket
#               lu2kd #1  ==== tcp, port P ====> lu2kd #2   (A->B on #1's conn)
#
# Checks: messages of 0 B .. 4 MiB arrive once, bit-exact, with exactly one
# completion each; garbage on the port closes only that connection; kill -9
# of either daemon mid-transfer (every message still completes exactly once,
# none is delivered twice) and restart (the peer is reconnected, traffic
# resumes); lu2kctl answers; SIGTERM exits cleanly. LU2K_FULL=1: more messages.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/daemon-pair.sh"

t_need_bins lu2kd lu2kd_e2e lu2kd_evil lu2kctl
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
N=${LU2K_FULL:+2000}
N=${N:-200}
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k

printf '# short, so that the silent-peer case below is quick\nconnect_timeout_ms = 500\nreconnect_min_ms = 200\n' \
	>"$T_DIR/lu2kd.conf"
start_daemon() { # name
	t_bg "$1" "$T_BIN/lu2kd" -c "$T_DIR/lu2kd.conf" --foreground --port "$PORT" --log-level info \
		--channel-socket "$T_DIR/$1.sock" --ctl-socket "$T_DIR/$1.ctl" \
		--pid-file "$T_DIR/$1.pid"
	t_wait_for 20 test -s "$T_DIR/$1.pid" || t_fail "$1 did not get ready"
	grep -q 'ready:' "$T_DIR/$1.log" || t_fail "$1 did not log ready"
}

e2e() { # extra args...
	timeout 120 "$T_BIN/lu2kd_e2e" --sock-a "$T_DIR/d1.sock" --sock-b "$T_DIR/d2.sock" \
		--nid-a "$A" --nid-b "$B" "$@"
}

ctl() { # daemon command
	"$T_BIN/lu2kctl" --socket "$T_DIR/$1.ctl" "$2"
}

start_daemon d1
start_daemon d2

t_log "every size, 0 B .. 4 MiB"
e2e --count "$N" --sizes 0,1,71,72,73,4095,4096,65536,1M,4M --timeout 90 || t_fail "sizes"

t_log "LNet routing: the target is another network, d2 only the next hop"
e2e --count "$N" --sizes 0,4096,1M --target 10.9.8.7@lu2k3 --timeout 90 || t_fail "routed"

t_log "two interfaces on one address (networks lu2k and lu2k1) of one daemon share its listener"
timeout 120 "$T_BIN/lu2kd_e2e" --sock-a "$T_DIR/d1.sock" --sock-b "$T_DIR/d1.sock" \
	--nid-a 127.0.0.1@lu2k --nid-b 127.0.0.1@lu2k1 --count "$N" --sizes 0,1M --timeout 90 ||
	t_fail "two networks on one address"

t_log "many small messages"
e2e --count $((N * 20)) --sizes 0,64,200 --window 512 --timeout 90 || t_fail "small messages"

t_log "backpressure: the receiver holds its buffers, the RX pool fills"
e2e --count $((N * 2)) --sizes 1M,4M,0 --hold 200 --timeout 90 >"$T_DIR/hold.out" || { cat "$T_DIR/hold.out"; t_fail "backpressure"; }
cat "$T_DIR/hold.out"
# Small messages and a small pool: frames wait in the daemon's staging buffer while it is full.
e2e --count $((N * 20)) --sizes 0,100,4096 --hold 300 --rx-pool 256 --window 512 --timeout 90 \
	>"$T_DIR/hold2.out" || { cat "$T_DIR/hold2.out"; t_fail "backpressure, small messages"; }
cat "$T_DIR/hold2.out"

t_log "backpressure: the receiver reads nothing for a while, its daemon's RX ring fills"
e2e --count $((N * 20)) --sizes 0,64 --window 1024 --pause-b 1500 --timeout 90 || t_fail "RX ring backlog"
ctl d2 stats | grep -qE '^    rx_ring_full: [1-9]' || t_fail "the RX ring never filled"
ctl d2 stats | grep -qE '^    rx_waits: [1-9]' || t_fail "the connection was never held back"

t_log "timeouts: the receiving daemon is frozen (SIGSTOP), every message fails with ETIMEDOUT"
e2e --count 40 --sizes 0,1M,4M --timeout-ms 700 --stop "$d2_pid" --faults --timeout 30 >"$T_DIR/stop.out" ||
	{ cat "$T_DIR/stop.out"; t_fail "timeouts"; }
cat "$T_DIR/stop.out"
grep -q 'ok 0 err 40, first error Connection timed out' "$T_DIR/stop.out" || t_fail "expected 40 timeouts"
e2e --count "$N" --sizes 0,1M --timeout 60 || t_fail "no recovery after the timeouts"

t_log "a next hop that never answers: connect timeout, ETIMEDOUT, backoff; the others go on"
# A listener whose accept queue is full: the kernel drops further SYNs, so a
# connect() to it hangs until lu2kd's connect_timeout_ms.
t_bg blackhole python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.9', $PORT)); s.listen(0)
cs = []
for i in range(3):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(('127.0.0.9', $PORT))
    except BlockingIOError: pass
    cs.append(c)
print('ready', flush=True)
time.sleep(300)"
t_wait_for 10 grep -q ready "$T_DIR/blackhole.log" || t_skip "no python3 for the silent peer"
e2e --count 20 --sizes 0,4096 --nexthop 127.0.0.9@lu2k --faults --timeout 60 >"$T_DIR/silent.out" ||
	{ cat "$T_DIR/silent.out"; t_fail "silent next hop"; }
cat "$T_DIR/silent.out"
grep -q 'ok 0 err 20, first error Connection timed out' "$T_DIR/silent.out" || t_fail "expected 20 ETIMEDOUT"
grep -q 'peer 127.0.0.9@lu2k: connect failed: Connection timed out; next attempt in' "$T_DIR/d1.log" ||
	t_fail "no backoff logged"
e2e --count "$N" --sizes 0,1M --timeout 60 || t_fail "the reachable peer suffered"

t_log "a next hop whose address is served but whose network is not: refused hello, backoff"
e2e --count 10 --sizes 0,4096 --nexthop 127.0.0.2@lu2k7 --faults --timeout 60 >"$T_DIR/refused.out" ||
	{ cat "$T_DIR/refused.out"; t_fail "refused next hop"; }
cat "$T_DIR/refused.out"
grep -q 'ok 0 err 10, first error Connection refused' "$T_DIR/refused.out" || t_fail "expected 10 ECONNREFUSED"
grep -q 'peer 127.0.0.2@lu2k7: connect failed: Connection refused; next attempt in' "$T_DIR/d1.log" ||
	t_fail "no backoff after a refused hello"

t_log "a hostile kernel half: bad descriptors are answered or dropped, a broken ring ends its channel only"
"$T_BIN/lu2kd_evil" "$T_DIR/d1.sock" || t_fail "hostile descriptors"
[ "$(grep -c 'bad FREE descriptor' "$T_DIR/d1.log")" -ge 3 ] || t_fail "bad FREE descriptors not reported"
grep -q 'impossible ring index' "$T_DIR/d1.log" || t_fail "broken ring not reported"
e2e --count "$N" --sizes 0,1M --timeout 60 || t_fail "no traffic after the hostile kernel half"

t_log "lu2kctl"
ctl d1 status | grep -q 'backend: tcp' || t_fail "lu2kctl status"
ctl d1 stats | grep -qE 'msgs_ok: [1-9]' || t_fail "lu2kctl stats: no messages counted"
ctl d2 peers --json >/dev/null 2>&1
"$T_BIN/lu2kctl" --socket "$T_DIR/d1.ctl" --json stats | grep -q '"backend"' || t_fail "lu2kctl --json"
"$T_BIN/lu2kctl" --socket "$T_DIR/nonexistent.ctl" status 2>/dev/null && t_fail "lu2kctl: no daemon must fail"

t_log "garbage on the port while traffic flows"
e2e --count $((N * 5)) --sizes 0,100,1M --timeout 90 >"$T_DIR/garbage-e2e.out" 2>&1 &
e2e_pid=$!
# The listeners exist while the interfaces are attached.
t_wait_for 10 sh -c "'$T_BIN/lu2kctl' --socket '$T_DIR/d2.ctl' status | grep -q 'channels: 1'" ||
	t_fail "the test client did not attach"
for i in 1 2 3 4 5; do
	{
		head -c 65536 /dev/urandom >/dev/tcp/127.0.0.2/$PORT
		printf 'LU2K\001\000\100\000garbage-after-a-magic' >/dev/tcp/127.0.0.2/$PORT
		printf 'GET / HTTP/1.0\r\n\r\n' >/dev/tcp/127.0.0.1/$PORT
	} 2>/dev/null
done
t_log "a well-formed hello for a NID the daemon does not serve is refused"
# magic "LU2K", version 1, length 64, status 0, flags 0, "tcp", src 127.0.0.9@lu2k, dst 127.0.0.3@lu2k
nid() { # size 0, type 20, net 0, 127.0.0.$1, 12 zero bytes
	printf '\000\024\000\000\177\000\000'
	printf "\\$(printf %03o "$1")"
	printf '\000\000\000\000\000\000\000\000\000\000\000\000'
}
exec 7<>/dev/tcp/127.0.0.2/$PORT || t_fail "cannot connect to d2"
{ printf 'LU2K\001\000\100\000\000\000\000\000\000\000\000\000tcp\000\000\000\000\000'; nid 9; nid 3; } >&7
answer=$(timeout 5 head -c 64 <&7 | od -An -tx1 | tr -d ' \n')
exec 7<&-
# The answer is a hello with status -ENXIO (-6: fa ff ff ff) from 127.0.0.2.
[ "${answer:0:8}" = 4c55324b ] && [ "${answer:16:8}" = faffffff ] || t_fail "no refusal: '$answer'"
ctl d2 stats | grep -qE '^    refused: [1-9]' || t_fail "refusal not counted"
wait $e2e_pid || { cat "$T_DIR/garbage-e2e.out"; t_fail "traffic during garbage"; }
t_wait_for 10 sh -c "'$T_BIN/lu2kctl' --socket '$T_DIR/d2.ctl' stats | grep -qE 'malformed: ([5-9]|[1-9][0-9])'" ||
	t_fail "garbage not counted as malformed"
t_alive "$d1_pid" && t_alive "$d2_pid" || t_fail "a daemon died of garbage"



kill_full_receiver ring --count 6000 --sizes 0,64 --window 6000
kill_full_receiver pool --count 400 --sizes 1M,4096 --window 400 --rx-pool 8192
e2e --count "$N" --sizes 0,1M --timeout 60 || t_fail "no traffic after the full receiver was killed"

t_log "kill -9 of the kernel half (the client) mid-transfer: its daemons detach it and go on"
# Started directly (not through e2e()), so that $! is the client itself.
"$T_BIN/lu2kd_e2e" --sock-a "$T_DIR/d1.sock" --sock-b "$T_DIR/d2.sock" --nid-a "$A" --nid-b "$B" \
	--count $((N * 50)) --sizes 0,1M --window 64 --timeout 90 >/dev/null 2>&1 &
client_pid=$!
t_wait_for 10 sh -c "'$T_BIN/lu2kctl' --socket '$T_DIR/d2.ctl' stats | grep -qE 'rx_msgs: [1-9]'" ||
	t_fail "no traffic before killing the client"
kill -9 $client_pid
wait $client_pid 2>/dev/null
t_wait_for 10 sh -c "'$T_BIN/lu2kctl' --socket '$T_DIR/d1.ctl' status | grep -q 'channels: 0'" ||
	t_fail "d1 did not detach the dead client"
t_wait_for 10 sh -c "'$T_BIN/lu2kctl' --socket '$T_DIR/d2.ctl' status | grep -q 'channels: 0'" ||
	t_fail "d2 did not detach the dead client"
e2e --count "$N" --sizes 0,1M --timeout 60 || t_fail "no traffic after the client died"

kill9_restart d2 $((N * 50))
kill9_restart d1 $((N * 50))

t_log "SIGTERM exits cleanly"
kill -TERM "$d1_pid"
t_wait_for 10 sh -c "! kill -0 $d1_pid 2>/dev/null" || t_fail "d1 ignored SIGTERM"
wait "$d1_pid"
rc=$?
[ "$rc" = 0 ] || t_fail "d1 exit status $rc after SIGTERM"
[ ! -e "$T_DIR/d1.sock" ] && [ ! -e "$T_DIR/d1.pid" ] || t_fail "d1 left its socket or pid file"
grep -qiE 'AddressSanitizer|runtime error' "$T_DIR"/*.log && t_fail "sanitizer report in a daemon log"
t_log "PASS"
