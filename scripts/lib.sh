#!/bin/bash
# scripts/lib.sh - the shell helpers lu2k's scripts (demo, bench-*) and its
# tests (tests/lib/common.sh, bench/lib.sh) share: source it. Every wait is
# bounded; nothing here exits the caller.
#
#   lu2k_wait_for SECONDS CMD...  run CMD (quietly) every 0.1 s until it succeeds;
#                                 1 if it has not after SECONDS
#   lu2k_wait_attached SECONDS CTL NID
#                                 until an interface with NID is attached to the
#                                 lu2kd whose control socket is CTL ($LU2KCTL,
#                                 else lu2kctl on PATH); 1 if not after SECONDS
#   lu2k_alive PID                the process is there and not a zombie
#   lu2k_stop PID...              SIGTERM, up to 5 s each, then SIGKILL; reaps children
#   lu2k_jnum FILE KEY            the first number after "KEY": in a JSON file
#   lu2k_jstr FILE KEY            the first string after "KEY": in a JSON file
#   lu2k_csv FILE AWK-PROGRAM     run AWK-PROGRAM over FILE's data rows with
#                                 c["NAME"] the row's value in the column whose
#                                 header is NAME (columns by name, not by place)

lu2k_wait_for() {
	local deadline
	deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

lu2k_attached_() { "${LU2KCTL:-lu2kctl}" --socket "$1" status 2>/dev/null | grep -qF -- "$2"; }

lu2k_wait_attached() { lu2k_wait_for "$1" lu2k_attached_ "$2" "$3"; }

lu2k_alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

lu2k_stop() {
	local p n
	for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "$@"; do
		n=50
		while lu2k_alive "$p" && [ $n -gt 0 ]; do
			sleep 0.1
			n=$((n - 1))
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

lu2k_jnum() { grep -o "\"$2\": *-\?[0-9.e+-]*" "$1" 2>/dev/null | head -1 | sed 's/.*: *//'; }

lu2k_jstr() { grep -o "\"$2\": *\"[^\"]*\"" "$1" 2>/dev/null | head -1 | cut -d'"' -f4; }

lu2k_csv() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col_[$i] = i; next }
		{ delete c; for (k in col_) c[k] = $col_[k] }
		'"$2" "$1"
}
