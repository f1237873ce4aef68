# tests/lib/daemon-pair.sh - kill -9 cases shared by the end-to-end tests of
# two lu2kd (d1 and d2, one per interface) and lu2kd_e2e between them.
#
# The sourcing script defines start_daemon NAME (writes $T_DIR/NAME.pid, sets
# NAME_pid through t_bg), e2e ARGS... (lu2kd_e2e between d1 and d2), N (the
# message count of a short run) and has both daemons running.

# B reads nothing for a while: d2's RX ring (1024 entries) or its RX pool
# fills, then the sender is held back; lu2kd_e2e kills d2 (kill -9) then, and
# d2 is restarted. A message completed OK must have been handed to B (posted
# on its RX ring) before the kill; the others fail; none arrives twice.
kill_full_receiver() { # name, e2e args...
	local name=$1 out="$T_DIR/full-$1.out"
	shift
	t_log "kill -9 of the receiving daemon with its RX space full ($name)"
	e2e --faults --timeout 60 --pause-b 1500 --kill "$d2_pid" "$@" >"$out" 2>&1 &
	local e2e_pid=$!
	t_wait_for 30 grep -q '^killed' "$out" || { cat "$out"; t_fail "$name: lu2kd_e2e did not kill d2"; }
	wait "$d2_pid" 2>/dev/null
	rm -f "$T_DIR/d2.pid"
	start_daemon d2
	wait $e2e_pid
	local rc=$?
	cat "$out"
	[ $rc = 0 ] || t_fail "kill -9 of a full receiver ($name): a message completed OK was lost, or worse"
	grep -qE '^killed .* \(ok [1-9]' "$out" || t_fail "$name: nothing was handed over before the kill"
	grep -qE 'err [1-9]' "$out" || t_fail "$name: the kill hit no waiting message"
}

# kill -9 of VICTIM (d1 or d2) while COUNT messages move, restart; every
# message completes exactly once, then traffic resumes.
kill9_restart() { # victim count
	local victim=$1 count=$2 pidvar="${1}_pid"
	t_log "kill -9 $victim mid-transfer, restart"
	e2e --count "$count" --sizes 0,1000,1M --window 64 --faults --timeout 90 \
		>"$T_DIR/kill-$victim.out" 2>&1 &
	local e2e_pid=$!
	t_wait_for 10 sh -c "'$T_BIN/lu2kctl' --socket '$T_DIR/d2.ctl' stats | grep -qE 'rx_msgs: [1-9]'" ||
		t_fail "no traffic before the kill"
	kill -9 "${!pidvar}"
	wait "${!pidvar}" 2>/dev/null
	rm -f "$T_DIR/$victim.pid"
	start_daemon "$victim"
	wait $e2e_pid || { cat "$T_DIR/kill-$victim.out"; t_fail "exactly-once after kill -9 $victim"; }
	cat "$T_DIR/kill-$victim.out"
	grep -qE 'err [1-9]' "$T_DIR/kill-$victim.out" || t_fail "the kill did not hit a transfer"
	t_log "traffic resumes after the restart of $victim"
	e2e --count "$N" --sizes 0,1M --timeout 60 || t_fail "no resume after restart of $victim"
}
