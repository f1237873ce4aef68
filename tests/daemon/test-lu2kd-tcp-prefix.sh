#!/bin/bash
# lu2kd (tcp): connections that have not said hello, capped per /24 (max_halfopen_per_prefix).
#
#   silent connections (127.0.5.3, 127.0.5.4): 6 + 6, one /24 --\
#   silent connections (127.0.6.3): 6, another /24 ------------->  lu2kd #2 (127.0.0.2@lu2k)
#   lu2kd #1 (127.0.0.1@lu2k) --- honest messages ------------->   max_halfopen_per_prefix 8
#
# Many addresses of one site or one provider's customer (a /64 of IPv6) must
# not hold lu2kd's descriptors with connections that prove nothing beyond
# their address. Checks: of 12 silent connections from two addresses of one
# /24, lu2kd closes 4 at once (too_many_from_prefix, a warning) and keeps 8;
# another /24's 6 are all kept; an honest bulk from 127.0.0.1 passes.
T_NET=private # a network namespace of its own: 127.0.0.0/8 on lo, no port clash
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl
command -v python3 >/dev/null || t_skip "no python3"
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k
printf '[tcp]\nmax_halfopen_per_prefix = 8\nhello_timeout_ms = 60000\n' >"$T_DIR/lu2kd.conf"

t_lu2kd d1 tcp
t_lu2kd d2 tcp
t_perf_server server "$B" d2

# Silent connections from each source in turn; after each group, how many lu2kd closed.
timeout 30 python3 -c '
import socket, sys, time
port = int(sys.argv[1])
held = []
for group in sys.argv[2:]:
    closed = 0
    for src in group.split(","):
        for i in range(6):
            c = socket.socket()
            c.settimeout(2)
            c.bind((src, 0))
            c.connect(("127.0.0.2", port))
            c.setblocking(False)
            held.append(c)
    time.sleep(1)
    for c in held[-6 * len(group.split(",")):]:
        try:
            closed += c.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    print("group", group, "closed", closed, flush=True)
' "$PORT" 127.0.5.3,127.0.5.4 127.0.6.3 >"$T_DIR/silent.log" 2>&1 ||
	{ cat "$T_DIR/silent.log"; t_fail "the silent connections did not run"; }
cat "$T_DIR/silent.log"
same=$(awk '$2 == "127.0.5.3,127.0.5.4" { print $4 }' "$T_DIR/silent.log")
other=$(awk '$2 == "127.0.6.3" { print $4 }' "$T_DIR/silent.log")
refused=$(t_lu2kd_stat d2 too_many_from_prefix)
t_log "one /24: ${same:-?} of 12 closed; another: ${other:-?} of 6; too_many_from_prefix ${refused:-?}"
[ "${same:-0}" = 4 ] || t_fail "${same:-?} of 12 closed from one /24, not the 4 over the cap of 8"
[ "${other:-9}" = 0 ] || t_fail "${other:-?} closed from another /24"
[ "${refused:-0}" = 4 ] || t_fail "too_many_from_prefix is ${refused:-?}, not 4"
grep -q 'max_halfopen_per_prefix' "$T_DIR/d2.log" || t_fail "the warning is missing"

t_log "an honest connection still comes up (from 127.0.0.1)"
t_perf_bulk client "$A" "$B" d1
echo "PASS"
