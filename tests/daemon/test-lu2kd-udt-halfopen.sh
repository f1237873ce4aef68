#!/bin/bash
# lu2kd (udt): connections before their hello from many prefixes, capped in
# all (max_halfopen) below max_conns.
#
#   lu2k-hostile from 127.0.10.3 .. 127.0.29.3 (20 /24s) -- 4 UDT handshakes each, no hello --\
#   lu2kd #1 (127.0.0.1@lu2k) <-- honest messages, both ways -->  lu2kd #2 (127.0.0.2@lu2k)
#                                               max_conns 32, max_halfopen_per_prefix 4,
#                                               max_halfopen 0 (a quarter of max_conns: 8)
#
# max_halfopen_per_prefix caps one site; 20 prefixes under it (80 half-open
# connections) filled max_conns, and honest new connections to lu2kd #2
# failed until the fakes' hello_timeout_ms. Checks: at most 8 incoming
# connections are held; a new handshake takes the place of the oldest of the
# prefix that holds the most (halfopen_evicted), with a warning; then honest bulk
# from #1 to #2 (its connection into #2, #2's acks out) and from #2 to #1
# passes, every payload verified.
T_NET=private # a network namespace of its own: 127.0.0.0/8 on lo, no port clash
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl lu2k-hostile
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k
# the half-open connections stay for the whole test (hello_timeout_ms)
printf '[udt]\nmax_conns = 32\nmax_halfopen_per_prefix = 4\nhello_timeout_ms = 60000\n' \
	>"$T_DIR/lu2kd.conf"
t_lu2kd d1 udt
t_lu2kd d2 udt
t_perf_server srv2 "$B" d2

t_log "4 half-open connections from each of 20 /24s"
for i in $(seq 10 29); do
	timeout 30 "$T_BIN/lu2k-hostile" udt-endless --target "127.0.0.2:$PORT" --bind "127.0.$i.3" \
		--conns 4 --pkts 0 --time 0.3 >/dev/null 2>&1 || true
done
conns=$(t_lu2kd_stat d2 conns_now_in)
evicted=$(t_lu2kd_stat d2 halfopen_evicted)
t_log "lu2kd #2: $conns incoming connections; $evicted closed to make room"
[ "${conns:-999}" -le 8 ] || t_fail "$conns incoming connections before their hello, over the cap of 8"
[ "${evicted:-0}" -ge 1 ] || t_fail "no connection made room for another prefix's"
grep -q 'max_halfopen)' "$T_DIR/d2.log" || t_fail "the warning is missing"

t_perf_both_ways srv2
echo "PASS"
