#!/bin/bash
# The rds back-end on a kernel without RDS (as this host, where socket(AF_RDS)
# says EAFNOSUPPORT): lu2kd -b rds refuses to start, at once, with an error
# that names what is missing (modprobe rds_tcp) and leaves no socket behind;
# lu2kd --check-config still checks an [rds] section (a bad key is named with
# FILE:LINE, good keys pass) whatever the kernel has; and the tcp back-end
# still starts next to it. With node keys ([auth]) rds is taken (it seals
# every frame): --check-config passes, and lu2kd -b rds with keys stops only
# for want of RDS, never for the keys. Where the kernel has RDS, only the
# config checks run (tests/vm/guest-lu2kd.sh runs rds itself in the VM, with
# and without keys: a peer without keys is refused there, with a log line).
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

[ -x "$T_BIN/lu2kd" ] || t_skip "$T_BIN/lu2kd not built"
PORT=$((20000 + RANDOM % 20000))

t_log "--check-config knows the rds keys, without RDS"
cat >"$T_DIR/good.conf" <<CONF
backend = rds
[rds]
sndbuf = 8M
rcvbuf = 8M
frag_size = 262144
ack_timeout_ms = 20000
hello_timeout_ms = 5000
cong_retry_ms = 100
CONF
"$T_BIN/lu2kd" --check-config -c "$T_DIR/good.conf" >"$T_DIR/good.out" 2>&1 ||
	t_fail "good [rds] section refused: $(cat "$T_DIR/good.out")"
printf 'backend = tcp\n[rds]\nfrag_size = 12\nbogus = 1\n' >"$T_DIR/bad.conf"
"$T_BIN/lu2kd" --check-config -c "$T_DIR/bad.conf" >"$T_DIR/bad.out" 2>&1 &&
	t_fail "bad [rds] section accepted"
grep -q "bad.conf:3: key 'frag_size': bad value '12'" "$T_DIR/bad.out" ||
	t_fail "frag_size error does not name FILE:LINE: $(cat "$T_DIR/bad.out")"
grep -q "bad.conf:4: unknown rds back-end key 'bogus'" "$T_DIR/bad.out" ||
	t_fail "unknown key not named: $(cat "$T_DIR/bad.out")"

t_log "keys with rds: taken"
[ -x "$T_BIN/lu2k-keygen" ] || t_skip "$T_BIN/lu2k-keygen not built"
"$T_BIN/lu2k-keygen" genkey -o "$T_DIR/a.key" || t_fail "lu2k-keygen genkey"
"$T_BIN/lu2k-keygen" genkey -o "$T_DIR/b.key" || t_fail "lu2k-keygen genkey"
pub_b=$("$T_BIN/lu2k-keygen" pubkey -i "$T_DIR/b.key") || t_fail "lu2k-keygen pubkey"
printf 'backend = rds\n[auth]\nprivate_key = %s\npeer = %s 10.0.0.2@lu2k\n' "$T_DIR/a.key" \
	"$pub_b" >"$T_DIR/keys.conf"
out=$("$T_BIN/lu2kd" --check-config -c "$T_DIR/keys.conf" 2>&1) ||
	t_fail "keys with rds refused: $out"
[[ $out == *"does not seal"* ]] && t_fail "keys with rds: $out"

if python3 -c 'import socket,sys; socket.socket(21, socket.SOCK_SEQPACKET)' 2>/dev/null; then
	t_log "this kernel has RDS: the refusal cannot be seen here"
	exit 0
fi

t_log "lu2kd -b rds refuses to start, saying what is missing"
start=$(date +%s)
timeout 20 "$T_BIN/lu2kd" -f -b rds --port "$PORT" --channel-socket "$T_DIR/r.sock" \
	--ctl-socket "$T_DIR/r.ctl" --pid-file "$T_DIR/r.pid" >"$T_DIR/refuse.log" 2>&1
rc=$?
[ $rc = 124 ] && t_fail "lu2kd -b rds did not exit"
[ $rc = 0 ] && t_fail "lu2kd -b rds exited 0 without RDS"
[ $(($(date +%s) - start)) -le 5 ] || t_fail "the refusal took more than 5 s"
grep -q "back-end rds: this kernel has no RDS sockets" "$T_DIR/refuse.log" ||
	t_fail "no clear error: $(cat "$T_DIR/refuse.log")"
grep -q "modprobe rds_tcp" "$T_DIR/refuse.log" || t_fail "the error does not say modprobe rds_tcp"
for f in r.sock r.ctl r.pid; do
	[ -e "$T_DIR/$f" ] && t_fail "$f left behind"
done

t_log "with keys, lu2kd -b rds stops for want of RDS only"
timeout 20 "$T_BIN/lu2kd" -f -c "$T_DIR/keys.conf" --port "$PORT" \
	--channel-socket "$T_DIR/k.sock" --ctl-socket "$T_DIR/k.ctl" --pid-file "$T_DIR/k.pid" \
	>"$T_DIR/keys.log" 2>&1 && t_fail "lu2kd -b rds with keys exited 0 without RDS"
grep -q "back-end rds: this kernel has no RDS sockets" "$T_DIR/keys.log" ||
	t_fail "keys with rds: not the RDS error: $(cat "$T_DIR/keys.log")"
grep -q "does not seal" "$T_DIR/keys.log" && t_fail "keys with rds refused: $(cat "$T_DIR/keys.log")"

t_log "the same daemon starts with tcp (nothing else broke)"
t_bg tcpd "$T_BIN/lu2kd" -f -b tcp --port "$PORT" --channel-socket "$T_DIR/t.sock" \
	--ctl-socket "$T_DIR/t.ctl" --pid-file "$T_DIR/t.pid"
t_wait_for 20 test -s "$T_DIR/t.pid" || t_fail "lu2kd -b tcp did not start"
"$T_BIN/lu2kctl" --socket "$T_DIR/t.ctl" stats | grep -q "name: tcp" ||
	t_fail "lu2kctl stats of the tcp daemon: $("$T_BIN/lu2kctl" --socket "$T_DIR/t.ctl" stats)"
t_log "pass"
