#!/bin/bash
# Multipath discovery beside an older lu2kd (one from before the address list
# in the hello, doc/multipath.md "Discovery"): the new one at A
# (multipath_addr) tells its addresses in its first hello, the older one at B
# closes it as malformed; A then says plain hellos to B at once and from then
# on. Asserted, over tcp and udt: A logs it; of the first bulk at most its
# first window (4 messages) fails; a second bulk (a new peer on A: the NID is
# remembered) passes whole. The older lu2kd is LU2K_OLD_LU2KD, else one
# built here from the repository's history (cc36791, the commit before the
# list; about a minute); skipped where there is no such history (a tarball,
# a shallow clone) or it does not build.
. "$(dirname "$0")/../lib/common.sh"

t_require_root
OLD=${LU2K_OLD_LU2KD:-}
old_rev=cc367910878c9e8e43236c62c488246fe797b638
if [ -z "$OLD" ]; then
	git -C "$T_TOP" cat-file -e "$old_rev^{commit}" 2>/dev/null ||
		t_skip "no older lu2kd: set LU2K_OLD_LU2KD (the history has no ${old_rev:0:7} to build one)"
	mkdir -p "$T_DIR/old"
	git -C "$T_TOP" archive "$old_rev" | tar -x -C "$T_DIR/old" ||
		t_skip "cannot unpack ${old_rev:0:7} to build an older lu2kd"
	timeout 900 make -C "$T_DIR/old" -s -j2 O="$T_DIR/old/build" "$T_DIR/old/build/bin/lu2kd" \
		>"$T_DIR/old-build.log" 2>&1 ||
		t_skip "the older lu2kd (${old_rev:0:7}) did not build here: $(tail -n 3 "$T_DIR/old-build.log")"
	OLD=$T_DIR/old/build/bin/lu2kd
	t_log "an older lu2kd built from ${old_rev:0:7}"
fi
[ -x "$OLD" ] || t_skip "LU2K_OLD_LU2KD=$OLD is not a program"
for b in lu2kd lu2k-perf lu2kctl; do
	[ -x "$T_BIN/$b" ] || t_skip "$T_BIN/$b not built"
done
NA=cpa$T_TAG
NB=cpb$T_TAG
ip netns add "$NA" 2>/dev/null || t_skip "cannot create a network namespace"
t_defer ip netns del "$NA"
t_netns "$NB"
ip -n "$NA" link set lo up
ip link add "c0a$T_TAG" netns "$NA" type veth peer name "c0b$T_TAG" netns "$NB" ||
	t_skip "cannot create a veth pair"
ip -n "$NA" link set "c0a$T_TAG" up
ip -n "$NB" link set "c0b$T_TAG" up
ip -n "$NA" addr add 10.79.0.1/24 dev "c0a$T_TAG"
ip -n "$NA" addr add 10.79.0.11/24 dev "c0a$T_TAG"
ip -n "$NB" addr add 10.79.0.2/24 dev "c0b$T_TAG"
t_wait_for 10 ip netns exec "$NA" ping -c1 -W1 10.79.0.2 >/dev/null || t_fail "no ping"
printf 'multipath = on\nmultipath_addr = 10.79.0.11\n' >"$T_DIR/A.conf"
: >"$T_DIR/B.conf"
PORT=$((20000 + RANDOM % 20000))
for be in tcp udt; do
	PORT=$((PORT + 1))
	t_bg "${be}A" ip netns exec "$NA" "$T_BIN/lu2kd" -f -c "$T_DIR/A.conf" -b "$be" -p "$PORT" \
		--channel-socket "$T_DIR/${be}A.sock" --ctl-socket "$T_DIR/${be}A.ctl" \
		--pid-file "$T_DIR/${be}A.pid"
	t_bg "${be}B" ip netns exec "$NB" "$OLD" -f -c "$T_DIR/B.conf" -b "$be" -p "$PORT" \
		--channel-socket "$T_DIR/${be}B.sock" --ctl-socket "$T_DIR/${be}B.ctl" \
		--pid-file "$T_DIR/${be}B.pid"
	t_wait_for 20 test -s "$T_DIR/${be}A.pid" || t_fail "$be: lu2kd A did not start"
	t_wait_for 20 test -s "$T_DIR/${be}B.pid" || t_fail "$be: the older lu2kd did not start"
	t_bg "${be}srv" ip netns exec "$NB" "$T_BIN/lu2k-perf" server --nid 10.79.0.2@lu2k \
		--socket "$T_DIR/${be}B.sock" -q
	t_wait_attached "$T_DIR/${be}B.ctl" 10.79.0.2@lu2k
	for k in 1 2; do
		ip netns exec "$NA" timeout 60 "$T_BIN/lu2k-perf" client --socket "$T_DIR/${be}A.sock" \
			--nid 10.79.0.1@lu2k --peer 10.79.0.2@lu2k --json bulk --size 64K \
			--concurrency 4 --count 200 --timeout 10s >"$T_DIR/$be-$k.json" 2>&1
		ok=$(grep -o '"ok":[0-9]*' "$T_DIR/$be-$k.json" | head -1 | cut -d: -f2)
		t_log "$be: bulk $k: ${ok:-?} of 200 completed"
		[ -n "$ok" ] || t_fail "$be: bulk $k: $(tail -c 400 "$T_DIR/$be-$k.json")"
		if [ "$k" = 1 ]; then
			[ "$ok" -ge 196 ] || t_fail "$be: more than the first window failed"
		else
			[ "$ok" = 200 ] || t_fail "$be: the second bulk lost $((200 - ok))"
		fi
	done
	grep -q 'an older lu2kd?' "$T_DIR/${be}A.log" || t_fail "$be: A did not say so"
	[ "$(grep -c 'an older lu2kd?' "$T_DIR/${be}A.log")" = 1 ] ||
		t_fail "$be: A told its addresses to the older lu2kd more than once"
	pid=${be}srv_pid
	kill "${!pid}"
	kill "$(cat "$T_DIR/${be}A.pid")" "$(cat "$T_DIR/${be}B.pid")"
done
t_log "PASS"
