#!/bin/bash
# The README's first command, scripts/demo: a bad option exits 2 and says
# which and why; a short run on an easy link exits 0 with PASS on lu2k's rows
# (every message verified, the stream on time) and leaves nothing behind.
# The full demo (600 ms, 1 %, 20 s) is the README's; this one is short and
# uses the tools this suite built (LU2K_DEMO_BIN).
. "$(dirname "$0")/../lib/common.sh"
t_require_root
[ -x "$T_BIN/lu2kd" ] || t_skip "$T_BIN/lu2kd not built"
[ -c /dev/net/tun ] || t_skip "no /dev/net/tun"
demo=$T_TOP/scripts/demo
export LU2K_DEMO_BIN=$T_BIN

for bad in "--rtt 0ms:--rtt" "--loss 200%:--loss" "--rate 30:--rate" "--time 1:--time" \
	"--bogus:unknown option" "--backend nosuch:nosuch"; do
	args=${bad%%:*} want=${bad#*:}
	# shellcheck disable=SC2086
	out=$(timeout 60 "$demo" $args 2>&1)
	rc=$?
	if [ "$args" = "--backend nosuch" ]; then
		[ $rc != 0 ] && [[ $out == *"$want"* ]] || t_fail "demo $args: exit $rc: $out"
	else
		[ $rc = 2 ] && [[ $out == *"$want"* ]] || t_fail "demo $args: exit $rc, want 2: $out"
	fi
done
t_log "bad options: exit 2 with the option named"

t_log "a short demo: 100 ms, 0.5 %, 20 Mbit/s, 4 s"
timeout 240 "$demo" --rtt 100ms --loss 0.5% --rate 20mbit --time 4 >"$T_DIR/demo.log" 2>&1
rc=$?
grep -E '^(lu2k|TCP|tcp)' "$T_DIR/demo.log" | tail -6
[ $rc = 0 ] || t_fail "demo exit $rc: $(tail -20 "$T_DIR/demo.log")"
grep -q "^lu2k bulk (udt back-end).*PASS" "$T_DIR/demo.log" ||
	t_fail "no PASS on the bulk row over udt (the default): $(tail -12 "$T_DIR/demo.log")"
grep -q "^lu2k stream.*PASS" "$T_DIR/demo.log" || t_fail "no PASS on the stream row"
t_log "PASS: the demo exits 0 with PASS on lu2k's rows"
