#!/bin/bash
# scripts/bench-udt, smoke version: one condition (RTT 50 ms, 1 % loss,
# 20 Mbit/s), 4 s windows, one round of our sender (--cc udt), libudt's
# sender and TCP CUBIC. Asserts that every run ended well (both ends exit 0, a
# whole window measured at the receiver) with a non-zero goodput and a
# sender CPU figure, that runs.csv, results.md and the table on stdout have a
# row for each (and timeseries.csv some seconds of each), and that no
# namespace is left behind. No throughput assertion: that is the benchmark's
# job, on a quiet machine. ~20-30 s.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

t_require_root
[ -c /dev/net/tun ] || t_skip "no /dev/net/tun"
for p in lu2k-linkem lu2k-udt; do
	[ -x "$T_BIN/$p" ] || t_skip "$p not built in $T_BIN"
done
command -v g++ >/dev/null || t_skip "g++ not installed (scripts/install-deps udt)"
[ -f /usr/include/udt/udt.h ] || t_skip "libudt-dev not installed (scripts/install-deps udt)"
senders=udt,libudt
command -v iperf3 >/dev/null && senders+=,cubic
export LU2K_BENCH_TAG=bu${T_TAG: -6}

out=$T_DIR/out
start=$(date +%s)
t_log "bench-udt: $senders"
timeout 120 "$T_TOP/scripts/bench-udt" --bin "$T_BIN" --out "$out" --conditions 50ms/1% --rate 20 \
	--time 4 --rounds 1 --other-rounds 1 --senders "$senders" >"$T_DIR/table.log" 2>"$T_DIR/bench.log" &&
	rc=0 || rc=$?
secs=$(($(date +%s) - start))
cat "$T_DIR/table.log"
t_log "bench-udt exited $rc after $secs s"
[ "$rc" = 0 ] || t_fail "bench-udt exited $rc"

csv=$out/runs.csv
[ -s "$csv" ] || t_fail "no runs.csv"
[ -s "$out/results.md" ] || t_fail "no results.md"
IFS=, read -ra want <<<"$senders"
[ "$(($(wc -l <"$csv") - 1))" = ${#want[@]} ] || t_fail "runs.csv: want ${#want[@]} rows: $(cat "$csv")"
declare -A label=([udt]="lu2k-udt, UDT native CC" [libudt]="libudt 4.11, native CC" [cubic]="TCP CUBIC")
for s in "${want[@]}"; do
	row=$(lu2k_csv "$csv" 'c["sender"] == "'"$s"'"')
	[ -n "$row" ] || t_fail "runs.csv has no row for $s"
	# ok, bytes > 0, goodput > 0, a sender CPU figure, a retransmission count
	lu2k_csv "$csv" 'c["sender"] == "'"$s"'" && c["ok"] == 1 && c["rx_bytes"] > 0 &&
		c["goodput_mbit"] > 0 && c["tx_cpu_s"] ~ /^[0-9.]+$/ && c["retrans"] ~ /^[0-9]+$/' |
		grep -q . ||
		t_fail "$s: not a good run: $row"
	[ "$(lu2k_csv "$out/timeseries.csv" 'c["sender"] == "'"$s"'" && c["mbit"] > 0' | wc -l)" -ge 2 ] ||
		t_fail "timeseries.csv: fewer than 2 non-zero seconds for $s"
	for f in "$T_DIR/table.log" "$out/results.md"; do
		grep -Eq "^\| ${label[$s]} \| [0-9]*[1-9][0-9]*\.[0-9]+|^\| ${label[$s]} \| 0\.[0-9]*[1-9]" "$f" ||
			t_fail "$(basename "$f"): no non-zero goodput for $s"
	done
done
ip netns list | grep -q "^${LU2K_BENCH_TAG}[ab]\b" && t_fail "namespaces left behind: $(ip netns list | grep "^$LU2K_BENCH_TAG")"
[ $secs -lt 60 ] || t_log "warning: took $secs s (> 60 s): a loaded machine?"
t_log "PASS"
