#!/bin/bash
# lu2kd (udt): connections that have not said hello, capped per /24 (max_halfopen_per_prefix).
#
#   lu2k-hostile (127.0.5.3) --- 6 UDT handshakes, no hello ---\
#   lu2k-hostile (127.0.5.4) --- 6 more, same /24 -------------->  lu2kd #2 (127.0.0.2@lu2k)
#   lu2k-hostile (127.0.6.3) --- 6 from another /24 ------------/   max_halfopen_per_prefix 8
#   lu2kd #1 (127.0.0.1@lu2k) --- honest messages -------------->
#
# max_conns_per_source caps one address; a site or a provider's customer has
# many (a /64 of IPv6 more than anyone could count), and connections that
# prove nothing beyond their address could fill max_conns from them. Checks:
# of 12 half-open connections from two addresses of one /24 only 8 are kept
# (the rest refused, with a warning and too_many_from_prefix); another /24 is
# not affected; an honest connection still comes up and carries messages.
T_NET=private # a network namespace of its own: 127.0.0.0/8 on lo, no port clash
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl lu2k-hostile
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k
# half-open connections stay for the whole test (hello_timeout_ms), and one address may hold 16
printf '[udt]\nmax_halfopen_per_prefix = 8\nmax_conns_per_source = 16\nhello_timeout_ms = 60000\n' \
	>"$T_DIR/lu2kd.conf"
halfopen() { # from ADDR, N connections (no --src: no hello)
	timeout 30 "$T_BIN/lu2k-hostile" udt-endless --target "127.0.0.2:$PORT" --bind "$1" \
		--conns "$2" --pkts 0 --time 2 || true
}

t_lu2kd d1 udt
t_lu2kd d2 udt
t_perf_server server "$B" d2

t_log "6 + 6 half-open connections from two addresses of 127.0.5.0/24"
halfopen 127.0.5.3 6
halfopen 127.0.5.4 6
conns=$(t_lu2kd_stat d2 conns_now_in)
refused=$(t_lu2kd_stat d2 too_many_from_prefix)
t_log "lu2kd #2: $conns incoming connections, $refused handshakes refused for their /24"
[ "${conns:-999}" -eq 8 ] || t_fail "$conns incoming connections from one /24, not the cap of 8"
[ "${refused:-0}" -ge 1 ] || t_fail "no handshake refused for its /24"
grep -q 'max_halfopen_per_prefix' "$T_DIR/d2.log" || t_fail "the warning is missing"

t_log "6 from 127.0.6.3: another /24, not affected"
halfopen 127.0.6.3 6
conns=$(t_lu2kd_stat d2 conns_now_in)
t_log "lu2kd #2: $conns incoming connections"
[ "${conns:-0}" -eq 14 ] || t_fail "$conns incoming connections, not 8 + 6"

t_log "an honest connection still comes up (from 127.0.0.1)"
t_perf_bulk client "$A" "$B" d1
echo "PASS"
