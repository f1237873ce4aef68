#!/bin/bash
# lu2kd with the udt back-end over an emulated long lossy link, tcp beside it:
#
#   ns A: [lu2k-perf client] -- lu2kd A (10.77.0.1) --+
#                                                      | lu2k-linkem: RTT, loss, rate
#   ns B: [lu2k-perf server] -- lu2kd B (10.77.0.2) --+
#
# Verified bulk traffic (1 MiB messages) A -> B over the udt back-end with
# the engine's loss-tolerant congestion control (cc=lossy) must reach a reasonable share
# of the link (> LU2K_MIN_SHARE, default 30 %); udt with UDT4's native CC
# (which slows down for every loss event, so at 1 % random loss it keeps only
# a few percent: see doc/udt-backend.md) and tcp are printed for comparison.
# The link defaults to 20 Mbit/s, 100 ms RTT, 1 % loss each way;
# LU2K_LINK_RATE, LU2K_LINK_DELAY (one way),
# LU2K_LINK_LOSS, LU2K_LINK_TIME (per back-end) and LU2K_CONC change it, and
# LU2K_BACKENDS the runs ("udt-lossy udt tcp": udt-lossy is udt with cc=lossy; udt-keys
# is udt (cc lossy, the default) with [auth] node keys, every packet sealed; tcp
# uses the kernel's default congestion control) (the
# figures in doc/udt-backend.md come from this script).
. "$(dirname "$0")/../lib/common.sh"
. "$T_TOP/tests/linkem/lib.sh"
lk_require
t_need_bins lu2kd lu2k-perf

RATE=${LU2K_LINK_RATE:-20mbit}
DELAY=${LU2K_LINK_DELAY:-50ms}
LOSS=${LU2K_LINK_LOSS:-1%}
TIME=${LU2K_LINK_TIME:-6s}
CONC=${LU2K_CONC:-8}
MSG_TIMEOUT=${LU2K_MSG_TIMEOUT:-15s}	# bounds the tail of a slow run
MIN_SHARE=${LU2K_MIN_SHARE:-0.30}
BACKENDS=${LU2K_BACKENDS:-udt-lossy udt tcp}	# udt-keys: udt (cc lossy) with [auth] node keys
CHECK=${LU2K_ASSERT:-udt-lossy}	# the run whose share is asserted

# the queue holds one RTT at the link rate at most (a shallow router queue)
lk_start --delay "$DELAY" --loss "$LOSS" --rate "$RATE" --queue 2MB --die-with-parent --quiet
ip netns exec "$LK_A" ping -c 5 -i 0.2 -W 5 10.77.0.2 >/dev/null || t_fail "the link does not carry ping"

if [[ " $BACKENDS " == *-keys* ]]; then
	kg=$T_BIN/lu2k-keygen
	"$kg" genkey -o "$T_DIR/a.key" && "$kg" genkey -o "$T_DIR/b.key" || t_fail "genkey"
	printf '[auth]\nprivate_key = %s\npeer = %s 10.77.0.2@lu2k\n' "$T_DIR/a.key" \
		"$("$kg" pubkey -i "$T_DIR/b.key")" >"$T_DIR/keys-A.conf"
	printf '[auth]\nprivate_key = %s\npeer = %s 10.77.0.1@lu2k\n' "$T_DIR/b.key" \
		"$("$kg" pubkey -i "$T_DIR/a.key")" >"$T_DIR/keys-B.conf"
fi

rate_bps=$(awk -v r="$RATE" 'BEGIN {
	n = r + 0; u = tolower(r); sub(/^[0-9.]+/, "", u)
	m = u == "gbit" ? 1e9 : u == "mbit" ? 1e6 : u == "kbit" ? 1e3 : 1; print n * m }')

run() { # BACKEND[-CC] : prints "BACKEND Mbit/s share"; udt-lossy = udt with cc=lossy
	local spec=$1 be=${1%%-*} port=$((20000 + RANDOM % 20000)) out=$T_DIR/$1.json share mbit
	local opt=()
	[ "$spec" != "$be" ] && [ "${spec#*-}" != keys ] && opt=(-o "cc=${spec#*-}")
	for n in A B; do
		local ns=LK_$n
		[ "${spec#*-}" = keys ] && opt=(-c "$T_DIR/keys-$n.conf")
		t_bg "d_${be}_$n" ip netns exec "${!ns}" "$T_BIN/lu2kd" -f -l warn -b "$be" "${opt[@]}" -p "$port" \
			--channel-socket "$T_DIR/$be-$n.sock" --ctl-socket "$T_DIR/$be-$n.ctl"
		t_wait_for 10 test -S "$T_DIR/$be-$n.sock" || t_fail "lu2kd $be $n did not start"
	done
	t_bg "srv_$be" ip netns exec "$LK_B" "$T_BIN/lu2k-perf" server --nid 10.77.0.2@lu2k \
		--socket "$T_DIR/$be-B.sock" -q
	t_wait_attached "$T_DIR/$be-B.ctl" 10.77.0.2@lu2k
	# A's connections while the bulk runs (its client's detach closes them)
	local snap_pid=
	if [ "$be" = udt ]; then
		(sleep 3; timeout 10 ip netns exec "$LK_A" "$T_BIN/lu2kctl" --socket "$T_DIR/$be-A.ctl" \
			--json conns >"$T_DIR/$spec-conns.json" 2>&1) &
		snap_pid=$!
	fi
	if ! timeout 90 ip netns exec "$LK_A" "$T_BIN/lu2k-perf" client --socket "$T_DIR/$be-A.sock" \
		--nid 10.77.0.1@lu2k --peer 10.77.0.2@lu2k --json bulk --size 1M \
		--concurrency "$CONC" --time "$TIME" --timeout "$MSG_TIMEOUT" >"$out" 2>"$T_DIR/$be.err"; then
		cat "$T_DIR/$be.err"
		[ "$spec" = "$CHECK" ] && [ "$MIN_SHARE" != 0 ] && t_fail "$spec: lu2k-perf failed: $(cat "$out")"
	fi
	grep -q '"corrupt":0' "$out" || t_fail "$spec: corrupt payloads: $(cat "$out")"
	if [ "$spec" = "$CHECK" ] && [ "$MIN_SHARE" != 0 ]; then
		grep -q '"pass":true' "$out" || t_fail "$spec: not a pass: $(cat "$out")"
		grep -q '"errors":0,' "$out" || t_fail "$spec: errors: $(cat "$out")"
	fi
	[ -z "$snap_pid" ] || wait "$snap_pid"
	mbit=$(grep -o '"gbit_per_s":[0-9.]*' "$out" | head -1 | cut -d: -f2)
	mbit=$(awk -v g="${mbit:-0}" 'BEGIN { printf "%.2f", g * 1000 }')
	share=$(awk -v m="$mbit" -v r="$rate_bps" 'BEGIN { printf "%.2f", m * 1e6 / r }')
	t_log "$spec: ${mbit} Mbit/s of $RATE, RTT $DELAY x2, loss $LOSS: share $share ($(grep -o '"ok":[0-9]*,"errors":[0-9]*' "$out"))"
	eval "share_${spec//-/_}=$share"
	local p
	for p in "srv_$be" "d_${be}_A" "d_${be}_B"; do
		local pv="${p}_pid"
		kill "${!pv}" 2>/dev/null
		wait "${!pv}" 2>/dev/null
	done
}

for be in $BACKENDS; do
	run "$be"
done
lk_stats
t_log "link counters: $(tr '\n' ' ' <"$T_DIR/lk.stats")"
if [[ " $BACKENDS " == *" $CHECK "* ]]; then
	grep -Eo '"(rtt_us|send_rate_kbps|pkts_retrans|naks_recv|fec[a-z_0-9]*)": *[a-z0-9]*' \
		"$T_DIR/$CHECK-conns.json" 2>/dev/null | tr '\n' ' '
	echo
	# both lu2kd offer parity for small messages by default (fec = 1): negotiated
	[[ $CHECK != udt* ]] || grep -Eq '"fec": *true' "$T_DIR/$CHECK-conns.json" ||
		t_fail "$CHECK: FEC not negotiated between two lu2kd: $(cat "$T_DIR/$CHECK-conns.json")"
	share=share_${CHECK//-/_}
	awk -v s="${!share}" -v m="$MIN_SHARE" 'BEGIN { exit !(s > m) }' ||
		t_fail "$CHECK reached only ${!share} of the link (want > $MIN_SHARE)"
fi
echo "PASS"
