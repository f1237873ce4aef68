#!/bin/bash
# Helpers for the lu2k-linkem script tests (source after tests/lib/common.sh).
#
#   lk_start ARGS...   start lu2k-linkem with namespaces $LK_A and $LK_B (and
#                      the options in $LK_EXTRA), wait until it is ready; its
#                      pid in $LK_PID
#   lk_stats           ask for the counters (SIGUSR1), wait for the file
#   lk_get DIR KEY     a counter from the last lk_stats (DIR: a2b or b2a)
#   lk_stop            SIGTERM, wait (bounded), check it exited 0
#   lk_ns_gone NS      true when namespace NS is gone
LK_BIN=$T_BIN/lu2k-linkem
LK_A=${T_TAG}a
LK_B=${T_TAG}b
LK_PID=

lk_require() {
	t_require_root
	[ -x "$LK_BIN" ] || t_fail "no $LK_BIN (build first)"
	[ -c /dev/net/tun ] || t_skip "no /dev/net/tun"
	command -v ip >/dev/null || t_skip "no ip(8)"
}

lk_start() {
	rm -f "$T_DIR/lk.ready" "$T_DIR/lk.stats"
	"$LK_BIN" --ns-a "$LK_A" --ns-b "$LK_B" --ready-file "$T_DIR/lk.ready" \
		--pid-file "$T_DIR/lk.pid" --stats-file "$T_DIR/lk.stats" ${LK_EXTRA:-} "$@" \
		>"$T_DIR/linkem.log" 2>&1 &
	LK_PID=$!
	# if the test fails, stop it and remove what it may have left
	t_defer "ip netns del $LK_A; ip netns del $LK_B"
	t_defer "kill $LK_PID; sleep 0.5; kill -9 $LK_PID"
	t_wait_for 15 test -f "$T_DIR/lk.ready" || t_fail "lu2k-linkem not ready in 15 s"
	[ "$(cat "$T_DIR/lk.pid")" = "$LK_PID" ] || t_fail "pid file does not hold $LK_PID"
}

lk_stats() {
	rm -f "$T_DIR/lk.stats"
	kill -USR1 "$LK_PID"
	t_wait_for 5 test -s "$T_DIR/lk.stats" || t_fail "no stats file after SIGUSR1"
}

lk_get() {
	awk -v d="$1" -v k="$2" '$1 == d {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] }
	}' "$T_DIR/lk.stats"
}

lk_stop() {
	local rc
	kill -TERM "$LK_PID"
	for _ in $(seq 100); do
		t_alive "$LK_PID" || break
		sleep 0.1
	done
	t_alive "$LK_PID" && t_fail "lu2k-linkem still running 10 s after SIGTERM"
	wait "$LK_PID"
	rc=$?
	[ $rc = 0 ] || t_fail "lu2k-linkem exited $rc after SIGTERM"
}

lk_ns_gone() { ! ip netns list | grep -qw "$1"; }

# lk_in_range VALUE LO HI : numeric check (decimals allowed)
lk_in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; }

# lk_dev_drops NS DEV : packets the kernel dropped at a TUN device (its
# tx_dropped: the queue toward lu2k-linkem was full; rx_dropped: a packet
# written into it was refused; and the qdisc's drops)
lk_dev_drops() {
	local tx rx q
	tx=$(ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_dropped")
	rx=$(ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_dropped")
	q=$(ip netns exec "$1" tc -s qdisc show dev "$2" |
		sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	echo $((tx + rx + q))
}

# lk_start_lu2kd A|B PORT: a udt lu2kd in LK_A's or LK_B's namespace on PORT,
# its channel and control sockets $T_DIR/A.sock, A.ctl (or B's); after it is up.
lk_start_lu2kd() {
	local ns=LK_$1
	rm -f "$T_DIR/$1.sock" "$T_DIR/$1.ctl"
	t_bg "d_$1" ip netns exec "${!ns}" "$T_BIN/lu2kd" -f -l warn -b udt -p "$2" \
		--channel-socket "$T_DIR/$1.sock" --ctl-socket "$T_DIR/$1.ctl"
	t_wait_for 10 test -S "$T_DIR/$1.sock" || t_fail "lu2kd $1 did not start"
}
