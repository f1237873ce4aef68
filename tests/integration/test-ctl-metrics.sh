#!/bin/bash
# lu2kctl metrics: two lu2kd (udt) in a private namespace carrying a bulk
# transfer, their state as Prometheus text read back by the Prometheus
# project's own parser (python3-prometheus-client): families, types, labels,
# base units, counters that grow; written atomically to a file (-o); served
# over HTTP (--listen: /metrics, 404 elsewhere, a silent client does not
# block scrapes, 503 while lu2kd is down); usage errors.
. "$(dirname "$0")/../lib/common.sh"
t_require_root
PY=/usr/bin/python3 # Debian's, which sees python3-prometheus-client
$PY -c 'import prometheus_client.parser' 2>/dev/null ||
	t_skip "no python3-prometheus-client (scripts/install-deps test installs it)"
ns=$T_TAG
t_netns "$ns"
inns() { ip netns exec "$ns" "$@"; }
ctl() { timeout 20 ip netns exec "$ns" "$T_BIN/lu2kctl" "$@"; }

for n in a b; do
	t_bg "lu2kd_$n" ip netns exec "$ns" "$T_BIN/lu2kd" -f -b udt --channel-socket "$T_DIR/$n.sock" \
		--ctl-socket "$T_DIR/$n.ctl"
done
t_wait_for 10 test -S "$T_DIR/a.ctl" || t_fail "lu2kd a did not start"
t_wait_for 10 test -S "$T_DIR/b.ctl" || t_fail "lu2kd b did not start"
t_bg server ip netns exec "$ns" "$T_BIN/lu2k-perf" server --nid 127.0.0.2@lu2k --socket "$T_DIR/b.sock" -q
t_wait_attached "$T_DIR/b.ctl" 127.0.0.2@lu2k
t_bg client ip netns exec "$ns" "$T_BIN/lu2k-perf" client --nid 127.0.0.1@lu2k --peer 127.0.0.2@lu2k \
	--socket "$T_DIR/a.sock" bulk --size 256K --concurrency 4 --time 20s
t_wait_for 10 eval 'ctl -s "$T_DIR/a.ctl" conns | grep -q "direction: out"' ||
	t_fail "no connection from a to b"

# check.py FILE: parse with Prometheus' parser and check what a run must show.
cat >"$T_DIR/check.py" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
def need(name, kind):
    f = fams.get(name)
    if f is None: sys.exit("no family %s (have: %s)" % (name, " ".join(sorted(fams))))
    if f.type != kind: sys.exit("%s is a %s, want %s" % (name, f.type, kind))
    return f
def one(name, kind, **labels):
    s = [x for x in need(name, kind).samples if all(x.labels.get(k) == v for k, v in labels.items())]
    if len(s) != 1: sys.exit("%s%s: %d samples" % (name, labels, len(s)))
    return s[0].value
out = dict(peer="127.0.0.2@lu2k", direction="out")
assert one("lu2k_daemon_info", "gauge", backend="udt") == 1
assert one("lu2k_peer_state", "gauge", nid="127.0.0.2@lu2k", state="up") == 1
rtt = one("lu2k_conn_rtt_seconds", "gauge", **out)
assert 0 < rtt < 1, "rtt %s s on loopback" % rtt
assert one("lu2k_conn_send_rate_bits_per_second", "gauge", **out) > 1e5
assert one("lu2k_conn_info", "gauge", cc="lossy", address="127.0.0.2", **out) == 1
assert one("lu2k_channel_rx_pool_size", "gauge", nid="127.0.0.1@lu2k") > 0
assert one("lu2k_backend_conns", "gauge", backend="udt") >= 1
# Counters: the parser strips _total from the family name.
print(int(one("lu2k_conn_msgs_tx", "counter", **out)), int(one("lu2k_peer_bytes_tx", "counter",
      nid="127.0.0.2@lu2k")))
PY

ctl -s "$T_DIR/a.ctl" metrics >"$T_DIR/m1.prom" || t_fail "lu2kctl metrics failed"
c1=$($PY "$T_DIR/check.py" "$T_DIR/m1.prom" 2>&1) || t_fail "first scrape: $c1"
sleep 1
ctl -s "$T_DIR/a.ctl" metrics >"$T_DIR/m2.prom" || t_fail "lu2kctl metrics failed"
c2=$($PY "$T_DIR/check.py" "$T_DIR/m2.prom" 2>&1) || t_fail "second scrape: $c2"
read -r m1 b1 <<<"$c1"
read -r m2 b2 <<<"$c2"
[ "$m2" -gt "$m1" ] && [ "$b2" -gt "$b1" ] || t_fail "counters did not grow: msgs $m1 -> $m2, bytes $b1 -> $b2"
t_log "metrics parse; $(grep -c '^# TYPE' "$T_DIR/m2.prom") families; msgs_tx $m1 -> $m2"

# -o: written whole, by rename, readable by an exporter's user.
mkdir "$T_DIR/textfile"
ctl -s "$T_DIR/a.ctl" metrics -o "$T_DIR/textfile/lu2k.prom" || t_fail "metrics -o failed"
$PY "$T_DIR/check.py" "$T_DIR/textfile/lu2k.prom" >/dev/null || t_fail "the -o file does not check"
[ "$(ls "$T_DIR/textfile")" = lu2k.prom ] || t_fail "-o left files behind: $(ls "$T_DIR/textfile")"
[ "$(stat -c %a "$T_DIR/textfile/lu2k.prom")" = 644 ] || t_fail "-o file mode $(stat -c %a "$T_DIR/textfile/lu2k.prom")"

# --listen: HTTP for a scraper.
t_bg http ip netns exec "$ns" "$T_BIN/lu2kctl" -s "$T_DIR/a.ctl" metrics --listen 127.0.0.1:9788
cat >"$T_DIR/get.py" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://127.0.0.1:9788" + sys.argv[1], timeout=15)
    print(r.status, r.headers.get("Content-Type"))
    open(sys.argv[2], "wb").write(r.read())
except urllib.error.HTTPError as e:
    print(e.code)
PY
get() { inns timeout 20 $PY "$T_DIR/get.py" "$@"; }
t_wait_for 10 eval 'get /metrics "$T_DIR/h.prom" | grep -q ^200' || t_fail "no 200 from /metrics"
[[ $(get /metrics "$T_DIR/h.prom") == "200 text/plain; version=0.0.4"* ]] || t_fail "Content-Type"
$PY "$T_DIR/check.py" "$T_DIR/h.prom" >/dev/null || t_fail "the scraped metrics do not check"
[ "$(get /other "$T_DIR/x")" = 404 ] || t_fail "/other is not a 404"
# A client that connects and says nothing holds the endpoint for at most its 2 s timeout.
ip netns exec "$ns" $PY -c 'import socket,time; s=socket.create_connection(("127.0.0.1",9788)); time.sleep(8)' &
silent=$!
t_defer kill $silent
sleep 0.5
t0=$SECONDS
[[ $(get /metrics "$T_DIR/h2.prom") == 200* ]] || t_fail "no scrape beside a silent client"
[ $((SECONDS - t0)) -le 5 ] || t_fail "a silent client delayed a scrape by $((SECONDS - t0)) s"
t_log "--listen: 200 with the metrics, 404 elsewhere, a silent client costs <= 2 s"

# Usage errors.
out=$(ctl -s "$T_DIR/a.ctl" --json metrics 2>&1) && t_fail "--json metrics was accepted"
[[ $out == *"no --json"* ]] || t_fail "--json metrics: $out"
ctl -s "$T_DIR/a.ctl" -o "$T_DIR/x.prom" peers >/dev/null 2>&1 && t_fail "-o with peers was accepted"
out=$(ctl metrics --listen 'nohost:' 2>&1) && t_fail "a bad --listen was accepted"
[[ $out == *"bad --listen"* ]] || t_fail "bad --listen: $out"
out=$(ctl -s "$T_DIR/none.ctl" metrics 2>&1)
[ $? = 1 ] && [[ $out == *"cannot reach lu2kd"* ]] || t_fail "no daemon: $out"

# lu2kd down: the endpoint says so, and serves again when it is back.
kill "$client_pid" "$server_pid" 2>/dev/null
kill "$lu2kd_a_pid"
t_wait_for 10 eval '! t_alive $lu2kd_a_pid' || t_fail "lu2kd a did not stop"
out=$(get /metrics "$T_DIR/x" 2>&1)
[ "$out" = 503 ] || t_fail "no 503 with lu2kd down: $out"
t_alive "$http_pid" || t_fail "the endpoint exited when lu2kd went away"
echo PASS
