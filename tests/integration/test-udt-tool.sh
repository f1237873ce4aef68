#!/bin/bash
# lu2k-udt over loopback: a file ours -> ours (bit-exact), a perf stream with
# the pattern checked, and interop with Debian's libudt (UDT 4.11) through the
# C++ test peer of tests/udt-interop/ in STREAM mode:
#
#   udt4peer (libudt) send --stream--> lu2k-udt recv OUT      (libudt -> ours)
#   lu2k-udt send OUT  --stream--> udt4peer (libudt) recv      (ours -> libudt; it checks every byte)
#
# The libudt part skips (but the rest runs) without g++ or libudt-dev.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"
[ -x "$T_BIN/lu2k-udt" ] || t_skip "$T_BIN/lu2k-udt not built"
N=${LU2K_INTEROP_MSGS:-100}
tool=$T_BIN/lu2k-udt
port() { echo $((20000 + RANDOM % 20000)); }

# recv_bg NAME PORT OUT ARGS... : lu2k-udt recv in the background, waits until it listens
recv_bg() {
	local name=$1 p=$2 out=$3
	shift 3
	timeout 120 "$tool" recv "$p" "$out" -q --timeout 100 "$@" >"$T_DIR/$name.log" 2>&1 &
	eval "${name}_pid=$!"
	t_wait_for 10 grep -q listening "$T_DIR/$name.log" || t_fail "$name: lu2k-udt recv did not start"
}

t_log "ours -> ours: a 12 MB file"
head -c 12000000 /dev/urandom >"$T_DIR/in.bin"
p=$(port)
recv_bg r1 "$p" "$T_DIR/out1.bin"
timeout 120 "$tool" send "$T_DIR/in.bin" 127.0.0.1 "$p" -q || t_fail "send failed"
wait "$r1_pid" || t_fail "recv failed: $(cat "$T_DIR/r1.log")"
cmp "$T_DIR/in.bin" "$T_DIR/out1.bin" || t_fail "the file differs"
grep -h 'Mbit/s' "$T_DIR/r1.log"

t_log "perf: 50 MB of the pattern, checked by the receiver"
p=$(port)
recv_bg r2 "$p" - --check
timeout 120 "$tool" perf 127.0.0.1 "$p" --mb 50 -q >"$T_DIR/perf.out" || t_fail "perf failed: $(cat "$T_DIR/perf.out")"
wait "$r2_pid" || t_fail "perf recv failed: $(cat "$T_DIR/r2.log")"
grep -q '50000000 bytes' "$T_DIR/r2.log" || t_fail "perf: not 50 MB: $(cat "$T_DIR/r2.log")"
cat "$T_DIR/perf.out"

t_log "timed: the receiver counts a 2 s window, then closes; the sender stops then"
p=$(port)
recv_bg r4 "$p" - --check --time 2
timeout 60 "$tool" perf 127.0.0.1 "$p" --time 30 -q >"$T_DIR/timed.out" ||
	t_fail "timed perf failed: $(cat "$T_DIR/timed.out")"
wait "$r4_pid" || t_fail "timed recv failed: $(cat "$T_DIR/r4.log")"
grep -Eq '^lu2k-udt: [1-9][0-9]* bytes in 2\.[0-9]+ s: .* ok$' "$T_DIR/r4.log" ||
	t_fail "timed recv: no 2 s window: $(cat "$T_DIR/r4.log")"
cat "$T_DIR/r4.log" "$T_DIR/timed.out"

t_log "bad usage and a peer that does not answer"
"$tool" send 2>/dev/null; [ $? = 2 ] || t_fail "no usage error"
"$tool" --cc nosuch perf 127.0.0.1 1 2>/dev/null; [ $? = 2 ] || t_fail "unknown cc accepted"
timeout 20 "$tool" perf 127.0.0.1 "$(port)" --mb 1 --timeout 4 -q 2>/dev/null && t_fail "sent to nobody"

command -v g++ >/dev/null || t_skip "g++ not installed (libudt interop not run)"
[ -f /usr/include/udt/udt.h ] || t_skip "libudt-dev not installed (libudt interop not run)"
g++ -O1 -g -I"$T_TOP" -o "$T_DIR/udt4peer" "$T_TOP/tests/udt-interop/udt4peer.cpp" -ludt -lpthread \
	>"$T_DIR/g++.log" 2>&1 || t_skip "cannot build the libudt peer: $(tail -3 "$T_DIR/g++.log")"
export UDT_INTEROP_STREAM=1

t_log "libudt -> ours: $N interop messages as one stream"
p=$(port)
recv_bg r3 "$p" "$T_DIR/from-libudt.bin"
timeout 120 "$T_DIR/udt4peer" send 127.0.0.1 "$p" "$N" >"$T_DIR/u-send.log" 2>&1 ||
	t_fail "libudt sender failed: $(cat "$T_DIR/u-send.log")"
wait "$r3_pid" || t_fail "our receiver failed: $(cat "$T_DIR/r3.log")"
cat "$T_DIR/u-send.log"
want=$(grep -o 'sent [0-9]* messages, [0-9]* bytes' "$T_DIR/u-send.log" | awk '{print $4}')
got=$(stat -c %s "$T_DIR/from-libudt.bin")
[ -n "$want" ] && [ "$got" = "$want" ] || t_fail "received $got bytes, libudt sent $want"

t_log "ours -> libudt: the same bytes back; the libudt peer checks each one"
p=$(port)
timeout 120 "$T_DIR/udt4peer" recv "$p" "$N" >"$T_DIR/u-recv.log" 2>&1 &
upid=$!
t_wait_for 10 grep -q listening "$T_DIR/u-recv.log" || t_fail "libudt receiver did not start"
timeout 120 "$tool" send "$T_DIR/from-libudt.bin" 127.0.0.1 "$p" -q ||
	t_fail "our sender failed"
wait "$upid" || t_fail "libudt receiver failed: $(cat "$T_DIR/u-recv.log")"
cat "$T_DIR/u-recv.log"
grep -q "received a stream of $N messages" "$T_DIR/u-recv.log" || t_fail "libudt did not get it all"
echo "PASS"
