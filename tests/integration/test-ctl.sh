#!/bin/bash
# lu2kctl against two lu2kd (tcp) in a private namespace, with IPv4 and IPv6
# NIDs: every command's YAML read back by a YAML 1.1 reader (PyYAML) agrees
# with its JSON (same keys, same types, same strings: IPv6 addresses, states
# and versions stay strings); --nid keeps the entries that name a NID and
# fails when none does; --watch repeats, with rates of the counters; usage
# errors exit 2.
. "$(dirname "$0")/../lib/common.sh"
t_require_root
PY=/usr/bin/python3 # Debian's, which sees python3-yaml
$PY -c 'import yaml' 2>/dev/null || t_skip "no python3-yaml (scripts/install-deps test installs it)"
ns=$T_TAG
t_netns "$ns"
ip -n "$ns" addr add fd00:98::1/64 dev lo nodad
ip -n "$ns" addr add fd00:98::2/64 dev lo nodad
ctl() { timeout 20 ip netns exec "$ns" "$T_BIN/lu2kctl" "$@"; }

for n in a b; do
	t_bg "lu2kd_$n" ip netns exec "$ns" "$T_BIN/lu2kd" -f --channel-socket "$T_DIR/$n.sock" \
		--ctl-socket "$T_DIR/$n.ctl"
done
t_wait_for 10 test -S "$T_DIR/a.ctl" || t_fail "lu2kd a did not start"
t_wait_for 10 test -S "$T_DIR/b.ctl" || t_fail "lu2kd b did not start"
t_bg server ip netns exec "$ns" "$T_BIN/lu2k-perf" server --nid 127.0.0.2@lu2k --socket "$T_DIR/b.sock" -q
t_bg server6 ip netns exec "$ns" "$T_BIN/lu2k-perf" server --nid "[fd00:98::2]@lu2k" \
	--socket "$T_DIR/b.sock" -q
t_wait_attached "$T_DIR/b.ctl" 127.0.0.2@lu2k
t_wait_attached "$T_DIR/b.ctl" "[fd00:98::2]@lu2k"
t_bg client ip netns exec "$ns" "$T_BIN/lu2k-perf" client --nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k \
	--socket "$T_DIR/a.sock" bulk --size 64K --concurrency 2 --time 30s
t_bg client6 ip netns exec "$ns" "$T_BIN/lu2k-perf" client --nid "[fd00:98::1]@lu2k" \
	--peer "[fd00:98::2]@lu2k" --socket "$T_DIR/a.sock" bulk --size 64K --concurrency 2 --time 30s
t_wait_for 10 eval 'ctl -s "$T_DIR/a.ctl" peers | grep -q "fd00:98::2"' || t_fail "no IPv6 peer on a"
t_wait_for 10 eval 'ctl -s "$T_DIR/a.ctl" peers | grep -q "127.0.0.2@lu2k"' || t_fail "no IPv4 peer on a"

cat >"$T_DIR/same.py" <<'PY'
import json, sys, yaml
y = yaml.safe_load(open(sys.argv[1]))
j = json.load(open(sys.argv[2]))
# msgs changes between the two requests (messages come and go): there only
# the types must agree, entry by entry as far as both lists go.
loose = sys.argv[3] == "msgs"
def same(a, b, at):
    if type(a) is not type(b):
        sys.exit("%s: YAML gives %r (%s), JSON %r (%s)" % (at, a, type(a).__name__, b, type(b).__name__))
    if isinstance(a, dict):
        if list(a) != list(b): sys.exit("%s: keys differ: %s vs %s" % (at, list(a), list(b)))
        for k in a: same(a[k], b[k], at + "." + k)
    elif isinstance(a, list):
        if len(a) != len(b) and not loose: sys.exit("%s: %d vs %d entries" % (at, len(a), len(b)))
        for i, (x, z) in enumerate(zip(a, b)): same(x, z, "%s[%d]" % (at, i))
    elif isinstance(a, str) and a != b and not loose:
        sys.exit("%s: %r vs %r" % (at, a, b))
same(y, j, sys.argv[3])
PY
for c in status peers conns stats msgs config; do
	ctl -s "$T_DIR/a.ctl" -v "$c" >"$T_DIR/$c.yaml" || t_fail "lu2kctl $c failed"
	ctl -s "$T_DIR/a.ctl" --json "$c" >"$T_DIR/$c.json" || t_fail "lu2kctl --json $c failed"
	out=$($PY "$T_DIR/same.py" "$T_DIR/$c.yaml" "$T_DIR/$c.json" "$c" 2>&1) ||
		t_fail "YAML and JSON of $c disagree: $out"
done
grep -q '"fd00:98::2"' "$T_DIR/conns.yaml" || t_fail "an IPv6 address is not quoted: $(grep address "$T_DIR/conns.yaml")"
grep -q 'cookie:' "$T_DIR/msgs.yaml" || t_log "(no message was in flight for msgs)"
t_log "YAML = JSON for status, peers, conns, stats, msgs"

# -v levels (YAML; JSON is always complete): 0 who and state, 1 (default) more, 2 all
for c in peers conns; do
	for lv in 0 1 2; do
		ctl -s "$T_DIR/a.ctl" --verbose $lv "$c" >"$T_DIR/$c.v$lv" || t_fail "lu2kctl --verbose $lv $c"
	done
	ctl -s "$T_DIR/a.ctl" "$c" >"$T_DIR/$c.vdef" || t_fail "lu2kctl $c"
	keys() { grep -o '^ *[a-z_]*:' "$1" | tr -d ' :' | sort -u; }
	k0=$(keys "$T_DIR/$c.v0" | wc -l) k1=$(keys "$T_DIR/$c.v1" | wc -l) k2=$(keys "$T_DIR/$c.v2" | wc -l)
	[ "$k0" -lt "$k1" ] && [ "$k1" -lt "$k2" ] || t_fail "$c: fields at -v 0/1/2: $k0/$k1/$k2"
	[ "$(keys "$T_DIR/$c.vdef")" = "$(keys "$T_DIR/$c.v1")" ] || t_fail "$c: the default is not level 1"
	[ -z "$(comm -23 <(keys "$T_DIR/$c.v1") <(keys "$T_DIR/$c.v2"))" ] || t_fail "$c: level 1 not within 2"
done
grep -q 'health:' "$T_DIR/peers.v1" && ! grep -q 'health:' "$T_DIR/peers.v0" ||
	t_fail "peers: health at level 1 only: $(cat "$T_DIR/peers.v0")"
grep -q 'rtt_us:' "$T_DIR/conns.v1" && grep -q 'writev_calls\|read_calls\|expect_seq' "$T_DIR/conns.v2" &&
	! grep -q 'expect_seq' "$T_DIR/conns.v1" || t_fail "conns: levels: $(head -30 "$T_DIR/conns.v1")"
t_log "-v: peers and conns show $(keys "$T_DIR/peers.v0" | wc -l)/$(keys "$T_DIR/peers.v1" | wc -l)/$(keys "$T_DIR/peers.v2" | wc -l) peer fields at levels 0/1/2"

ctl -s "$T_DIR/a.ctl" --json peers --nid "[fd00:98::2]@lu2k" >"$T_DIR/p6.json" || t_fail "peers --nid"
[ "$(grep -c '"nid":' "$T_DIR/p6.json")" = 1 ] && grep -q '"nid": "\[fd00:98::2\]@lu2k"' "$T_DIR/p6.json" ||
	t_fail "peers --nid kept: $(cat "$T_DIR/p6.json")"
ctl -s "$T_DIR/a.ctl" conns --nid 127.0.0.2@lu2k >"$T_DIR/c4.yaml" || t_fail "conns --nid"
grep -q 'fd00' "$T_DIR/c4.yaml" && t_fail "conns --nid 127.0.0.2@lu2k kept IPv6 conns"
[ "$(grep -c 'direction:' "$T_DIR/c4.yaml")" = 2 ] || t_fail "conns --nid: $(cat "$T_DIR/c4.yaml")"
out=$(ctl -s "$T_DIR/a.ctl" peers --nid 9.9.9.9@lu2k 2>&1)
[ $? = 1 ] && [[ $out == *"no peers entry names 9.9.9.9@lu2k"* ]] || t_fail "an unknown --nid: $out"
t_log "--nid: one peer, two conns, exit 1 for a NID no entry names"

timeout 3.5 ip netns exec "$ns" "$T_BIN/lu2kctl" -s "$T_DIR/a.ctl" --watch 1 peers >"$T_DIR/watch.out"
n=$(grep -c '^# lu2kctl peers, every 1 s' "$T_DIR/watch.out")
[ "$n" -ge 2 ] && [ "$n" -le 5 ] || t_fail "--watch 1 for 3.5 s printed $n times"
# from the second round, counters have their rates (traffic is still running)
grep -Eq '^ +msgs_tx_per_s: [1-9]' "$T_DIR/watch.out" || t_fail "--watch shows no msgs_tx_per_s: $(cat "$T_DIR/watch.out")"
grep -q 'conns_out_per_s' "$T_DIR/watch.out" && t_fail "--watch made a rate of a gauge (a peer's conns_out)"

# ping: the far lu2kd answers (IPv4 and IPv6); nobody at .9; errors are clear, exit 1
out=$(ctl -s "$T_DIR/a.ctl" ping 127.0.0.2@lu2k) || t_fail "ping 127.0.0.2@lu2k: $out"
[[ $out == "127.0.0.2@lu2k: reachable from 127.0.0.1@lu2k: the lu2kd there answered"*"; rtt "* ]] ||
	t_fail "ping said: $out"
out=$(ctl -s "$T_DIR/a.ctl" ping "[fd00:98::2]@lu2k") || t_fail "ping IPv6: $out"
ctl -s "$T_DIR/a.ctl" --json ping 127.0.0.2@lu2k >"$T_DIR/ping.json" || t_fail "ping --json"
$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["reachable"] is True and j["rtt_us"] >= 0, j' \
	"$T_DIR/ping.json" || t_fail "ping --json: $(cat "$T_DIR/ping.json")"
out=$(ctl -s "$T_DIR/a.ctl" --timeout 5 ping 127.0.0.9@lu2k)
[ $? = 1 ] && [[ $out == "127.0.0.9@lu2k: not reachable from 127.0.0.1@lu2k: Connection refused"* ]] ||
	t_fail "ping of a NID with no lu2kd: $out"
for bad in "127.0.0.1@lu2k:own NID" "127.0.0.2@lu2k7:no interface" "1.2.3.4@tcp:not a NID"; do
	out=$(ctl -s "$T_DIR/a.ctl" ping "${bad%%:*}" 2>&1)
	[ $? = 1 ] && [[ $out == *"${bad#*:}"* ]] || t_fail "ping ${bad%%:*}: $out"
done
t_log "ping: reachable (IPv4, IPv6, JSON), refused, and three clear errors"

for bad in "--watch 0 status" "--watch x status" "--nid 1.2.3.4@lu2k stats" "-o f peers" \
	"--json metrics" "nosuch" "" "ping" "--timeout 0 ping 127.0.0.2@lu2k" "ping a b" \
	"--verbose 3 peers" "--verbose x peers"; do
	# shellcheck disable=SC2086
	ctl -s "$T_DIR/a.ctl" $bad >/dev/null 2>&1
	rc=$?
	[ $rc = 2 ] || t_fail "lu2kctl $bad: exit $rc, want 2"
done
t_log "--watch repeats, with rates ($(grep -m1 'msgs_tx_per_s' "$T_DIR/watch.out" | tr -s ' ')); usage errors exit 2"
echo PASS
