#!/bin/bash
# Benchmark (not a test): UDT's native CC, libudt's sender against ours, each
# sending ~20 MB to lu2k-udt through the same lu2k-linkem link, R rounds.
#
#   tests/udt-interop/bench-udt-cc.sh [BUILD_DIR]
#   env: DELAY=100ms RATE=50mbit LOSS=1% QUEUE=2MB R=3 SENDERS="libudt ours"
#        TRACE_DIR=dir: keep each sender's log there, with its CC state every second
# Needs root, /dev/net/tun, g++ and libudt-dev. Use a non-sanitizer build.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top/build/rel}" && pwd)
DELAY=${DELAY:-100ms} RATE=${RATE:-50mbit} LOSS=${LOSS:-1%} QUEUE=${QUEUE:-2MB} R=${R:-3}
SENDERS=${SENDERS:-"libudt ours"} N=300
tag=uc$$
work=$(mktemp -d /tmp/lu2k-udtcc.$$.XXXXXX)
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
	--delay "$DELAY" --rate "$RATE" --loss "$LOSS" --queue "$QUEUE" --no-ipv6 \
	>"$work/linkem.log" 2>&1 &
lkpid=$!
for _ in $(seq 150); do [ -f "$work/ready" ] && break; sleep 0.1; done
[ -f "$work/ready" ] || { cat "$work/linkem.log"; echo "linkem not ready"; exit 1; }
# the libudt peer's stream: the same byte count as its N messages
bytes=$(awk -v n="$N" 'BEGIN {
	t = 0
	for (k = 0; k < n; k++) {
		x = (k * 2654435761) % 4294967296
		if (x % 5 == 0) t += 100000 + x % 400000
		else if (x % 3 == 0) t += 1 + x % 1456
		else t += 1456 * (1 + x % 16) + x % 1000
	}
	print t }')
mb=$(((bytes + 500000) / 1000000))
echo "link: delay $DELAY each way, rate $RATE, loss $LOSS, queue $QUEUE; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$R"); do
	for s in $SENDERS; do
		port=$((20000 + RANDOM % 20000))
		ip netns exec ${tag}b timeout 300 "$build/bin/lu2k-udt" recv "$port" /dev/null \
			--bind 10.77.0.2 --quiet --timeout 280 >"$work/rx.log" 2>&1 &
		rxpid=$!
		sleep 0.5
		t0=$(date +%s.%N)
		if [ "$s" = libudt ]; then
			UDT_INTEROP_STREAM=1 UDT_INTEROP_TIMEOUT=280 \
				UDT_INTEROP_TRACE=${TRACE_DIR:+1} ip netns exec ${tag}a timeout 300 \
				"$work/udt4peer" send 10.77.0.2 "$port" "$N" >"$work/tx.log" 2>&1
			sz=$bytes
		else
			ip netns exec ${tag}a timeout 300 "$build/bin/lu2k-udt" perf 10.77.0.2 "$port" \
				--mb "$mb" --cc udt --timeout 280 >"$work/tx.log" 2>&1
			sz=$((mb * 1000000))
		fi
		rc=$?
		wait "$rxpid"
		rrc=$?
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" -v by="$sz" -v s="$s" -v r="$r" -v rc="$rc/$rrc" 'BEGIN {
			printf "round %d %-7s %7.2f s  %6.2f Mbit/s  (exit %s)\n",
				r, s, b - a, by * 8 / (b - a) / 1e6, rc }'
		[ "$rc/$rrc" = 0/0 ] || tail -3 "$work/tx.log" "$work/rx.log"
		[ -n "${TRACE_DIR:-}" ] && cp "$work/tx.log" "$TRACE_DIR/$s-$r.log"
		grep -h '^lu2k-udt: [0-9]* bytes\|^libudt:' "$work/tx.log" | sed 's/^/    tx: /'
		grep -h '^lu2k-udt: [0-9]* bytes' "$work/rx.log" | sed 's/^/    rx: /' 
	done
done
