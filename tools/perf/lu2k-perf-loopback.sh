#!/bin/bash
# lu2k-perf over two lu2kd on loopback, for a quick check or a benchmark:
#
#   tools/perf/lu2k-perf-loopback.sh [-b BUILD_DIR] [-B BACKEND] MODE [lu2k-perf client options]
#   e.g. tools/perf/lu2k-perf-loopback.sh -b build bulk --size 1M --time 5s
#
# Node A = 127.0.0.1@lu2k, node B = 127.0.0.2@lu2k, each with its own lu2kd
# (same random port, each listening on its own address). B runs
# `lu2k-perf server`; A runs the client with the arguments given. Prints the
# client's summary and each daemon's CPU time; exits with the client's status.
# Everything it starts is stopped on exit, whatever happens.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${LU2K_BUILD:-$top/build}
backend=tcp
while getopts "b:B:" o; do
	case $o in
	b) build=$(cd "$OPTARG" && pwd) ;;
	B) backend=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,12p' "$0"; exit 2; }
bin=$build/bin
for p in lu2kd lu2k-perf; do
	[ -x "$bin/$p" ] || { echo "missing $bin/$p (build first)"; exit 2; }
done

dir=$(mktemp -d /tmp/lu2k-perf-lo.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$((20000 + RANDOM % 30000))
start_daemon() {	# name
	"$bin/lu2kd" -f -b "$backend" -p "$port" -l warn --channel-socket "$dir/$1.sock" \
		--ctl-socket "$dir/$1.ctl" --pid-file "$dir/$1.pid" >"$dir/$1.log" 2>&1 &
	pids+=($!)
	eval "pid_$1=$!"
}
wait_file() {
	for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.05; done
	echo "timed out waiting for $1"; cat "$dir"/*.log; exit 1
}
cpu_ms() {	# pid: utime + stime in ms
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"
}

start_daemon a
start_daemon b
wait_file "$dir/a.sock"
wait_file "$dir/b.sock"
"$bin/lu2k-perf" server --nid 127.0.0.2@lu2k --socket "$dir/b.sock" -q >"$dir/server.log" 2>&1 &
pids+=($!)
srv=$!
cpu_a0=$(cpu_ms "$pid_a") cpu_b0=$(cpu_ms "$pid_b")
t0=$(date +%s.%N)
# LU2K_PERF_WRAP: a command to run the client under (e.g. "strace -f -c -o FILE")
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f "client CPU: %U user %S sys %e wall")
${LU2K_PERF_WRAP:-} "${timer[@]}" "$bin/lu2k-perf" client --nid 127.0.0.1@lu2k \
	--socket "$dir/a.sock" --peer 127.0.0.2@lu2k \
	--attach-wait 5s "$@"
rc=$?
t1=$(date +%s.%N)
cpu_a=$(( $(cpu_ms "$pid_a") - cpu_a0 )) cpu_b=$(( $(cpu_ms "$pid_b") - cpu_b0 ))
echo "lu2kd CPU over $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s of wall time: A (sender) ${cpu_a} ms, B (receiver) ${cpu_b} ms" >&2
kill -0 "$srv" 2>/dev/null || { echo "lu2k-perf server died:"; cat "$dir/server.log"; rc=1; }
if [ $rc != 0 ]; then
	echo "--- daemon logs" >&2
	tail -n 20 "$dir"/a.log "$dir"/b.log >&2
fi
exit $rc
