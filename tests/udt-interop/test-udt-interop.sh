#!/bin/bash
# Interop over loopback between lu2k's UDT engine and Debian's libudt (UDT 4.11):
#
#   udt-interop-peer (ours) --UDP 127.0.0.1--> udt4peer (libudt)     and back,
#   and ours to ours, each with LU2K_INTEROP_MSGS messages (default 100, ~6 MB);
#   then both directions again with every 50th data packet lost at our end, and
#   both directions with STREAM sockets.
#
# Skips (77) without g++ or libudt-dev.
set -u
top=${LU2K_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${LU2K_BUILD:-$top/build/san}
n=${LU2K_INTEROP_MSGS:-100}
ours=$build/test-bin/udt-interop-peer
work=$(mktemp -d /tmp/lu2k-interop.$$.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

[ -x "$ours" ] || { echo "no $ours (build first)"; exit 77; }
command -v g++ >/dev/null || { echo "g++ not installed"; exit 77; }
[ -f /usr/include/udt/udt.h ] || { echo "libudt-dev not installed"; exit 77; }
if ! g++ -O1 -g -I"$top" -o "$work/udt4peer" "$top/tests/udt-interop/udt4peer.cpp" \
	-ludt -lpthread >"$work/build.log" 2>&1; then
	cat "$work/build.log"
	echo "cannot build the libudt peer"
	exit 77
fi
theirs=$work/udt4peer

# run_pair NAME RECEIVER SENDER: both exit 0 or the pair fails
run_pair() {
	local name=$1 rx=$2 tx=$3 port=$((20000 + RANDOM % 20000)) rc_rx rc_tx i
	"$rx" recv "$port" "$n" >"$work/$name.rx" 2>&1 &
	local rxpid=$!
	pids+=("$rxpid")
	for i in $(seq 50); do
		grep -q listening "$work/$name.rx" && break
		sleep 0.1
	done
	timeout 120 "$tx" send 127.0.0.1 "$port" "$n" >"$work/$name.tx" 2>&1
	rc_tx=$?
	timeout 30 tail --pid="$rxpid" -f /dev/null
	wait "$rxpid"
	rc_rx=$?
	echo "== $name: sender exit $rc_tx, receiver exit $rc_rx"
	sed 's/^/   tx: /' "$work/$name.tx"
	sed 's/^/   rx: /' "$work/$name.rx"
	[ "$rc_tx" = 0 ] && [ "$rc_rx" = 0 ]
}

fail=0
run_pair ours-to-ours "$ours" "$ours" || fail=1
run_pair ours-to-libudt "$theirs" "$ours" || fail=1
run_pair libudt-to-ours "$ours" "$theirs" || fail=1
# the same with every 50th data packet lost on our side of the wire
export UDT_INTEROP_DROP=50
run_pair ours-to-libudt-lossy "$theirs" "$ours" || fail=1
run_pair libudt-to-ours-lossy "$ours" "$theirs" || fail=1
unset UDT_INTEROP_DROP
# STREAM sockets (what sendfile/recvfile and appserver use)
export UDT_INTEROP_STREAM=1
run_pair ours-to-libudt-stream "$theirs" "$ours" || fail=1
run_pair libudt-to-ours-stream "$ours" "$theirs" || fail=1
unset UDT_INTEROP_STREAM
[ $fail = 0 ] && echo "interop ok" || echo "interop FAILED"
exit $fail
