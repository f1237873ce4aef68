#!/bin/bash
# Benchmark (not a test): lu2k's UDT engine against libudt through lu2k-linkem,
# both with UDT's native congestion control. Prints one line per pair.
#
#   ns A (sender, 10.77.0.1) ==[ DELAY each way, RATE, LOSS ]== ns B (receiver, .2)
#
#   tests/udt-interop/bench-udt-linkem.sh [BUILD_DIR]
#   env: DELAY=100ms RATE=50mbit LOSS=0% N=300 (messages, ~20 MB) PAIRS="..."
# Needs root, /dev/net/tun, g++ and libudt-dev.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top/build/san}" && pwd)
DELAY=${DELAY:-100ms} RATE=${RATE:-50mbit} LOSS=${LOSS:-0%} N=${N:-300}
PAIRS=${PAIRS:-"ours:ours libudt:libudt ours:libudt libudt:ours"}
tag=ub$$
work=$(mktemp -d /tmp/lu2k-udtbench.$$.XXXXXX)
lkpid=
cleanup() {
	[ -n "$lkpid" ] && kill "$lkpid" 2>/dev/null && wait "$lkpid" 2>/dev/null
	ip netns del ${tag}a 2>/dev/null
	ip netns del ${tag}b 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

g++ -O2 -I"$top" -o "$work/udt4peer" "$top/tests/udt-interop/udt4peer.cpp" -ludt -lpthread ||
	{ echo "cannot build the libudt peer"; exit 1; }
"$build/bin/lu2k-linkem" --ns-a ${tag}a --ns-b ${tag}b --ready-file "$work/ready" \
	--delay "$DELAY" --rate "$RATE" --loss "$LOSS" --no-ipv6 >"$work/linkem.log" 2>&1 &
lkpid=$!
for _ in $(seq 150); do [ -f "$work/ready" ] && break; sleep 0.1; done
[ -f "$work/ready" ] || { cat "$work/linkem.log"; echo "linkem not ready"; exit 1; }

# CPU seconds (user + system) of each peer
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time"; exit 1; }
cpu="/usr/bin/time -f %U+%S"
bin() { [ "$1" = ours ] && echo "$build/test-bin/udt-interop-peer" || echo "$work/udt4peer"; }
bytes=$(awk -v n="$N" 'BEGIN {
	t = 0
	for (k = 0; k < n; k++) {
		x = (k * 2654435761) % 4294967296
		if (x % 5 == 0) t += 100000 + x % 400000
		else if (x % 3 == 0) t += 1 + x % 1456
		else t += 1456 * (1 + x % 16) + x % 1000
	}
	print t }')
echo "link: delay $DELAY each way, rate $RATE, loss $LOSS; $N messages, $bytes bytes"
for pair in $PAIRS; do
	tx=${pair%%:*} rx=${pair##*:} port=$((20000 + RANDOM % 20000))
	UDT_INTEROP_BIND=10.77.0.2 UDT_INTEROP_TIMEOUT=900 ip netns exec ${tag}b \
		$cpu -o "$work/rx.cpu" "$(bin "$rx")" recv "$port" "$N" >"$work/rx.log" 2>&1 &
	rxpid=$!
	for _ in $(seq 50); do grep -q listening "$work/rx.log" && break; sleep 0.1; done
	t0=$(date +%s.%N)
	UDT_INTEROP_BIND=10.77.0.1 UDT_INTEROP_TIMEOUT=900 timeout 900 ip netns exec ${tag}a \
		$cpu -o "$work/tx.cpu" "$(bin "$tx")" send 10.77.0.2 "$port" "$N" >"$work/tx.log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	# our sender waits a second for libudt's reader before closing: use its own figure
	acked=$(sed -n 's/^all acknowledged after \([0-9.]*\) s/\1/p' "$work/tx.log")
	[ -n "$acked" ] && t1=$(awk -v a="$t0" -v d="$acked" 'BEGIN { printf "%.3f", a + d }')
	wait "$rxpid"
	rrc=$?
	awk -v a="$t0" -v b="$t1" -v by="$bytes" -v p="$tx -> $rx" -v rc="$rc/$rrc" \
		-v tc="$(tail -n 1 "$work/tx.cpu")" -v rcpu="$(tail -n 1 "$work/rx.cpu")" 'BEGIN {
		split(tc, x, "+"); split(rcpu, y, "+")
		printf "%-16s %7.2f s  %7.2f Mbit/s  cpu s: sender %5.2f receiver %5.2f  (exit %s)\n",
			p, b - a, by * 8 / (b - a) / 1e6, x[1] + x[2], y[1] + y[2], rc }'
	[ "$rc" = 0 ] || tail -3 "$work/tx.log"
done
