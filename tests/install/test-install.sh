#!/bin/bash
# make install into a clean root, from a release build of its own, then the
# installed programs: what is there (and no test helper), --help/--version,
# lu2kd --check-config on the example and on a broken file, lu2kd's
# READY=1/STOPPING=1 to $NOTIFY_SOCKET (a path and an abstract '@' name), the
# unit through systemd-analyze verify and the man pages through groff, when
# those are installed. Needs no root.
. "$(dirname "$0")/../lib/common.sh"

command -v python3 >/dev/null || t_skip "no python3 (the NOTIFY_SOCKET receiver)"
root=$T_DIR/root
version=$(sed -n 's/^#define LU2K_VERSION_STR "\(.*\)"$/\1/p' "$T_TOP/include/lu2k/version.h")
[ -n "$version" ] || t_fail "no LU2K_VERSION_STR in include/lu2k/version.h"

# An admin's config is never overwritten.
mkdir -p "$root/etc/lu2k"
echo '# mine' >"$root/etc/lu2k/lu2kd.conf"

t_log "release build and make install DESTDIR=$root PREFIX=/usr"
timeout 500 make -s -C "$T_TOP" -j"$(nproc)" O="$T_DIR/build" install DESTDIR="$root" PREFIX=/usr \
	>"$T_DIR/make.log" 2>&1 || t_fail "make install failed: $(tail -n 20 "$T_DIR/make.log")"
# and again over it: install is repeatable
timeout 100 make -s -C "$T_TOP" O="$T_DIR/build" install DESTDIR="$root" PREFIX=/usr \
	>>"$T_DIR/make.log" 2>&1 || t_fail "a second make install failed"

want="etc/lu2k/lu2kd.conf
etc/lu2k/lu2kd.conf.example
usr/bin/lu2k-keygen
usr/bin/lu2k-linkem
usr/bin/lu2k-perf
usr/bin/lu2k-udt
usr/bin/lu2kctl
usr/lib/systemd/system/lu2k-metrics.service
usr/lib/systemd/system/lu2kd.service
usr/sbin/lu2kd
usr/share/man/man1/lu2k-udt.1
usr/share/man/man5/lu2kd.conf.5
usr/share/man/man8/lu2k-keygen.8
usr/share/man/man8/lu2k-linkem.8
usr/share/man/man8/lu2k-perf.8
usr/share/man/man8/lu2kctl.8
usr/share/man/man8/lu2kd.8"
got=$(cd "$root" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
[ "$got" = "$want" ] || t_fail "installed files differ from the expected list:
$(diff <(echo "$want") <(echo "$got"))"
for p in lu2kd_e2e lu2kd_evil chan-loop chan-evil udt-interop-peer bench-udt lu2k-bench-peers; do
	[ -z "$(find "$root" -name "$p")" ] || t_fail "test program $p was installed"
done
[ "$(cat "$root/etc/lu2k/lu2kd.conf")" = '# mine' ] || t_fail "make install overwrote lu2kd.conf"
for f in usr/sbin/lu2kd usr/bin/lu2kctl usr/bin/lu2k-perf usr/bin/lu2k-linkem usr/bin/lu2k-udt usr/bin/lu2k-keygen; do
	[ -x "$root/$f" ] || t_fail "$f is not executable"
done
grep -qx 'ExecStart=/usr/sbin/lu2kd --foreground --syslog' "$root/usr/lib/systemd/system/lu2kd.service" ||
	t_fail "the unit does not start /usr/sbin/lu2kd"
t_log "installed: $(echo "$got" | wc -l) files, no test program"

for p in sbin/lu2kd bin/lu2kctl bin/lu2k-perf bin/lu2k-linkem bin/lu2k-udt bin/lu2k-keygen; do
	n=$(basename "$p")
	timeout 10 "$root/usr/$p" --help >"$T_DIR/help.out" 2>&1 || t_fail "$n --help failed"
	grep -qi 'usage' "$T_DIR/help.out" || t_fail "$n --help prints no usage"
	out=$(timeout 10 "$root/usr/$p" --version 2>&1) || t_fail "$n --version failed"
	[[ $out == "$n $version"* ]] || t_fail "$n --version: '$out', want '$n $version'"
done
t_log "--help and --version of every program: ok ($version)"

lu2kd=$root/usr/sbin/lu2kd
out=$(timeout 10 "$lu2kd" --check-config -c "$root/etc/lu2k/lu2kd.conf.example" 2>&1) ||
	t_fail "--check-config of the example failed: $out"
[[ $out == *OK* ]] || t_fail "--check-config of the example says: $out"
# every key of the example uncommented (but the device, and logging) is good too
sed -n 's/^#\([a-z_]* = \)/\1/p; /^\[/p' "$root/etc/lu2k/lu2kd.conf.example" |
	grep -v '^device\|^log = ' >"$T_DIR/all.conf"
out=$(timeout 10 "$lu2kd" --check-config -c "$T_DIR/all.conf" 2>&1) ||
	t_fail "--check-config of the example with every key set failed: $out"

printf 'port = 7988\n[udt]\nmss = 20\n[tpc]\nbacklog = 8\n' >"$T_DIR/broken.conf"
out=$(timeout 10 "$lu2kd" --check-config -c "$T_DIR/broken.conf" 2>&1)
rc=$?
[ $rc = 1 ] || t_fail "--check-config of a broken file: exit $rc, want 1 ($out)"
[[ $out == *"broken.conf:3: key 'mss'"* ]] || t_fail "no FILE:LINE: key for the bad mss: $out"
[[ $out == *"broken.conf:5: key 'backlog'"*"[tpc]"* ]] || t_fail "unknown section not reported: $out"
out=$(timeout 10 "$lu2kd" --check-config -c "$T_DIR/nonexistent.conf" 2>&1)
rc=$?
[ $rc = 1 ] && [[ $out == *nonexistent.conf* ]] || t_fail "a missing -c file: exit $rc ($out)"
# a broken file also stops a real start, on the terminal, before it forks
timeout 10 "$lu2kd" -c "$T_DIR/broken.conf" --channel-socket "$T_DIR/x.sock" \
	--ctl-socket "$T_DIR/x.ctl" >/dev/null 2>&1 && t_fail "lu2kd started with a broken config"
t_log "--check-config: example OK, broken file exit 1 with FILE:LINE: key"

cat >"$T_DIR/recv.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
addr = sys.argv[1]
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
s.settimeout(30)
with open(sys.argv[2], "w") as out:
    out.write("listening\n")
    out.flush()
    while True:
        msg = s.recv(4096).decode()
        out.write(msg + "\n")
        out.flush()
        if "STOPPING=1" in msg:
            break
PY

notify_run() { # NAME NOTIFY_SOCKET
	local name=$1 addr=$2 log=$T_DIR/$1.notify pid
	t_bg "recv_$name" timeout 40 python3 "$T_DIR/recv.py" "$addr" "$log"
	t_wait_for 10 grep -q listening "$log" || t_fail "$name: the receiver did not start"
	NOTIFY_SOCKET=$addr t_bg "lu2kd_$name" timeout 60 "$lu2kd" -f -c "$root/etc/lu2k/lu2kd.conf.example" \
		--channel-socket "$T_DIR/$name.sock" --ctl-socket "$T_DIR/$name.ctl"
	pid=$(eval echo "\$lu2kd_${name}_pid")
	t_wait_for 20 grep -qx 'READY=1' "$log" || t_fail "$name: no READY=1 on $addr: $(cat "$log")"
	grep -q 'ready:' "$T_DIR/lu2kd_$name.log" || t_fail "$name: READY=1 without the ready: line"
	grep -q '^STATUS=serving' "$log" || t_fail "$name: no STATUS= with READY=1"
	kill -TERM "$pid"
	t_wait_for 20 grep -qx 'STOPPING=1' "$log" || t_fail "$name: no STOPPING=1 after SIGTERM"
	t_wait_for 20 eval "! t_alive $pid" || t_fail "$name: lu2kd still running after SIGTERM"
}
notify_run path "$T_DIR/notify.sock"
notify_run abstract "@lu2k-test-notify-$T_TAG"
t_log "sd_notify: READY=1 and STOPPING=1 on a path and an abstract socket"

if command -v systemd-analyze >/dev/null; then
	# verify wants the binaries at ExecStart's paths: point them into the root
	for u in lu2kd lu2k-metrics; do
		sed -e "s|/usr/sbin/lu2kd|$lu2kd|" -e "s|/usr/bin/lu2kctl|$root/usr/bin/lu2kctl|" \
			"$root/usr/lib/systemd/system/$u.service" >"$T_DIR/$u.service"
	done
	man_check=--man=no
	command -v man >/dev/null && man_check=--man=yes
	out=$(MANPATH=$root/usr/share/man timeout 60 systemd-analyze verify $man_check \
		"$T_DIR/lu2kd.service" "$T_DIR/lu2k-metrics.service" 2>&1) || t_fail "systemd-analyze verify: $out"
	[ -z "$out" ] || t_fail "systemd-analyze verify warns: $out"
	t_log "systemd-analyze verify: clean ($man_check)"
else
	t_log "no systemd-analyze: the unit is not verified"
fi

if command -v groff >/dev/null; then
	for m in "$root"/usr/share/man/man*/*; do
		out=$(LC_ALL=C.UTF-8 timeout 20 groff -man -Tutf8 -ww -z "$m" 2>&1)
		[ -z "$out" ] || t_fail "groff warns on $(basename "$m"): $out"
	done
	t_log "man pages render without warnings"
else
	t_log "no groff: the man pages are not rendered"
fi
echo "PASS"
