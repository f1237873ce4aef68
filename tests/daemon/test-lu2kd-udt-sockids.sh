#!/bin/bash
# lu2kd (udt): the connection table against one source, on loopback.
#
#   lu2k-hostile udt-sockids (127.0.0.1) ---- 1 cookie, 500 socket ids ---->  lu2kd #2 (127.0.0.2@lu2k)
#   lu2k-hostile (127.0.0.3) ---- 40 handshakes, each with its own cookie -->  (max_conns_per_source 16)
#   lu2kd #1 (127.0.0.1@lu2k) ---- honest messages ------------------------>
#
# UDT's cookie proves that a client receives at its address; when it was not
# bound to the socket id, one round trip let a source open a connection for
# every socket id it named (4,096 slots in 0.4 s, the table full for honest
# peers both ways). Checks: of 500 requests that reuse one cookie with new
# socket ids, none makes a connection (hs_rejects counts them), and an
# honest connection still comes up and carries messages.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl lu2k-hostile
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k
printf 'accept = any # the attacker claims 10.66.0.3@lu2k\n[udt]\nmax_conns_per_source = 16\n' >"$T_DIR/lu2kd.conf"

t_lu2kd d1 udt
t_lu2kd d2 udt
t_perf_server server "$B" d2

t_log "500 socket ids behind one cookie"
timeout 30 "$T_BIN/lu2k-hostile" udt-sockids --target "127.0.0.2:$PORT" --conns 500 --time 1 ||
	t_fail "the attack did not run"
conns=$(t_lu2kd_stat d2 conns)
rejects=$(t_lu2kd_stat d2 hs_rejects)
t_log "lu2kd #2: $conns connections, $rejects handshakes rejected"
[ "${conns:-999}" -le 1 ] || t_fail "$conns connections from one cookie"
[ "${rejects:-0}" -ge 500 ] || t_fail "only ${rejects:-0} requests rejected"

t_log "40 connections from one source, each with its own cookie"
ip -4 addr show lo | grep -q '127.0.0.0/8' || ip -4 addr show lo | grep -q '127.0.0.1/8' ||
	t_skip "no 127.0.0.3 on lo"
timeout 30 "$T_BIN/lu2k-hostile" udt-endless --target "127.0.0.2:$PORT" --bind 127.0.0.3 \
	--conns 40 --pkts 1 --time 2 --src 10.66.0.3@lu2k --dst "$B" || true
conns=$(t_lu2kd_stat d2 conns_now_in)
refused=$(t_lu2kd_stat d2 too_many_from_source)
t_log "lu2kd #2: $conns incoming connections, $refused handshakes refused for their source"
[ "${conns:-999}" -le 17 ] || t_fail "$conns incoming connections, over the cap of 16 (+1)"
[ "${refused:-0}" -ge 1 ] || t_fail "no handshake refused for its source"
grep -q 'max_conns_per_source' "$T_DIR/d2.log" || t_fail "the warning is missing"

t_log "an honest connection still comes up"
t_perf_bulk client "$A" "$B" d1
echo "PASS"
