#!/bin/bash
# lu2kd (tcp): connections before their hello from many prefixes, capped in
# all (max_halfopen), and the fds kept for outgoing connections.
#
#   silent connections from 127.0.10.3 .. 127.0.29.3 (20 /24s), 4 each ---\
#   lu2kd #1 (127.0.0.1@lu2k) <-- honest messages, both ways -->  lu2kd #2 (127.0.0.2@lu2k)
#                          fd limit 64; max_halfopen 12, max_conns 24, max_halfopen_per_prefix 4
#
# 80 silent connections from 20 prefixes, each under max_halfopen_per_prefix,
# took every fd of lu2kd #2: it could neither accept an honest connection nor
# open one to its own peers until the fakes' hello_timeout_ms. Checks: at
# most 12 incoming connections are held; a new connection takes the place
# of the oldest of the prefix that holds the most (halfopen_evicted), with a
# warning;
# then honest bulk from #1 to #2 (its connection into #2, #2's acks out) and
# from #2 to #1 passes, every payload verified, while the fakes are held.
T_NET=private # a network namespace of its own: 127.0.0.0/8 on lo, no port clash
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl
command -v python3 >/dev/null || t_skip "no python3"
command -v prlimit >/dev/null || t_skip "no prlimit (util-linux)"
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k
printf '[tcp]\nmax_conns = 24\nmax_halfopen = 12\nmax_halfopen_per_prefix = 4\nhello_timeout_ms = 60000\n' \
	>"$T_DIR/lu2kd.conf"
t_lu2kd d1 tcp
t_lu2kd d2 tcp prlimit --nofile=64:64
t_perf_server srv2 "$B" d2

t_log "4 silent connections from each of 20 /24s, held"
t_bg flood python3 -c '
import socket, sys, time
held = []
for i in range(10, 30):
    for j in range(4):
        c = socket.socket()
        c.settimeout(2)
        c.bind(("127.0.%d.3" % i, 0))
        try:
            c.connect(("127.0.0.2", int(sys.argv[1])))
        except OSError:
            pass
        held.append(c)
print("held", len(held), flush=True)
time.sleep(120)
' "$PORT"
t_wait_for 30 grep -q held "$T_DIR/flood.log" || t_fail "the silent connections were not made"
sleep 1
conns=$(t_lu2kd_stat d2 conns_now_in)
evicted=$(t_lu2kd_stat d2 halfopen_evicted)
t_log "lu2kd #2: $conns incoming connections; $evicted closed to make room"
[ "${conns:-999}" -le 12 ] || t_fail "$conns incoming connections before their hello, over the cap of 12"
[ "${evicted:-0}" -ge 1 ] || t_fail "no connection made room for another prefix's"
grep -q 'max_halfopen)' "$T_DIR/d2.log" || t_fail "the warning is missing"

t_perf_both_ways srv2
t_alive "$flood_pid" || t_fail "the silent connections were not held for the whole test"
echo "PASS"
