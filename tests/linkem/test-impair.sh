#!/bin/bash
# lu2k-linkem's other impairments end to end, with ping: a scheduled outage,
# a per-direction MTU, Gilbert-Elliott loss and jitter; and the counters that
# account for each.
#
#   ns A ==[ 5 ms; down from 2 s to 3 s; b2a MTU 1300 ]== ns B
#   ns A ==[ 20 ms +- 5 ms jitter; b2a Gilbert-Elliott 2 %,20 % ]== ns B
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
lk_require

# pings from A to B; prints "transmitted received"
pings() {
	local out
	out=$(ip netns exec "$LK_A" ping -n -q "$@" 10.77.0.2 2>&1)
	t_log "$(echo "$out" | tail -2 | tr '\n' ' ')" >&2
	echo "$out" | awk '/transmitted/ { print $1, $4 }'
}

# 1. The outage: pings every 50 ms for 4 s from start-up; those sent while the
#    link is down (2 s to 3 s after start-up) get no answer: about 20 of 80.
lk_start --delay 5ms --outage 2s+1s --b2a-mtu 1300 --dev-mtu 1500 --seed 3
read -r sent got < <(pings -c 80 -i 0.05 -W 1)
lost=$((sent - got))
[ "$sent" = 80 ] && [ "$lost" -ge 15 ] && [ "$lost" -le 24 ] ||
	t_fail "outage: $lost of $sent pings lost, expected about 20"
lk_stats
out_a=$(lk_get a2b drop_outage)
[ "$out_a" -ge 15 ] && [ "$out_a" -le 24 ] || t_fail "a2b drop_outage=$out_a, expected ~20"

# 2. MTU 1300 B->A only: 1428-byte requests pass A->B, their replies do not.
read -r sent got < <(pings -c 5 -i 0.05 -W 1 -s 1400 -M dont)
[ "$got" = 0 ] || t_fail "MTU: $got replies larger than the b2a MTU arrived"
read -r sent got < <(pings -c 5 -i 0.05 -W 1 -s 1200)
[ "$got" = 5 ] || t_fail "MTU: small pings lost ($got of 5)"
lk_stats
[ "$(lk_get b2a drop_mtu)" = 5 ] || t_fail "b2a drop_mtu=$(lk_get b2a drop_mtu), expected 5"
[ "$(lk_get a2b drop_mtu)" = 0 ] || t_fail "a2b drop_mtu=$(lk_get a2b drop_mtu), expected 0"
lk_stop

# 3. Jitter and bursty loss: RTT spread by +-5 ms each way but never below
#    2 x 15 ms; replies lost at the Gilbert-Elliott mean p/(p+r) = 9.1 %.
lk_start --delay 20ms --jitter 5ms --b2a-ge 2%,20% --seed 5
read -r sent got < <(pings -c 400 -i 0.01 -W 1)
lost=$((sent - got))
[ "$lost" -ge 8 ] && [ "$lost" -le 80 ] || t_fail "GE: $lost of $sent lost, expected ~36"
lk_stats
ge_lost=$(lk_get b2a lost)
[ "$ge_lost" -ge "$lost" ] || t_fail "b2a lost=$ge_lost < $lost pings lost"
[ "$(lk_get a2b lost)" = 0 ] || t_fail "a2b lost packets without loss set"
out=$(ip netns exec "$LK_A" ping -n -q -c 100 -i 0.01 -W 1 10.77.0.2 | awk -F'[/ =]+' '/^rtt/ { print $6, $8, $9 }')
read -r min max mdev <<<"$out"
t_log "jitter: rtt min $min max $max mdev $mdev"
lk_in_range "$min" 30 36 || t_fail "jitter: min RTT $min, expected 30..36"
lk_in_range "$max" 44 200 || t_fail "jitter: max RTT $max, expected 44..50 (+ scheduling stalls)"
lk_in_range "$mdev" 1.5 30 || t_fail "jitter: RTT mdev $mdev, expected a spread"
lk_stop
lk_ns_gone "$LK_A" && lk_ns_gone "$LK_B" || t_fail "namespaces left behind"
t_log "ok"
