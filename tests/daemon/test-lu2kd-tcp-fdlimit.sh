#!/bin/bash
# lu2kd (tcp) out of file descriptors, on loopback: 120 connections that say
# nothing, against a lu2kd whose fd limit is 64. accept() then fails with
# EMFILE while connections wait in the backlog, so the listening socket stays
# readable: lu2kd used to call accept() about a million times a second at
# full CPU. Now it stops listening for 50 ms .. 1 s at a time (accept_pauses,
# a rate-limited warning). Checks: lu2kd's CPU while the flood lasts is a
# fraction of a core; it counted the pauses; lu2kctl answers; once the
# connections are gone (hello deadline), an honest bulk completes, verified.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

for b in lu2kd lu2k-perf lu2kctl; do
	[ -x "$T_BIN/$b" ] || t_skip "$T_BIN/$b not built"
done
command -v prlimit >/dev/null || t_skip "no prlimit (util-linux)"
ip -4 addr show lo 2>/dev/null | grep -q '127.0.0.1/8' || t_skip "no 127.0.0.0/8 on lo"

PORT=$((20000 + RANDOM % 20000))
A=127.0.0.1@lu2k
B=127.0.0.2@lu2k
printf '[tcp]\nhello_timeout_ms = 4000\n' >"$T_DIR/lu2kd.conf"
start_daemon() { # name [prlimit args]
	local n=$1
	shift
	t_bg "$n" "$@" "$T_BIN/lu2kd" -c "$T_DIR/lu2kd.conf" --foreground --port "$PORT" \
		--log-level info -b tcp --channel-socket "$T_DIR/$n.sock" \
		--ctl-socket "$T_DIR/$n.ctl" --pid-file "$T_DIR/$n.pid"
	t_wait_for 20 test -s "$T_DIR/$n.pid" || t_fail "$n did not get ready"
}
start_daemon d1
start_daemon d2 prlimit --nofile=64:64
pid2=$(cat "$T_DIR/d2.pid")
t_bg server "$T_BIN/lu2k-perf" server --nid "$B" --socket "$T_DIR/d2.sock"
t_wait_for 10 grep -q ready "$T_DIR/server.log" || t_fail "the lu2k-perf server did not attach"

# 120 silent connections, held 8 s (lu2kd closes the accepted ones at 4 s)
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
time.sleep(8)
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
grep -q 'not accepting connections for' "$T_DIR/d2.log" || t_fail "no warning about the fd limit in its log"

t_wait_for 20 eval '"$T_BIN/lu2kctl" --socket "$T_DIR/d2.ctl" --json stats >"$T_DIR/stats.json" 2>/dev/null' ||
	t_fail "lu2kctl got no answer"
grep -Eq '"accept_pauses": [1-9]' "$T_DIR/stats.json" || t_fail "no accept_pauses: $(grep accept "$T_DIR/stats.json")"
t_log "lu2kctl answers: $(grep -o '"accept_pauses": [0-9]*' "$T_DIR/stats.json")"

t_wait_for 20 eval '! t_alive $flood_pid' || t_fail "the flood did not end"
timeout 60 "$T_BIN/lu2k-perf" client --nid "$A" --peer "$B" --socket "$T_DIR/d1.sock" --json \
	bulk --size 64K --count 50 >"$T_DIR/bulk.json" 2>"$T_DIR/bulk.err" ||
	t_fail "honest bulk after the flood: $(cat "$T_DIR/bulk.json" "$T_DIR/bulk.err")"
t_alive "$pid2" || t_fail "lu2kd #2 died"
t_log "after the flood: $(grep -o '"ok":[0-9]*' "$T_DIR/bulk.json") verified"
echo PASS
