#!/bin/bash
# UDP and TCP through lu2k-linkem both suffer the configured link: iperf3 UDP
# loss matches --loss within statistical bounds, the rate limit holds for UDP
# and TCP, TCP retransmits over a lossy direction, and TCP works over IPv6.
#
#   ns A ==[ 10 ms, 20 Mbit/s, 100 ms queue ]== ns B (iperf3 -s)    rate tests
#   ns A ==[ same, and 3 % loss A->B        ]== ns B (iperf3 -s)    loss tests
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
lk_require
command -v iperf3 >/dev/null || t_skip "no iperf3 (scripts/install-deps bench)"

# start_link ARGS... : (re)start the link and an iperf3 server in B
start_link() {
	[ -n "$LK_PID" ] && { kill "$iperf_pid"; lk_stop; }
	lk_start "$@"
	t_bg iperf ip netns exec "$LK_B" iperf3 -s
	t_wait_for 10 sh -c "ip netns exec $LK_B ss -ltn | grep -q :5201" || t_fail "no iperf3 -s"
}

# iperf3 client from A; output in $T_DIR/NAME.log, the summary line to stdout.
# iperf3's UDP set-up is one datagram each way that nobody retransmits: on a
# lossy link it can be lost, and iperf3 then waits for ever. So bound each
# run and try up to three times.
client() {
	local name=$1 try
	shift
	for try in 1 2 3; do
		timeout -k 2 10 ip netns exec "$LK_A" iperf3 -f m --connect-timeout 5000 "$@" \
			>"$T_DIR/$name.log" 2>&1 && break
		t_log "iperf3 $name: try $try failed: $(tail -1 "$T_DIR/$name.log")" >&2
		[ $try = 3 ] && t_fail "iperf3 $name failed 3 times"
		sleep 1
	done
	t_log "$name: $(grep -E 'receiver$' "$T_DIR/$name.log")" >&2
	grep -E 'receiver$' "$T_DIR/$name.log"
}
mbits() { awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") print $i }'; }

start_link --delay 10ms --rate 20mbit --queue 100ms --seed 7

# 1. UDP B->A offered 30 Mbit/s into 20 Mbit/s: the payload rate is
#    20 x 1200 / 1228 (IP + UDP headers) = 19.54 Mbit/s; the queue drops.
#    Never more; less only if the machine stalls lu2k-linkem (a loaded CI
#    machine can: the link then idles), so the lower bound is loose. The
#    precise figure comes from bench-linkem.sh.
rate=$(client udp-rate -c 10.77.0.2 -R -u -b 30M -l 1200 -t 3 | mbits)
lk_in_range "$rate" 14 19.75 || t_fail "UDP rate $rate Mbit/s, expected 19.54 (20 Mbit/s link)"

# 2. TCP B->A: fills the link, never more; 1448 payload bytes a packet.
rate=$(client tcp-clean -c 10.77.0.2 -R -t 3 | mbits)
lk_in_range "$rate" 12 19.5 || t_fail "TCP rate $rate Mbit/s, expected 12..19.3"

# 3. TCP over IPv6 B->A.
rate=$(client tcp-v6 -c fd00:77::2 -R -t 1 | mbits)
lk_in_range "$rate" 5 19.5 || t_fail "IPv6 TCP rate $rate Mbit/s"

lk_stats
cat "$T_DIR/lk.stats"
[ "$(lk_get a2b lost)" = 0 ] && [ "$(lk_get b2a lost)" = 0 ] || t_fail "lost packets without loss set"
[ "$(lk_get b2a drop_queue)" -gt 0 ] || t_fail "b2a queue never dropped"
max_wait=$(lk_get b2a max_wait_us)
lk_in_range "$max_wait" 50000 100000 || t_fail "b2a max wait $max_wait us, queue limit 100 ms"
# every drop was the emulated queue's: none at the TUN devices
for side in "$LK_A lka0" "$LK_B lkb0"; do
	drops=$(lk_dev_drops $side)
	[ "$drops" = 0 ] || t_fail "$side: the kernel dropped $drops packets at the TUN device"
done

start_link --delay 10ms --rate 20mbit --queue 100ms --a2b-loss 3% --seed 7

# 4. UDP A->B at 10 Mbit/s (under the rate): only the random loss.
#    ~3000 datagrams at p = 3 %: sd ~ 0.31 %; 5 sd allowed. The emulator's
#    own count is judged: a loaded host also drops datagrams that the
#    emulator delivered (iperf3's server not scheduled in time fills its
#    socket), which iperf3 counts as lost too. So iperf3 must see at least
#    every drop of the emulator, and more only with the host's drops logged.
line=$(client udp-loss -c 10.77.0.2 -u -b 10M -l 1200 -t 3)
read -r lost total < <(echo "$line" | sed -n 's|.* \([0-9]*\)/\([0-9]*\) (.*|\1 \2|p')
[ -n "$total" ] && [ "$total" -gt 2000 ] || t_fail "UDP: too few datagrams ($total)"
lk_stats
lk_lost=$(lk_get a2b lost)
lk_in=$(lk_get a2b in)
pct=$(awk -v l="$lk_lost" -v t="$lk_in" 'BEGIN { printf "%.3f", 100 * l / t }')
sd=$(awk -v t="$lk_in" 'BEGIN { printf "%.3f", 100 * sqrt(0.03 * 0.97 / t) }')
t_log "UDP: the emulator dropped $lk_lost of $lk_in ($pct %, 3 % +- 5 x $sd %)," \
	"iperf3 lost $lost of $total"
lk_in_range "$pct" "$(awk -v s="$sd" 'BEGIN { print 3 - 5 * s }')" \
	"$(awk -v s="$sd" 'BEGIN { print 3 + 5 * s }')" || t_fail "emulated loss $pct %, expected 3 %"
# (the emulator's count also holds iperf3's control connection: in - total packets)
[ "$lost" -ge $((lk_lost - (lk_in - total))) ] ||
	t_fail "iperf3 lost $lost datagrams, fewer than the $lk_lost the emulator dropped"
[ "$lost" -gt "$lk_lost" ] && t_log "the host dropped $((lost - lk_lost)) more (a loaded machine)"

# 5. TCP A->B with 3 % loss: under the rate, and it had to retransmit.
line=$(client tcp-lossy -c 10.77.0.2 -t 3)
rate=$(echo "$line" | mbits)
retr=$(awk '/sender$/ { print $(NF - 1) }' "$T_DIR/tcp-lossy.log")
t_log "TCP over 3 % loss: $rate Mbit/s, $retr retransmits"
lk_in_range "$rate" 0.1 19.5 || t_fail "lossy TCP rate $rate Mbit/s"
[ "$retr" -gt 0 ] || t_fail "no TCP retransmits over a lossy link"

lk_stats
cat "$T_DIR/lk.stats"
[ "$(lk_get a2b lost)" -gt 50 ] || t_fail "a2b lost counter too small"
[ "$(lk_get b2a lost)" = 0 ] || t_fail "b2a lost packets without loss set"
kill "$iperf_pid"
lk_stop
lk_ns_gone "$LK_A" && lk_ns_gone "$LK_B" || t_fail "namespaces left behind"
t_log "ok"
