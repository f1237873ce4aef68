#!/bin/bash
# lu2kd (tcp) out of file descriptors, on loopback: 120 connections that say
# nothing, against a lu2kd whose fd limit is 64. accept() then failed with
# EMFILE while connections waited in the backlog, so the listening socket
# stayed readable: lu2kd used to call accept() about a million times a second
# at full CPU; then it paused listening (accept_pauses), but the silent
# connections still held every fd until their hello deadline: no local
# client could attach, lu2kctl got no answer, and lu2kd could reach no peer.
# Now incoming connections may not take the last eighth of the fds: past
# that, the oldest connection without its hello of the prefix that holds the
# most makes room for a new one (halfopen_evicted; with none, listening
# pauses: fd_reserve_pauses). Checks: lu2kd's CPU while the flood lasts is a
# fraction of a core; it says why it closes connections; lu2kctl answers at
# once; while the flood lasts, a local client attaches and an honest bulk
# goes out of lu2kd and its acks come in (a new incoming connection, from
# the flood's own /24); after the flood, an honest bulk in, verified. Then
# connections that said hello (accept = any: lu2k-hostile tcp-hellos, held)
# fill every fd for incoming ones: none can make room, so listening pauses
# (fd_reserve_pauses, the warning) and lu2kctl still answers.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

t_need_bins lu2kd lu2k-perf lu2kctl lu2k-hostile
command -v prlimit >/dev/null || t_skip "no prlimit (util-linux)"
t_need_lo8

PORT=$((20000 + RANDOM % 20000))
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k
# accept = any: the hellos at the end name NIDs of their own
printf 'accept = any\n[tcp]\nhello_timeout_ms = 10000\n' >"$T_DIR/lu2kd.conf"
t_lu2kd d1 tcp
t_lu2kd d2 tcp prlimit --nofile=64:64
pid2=$(cat "$T_DIR/d2.pid")
t_perf_server server "$B" d2

# the other network's server, for lu2kd #2's own connection out during the flood
t_perf_server srv1 127.0.0.1@lu2k1 d1

# 120 silent connections, held 12 s (lu2kd closes the accepted ones at 10 s)
t_bg flood python3 -c '
import socket, sys, time
s = []
for i in range(120):
    c = socket.socket()
    c.settimeout(2)
    try:
        c.connect(("127.0.0.2", int(sys.argv[1])))
    except OSError:
        pass
    s.append(c)
print("held", len(s), flush=True)
time.sleep(12)
' "$PORT"
t_wait_for 10 grep -q held "$T_DIR/flood.log" || t_fail "the flood did not connect"
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
c0=$(ticks "$pid2")
sleep 2
c1=$(ticks "$pid2")
pct=$(((c1 - c0) * 100 / (2 * hz)))
t_log "lu2kd at its fd limit: $pct % of a core over 2 s"
[ "$pct" -lt 50 ] || t_fail "lu2kd spins at its fd limit: $pct % of a core"
grep -q 'the fds left are kept for outgoing connections' "$T_DIR/d2.log" ||
	t_fail "no warning about the fd limit in its log"

t_wait_for 5 eval '"$T_BIN/lu2kctl" --socket "$T_DIR/d2.ctl" --json stats >"$T_DIR/stats.json" 2>/dev/null' ||
	t_fail "lu2kctl got no answer"
grep -Eq '"halfopen_evicted": [1-9]' "$T_DIR/stats.json" ||
	t_fail "no halfopen_evicted: $(grep halfopen "$T_DIR/stats.json")"
t_log "lu2kctl answers:" $(grep -Eo '"(accept_pauses|fd_reserve_pauses|halfopen_evicted)": [0-9]*' "$T_DIR/stats.json")

t_log "while the flood lasts: a client attaches to lu2kd #2, an honest bulk out of it"
timeout 60 "$T_BIN/lu2k-perf" client --nid 127.0.0.2@lu2k1 --peer 127.0.0.1@lu2k1 \
	--socket "$T_DIR/d2.sock" --json \
	--timeout 5s bulk --size 64K --count 50 >"$T_DIR/out.json" 2>"$T_DIR/out.err" ||
	t_fail "honest bulk out of #2 during the flood: $(cat "$T_DIR/out.json" "$T_DIR/out.err")"
t_alive "$flood_pid" || t_fail "the flood ended before the bulk out of #2 did"
t_log "during the flood, out of #2: $(grep -o '"ok":[0-9]*' "$T_DIR/out.json") verified;" \
	"fd_reserve_pauses $(t_lu2kd_stat d2 fd_reserve_pauses)"

t_wait_for 20 eval '! t_alive $flood_pid' || t_fail "the flood did not end"
timeout 60 "$T_BIN/lu2k-perf" client --nid "$A" --peer "$B" --socket "$T_DIR/d1.sock" --json \
	bulk --size 64K --count 50 >"$T_DIR/bulk.json" 2>"$T_DIR/bulk.err" ||
	t_fail "honest bulk after the flood: $(cat "$T_DIR/bulk.json" "$T_DIR/bulk.err")"
t_alive "$pid2" || t_fail "lu2kd #2 died"
t_log "after the flood: $(grep -o '"ok":[0-9]*' "$T_DIR/bulk.json") verified"

t_log "60 connections that said hello, held: more than the fds for incoming ones"
t_bg hellos "$T_BIN/lu2k-hostile" tcp-hellos --target "127.0.0.2:$PORT" --bind 127.0.0.3 \
	--conns 60 --src 10.66.3.1@lu2k --dst "$B" --hold 30
t_wait_for 60 grep -q 'hellos,' "$T_DIR/hellos.log" || t_fail "the hellos did not finish"
cat "$T_DIR/hellos.log"
pauses=$(t_lu2kd_stat d2 fd_reserve_pauses)
t_log "fd_reserve_pauses $pauses"
[ "${pauses:-0}" -ge 1 ] || t_fail "listening did not pause with every fd for incoming ones held"
grep -q 'not accepting connections for' "$T_DIR/d2.log" || t_fail "no warning about the pause"
grep -Eq "60 hellos, [1-9][0-9]* accepted" "$T_DIR/hellos.log" || t_fail "no hello was accepted"
t_wait_for 5 eval '"$T_BIN/lu2kctl" --socket "$T_DIR/d2.ctl" stats >/dev/null 2>&1' ||
	t_fail "lu2kctl got no answer while the fds for incoming connections are held"
t_alive "$pid2" || t_fail "lu2kd #2 died"
echo PASS
