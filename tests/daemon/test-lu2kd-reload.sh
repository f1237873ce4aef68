#!/bin/bash
# SIGHUP: lu2kd reads its settings again while an honest tcp bulk runs.
#
#   lu2k-perf client (127.0.0.1@lu2k) --- 64 KiB bulk, verified ---> lu2k-perf server (127.0.0.2@lu2k)
#               lu2kd a (SIGHUP'd)  ====== tcp, port P ======>  lu2kd b
#
# Checks, each through `lu2kctl config` (the settings lu2kd runs with) and
# the log:
#  - a live key (log_level, reconnect_max_ms) takes its new value at once;
#  - a key used only at start-up (port) and a back-end key ([tcp]
#    body_timeout_ms) keep their running values, are logged as needing a
#    restart and listed in restart_pending;
#  - a file with an error changes nothing, is logged with FILE:LINE and
#    counted in reload_failures; the daemon runs on (same pid);
#  - socket_group, live: the control socket becomes 0660 of that group,
#    and 0600 again when the key goes;
#  - the bulk across all of it completes without a failed message.
. "$(dirname "$0")/../lib/common.sh"
t_require_root
t_need_bins lu2kd lu2k-perf lu2kctl
# A namespace of its own: its ports collide with nothing else on the host.
t_netns "$T_TAG"
getent group adm >/dev/null || t_skip "no group 'adm' to give the sockets to"

PORT=$((20000 + RANDOM % 20000))
conf=$T_DIR/a.conf
ctl() { timeout 10 ip netns exec "$T_TAG" "$T_BIN/lu2kctl" -s "$T_DIR/a.ctl" "$@"; }
cfg() { # cfg KEY: from config.settings, or a top-level config field
	ctl --json config | python3 -c '
import json, sys
c = json.load(sys.stdin)["config"]
k = sys.argv[1]
print(c["settings"][k] if k in c["settings"] else c[k])' "$1"
}
hup_and_wait() { # hup_and_wait FIELD N: SIGHUP, then wait until config.FIELD is N
	kill -HUP "$a_pid"
	t_wait_for 10 eval '[ "$(cfg '"$1"')" = '"$2"' ]' || t_fail "no reload seen ($1 != $2)"
}

cat >"$conf" <<CONF
port = $PORT
log_level = info
reconnect_max_ms = 10000
[tcp]
body_timeout_ms = 30000
CONF
t_bg a ip netns exec "$T_TAG" "$T_BIN/lu2kd" -c "$conf" -f -b tcp --channel-socket "$T_DIR/a.sock" \
	--ctl-socket "$T_DIR/a.ctl" --pid-file "$T_DIR/a.pid"
t_bg b ip netns exec "$T_TAG" "$T_BIN/lu2kd" -f -b tcp -p "$PORT" --channel-socket "$T_DIR/b.sock" \
	--ctl-socket "$T_DIR/b.ctl" --pid-file "$T_DIR/b.pid"
t_wait_for 20 test -s "$T_DIR/a.pid" || t_fail "lu2kd a did not get ready"
t_wait_for 20 test -s "$T_DIR/b.pid" || t_fail "lu2kd b did not get ready"
[ "$(cfg file)" = "$conf" ] || t_fail "config.file is '$(cfg file)', not $conf"
[ "$(cfg reloads)" = 0 ] || t_fail "reloads before any SIGHUP"
[ "$(stat -c %a "$T_DIR/a.ctl")" = 600 ] || t_fail "control socket not 0600 at start"

t_bg server ip netns exec "$T_TAG" "$T_BIN/lu2k-perf" server --nid 127.0.0.2@lu2k --socket "$T_DIR/b.sock" -q
t_wait_attached "$T_DIR/b.ctl" 127.0.0.2@lu2k
t_bg client ip netns exec "$T_TAG" "$T_BIN/lu2k-perf" client --nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k \
	--socket "$T_DIR/a.sock" --json bulk --size 64K --concurrency 4 --time 8s
t_wait_for 10 eval 'ctl peers | grep -q 127.0.0.2@lu2k' || t_fail "no traffic from a to b"

t_log "reload 1: two live keys, the port and a back-end key"
sed -i "s/^port = .*/port = $((PORT + 1))/; s/^log_level = .*/log_level = debug/;
	s/^reconnect_max_ms = .*/reconnect_max_ms = 20000/; s/^body_timeout_ms = .*/body_timeout_ms = 5000/" "$conf"
hup_and_wait reloads 1
[ "$(cfg log_level)" = debug ] || t_fail "log_level not applied: $(cfg log_level)"
[ "$(cfg reconnect_max_ms)" = 20000 ] || t_fail "reconnect_max_ms not applied"
[ "$(cfg port)" = "$PORT" ] || t_fail "the port changed in a running daemon: $(cfg port)"
pending=$(cfg restart_pending)
case $pending in *port*"[tcp] body_timeout_ms"*) ;; *) t_fail "restart_pending is '$pending'" ;; esac
grep -q "reload: port: '$PORT' -> '$((PORT + 1))' needs a restart" "$T_DIR/a.log" ||
	t_fail "no log line for the port"
grep -q "reload: log_level: 'info' -> 'debug'" "$T_DIR/a.log" || t_fail "no log line for log_level"
grep -q "2 changes applied, 2 need a restart" "$T_DIR/a.log" || t_fail "no summary line"

t_log "reload 2: a file with an error changes nothing"
sed -i '1i log_levl = warn' "$conf"
pid=$(cat "$T_DIR/a.pid")
hup_and_wait reload_failures 1
grep -q "reload: $conf:1: unknown key 'log_levl'" "$T_DIR/a.log" || t_fail "no FILE:LINE error"
grep -q "nothing changed" "$T_DIR/a.log" || t_fail "no 'nothing changed' line"
[ "$(cfg reloads)" = 1 ] && [ "$(cfg log_level)" = debug ] || t_fail "a bad file changed settings"
t_alive "$pid" || t_fail "lu2kd a died on a bad file"
sed -i '1d' "$conf"

t_log "reload 3: socket_group adm, then none"
echo "socket_group = adm" | sed -i '1r /dev/stdin' "$conf"
hup_and_wait reloads 2
[ "$(stat -c '%a %G' "$T_DIR/a.ctl")" = "660 adm" ] || t_fail "ctl socket: $(stat -c '%a %G' "$T_DIR/a.ctl")"
[ "$(stat -c '%a %G' "$T_DIR/a.sock")" = "660 adm" ] || t_fail "channel socket not given to adm"
sed -i '/^socket_group/d' "$conf"
hup_and_wait reloads 3
[ "$(stat -c %a "$T_DIR/a.ctl")" = 600 ] || t_fail "ctl socket not 0600 again"
[ "$(stat -c %G "$T_DIR/a.ctl")" != adm ] || t_fail "ctl socket still group adm"

t_wait_for 30 eval '! t_alive $client_pid' || t_fail "the bulk did not end"
wait "$client_pid" || t_fail "the bulk failed across the reloads: $(tail -3 "$T_DIR/client.log")"
python3 - "$T_DIR/client.log" <<'PY' || t_fail "bulk result: $(tail -c 600 "$T_DIR/client.log")"
import json, sys
r = json.loads(open(sys.argv[1]).read())
assert r["pass"] and r["ok"] > 0 and r["errors"] == 0, r
PY
t_log "PASS: live keys applied, others kept and listed, a bad file ignored, bulk intact"
