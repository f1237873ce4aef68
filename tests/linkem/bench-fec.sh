#!/bin/bash
# The tail latency of small messages under loss, with and without FEC
# (doc/udt-fec.md): lu2k-perf ping of 4 KiB (a GET: a small request, a 4 KiB
# reply, each on its own lu2kd's connection) between two lu2kd over the udt
# back-end, through lu2k-linkem. A benchmark (figures, no assertion on
# them); not part of tests/run.sh.
#
#   LU2K_BUILD=build tests/linkem/bench-fec.sh    (root; ~4 min a round)
#
#   ns A: lu2k-perf client -- lu2kd A (10.77.0.1) --+ lu2k-linkem: LU2K_LINK_DELAY
#   ns B: lu2k-perf server -- lu2kd B (10.77.0.2) --+ each way (300ms), LU2K_LINK_LOSS
#                                                      (1%), 50 Mbit/s
#
# Each mode starts both daemons afresh with -o fec=0 or fec=1 (and the
# back-end's default CC, lossy, whose dup_tail sends each small message
# twice without FEC; LU2K_CC=udt for UDT's native one), then LU2K_CONC (16)
# pings in flight for LU2K_TIME (90s). The first LU2K_CONC round trips
# include the two connections' handshakes (about 3 s): under 1 % of them. The modes
# alternate, LU2K_ROUNDS (1) rounds; each line: round-trip p50 / p90 / p99 /
# max and the A side's FEC counters.
. "$(dirname "$0")/../lib/common.sh"
. "$T_TOP/tests/linkem/lib.sh"
lk_require
t_need_bins lu2kd lu2k-perf lu2kctl
DELAY=${LU2K_LINK_DELAY:-300ms}
LOSS=${LU2K_LINK_LOSS:-1%}
TIME=${LU2K_TIME:-90s}
CONC=${LU2K_CONC:-16}
ROUNDS=${LU2K_ROUNDS:-1}
CC=${LU2K_CC:-lossy}
lk_start --delay "$DELAY" --loss "$LOSS" --rate 50mbit --quiet --die-with-parent
ip netns exec "$LK_A" ping -c 3 -i 0.3 -W 5 10.77.0.2 >/dev/null || t_fail "the link does not carry ping"

run() { # FEC ROUND
	local fec=$1 r=$2 port=$((20000 + RANDOM % 20000)) tag=fec$1-$2 n p
	for n in A B; do
		local ns=LK_$n
		t_bg "d_${fec}_${r}_$n" ip netns exec "${!ns}" "$T_BIN/lu2kd" -f -l warn -b udt \
			-o "cc=$CC" -o "fec=$fec" -p "$port" --channel-socket "$T_DIR/$tag-$n.sock" \
			--ctl-socket "$T_DIR/$tag-$n.ctl"
		t_wait_for 10 test -S "$T_DIR/$tag-$n.sock" || t_fail "lu2kd $tag $n did not start"
	done
	t_bg "srv_${fec}_$r" ip netns exec "$LK_B" "$T_BIN/lu2k-perf" server --nid 10.77.0.2@lu2k \
		--socket "$T_DIR/$tag-B.sock" -q
	t_wait_attached "$T_DIR/$tag-B.ctl" 10.77.0.2@lu2k
	timeout 300 ip netns exec "$LK_A" "$T_BIN/lu2k-perf" client --socket "$T_DIR/$tag-A.sock" \
		--nid 10.77.0.1@lu2k --peer 10.77.0.2@lu2k --json ping --size 4096 \
		--concurrency "$CONC" --time "$TIME" --timeout 30s \
		>"$T_DIR/$tag.json" 2>&1 || t_log "$tag: lu2k-perf: $(tail -c 300 "$T_DIR/$tag.json")"
	for n in A B; do
		ip netns exec "$LK_A" "$T_BIN/lu2kctl" --socket "$T_DIR/$tag-$n.ctl" --json conns \
			>"$T_DIR/$tag-$n-conns.yaml" 2>&1
	done
	grep -o '"latency_us":{[^}]*}' "$T_DIR/$tag.json" | awk -F'[:,}]' -v t="$tag" -v cc="$CC" '{
		gsub(/[{"]/, "")
		for (i = 2; i < NF; i += 2) v[$i] = $(i + 1)
		printf "%s (%s): %d round trips, p50 %.0f p90 %.0f p99 %.0f max %.0f ms\n", t, cc,
			v["count"], v["p50"] / 1000, v["p90"] / 1000, v["p99"] / 1000, v["max"] / 1000 }'
	for n in A B; do
		grep -o '"\(pkts_sent\|pkts_retrans\|dup_tails\|naks_recv\|fec_parity_sent\|fec_dups\|fec_recovered\|fec_lost2\|fec_naks_saved\)": *[0-9]*' \
			"$T_DIR/$tag-$n-conns.yaml" | tr '\n' ' ' | sed "s/^/    $n: /"
		echo
	done
	echo
	for p in "srv_${fec}_${r}_pid" "d_${fec}_${r}_A_pid" "d_${fec}_${r}_B_pid"; do
		kill "${!p}" 2>/dev/null
		wait "${!p}" 2>/dev/null
	done
}

for r in $(seq "$ROUNDS"); do
	run 0 "$r"
	run 1 "$r"
done
lk_stats
t_log "link counters: $(tr '\n' ' ' <"$T_DIR/lk.stats")"
