#!/bin/bash
# scripts/bench-link, smoke version: one short condition (RTT 50 ms, 1 % loss,
# 20 Mbit/s), 6 s per protocol, every protocol the harness knows (each lu2kd
# back-end, TCP CUBIC, TCP BBR), and two udt flows at once (fairness's
# lu2k-udt+lu2k-udt). Asserts that the run produces its CSV files and a PNG,
# that the table and the CSV have one row per protocol, that every lu2k-perf
# bulk run verified all its payloads (exit status 0; the pair: both flows),
# that the pair has its row in pairs.csv with both flows' goodput, and that
# no namespace is left behind. No throughput assertion: that is the benchmark's
# job, on a quiet machine. About 50 s with five runs (48 s in CI, under ASan).
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

t_require_root
[ -c /dev/net/tun ] || t_skip "no /dev/net/tun"
for p in lu2k-linkem lu2kd lu2k-perf; do
	[ -x "$T_BIN/$p" ] || t_skip "$p not built in $T_BIN"
done
for p in iperf3 gnuplot ping; do
	command -v $p >/dev/null || t_skip "needs $p (scripts/install-deps bench)"
done

# What the harness should run: each back-end lu2kd lists that this host can
# run (not rds without the kernel's RDS), CUBIC, BBR.
want=()
for be in $(bin=$T_BIN BL_TAG=x; . "$T_TOP/bench/lib.sh"; bl_backends_here "$T_BIN/lu2kd" 2>/dev/null); do
	want+=("lu2k-$be")
done
[ ${#want[@]} -ge 1 ] || t_fail "lu2kd --help lists no back-end"
want+=(tcp-cubic tcp-bbr)
# two lu2k flows on the link at once, where lu2kd has udt
two=
[[ " ${want[*]} " == *" lu2k-udt "* ]] && two=lu2k-udt+lu2k-udt
# Our own namespace names, so a concurrent run cannot confuse the leak check.
export LU2K_BENCH_TAG=bq${T_TAG: -6}

out=$T_DIR/out
start=$(date +%s)
t_log "bench-link: ${want[*]}"
timeout 170 "$T_TOP/scripts/bench-link" --bin "$T_BIN" --out "$out" \
	--protocols "$(IFS=,; echo "${want[*]}")${two:+,$two}" \
	--condition rtt=50ms,loss=1%,rate=20mbit,time=6 >"$T_DIR/table.log" 2>"$T_DIR/bench.log" &&
	rc=0 || rc=$?
secs=$(($(date +%s) - start))
cat "$T_DIR/table.log"
t_log "bench-link exited $rc after $secs s"

csv=$out/results.csv
[ -s "$csv" ] || t_fail "no results.csv"
[ -s "$out/timeseries.csv" ] || t_fail "no timeseries.csv"
png=$(ls "$out"/throughput-*.png 2>/dev/null | head -1)
[ -n "$png" ] && [ -s "$png" ] || t_fail "no throughput PNG"
[ "$(head -c 4 "$png" | od -An -c | tr -d ' ')" = '211PNG' ] || t_fail "$png is not a PNG"

rows=${#want[@]}
[ -z "$two" ] || rows=$((rows + 1))
[ "$(($(wc -l <"$csv") - 1))" = $rows ] || t_fail "results.csv: want $rows rows: $(cat "$csv")"
if [ -n "$two" ]; then
	row=$(lu2k_csv "$out/pairs.csv" 'c["pair"] == "'"$two"'"')
	[ -n "$row" ] || t_fail "pairs.csv has no row for $two: $(cat "$out/pairs.csv" 2>/dev/null)"
	lu2k_csv "$out/pairs.csv" 'c["pair"] == "'"$two"'" && c["verified"] == "PASS" &&
		c["first_mbit"] > 0 && c["second_mbit"] > 0' | grep -q . ||
		t_fail "$two: not both flows verified with a goodput: $row"
	for b in bulk bulk2; do
		grep -q '"corrupt":0,' "$out/runs/50ms-1%-20M/$two/$b.json" || t_fail "$two: $b: corrupt payloads"
	done
	grep -Eq "^50ms-1%-20M +lu2k-udt\(\+lu2k-udt\) +[0-9.]+ " "$T_DIR/bench.log" ||
		t_fail "the table has no row for $two"
fi
for p in "${want[@]}"; do
	row=$(lu2k_csv "$csv" 'c["protocol"] == "'"$p"'"')
	[ -n "$row" ] || t_fail "results.csv has no row for $p"
	grep -Eq "^50ms-1%-20M +$p(:[a-z0-9]+)? +[0-9.]+ Mbit/s" "$T_DIR/table.log" ||
		t_fail "the table has no row for $p"
	[ "$(lu2k_csv "$out/timeseries.csv" 'c["protocol"] == "'"$p"'"' | wc -l)" -ge 3 ] ||
		t_fail "timeseries.csv: fewer than 3 samples for $p"
	case $p in
	lu2k-*)
		lu2k_csv "$csv" 'c["protocol"] == "'"$p"'" && c["verified"] == "PASS" && c["rc"] ~ /^0:/' |
			grep -q . ||
			t_fail "$p: lu2k-perf did not verify every payload: $row"
		grep -q '"corrupt":0,' "$out/runs/50ms-1%-20M/$p/bulk.json" ||
			t_fail "$p: corrupt payloads"
		# the 64 B ping beside the bulk: it ran, and got round trips
		lu2k_csv "$csv" 'c["protocol"] == "'"$p"'" && c["rc"] == "0:0" && c["lat_p50_ms"] > 0' |
			grep -q . ||
			t_fail "$p: no ping round trips beside the bulk: $row; $(tail -c 300 "$out/runs/50ms-1%-20M/$p/ping.json")"
		;;
	esac
done
[ $rc = 0 ] || t_fail "bench-link exited $rc (a lu2k-perf run failed)"
ip netns list | grep -q "^${LU2K_BENCH_TAG}[ab]\b" && t_fail "namespaces left behind: $(ip netns list | grep "^$LU2K_BENCH_TAG")"
[ $secs -lt 90 ] || t_log "warning: took $secs s (> 90 s): a loaded machine?"
t_log "PASS"
