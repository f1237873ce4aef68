#!/bin/bash
# Runs every lu2k test and ends with the line "N passed, N failed".
#
#   tests/run.sh [BUILD_DIR] [PATTERN]
#
# Tests are (1) the unit-test programs in BUILD_DIR/tests/ and (2) the scripts
# tests/*/test-*.sh (integration, netns, vm). Each gets LU2K_BUILD (absolute
# path of BUILD_DIR) in its environment. Exit status 0 = pass, 77 = skipped
# (the reason on its last output line), anything else = fail. Every test runs
# under a timeout (LU2K_TEST_TIMEOUT, default 600 s); its output is kept in
# BUILD_DIR/test-logs/ and the tail is shown when it fails. A test that leaves
# a process (one with its LU2K_TEST_RUN in the environment) or a network
# namespace named with its tag (T_TAG, given to it) behind fails, and what it
# left is listed in its log and removed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build/san}" && pwd) || exit 2
pattern=${2:-}
export LU2K_BUILD=$build LU2K_TOP=$top
: "${LU2K_TEST_TIMEOUT:=600}"
logs=$build/test-logs
mkdir -p "$logs"
pass=0 fail=0 skip=0 failed=()

# A test's processes carry LU2K_TEST_RUN=<its tag> in their environment
# (inherited through ip netns exec, timeout, qemu...): after the test, any
# still there were left behind. (By environment rather than by path, so that
# another run.sh in the same tree is never taken for this one's leftovers.)
tree_procs() { # TAG
	grep -lszx "LU2K_TEST_RUN=$1" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3
}

# A test must end what it starts: its processes and namespaces
# named with its tag still there 10 s after it ended fail it (and
# are removed, so that they do not fail the next one too).
left_behind() { # TAG LOG
	local i pids ns
	for i in $(seq 20); do
		pids=$(tree_procs "$1")
		ns=$(ip netns list 2>/dev/null | awk -v t="$1" 'index($1, t) { print $1 }')
		[ -z "$pids$ns" ] && return 0
		sleep 0.5
	done
	# Only what still runs counts: a process in the middle of exiting (its
	# command line already gone, or a zombie) has ended.
	pids=$(for p in $pids; do
		[ -s "/proc/$p/cmdline" ] && ! grep -q '^State:.*[ZX]' "/proc/$p/status" 2>/dev/null &&
			echo "$p"
	done)
	[ -z "$pids$ns" ] && return 0
	{
		echo "LEFT BEHIND by this test:"
		for p in $pids; do echo "  process $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done
		for n in $ns; do echo "  network namespace $n"; done
	} >>"$2"
	for p in $pids; do pkill -9 -P "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
	for n in $ns; do ip netns del "$n" 2>/dev/null; done
	return 1
}

run_one() {
	local name=$1; shift
	local log=$logs/$name.log t0=$SECONDS rc tag
	mkdir -p "$(dirname "$log")"
	[ -n "$pattern" ] && [[ $name != *$pattern* ]] && return
	tag=l2k$RANDOM$RANDOM
	tag=${tag:0:11}
	T_TAG=$tag LU2K_TEST_RUN=$tag timeout -k 10 "$LU2K_TEST_TIMEOUT" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	if ! left_behind "$tag" "$log" && { [ $rc = 0 ] || [ $rc = 77 ]; }; then
		rc=1
	fi
	local dt=$((SECONDS - t0))
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS  %-40s %4ds\n' "$name" "$dt" ;;
	77) skip=$((skip + 1)); printf 'SKIP  %-40s %4ds  %s\n' "$name" "$dt" "$(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1)); failed+=("$name")
	   [ $rc = 124 ] && echo "(timed out after ${LU2K_TEST_TIMEOUT}s)" >>"$log"
	   printf 'FAIL  %-40s %4ds  (exit %d, log %s)\n' "$name" "$dt" "$rc" "$log"
	   tail -n 25 "$log" | sed 's/^/      | /' ;;
	esac
}

for t in "$build"/tests/*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
for t in "$top"/tests/*/test-*.sh; do
	[ -x "$t" ] || continue
	run_one "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" "$t"
done

echo
# A pattern that names no test is a typo, not a pass.
if [ -n "$pattern" ] && [ $((pass + fail + skip)) = 0 ]; then
	echo "run.sh: no test matches '$pattern' (tests are named as in the PASS/FAIL lines of a full run)"
	echo "0 passed, 1 failed"
	exit 1
fi
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$skip skipped"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
