#!/bin/bash
# Measures lu2k-linkem itself: delay accuracy under load, rate accuracy,
# loss accuracy, and its CPU use at 200 Mbit/s. Not run by the test suite
# (about 2 minutes); run as root after a release build:
#
#   make -j2 && LU2K_BUILD=build tests/linkem/bench-linkem.sh
#
# Rates are measured on lu2k-linkem's own counters (IP bytes delivered
# between two SIGUSR1 snapshots), so no tool's framing enters the figure.
LU2K_BUILD=${LU2K_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
lk_require
command -v iperf3 >/dev/null || t_skip "no iperf3 (scripts/install-deps bench)"

srv() {
	t_bg iperf ip netns exec "$LK_B" iperf3 -s
	t_wait_for 10 sh -c "ip netns exec $LK_B ss -ltn | grep -q :5201" || t_fail "no iperf3 -s"
}
stop_all() { kill "$iperf_pid"; lk_stop; }
cli() { timeout -k 2 "$(($2 + 5))" ip netns exec "$LK_A" iperf3 -f m -c 10.77.0.2 -t "$2" $1; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$LK_PID/stat"; }
now_ns() { date +%s%N; }
# snapshot: delivered bytes of DIR and the time
snap() { lk_stats; echo "$(lk_get "$1" delivered_bytes) $(now_ns)"; }

echo "== delay: --delay 50ms --rate 100mbit, ping every 10 ms alone and beside 90 Mbit/s UDP"
lk_start --delay 50ms --rate 100mbit --queue 50ms --seed 1
srv
ip netns exec "$LK_A" ping -n -q -i 0.01 -c 300 10.77.0.2 | tail -1 | sed 's/^/idle:   /'
cli "-u -b 90M -l 1472" 8 >"$T_DIR/load.txt" 2>&1 &
load=$!
sleep 1
ip netns exec "$LK_A" ping -n -q -i 0.01 -c 500 10.77.0.2 | tail -1 | sed 's/^/loaded: /'
wait $load
lk_stats
awk '{ print "        " $1, $12, $13, $14, $15, $16 }' "$T_DIR/lk.stats"
stop_all

for rate in 10 50 200; do
	echo "== rate: --rate ${rate}mbit, UDP offered at 1.2 x the rate, 1500-byte IP packets"
	lk_start --delay 10ms --rate ${rate}mbit --queue 50ms --seed 2
	srv
	t0=$(cpu_ticks) n0=$(now_ns)
	cli "-u -b $((rate * 12 / 10))M -l 1472" 10 >"$T_DIR/rate.txt" 2>&1 &
	load=$!
	sleep 3
	read -r b1 n1 < <(snap a2b)
	sleep 5
	read -r b2 n2 < <(snap a2b)
	wait $load
	t1=$(cpu_ticks) n3=$(now_ns)
	awk -v b="$((b2 - b1))" -v n="$((n2 - n1))" -v r="$rate" -v c="$((t1 - t0))" \
		-v w="$((n3 - n0))" 'BEGIN {
		m = b * 8 / (n / 1e9) / 1e6
		printf "measured %.3f Mbit/s of IP packets: %+.3f %% of the setting; " \
		       "CPU %.1f %% of one core\n", m, 100 * (m - r) / r, 100 * c * 10 / (w / 1e6) }'
	stop_all
done

echo "== loss: --loss 1% and --ge 1%,25% (mean 3.85 %, bursts of 4), 20000 UDP datagrams each"
for l in "--loss 1%" "--ge 1%,25%"; do
	lk_start --delay 5ms $l --seed 3
	srv
	# iperf3's UDP set-up is one unacknowledged datagram: retry if it was lost
	for try in 1 2 3; do
		timeout -k 2 20 ip netns exec "$LK_A" iperf3 -f m -c 10.77.0.2 -u -b 20M -l 1200 \
			-k 20000 --connect-timeout 3000 >"$T_DIR/loss.txt" 2>&1 && break
	done
	sed -n 's|.* \([0-9]*/[0-9]*\) (\([0-9.]*%\)).*receiver$|iperf3 lost \1 = \2|p' \
		"$T_DIR/loss.txt" | sed "s/^/$l: /"
	lk_stats
	awk '$1 == "a2b" { print "        " $1, $2, $4 }' "$T_DIR/lk.stats"
	stop_all
done

echo "== CPU at 200 Mbit/s (one core = 100 %)"
for mode in "udp" "tcp"; do
	if [ $mode = udp ]; then
		lk_start --delay 10ms --seed 4
		args="-u -b 200M -l 1472"
	else
		lk_start --delay 10ms --rate 200mbit --queue 50ms --seed 4
		args="-w 2M"
	fi
	srv
	t0=$(cpu_ticks) n0=$(now_ns)
	cli "$args" 10 >"$T_DIR/cpu.txt" 2>&1
	t1=$(cpu_ticks) n1=$(now_ns)
	got=$(awk '/receiver$/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") print $i }' "$T_DIR/cpu.txt")
	awk -v c="$((t1 - t0))" -v n="$((n1 - n0))" -v m="$mode" -v g="$got" 'BEGIN {
		printf "%s: %s Mbit/s received, lu2k-linkem CPU %.1f %% of one core\n", m, g,
		       100 * c * 10 / (n / 1e6) }'
	lk_stats
	awk '{ print "        " $1, $2, $7, $10, $13, $14, $15, $16 }' "$T_DIR/lk.stats"
	echo "        TUN device drops: A $(lk_dev_drops "$LK_A" lka0), B $(lk_dev_drops "$LK_B" lkb0)"
	stop_all
done
