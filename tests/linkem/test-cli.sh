#!/bin/bash
# lu2k-linkem as a script drives it: --help, clear errors for bad parameters
# (and nothing created), refusing namespaces that exist without --attach
# (and leaving them alone), --attach, SIGINT, periodic stats, and cleanup.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
lk_require

# expect_fail RC TEXT ARGS... : lu2k-linkem exits RC and says TEXT on stderr
expect_fail() {
	local want=$1 text=$2 rc
	shift 2
	timeout 20 "$LK_BIN" "$@" >"$T_DIR/out.txt" 2>"$T_DIR/err.txt"
	rc=$?
	[ $rc = "$want" ] || t_fail "'$*' exited $rc, expected $want: $(cat "$T_DIR/err.txt")"
	grep -qF -- "$text" "$T_DIR/err.txt" || t_fail "'$*' did not say '$text': $(cat "$T_DIR/err.txt")"
}

"$LK_BIN" --help >"$T_DIR/help.txt" || t_fail "--help failed"
grep -q -- "--a2b-" "$T_DIR/help.txt" && grep -q "Gilbert-Elliott" "$T_DIR/help.txt" ||
	t_fail "--help does not describe the options"

expect_fail 2 "expected a time with a unit" --ns-a "$LK_A" --ns-b "$LK_B" --delay 300
expect_fail 2 "unknown option '--bogus'" --ns-a "$LK_A" --ns-b "$LK_B" --bogus
expect_fail 2 "--b2a-loss: bad value '120%'" --ns-a "$LK_A" --ns-b "$LK_B" --b2a-loss 120%
expect_fail 2 "--attach needs" --attach
lk_ns_gone "$LK_A" && lk_ns_gone "$LK_B" || t_fail "a failed start left a namespace"

# a namespace that exists is not ours: refuse it, create nothing, delete nothing
t_netns "$LK_A"
expect_fail 1 "exists already" --ns-a "$LK_A" --ns-b "$LK_B"
lk_ns_gone "$LK_A" && t_fail "a refused start deleted a namespace it did not create"
lk_ns_gone "$LK_B" || t_fail "a refused start left namespace $LK_B"

# --attach: uses them, removes only its devices
t_netns "$LK_B"
lk_start --attach --delay 1ms --stats-interval 200ms --quiet
ip netns exec "$LK_A" ping -n -q -c 3 -i 0.1 -W 1 10.77.0.2 >/dev/null || t_fail "attach: no ping"
t_wait_for 3 test -s "$T_DIR/lk.stats" || t_fail "no periodic stats file"
grep -q "^a2b in=" "$T_DIR/linkem.log" && t_fail "--quiet printed counters"
lk_stop
lk_ns_gone "$LK_A" || lk_ns_gone "$LK_B" && t_fail "--attach deleted a namespace"
ip -n "$LK_A" link show lka0 >/dev/null 2>&1 && t_fail "lka0 left behind in $LK_A"
ip -n "$LK_B" link show lkb0 >/dev/null 2>&1 && t_fail "lkb0 left behind in $LK_B"
ip netns del "$LK_A"
ip netns del "$LK_B"

# a second instance on the same names fails and leaves the first one working
lk_start --delay 1ms
first=$LK_PID
expect_fail 1 "exists already" --ns-a "$LK_A" --ns-b "$LK_B"
ip netns exec "$LK_A" ping -n -q -c 2 -i 0.1 -W 1 10.77.0.2 >/dev/null ||
	t_fail "the first instance broke when a second one was refused"

# SIGINT cleans up like SIGTERM
kill -INT "$first"
t_wait_for 10 lk_ns_gone "$LK_A" || t_fail "namespaces still there 10 s after SIGINT"
lk_ns_gone "$LK_B" || t_fail "namespace $LK_B left after SIGINT"
wait "$first" || t_fail "exit status $? after SIGINT"
grep -q "^b2a in=" "$T_DIR/linkem.log" || t_fail "no counters printed after SIGINT"
# --die-with-parent: a harness killed with SIGKILL still gets cleanup
bash -c "\"$LK_BIN\" --ns-a $LK_A --ns-b $LK_B --die-with-parent --quiet \
	--ready-file $T_DIR/dwp.ready & exec sleep 60" &
parent=$!
t_wait_for 15 test -f "$T_DIR/dwp.ready" || t_fail "--die-with-parent: not ready"
kill -9 "$parent"
t_wait_for 10 lk_ns_gone "$LK_A" || t_fail "--die-with-parent: namespaces left after the parent died"
lk_ns_gone "$LK_B" || t_fail "--die-with-parent: $LK_B left"
t_log "ok"
