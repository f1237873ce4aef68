#!/bin/bash
# Shared helpers for lu2k's script tests (source it). Every test gets:
#  - a unique tag ($T_TAG) for names of namespaces, devices, sockets, files;
#  - a scratch directory ($T_DIR) removed at exit (kept when the test fails
#    and LU2K_TEST_KEEP is set);
#  - a cleanup stack (t_defer CMD...) run in reverse order on any exit, so
#    namespaces, daemons and devices go away even when the test fails;
#  - bounded waits (t_wait_for SECONDS CMD...).
#  - with T_NET=private set before sourcing: a network namespace of its own
#    (only lo, up), so that the ports it takes on 127.0.0.1 cannot clash with
#    another test's running at the same time; it is anonymous (unshare), so
#    it goes away with the test's last process.
set -u
if [ "${T_NET:-}" = private ] && [ -z "${_T_NET_PRIVATE:-}" ] && [ "$(id -u)" = 0 ]; then
	export _T_NET_PRIVATE=1
	exec unshare --net -- /bin/bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
# the helpers shared with the scripts (waits, liveness, JSON and CSV fields)
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
T_TAG=${T_TAG:-l2k$$$RANDOM}
T_TAG=${T_TAG:0:11}		# fits IFNAMSIZ with a 4-character prefix
T_DIR=$(mktemp -d "/tmp/lu2k-test.$T_TAG.XXXXXX")
# test-bin: the tools (links into bin) and the programs only tests use
T_BIN=${LU2K_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/san}/test-bin
T_TOP=${LU2K_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
_t_cleanups=()

t_log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
t_fail() { printf 'FAIL: %s\n' "$*"; exit 1; }
t_skip() { printf 'SKIP: %s\n' "$*"; exit 77; }

t_defer() { _t_cleanups+=("$*"); }
_t_run_cleanups() {
	local rc=$? i
	for ((i = ${#_t_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_t_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	if [ $rc != 0 ] && [ $rc != 77 ]; then
		for f in "$T_DIR"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $(basename "$f") (last 30 lines)"
			tail -n 30 "$f"
		done
	fi
	if [ $rc != 0 ] && [ $rc != 77 ] && [ -n "${LU2K_TEST_KEEP:-}" ]; then
		echo "kept $T_DIR (LU2K_TEST_KEEP)"
	else
		rm -rf "$T_DIR"
	fi
	exit $rc
}
trap _t_run_cleanups EXIT
trap 'exit 130' INT TERM

t_require_root() { [ "$(id -u)" = 0 ] || t_skip "needs root"; }

# t_need_bins NAME... : skip unless each program is built in $T_BIN.
t_need_bins() {
	local b
	for b in "$@"; do
		[ -x "$T_BIN/$b" ] || t_skip "$T_BIN/$b not built"
	done
}
# t_need_lo8 : skip unless lo holds 127.0.0.0/8 (the tests use 127.0.0.2 and on).
t_need_lo8() {
	ip -4 addr show lo 2>/dev/null | grep -q '127.0.0.1/8' || t_skip "no 127.0.0.0/8 on lo"
}

# t_wait_for SECONDS CMD... : poll CMD every 0.1 s until it succeeds.
t_wait_for() { lu2k_wait_for "$@"; }
# t_wait_attached CTL NID : a client with NID attached to the lu2kd at CTL
# (10 s); a readiness wait, instead of sleeping and hoping.
t_wait_attached() {
	LU2KCTL=$T_BIN/lu2kctl lu2k_wait_attached 10 "$1" "$2" ||
		t_fail "$2 did not attach to the lu2kd at $1"
}

# t_netns NAME : create a namespace with lo up, removed at exit.
t_netns() {
	ip netns add "$1" || t_fail "ip netns add $1"
	t_defer ip netns del "$1"
	ip -n "$1" link set lo up
}

# t_bg NAME CMD... : start CMD in the background, output in $T_DIR/NAME.log;
# its pid in the variable named NAME_pid; killed (TERM, then KILL) at exit.
t_bg() {
	local name=$1
	shift
	"$@" >"$T_DIR/$name.log" 2>&1 &
	local pid=$!
	printf -v "${name}_pid" '%s' "$pid"
	t_defer "kill $pid; sleep 0.2; kill -9 $pid; wait $pid"
}

# t_alive PID : is the process still there (and not a zombie)?
t_alive() { lu2k_alive "$1"; }

# t_lu2kd NAME BACKEND [WRAPPER...] : a lu2kd on port $PORT with the config
# $T_DIR/lu2kd.conf, run as t_bg NAME (through WRAPPER, e.g. prlimit ...),
# its sockets $T_DIR/NAME.sock and NAME.ctl; returns once it is ready.
t_lu2kd() {
	local n=$1 be=$2
	shift 2
	t_bg "$n" "$@" "$T_BIN/lu2kd" -c "$T_DIR/lu2kd.conf" --foreground --port "$PORT" \
		--log-level info -b "$be" --channel-socket "$T_DIR/$n.sock" \
		--ctl-socket "$T_DIR/$n.ctl" --pid-file "$T_DIR/$n.pid"
	t_wait_for 20 test -s "$T_DIR/$n.pid" || t_fail "$n did not get ready"
}

# t_ctl_json NAME EXPR [CMD] : a python expression over j, the answer of
# `lu2kctl --json CMD` (peers if none) from the lu2kd whose control socket
# is $T_DIR/NAME.ctl, printed.
t_ctl_json() {
	timeout 10 "$T_BIN/lu2kctl" --socket "$T_DIR/$1.ctl" --json "${3:-peers}" |
		python3 -c "import json,sys; j=json.load(sys.stdin); print($2)"
}

# t_lu2kd_stat NAME KEY : one figure of `lu2kctl stats` from the lu2kd NAME
# (empty if it has none).
t_lu2kd_stat() {
	timeout 10 "$T_BIN/lu2kctl" --socket "$T_DIR/$1.ctl" stats |
		awk -v k="$2:" '$1 == k { print $2; exit }'
}

# t_perf_bulk NAME NID PEER LU2KD : honest bulk (200 x 64 KiB) from NID,
# attached to the lu2kd named LU2KD, to PEER (whose server is attached
# elsewhere); fails the test unless every payload arrived, verified. Its
# summary is $T_DIR/NAME.json.
t_perf_bulk() {
	timeout 60 "$T_BIN/lu2k-perf" client --nid "$2" --peer "$3" --socket "$T_DIR/$4.sock" \
		--timeout 20s --json bulk --size 64K --count 200 >"$T_DIR/$1.json" ||
		{ cat "$T_DIR/$1.json"; t_fail "$1: honest traffic from $2 to $3 failed"; }
	grep -q '"pass":true' "$T_DIR/$1.json" || t_fail "$1: honest traffic from $2 to $3 did not pass"
}

# t_perf_server NAME NID LU2KD : a lu2k-perf server with NID attached to the
# lu2kd named LU2KD, run as t_bg NAME; returns once it is attached.
t_perf_server() {
	t_bg "$1" "$T_BIN/lu2k-perf" server --nid "$2" --socket "$T_DIR/$3.sock"
	t_wait_for 10 grep -q ready "$T_DIR/$1.log" || t_fail "$1: the lu2k-perf server did not attach"
}

# t_perf_pair NS [LU2KD OPTION...] : in the namespace NS (fd00:99::1 and ::2
# added to its lo), lu2kd a and b with those options (sockets $T_DIR/a.sock,
# a.ctl, b.sock, b.ctl; pids $lu2kd_a_pid, $lu2kd_b_pid), and lu2k-perf servers
# for 127.0.0.2@lu2k and [fd00:99::2]@lu2k attached to b.
t_perf_pair() {
	local ns=$1 n
	shift
	ip -n "$ns" addr add fd00:99::1/64 dev lo nodad
	ip -n "$ns" addr add fd00:99::2/64 dev lo nodad
	for n in a b; do
		t_bg "lu2kd_$n" ip netns exec "$ns" "$T_BIN/lu2kd" -f -l info "$@" \
			--channel-socket "$T_DIR/$n.sock" --ctl-socket "$T_DIR/$n.ctl"
	done
	t_wait_for 10 test -S "$T_DIR/a.sock" || t_fail "lu2kd a did not start"
	t_wait_for 10 test -S "$T_DIR/b.sock" || t_fail "lu2kd b did not start"
	t_bg server ip netns exec "$ns" "$T_BIN/lu2k-perf" server --nid 127.0.0.2@lu2k \
		--socket "$T_DIR/b.sock" -q
	t_bg server6 ip netns exec "$ns" "$T_BIN/lu2k-perf" server --nid "[fd00:99::2]@lu2k" \
		--socket "$T_DIR/b.sock" -q
	t_wait_attached "$T_DIR/b.ctl" 127.0.0.2@lu2k
	t_wait_attached "$T_DIR/b.ctl" "[fd00:99::2]@lu2k"
}

# t_perf_run NS SECS NAME ARGS... : one lu2k-perf client run through lu2kd a
# of t_perf_pair (at most SECS); it must pass, complete something and count
# no error. Its summary is $T_DIR/NAME.json.
t_perf_run() {
	local ns=$1 secs=$2 name=$3 out=$T_DIR/$3.json
	shift 3
	if ! timeout "$secs" ip netns exec "$ns" "$T_BIN/lu2k-perf" client --socket "$T_DIR/a.sock" \
		--json "$@" >"$out" 2>"$T_DIR/$name.err"; then
		cat "$out" "$T_DIR/$name.err"
		t_fail "$name: lu2k-perf failed"
	fi
	grep -q '"pass":true' "$out" || t_fail "$name: not a pass: $(cat "$out")"
	grep -q '"errors":0,' "$out" || t_fail "$name: errors: $(cat "$out")"
	grep -q '"ok":0,' "$out" && t_fail "$name: nothing completed: $(cat "$out")"
	t_log "$name: $(grep -o '"ok":[0-9]*' "$out"), $(grep -o '"gbit_per_s":[0-9.]*' "$out")"
}

# t_perf_both_ways SRV : honest bulk both ways between the lu2kd d1 (NID $A)
# and d2 ($B): $A to $B (the lu2k-perf server for $B runs as t_bg SRV: the
# connection into d2, d2's acks out), then $B to $A (that server stops, its
# NID being the client's, and one for $A starts on d1 as srv1). Summaries:
# $T_DIR/in.json and out.json.
t_perf_both_ways() {
	local pid
	pid=$(eval echo "\$${1}_pid")
	t_log "honest traffic from $A into $B"
	t_perf_bulk in "$A" "$B" d1
	t_log "honest traffic from $B out to $A"
	kill "$pid"
	t_wait_for 10 eval "! t_alive $pid" || t_fail "the lu2k-perf server for $B did not stop"
	t_perf_server srv1 "$A" d1
	t_perf_bulk out "$B" "$A" d2
	t_log "both ways: $(grep -o '"ok":[0-9]*' "$T_DIR/in.json") /" \
		"$(grep -o '"ok":[0-9]*' "$T_DIR/out.json") verified"
}
