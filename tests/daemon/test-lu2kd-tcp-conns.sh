#!/bin/bash
# lu2kd (tcp): caps on connections past their hello, per address
# (max_conns_per_source) and in all (max_conns), outgoing ones apart.
#
#   lu2k-hostile tcp-hellos from 127.0.0.3, .4, .5: 10 hellos each, held --\
#   lu2kd #1 (127.0.0.1@lu2k) <-- honest messages, both ways -->  lu2kd #2 (127.0.0.2@lu2k)
#                                          max_conns_per_source 4, max_conns 10
#
# Under accept = any (or strict: the NID of the address it comes from) a
# hello costs nothing, and the tcp back-end had no cap on connections past
# it but the fd limit. Checks: of 10 held connections from 127.0.0.3 lu2kd
# keeps 4 (too_many_from_source, a warning); an honest bulk from 127.0.0.1
# still passes; 127.0.0.4 gets its 4, then 127.0.0.5 only what max_conns
# leaves (too_many_conns, a warning); lu2kd #2's own connection out to #1
# (counted apart) still carries honest messages, all verified.
T_NET=private # a network namespace of its own: 127.0.0.0/8 on lo, no port clash
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl lu2k-hostile
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k
# accept = any: the hostile hellos name a NID of their own each
printf 'accept = any\n[tcp]\nmax_conns_per_source = 4\nmax_conns = 10\n' >"$T_DIR/lu2kd.conf"
t_lu2kd d1 tcp
t_lu2kd d2 tcp
t_perf_server srv2 "$B" d2

hellos() { # NAME ADDR: 10 hellos from ADDR, the accepted ones held 60 s
	t_bg "$1" "$T_BIN/lu2k-hostile" tcp-hellos --target "127.0.0.2:$PORT" --bind "$2" \
		--conns 10 --src "10.66.${2##*.}.1@lu2k" --dst "$B" --hold 60
	t_wait_for 60 grep -q 'hellos,' "$T_DIR/$1.log" || t_fail "$1: the hellos did not finish"
	cat "$T_DIR/$1.log"
}
accepted() { awk '/hellos,/ { print $5; exit }' "$T_DIR/$1.log"; }

t_log "10 connections past their hello from 127.0.0.3"
hellos h3 127.0.0.3
n=$(accepted h3)
refused=$(t_lu2kd_stat d2 too_many_from_source)
t_log "127.0.0.3: $n of 10 accepted; too_many_from_source $refused"
[ "${n:-0}" = 4 ] || t_fail "${n:-?} of 10 accepted from one address, not max_conns_per_source's 4"
[ "${refused:-0}" = 6 ] || t_fail "too_many_from_source is ${refused:-?}, not 6"
grep -q 'max_conns_per_source' "$T_DIR/d2.log" || t_fail "the warning is missing"

t_log "another address is served: honest traffic from 127.0.0.1"
t_perf_bulk in "$A" "$B" d1

t_log "127.0.0.4, then 127.0.0.5: max_conns (10) in all"
hellos h4 127.0.0.4
hellos h5 127.0.0.5
n4=$(accepted h4)
n5=$(accepted h5)
conns=$(t_lu2kd_stat d2 conns_now_in)
full=$(t_lu2kd_stat d2 too_many_conns)
t_log "127.0.0.4: $n4 accepted, 127.0.0.5: $n5; $conns incoming; too_many_conns $full"
[ "${n4:-0}" = 4 ] || t_fail "${n4:-?} of 10 accepted from 127.0.0.4, not 4"
[ "${conns:-99}" -le 10 ] || t_fail "$conns incoming connections, over max_conns (10)"
[ "${n5:-9}" -lt 4 ] || t_fail "${n5:-?} accepted from 127.0.0.5: max_conns did not bite"
[ "${full:-0}" -ge 1 ] || t_fail "too_many_conns is ${full:-?}"
grep -q '(max_conns 10)' "$T_DIR/d2.log" || t_fail "the max_conns warning is missing"

t_log "lu2kd #2's own connections are counted apart: honest traffic out of it"
kill "$srv2_pid" # its NID is the client's now
t_wait_for 10 eval '! t_alive $srv2_pid' || t_fail "the lu2k-perf server on #2 did not stop"
t_perf_server srv1 "$A" d1
t_perf_bulk out "$B" "$A" d2
t_log "both ways: $(grep -o '"ok":[0-9]*' "$T_DIR/in.json") / $(grep -o '"ok":[0-9]*' "$T_DIR/out.json") verified"
echo "PASS"
