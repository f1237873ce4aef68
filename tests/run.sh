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
# BUILD_DIR/test-logs/ and the tail is shown when it fails. The unit-test
# programs, and the daemon and integration scripts (each in network
# namespaces of its own, with names from its tag), run LU2K_TEST_JOBS at a
# time (default: the number of CPUs, at most 4; 1 runs one after the other):
# most of them wait on timers and peers, not on a CPU. The rest (benchmarks,
# fuzzers, emulated links, VMs) run alone. A test that leaves
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
jobs_max=${LU2K_TEST_JOBS:-$(nproc)}
[[ $jobs_max =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: LU2K_TEST_JOBS wants a whole number > 0" >&2; exit 2; }
[ -n "${LU2K_TEST_JOBS:-}" ] || [ "$jobs_max" -le 4 ] || jobs_max=4
# one line "EXIT-STATUS NAME" per test, appended by each (in parallel)
results=$(mktemp "$logs/.results.XXXXXX")
trap 'rm -f "$results" "$results.lock"' EXIT

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
	local dt=$((SECONDS - t0)) out
	case $rc in
	0) out=$(printf 'PASS  %-40s %4ds' "$name" "$dt") ;;
	77) out=$(printf 'SKIP  %-40s %4ds  %s' "$name" "$dt" "$(tail -n 1 "$log")") ;;
	*) [ $rc = 124 ] && echo "(timed out after ${LU2K_TEST_TIMEOUT}s)" >>"$log"
	   out=$(printf 'FAIL  %-40s %4ds  (exit %d, log %s)\n' "$name" "$dt" "$rc" "$log"
		 tail -n 25 "$log" | sed 's/^/      | /') ;;
	esac
	# whole blocks, one test's at a time, when tests run side by side
	{
		flock 9
		printf '%s\n' "$out"
		echo "$rc $name" >>"$results"
	} 9>"$results.lock"
}

# run_side NAME CMD...: run_one in the background, at most jobs_max at once.
run_side() {
	[ -n "$pattern" ] && [[ $1 != *$pattern* ]] && return
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
		wait -n
	done
	run_one "$@" &
}

for t in "$build"/tests/*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	run_side "$(basename "$t")" "$t"
done
for t in "$top"/tests/{daemon,integration}/test-*.sh; do
	[ -x "$t" ] || continue
	run_side "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" "$t"
done
wait
for t in "$top"/tests/*/test-*.sh; do
	[ -x "$t" ] || continue
	case $t in */tests/daemon/* | */tests/integration/*) continue ;; esac
	run_one "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" "$t"
done
pass=$(grep -c '^0 ' "$results")
skip=$(grep -c '^77 ' "$results")
fail=$(grep -vc '^\(0\|77\) ' "$results")
mapfile -t failed < <(grep -v '^\(0\|77\) ' "$results" | cut -d' ' -f2-)

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
