#!/bin/bash
# lu2kd without --foreground: the parent returns once the daemon is ready
# (exit 0, pid file written, nothing on the terminal); a start that fails says
# why on the terminal and exits 1, as admins expect of a daemon started by hand.
. "$(dirname "$0")/../lib/common.sh"
t_require_root
[ -x "$T_BIN/lu2kd" ] || t_skip "$T_BIN/lu2kd not built"
t_netns "$T_TAG"

# a daemon that started against expectations must not outlive the test
t_defer 'for f in "$T_DIR"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")"; done'
t_log "a start that fails: the channel socket's directory does not exist (two levels: lu2kd makes one)"
out=$(timeout 20 ip netns exec "$T_TAG" "$T_BIN/lu2kd" --channel-socket "$T_DIR/no/dir/a.sock" \
	--ctl-socket "$T_DIR/a.ctl" --pid-file "$T_DIR/a.pid" 2>&1)
rc=$?
[ $rc = 1 ] || t_fail "exit $rc, want 1 (output: $out)"
[[ $out == *"$T_DIR/no/dir/a.sock: cannot bind: No such file or directory"* ]] ||
	t_fail "the terminal was not told why: '$out'"
[ -e "$T_DIR/a.pid" ] && t_fail "a pid file from a daemon that did not start"

t_log "a start that works: back at once, quiet, pid file, the daemon answers"
out=$(timeout 20 ip netns exec "$T_TAG" "$T_BIN/lu2kd" --channel-socket "$T_DIR/b.sock" \
	--ctl-socket "$T_DIR/b.ctl" --pid-file "$T_DIR/b.pid" 2>&1)
rc=$?
pid=$(cat "$T_DIR/b.pid" 2>/dev/null)
[ -n "$pid" ] && t_defer "kill $pid"
[ $rc = 0 ] || t_fail "exit $rc, want 0 (output: $out)"
[ -z "$out" ] || t_fail "a daemon that started wrote on the terminal: '$out'"
t_alive "$pid" || t_fail "no daemon behind the pid file"
timeout 10 ip netns exec "$T_TAG" "$T_BIN/lu2kctl" -s "$T_DIR/b.ctl" status >/dev/null ||
	t_fail "the daemon does not answer"
[ "$(readlink "/proc/$pid/fd/2")" = /dev/null ] || t_fail "the daemon kept the terminal's stderr"
kill "$pid"
t_wait_for 10 eval '! t_alive '"$pid" || t_fail "the daemon did not stop on SIGTERM"
t_log "PASS"
