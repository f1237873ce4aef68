#!/bin/bash
# bench/lib.sh - the pieces of scripts/bench-link (source it): one emulated
# link per run, lu2k (two lu2kd + lu2k-perf) or iperf3 across it, and the
# files each run leaves behind.
#
#   ns A (..a)                                                      ns B (..b)
#   lu2k-perf bulk  A  ─┐                                     ┌─ lu2k-perf server B
#   lu2k-perf ping  A2 ─┴ lu2kd ── tun ═ lu2k-linkem ═ tun ── lu2kd
#   iperf3 -c, ping (ICMP)      10.78.N.1, .11        10.78.N.2      iperf3 -s
#
# Every run starts its own lu2k-linkem with the same seed, so each protocol
# meets the same loss draws, and outages fall at the same time in its run.
#
# Needs from the caller: $bin (lu2k binaries), $BL_TMP (scratch dir),
# $BL_TAG (unique short name). Sets up nothing global until called.

BL_NET=$((RANDOM % 200 + 20))
BL_A=10.78.$BL_NET.1 BL_A2=10.78.$BL_NET.11 BL_B=10.78.$BL_NET.2
BL_NSA=${BL_TAG}a BL_NSB=${BL_TAG}b
BL_SEED=${BL_SEED:-4242}
# A busy machine (2 cores shared with builds) delays packets in the emulator
# unless it runs as a real-time process; use that where lu2k-linkem has it.
BL_RTPRIO=
[[ $("$bin/lu2k-linkem" --help 2>/dev/null) == *--rt-prio* ]] && BL_RTPRIO=10
bl_pids=()	# processes of the current run, killed by bl_run_end
BL_CPU_LOAD=${BL_CPU_LOAD:-0}	# busy loops beside each transfer (bl_cpu_load)
BL_CPU_KIND=${BL_CPU_KIND:-spin}	# what they do: spin, syscall, build

bl_log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# waits, liveness, stopping and JSON fields: the helpers every script shares
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
bl_wait() { lu2k_wait_for "$@"; }  # SECONDS CMD...
bl_alive() { lu2k_alive "$1"; }
bl_stop() { lu2k_stop "$@"; }     # PID...: TERM, up to 5 s, KILL; reap

# bl_link_up DIR LINKEM-ARGS... : start lu2k-linkem with fresh namespaces,
# raise TCP's buffer limits there (a 200 Mbit/s x 1.2 s path needs 30 MB),
# pin the kernel TCP congestion control to CUBIC (the lu2k tcp back-end uses
# the namespace default), and give A a second address for the ping client.
bl_link_up() {
	local dir=$1 ns
	shift
	rm -f "$dir/link.ready"
	BL_LINK_T0=$(date +%s.%N)
	"$bin/lu2k-linkem" ${BL_RTPRIO:+--rt-prio "$BL_RTPRIO"} --ns-a "$BL_NSA" --ns-b "$BL_NSB" --ipv4 "10.78.$BL_NET.0/24" --no-ipv6 \
		--seed "$BL_SEED" --ready-file "$dir/link.ready" --stats-file "$dir/link.stats" \
		--quiet "$@" >"$dir/linkem.log" 2>&1 &
	BL_LINK_PID=$!
	bl_wait 15 test -e "$dir/link.ready" || {
		cat "$dir/linkem.log" >&2
		bl_log "lu2k-linkem did not come up ($*)"
		return 1
	}
	for ns in "$BL_NSA" "$BL_NSB"; do
		ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_rmem="4096 131072 67108864" \
			net.ipv4.tcp_wmem="4096 16384 67108864" net.ipv4.tcp_no_metrics_save=1 >/dev/null
		[ -z "${BL_CC:-}" ] || bl_ns_cc "$ns" "$BL_CC" || return 1
	done
	ip netns exec "$BL_NSA" sysctl -n net.ipv4.tcp_congestion_control >"$dir/kernel_cc"
	ip -n "$BL_NSA" addr add "$BL_A2/24" dev lka0
}

# bl_ns_cc NS ALGO : make ALGO the default TCP congestion control of NS (the
# lu2k tcp back-end leaves it to the kernel). A namespace other than the
# initial one may only choose an algorithm listed in the host-wide
# tcp_allowed_congestion_control; if ALGO is not, add it there for the run
# (that only lets unprivileged sockets pick it too) and restore it at exit.
BL_ALLOWED_SAVED=
bl_ns_cc() {
	local ns=$1 cc=$2 allowed
	ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_congestion_control="$cc" >/dev/null 2>&1 &&
		return 0
	allowed=$(sysctl -n net.ipv4.tcp_allowed_congestion_control)
	if ! echo " $allowed " | grep -q " $cc "; then
		[ -n "$BL_ALLOWED_SAVED" ] || BL_ALLOWED_SAVED=$allowed
		bl_log "adding $cc to net.ipv4.tcp_allowed_congestion_control ($allowed) for this run"
		sysctl -q -w net.ipv4.tcp_allowed_congestion_control="$allowed $cc" >/dev/null
	fi
	ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_congestion_control="$cc" >/dev/null ||
		{ bl_log "cannot make $cc the TCP congestion control of $ns"; return 1; }
}

bl_restore_allowed() {
	[ -z "$BL_ALLOWED_SAVED" ] ||
		sysctl -q -w net.ipv4.tcp_allowed_congestion_control="$BL_ALLOWED_SAVED" >/dev/null
	BL_ALLOWED_SAVED=
}

bl_link_down() {
	[ -n "${BL_LINK_PID:-}" ] || return 0
	bl_stop "$BL_LINK_PID"
	BL_LINK_PID=
	ip netns del "$BL_NSA" 2>/dev/null || true
	ip netns del "$BL_NSB" 2>/dev/null || true
}

bl_bg() { # NS LOG CMD... : start CMD in namespace NS; its pid in $BL_BG
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	BL_BG=$!
	bl_pids+=("$BL_BG")
}

# bl_cpu_load DIR : start $BL_CPU_LOAD busy loops (a computing host: every
# core kept busy by other processes), outside the namespaces, at the default
# priority; bl_run_end stops them. What each loop does ($BL_CPU_KIND):
#   spin     awk counting: no system calls, never sleeps
#   syscall  dd copying 64-byte blocks from /dev/zero to /dev/null: two
#            system calls a block, much of the time in the kernel
#   build    a C compiler at -O2 on a generated 1,200-line file, over and
#            over: fork, exec, page faults, cache and memory traffic, short
#            processes coming and going (make -jN on a client)
# Their count, kind and the load average go to DIR/cpu_load.
bl_cpu_load() {
	local i src=$1/cpu_load.c cc
	[ "${BL_CPU_LOAD:-0}" -gt 0 ] || return 0
	case ${BL_CPU_KIND:-spin} in
	build)
		cc=$(command -v cc || command -v gcc || command -v clang) || {
			bl_log "--cpu-kind build: no C compiler"
			return 1
		}
		awk 'BEGIN { for (i = 0; i < 150; i++) {
			printf "double f%d(double *a, int n) {\n\tdouble s = %d;\n", i, i
			printf "\tfor (int k = 0; k < n; k++)\n\t\ts += a[k] * (k %% %d) / (1 + a[(k * 7) %% n]);\n", i + 3
			printf "\tfor (int k = n - 1; k > 0; k--)\n\t\ta[k] = a[k - 1] + s / (k + %d);\n\treturn s;\n}\n", i
		} }' >"$src"
		;;
	spin | syscall) ;;
	*)
		bl_log "unknown --cpu-kind '${BL_CPU_KIND}' (spin, syscall, build)"
		return 1
		;;
	esac
	for ((i = 0; i < BL_CPU_LOAD; i++)); do
		case ${BL_CPU_KIND:-spin} in
		spin) awk 'BEGIN { for (;;) x++ }' </dev/null >/dev/null 2>&1 & ;;
		syscall) dd if=/dev/zero of=/dev/null bs=64 </dev/null >/dev/null 2>&1 & ;;
		build)
			# the compiler in the background of a wait: TERM ends the loop at
			# once, and the compiler proper (cc1, the driver's child) with it
			bash -c 'trap "pkill -TERM -P \$c; kill \$c 2>/dev/null; exit 0" TERM
				while :; do "$0" -O2 -c "$1" -o /dev/null & c=$!; wait $c; done' \
				"$cc" "$src" </dev/null >/dev/null 2>&1 &
			;;
		esac
		bl_pids+=($!)
	done
	echo "$BL_CPU_LOAD busy loops (${BL_CPU_KIND:-spin}); load at start $(cut -d' ' -f1-3 /proc/loadavg)" >"$1/cpu_load"
}

bl_run_end() {
	[ ${#bl_pids[@]} -eq 0 ] || bl_stop "${bl_pids[@]}"
	bl_pids=()
	bl_link_down
}

# bl_icmp_start DIR : ICMP echo A -> B every 200 ms beside the transfer, to
# show the queueing delay the bulk flow builds (the same tool for every row).
bl_icmp_start() {
	ip netns exec "$BL_NSA" ping -n -i 0.2 -s 56 "$BL_B" >"$1/icmp.log" 2>&1 &
	BL_ICMP_PID=$!
	bl_pids+=("$BL_ICMP_PID")
}

bl_icmp_stop() {
	kill -INT "$BL_ICMP_PID" 2>/dev/null || true
	bl_wait 5 test -n "$(grep -s 'packets transmitted' "$1/icmp.log")" || true
}

# bl_run_lu2k DIR BACKEND TIME CONC OUTAGE-LINKEM-ARGS... : lu2k-perf bulk of
# 1 MiB PUTs over BACKEND for TIME s with CONC in flight, lu2k-perf ping on a
# second interface beside it. Leaves bulk.json, bulk.progress, ping.json,
# icmp.log, rc (bulk's exit status, ping's), t0 (protocol start - link start).
bl_run_lu2k() {
	local dir=$1 be=$2 t=$3 conc=$4 pool bulk ping rc_bulk rc_ping
	shift 4
	bl_link_up "$dir" "$@" || return 1
	bl_lu2k_up "$dir" "$be" || return 1
	bl_cpu_load "$dir"
	pool=$((conc + 16))
	bl_icmp_start "$dir"
	echo "$(date +%s.%N) $BL_LINK_T0" | awk '{ printf "%.3f\n", $1 - $2 }' >"$dir/t0"
	# --progress also for ping: without it the client (as of 7469fbe) polls
	# with a zero timeout after its first second and takes a whole core.
	ip netns exec "$BL_NSA" timeout $((t + 240)) "$bin/lu2k-perf" client --nid "$BL_A2@lu2k" \
		--peer "$BL_B@lu2k" --socket "$BL_TMP/a.sock" ping --time "${t}s" --timeout 150s --progress \
		--warmup 5s --json >"$dir/ping.json" 2>"$dir/ping.err" &
	ping=$!
	bl_bulk_start "$dir" "$t" "$conc"
	bulk=$BL_BG
	bl_conns_watch "$dir" "$bulk"
	wait $bulk && rc_bulk=0 || rc_bulk=$?
	wait $ping && rc_ping=0 || rc_ping=$?
	bl_icmp_stop "$dir"
	echo "$rc_bulk $rc_ping" >"$dir/rc"
	bl_run_end
}

# bl_conns_watch DIR PID : while PID runs, A's connections as lu2kctl shows
# them (JSON, every field), each second into DIR/conns-a.json: the last view
# before the bulk ended, whose connections close with it (the CC's counters:
# link_steps_down and _up, timeouts, retransmissions).
bl_conns_watch() {
	local dir=$1 pid=$2
	(
		while kill -0 "$pid" 2>/dev/null; do
			"$bin/lu2kctl" --socket "$BL_TMP/a.ctl" --json -v conns >"$dir/conns-a.json.new" \
				2>/dev/null && mv "$dir/conns-a.json.new" "$dir/conns-a.json"
			sleep 1
		done
		rm -f "$dir/conns-a.json.new"
	) &
	bl_pids+=("$!")
}

# bl_bulk_start DIR TIME CONC [ADDR NAME] : lu2k-perf bulk of 1 MiB PUTs from
# A (or ADDR, an address of A's) to B for TIME s with CONC in flight
# (bulk.json, bulk.progress; NAME.json, NAME.progress); its pid in $BL_BG.
bl_bulk_start() {
	local dir=$1 t=$2 conc=$3 addr=${4:-$BL_A} name=${5:-bulk}
	# shellcheck disable=SC2086 # BL_BULK_OPTS: "--ping-every T" (bench-link --ping-same) or nothing
	ip netns exec "$BL_NSA" timeout $((t + 240)) "$bin/lu2k-perf" client --nid "$addr@lu2k" \
		--peer "$BL_B@lu2k" --socket "$BL_TMP/a.sock" bulk --size 1M --concurrency "$conc" \
		--tx-pool "$((conc + 16))" --time "${t}s" --timeout 150s --progress --json ${BL_BULK_OPTS:-} \
		>"$dir/$name.json" 2>"$dir/$name.progress" &
	BL_BG=$!
}

# bl_lu2k_up DIR BACKEND : lu2kd with BACKEND in both namespaces of the link
# that is up, and the lu2k-perf server on B, attached.
bl_lu2k_up() {
	local dir=$1 be=$2 n
	# accept = any: the ping client's NID is A's second address, but its
	# connection leaves from A's first (the route's source), which lu2kd's
	# default (strict) refuses; every ping failed so (EACCES) since 15ed042
	echo "accept = any" >"$BL_TMP/lu2kd.conf"
	for n in a b; do
		local ns=$BL_NSA
		[ $n = b ] && ns=$BL_NSB
		# shellcheck disable=SC2086 # BL_BE_OPTS: "-o cc=ALGO" or nothing
		bl_bg "$ns" "$dir/lu2kd-$n.log" "$bin/lu2kd" -f -l warn -c "$BL_TMP/lu2kd.conf" \
			-b "$be" ${BL_BE_OPTS:-} \
			--channel-socket "$BL_TMP/$n.sock" --ctl-socket "$BL_TMP/$n.ctl"
	done
	bl_wait 10 test -S "$BL_TMP/a.sock" && bl_wait 10 test -S "$BL_TMP/b.sock" ||
		{ bl_log "lu2kd ($be) did not start; see $dir/lu2kd-*.log"; return 1; }
	bl_bg "$BL_NSB" "$dir/server.log" "$bin/lu2k-perf" server --nid "$BL_B@lu2k" \
		--socket "$BL_TMP/b.sock" -q
	LU2KCTL=$bin/lu2kctl lu2k_wait_attached 10 "$BL_TMP/b.ctl" "$BL_B@lu2k" ||
		{ bl_log "the lu2k-perf server did not attach; see $dir/server.log"; return 1; }
}

# bl_run_pair DIR BACKEND ALGO TIME CONC LINKEM-ARGS... : lu2k-perf bulk over
# BACKEND and iperf3 -C ALGO at the same time on one link, both for TIME s
# (the two share the emulator's one bottleneck queue). Leaves bulk.json,
# bulk.progress, iperf.log, icmp.log, rc ("lu2k-rc iperf-rc"), t0.
bl_run_pair() {
	local dir=$1 be=$2 algo=$3 t=$4 conc=$5 bulk iperf rc_bulk rc_iperf
	shift 5
	bl_link_up "$dir" "$@" || return 1
	bl_lu2k_up "$dir" "$be" || return 1
	bl_bg "$BL_NSB" "$dir/iperf.log" iperf3 -s -1 -B "$BL_B" -i 1 -f m --forceflush
	bl_wait 5 sh -c "ip netns exec $BL_NSB ss -ltn | grep -q ':5201'" || sleep 1
	bl_cpu_load "$dir"
	bl_icmp_start "$dir"
	echo "$(date +%s.%N) $BL_LINK_T0" | awk '{ printf "%.3f\n", $1 - $2 }' >"$dir/t0"
	ip netns exec "$BL_NSA" timeout $((t + 240)) iperf3 -c "$BL_B" -t "$t" -C "$algo" -f m -i 1 \
		>"$dir/iperf-client.log" 2>&1 &
	iperf=$!
	bl_bulk_start "$dir" "$t" "$conc"
	bulk=$BL_BG
	bl_conns_watch "$dir" "$bulk"
	wait $bulk && rc_bulk=0 || rc_bulk=$?
	wait $iperf && rc_iperf=0 || rc_iperf=$?
	bl_wait 10 grep -q receiver "$dir/iperf.log" || true
	bl_icmp_stop "$dir"
	echo "$rc_bulk $rc_iperf" >"$dir/rc"
	bl_run_end
}

# bl_run_two DIR BACKEND TIME CONC JOIN LINKEM-ARGS... : two lu2k-perf bulks
# over BACKEND at the same time on one link, from A's two interfaces (A and
# A2: to lu2kd two peers of B, so two connections, each with a congestion
# control of its own), the second one JOIN s after the first and until it
# ends. Leaves bulk.json, bulk.progress (the first), bulk2.json,
# bulk2.progress (the second, its times from its own start), icmp.log, rc
# ("rc1 rc2"), t0.
bl_run_two() {
	local dir=$1 be=$2 t=$3 conc=$4 join=$5 bulk bulk2 rc1 rc2
	shift 5
	bl_link_up "$dir" "$@" || return 1
	bl_lu2k_up "$dir" "$be" || return 1
	bl_cpu_load "$dir"
	bl_icmp_start "$dir"
	echo "$(date +%s.%N) $BL_LINK_T0" | awk '{ printf "%.3f\n", $1 - $2 }' >"$dir/t0"
	bl_bulk_start "$dir" "$t" "$conc"
	bulk=$BL_BG
	bl_conns_watch "$dir" "$bulk"
	[ "$join" = 0 ] || sleep "$join"
	bl_bulk_start "$dir" "$((t - join))" "$conc" "$BL_A2" bulk2
	bulk2=$BL_BG
	wait $bulk && rc1=0 || rc1=$?
	wait $bulk2 && rc2=0 || rc2=$?
	bl_icmp_stop "$dir"
	echo "$rc1 $rc2" >"$dir/rc"
	bl_run_end
}

# bl_run_iperf DIR ALGO TIME LINKEM-ARGS... : iperf3 -C ALGO for TIME s; the
# server (receiver) logs one line per second in Mbit/s: iperf.log.
bl_run_iperf() {
	local dir=$1 algo=$2 t=$3 rc
	shift 3
	bl_link_up "$dir" "$@" || return 1
	bl_bg "$BL_NSB" "$dir/iperf.log" iperf3 -s -1 -B "$BL_B" -i 1 -f m --forceflush
	bl_wait 5 sh -c "ip netns exec $BL_NSB ss -ltn | grep -q ':5201'" || sleep 1
	bl_cpu_load "$dir"
	bl_icmp_start "$dir"
	echo "$(date +%s.%N) $BL_LINK_T0" | awk '{ printf "%.3f\n", $1 - $2 }' >"$dir/t0"
	ip netns exec "$BL_NSA" timeout $((t + 240)) iperf3 -c "$BL_B" -t "$t" -C "$algo" -f m -i 1 \
		>"$dir/iperf-client.log" 2>&1 && rc=0 || rc=$?
	bl_wait 10 grep -q receiver "$dir/iperf.log" || true
	bl_icmp_stop "$dir"
	echo "$rc -" >"$dir/rc"
	bl_run_end
}

# bl_series DIR KIND SIZE [NAME] : the run's cumulative goodput as "t bytes"
# lines (t in seconds since the protocol started), from lu2k-perf's progress
# lines (messages ok x SIZE; NAME.progress, default bulk.progress) or
# iperf3's per-second receiver lines.
bl_series() {
	local dir=$1 kind=$2 size=$3 name=${4:-bulk}
	if [ "$kind" = lu2k ]; then
		awk -v sz="$size" 'BEGIN { print "0 0" }
			$1 ~ /^[0-9.]+s$/ && $3 == "ok" { t = $1; sub(/s$/, "", t); print t, $2 * sz }' \
			"$dir/$name.progress"
	else
		awk 'BEGIN { print "0 0" }
			/receiver|sender/ { next }
			/^\[ *[0-9]+\] +[0-9.]+-[0-9.]+ +sec/ {
				sub(/^\[[^]]*\] */, "")
				split($1, iv, "-")
				if ($6 != "Mbits/sec") next
				cum += $5 * 1e6 / 8 * (iv[2] - iv[1])
				print iv[2], cum
			}' "$dir/iperf.log"
	fi
}

# bl_icmp_stats DIR : "p50 p99 loss%" of the ICMP echoes (ms), or "- - -".
bl_icmp_stats() {
	local f=$1/icmp.log
	[ -s "$f" ] || { echo "- - -"; return; }
	{
		grep -o 'time=[0-9.]*' "$f" | cut -d= -f2 | sort -n
	} | awk -v loss="$(grep -o '[0-9.]*% packet loss' "$f" | cut -d% -f1)" '
		{ v[NR] = $1 }
		END {
			if (loss == "") loss = "-"
			if (NR == 0) { print "-", "-", loss; exit }
			i50 = int(0.50 * NR + 0.5); if (i50 < 1) i50 = 1
			i99 = int(0.99 * NR + 0.5); if (i99 < 1) i99 = 1; if (i99 > NR) i99 = NR
			printf "%.0f %.0f %s\n", v[i50], v[i99], (loss == "-" ? loss : sprintf("%.1f", loss))
		}'
}

# bl_jnum FILE KEY : the first number after "KEY": in a JSON file
bl_jnum() { lu2k_jnum "$@"; }

# bl_backends_here LU2KD : those of bl_backends this host can run: rds needs
# the kernel's RDS (AF_RDS, 21; modprobe rds_tcp), which many hosts lack
bl_backends_here() {
	local be
	for be in $(bl_backends "$1"); do
		if [ "$be" = rds ] &&
			! /usr/bin/python3 -c 'import socket; socket.socket(21, socket.SOCK_SEQPACKET)' 2>/dev/null; then
			echo "bench: no RDS in this kernel (modprobe rds_tcp): lu2k-rds left out" >&2
			continue
		fi
		echo "$be"
	done
}

# bl_backends LU2KD : the back-end names that `lu2kd --help` lists, one a line
# (under "Back-ends and their keys:", each as "  NAME: what it is", its keys
# indented deeper below it).
bl_backends() {
	"$1" --help | awk '/^Back-ends and their keys:/ { on = 1; next }
		on && /^  [a-z0-9_]+: / { n = $1; sub(/:$/, "", n); print n; next }
		on && !/^    / { on = 0 }'
}
