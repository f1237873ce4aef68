#!/bin/bash
# What keys cost a new connection on a long link: the time to the first
# completed message, with and without [auth] node keys, through lu2k-linkem.
# A benchmark (figures, no assertion on them); not part of tests/run.sh.
#
#   LU2K_BUILD=build [LU2K_BACKEND=udt] tests/linkem/bench-auth-handshake.sh    (root; ~1 min)
#
# LU2K_BACKEND: tcp (default) or udt. udt without keys: UDT's cookie round trip
# and its handshake (2 RTT) before the message; with keys the node handshake's
# cookie and Noise round trips come first and UDT's own cookie is skipped (3 RTT).
#
#   ns A: lu2k-perf client -- lu2kd A (10.77.0.1) --+ lu2k-linkem: LU2K_LINK_DELAY each
#   ns B: lu2k-perf server -- lu2kd B (10.77.0.2) --+ way (300ms: 600 ms RTT), no loss
#
# Each round starts both daemons afresh, so that the first message opens the
# connection: a 0-byte PUT completes when B's daemon acknowledges it (on
# A's own connection: TCP connect, [handshake], message, ack), and the
# server's LNet ACK goes back on B's own new connection to A (the same
# again): so keys add one round trip per connection, two in all here. LU2K_ROUNDS
# rounds (3) a mode; prints each round's time and the medians.
. "$(dirname "$0")/../lib/common.sh"
. "$T_TOP/tests/linkem/lib.sh"
lk_require
t_need_bins lu2kd lu2k-perf lu2k-keygen
DELAY=${LU2K_LINK_DELAY:-300ms}
BACKEND=${LU2K_BACKEND:-tcp}
ROUNDS=${LU2K_ROUNDS:-3}
lk_start --delay "$DELAY" --rate 100mbit --quiet --die-with-parent
ip netns exec "$LK_A" ping -c 1 -W 5 10.77.0.2 >/dev/null || t_fail "the link does not carry ping"

kg=$T_BIN/lu2k-keygen
"$kg" genkey -o "$T_DIR/a.key" && "$kg" genkey -o "$T_DIR/b.key" || t_fail "genkey"
: >"$T_DIR/plain-A.conf"
: >"$T_DIR/plain-B.conf"
printf '[auth]\nprivate_key = %s\npeer = %s 10.77.0.2@lu2k\n' "$T_DIR/a.key" \
	"$("$kg" pubkey -i "$T_DIR/b.key")" >"$T_DIR/keys-A.conf"
printf '[auth]\nprivate_key = %s\npeer = %s 10.77.0.1@lu2k\n' "$T_DIR/b.key" \
	"$("$kg" pubkey -i "$T_DIR/a.key")" >"$T_DIR/keys-B.conf"

round() { # MODE N: prints the ms to the first completed PUT
	local mode=$1 r=$2 port=$((20000 + RANDOM % 20000)) t0 t1
	for n in A B; do
		local ns=LK_$n
		t_bg "d_${mode}_${r}_$n" ip netns exec "${!ns}" "$T_BIN/lu2kd" -f -l warn -b "$BACKEND" -p "$port" \
			-c "$T_DIR/$mode-$n.conf" --channel-socket "$T_DIR/$mode$r-$n.sock" \
			--ctl-socket "$T_DIR/$mode$r-$n.ctl"
		t_wait_for 10 test -S "$T_DIR/$mode$r-$n.sock" || t_fail "lu2kd $mode $n did not start"
	done
	t_bg "srv_${mode}_$r" ip netns exec "$LK_B" "$T_BIN/lu2k-perf" server --nid 10.77.0.2@lu2k \
		--socket "$T_DIR/$mode$r-B.sock" -q
	sleep 1
	t0=$(date +%s%N)
	timeout 60 ip netns exec "$LK_A" "$T_BIN/lu2k-perf" client --socket "$T_DIR/$mode$r-A.sock" \
		--nid 10.77.0.1@lu2k --peer 10.77.0.2@lu2k --json bulk --size 0 --count 1 \
		--timeout 30s >"$T_DIR/$mode$r.json" 2>&1 || t_fail "$mode round $r: $(cat "$T_DIR/$mode$r.json")"
	t1=$(date +%s%N)
	grep -q '"pass":true' "$T_DIR/$mode$r.json" || t_fail "$mode round $r: $(cat "$T_DIR/$mode$r.json")"
	# the message's own latency, as lu2k-perf measured it (attach excluded)
	grep -o '"max":[0-9.]*' "$T_DIR/$mode$r.json" | head -1 | cut -d: -f2 |
		awk '{ printf "%.0f\n", $1 / 1000 }' # us -> ms
	local p
	for p in "d_${mode}_${r}_A_pid" "d_${mode}_${r}_B_pid" "srv_${mode}_${r}_pid"; do
		kill "${!p}" 2>/dev/null
	done
	sleep 0.5
}
for mode in plain keys; do
	all=()
	for r in $(seq "$ROUNDS"); do
		ms=$(round "$mode" "$r")
		all+=("$ms")
		t_log "$mode round $r: first PUT completed after $ms ms (lu2k-perf latency)"
	done
	printf '%s\n' "${all[@]}" | sort -g | awk -v m="$mode" -v d="$DELAY" \
		-v b="$BACKEND" '{ v[NR] = $1 } END { printf "%s %s: median first-PUT latency %s ms over %d rounds (one-way delay %s)\n", b, m, v[int((NR + 1) / 2)], NR, d }'
done
