#!/bin/bash
# Runs each libFuzzer target (UDT, UDT's FEC, auth, tcp connections, sealed udt and rds) for a while (LU2K_FUZZ_SECONDS,
# default 8 in the suite; the long runs are in doc/security.md).
# Skips (77) where clang's libFuzzer is not available.
set -u
top=${LU2K_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
secs=${LU2K_FUZZ_SECONDS:-8}
work=$(mktemp -d /tmp/lu2k-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$top/tests/fuzz/build.sh" "$work/bin" >"$work/build.log" 2>&1
rc=$?
if [ $rc = 77 ]; then
	tail -n 1 "$work/build.log"
	exit 77
fi
[ $rc = 0 ] || { cat "$work/build.log"; echo "fuzzer build failed"; exit 1; }
# fuzz_udt's seeds: a listener gets a request with the cookie (fuzz_udt.c puts the
# right one in), then a data packet, over the lossy CC (byte 0: 1) and the udt one (5).
mkdir -p "$work/corpus-fuzz_udt"
hs='\200\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000'
hs+='\000\000\000\004\000\000\000\002\000\000\003\350\000\000\005\334\000\000\000\100'
hs+='\377\377\377\377\000\000\000\011\000\000\000\000'
hs+='\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000'
data='\000\000\003\350\340\000\000\001\000\000\000\000\000\000\000\007hello-lu2k'
# shellcheck disable=SC2059
printf "\\001\\000\\100$hs\\000\\032$data" >"$work/corpus-fuzz_udt/accept-lossy"
# shellcheck disable=SC2059
printf "\\005\\000\\100$hs\\000\\032$data" >"$work/corpus-fuzz_udt/accept-udt"
# and the structured target (3) with timed ACKs offered (16): two timed ACKs, a data packet
# shorter than the payload, a NAK, a timed ACK of a packet further on (fuzz_udt.c, build()).
tack='\001\000\001\001\000\000\001\000\000\001\002\002'
tack+='\001\000\002\001\000\000\004\000\000\001\005\005'
tack+='\000\000\000\001\010\000\000\000\100\000\000\001'
tack+='\003\000\000\001\001\000\000\002\001\001\000\002'
tack+='\001\000\003\001\020\000\020\000\000\001\040\010'
# shellcheck disable=SC2059
printf "\\023$tack" >"$work/corpus-fuzz_udt/timed-acks"
# the same with a shared receive budget (32): the window past half of it, over its share
# shellcheck disable=SC2059
printf "\\063$tack" >"$work/corpus-fuzz_udt/timed-acks-budget"
# fuzz_udt_fec's seeds (fuzz_udt_fec.c): a parity of 3 packets of which the window has the
# first and the last (rebuilt), and a connection given a NAK, data, a parity and a report.
mkdir -p "$work/corpus-fuzz_udt_fec"
par='\314\106\001\003\000\000\000\144\000\000\000\004\000\000\000\007abcdefgh'
# shellcheck disable=SC2059
printf "\\000\\030$par\\005\\010\\010\\004" >"$work/corpus-fuzz_udt_fec/rebuild"
rec='\003\000\000\000\001\000\000\000\001\000\000\201'
rec+='\000\000\000\000\020\000\000\000\000\001\000\001'
rec+='\001\000\000\000\020\000\000\000\000\001\001\001'
rec+='\002\000\000\000\001\000\000\000\000\000\000\001'
# shellcheck disable=SC2059
printf "\\001$rec" >"$work/corpus-fuzz_udt_fec/connected"
# fuzz_udt_sec's seeds (fuzz_udt_sec.c says what the bytes mean): an honest peer with a
# listed key connects and says hello, then sends one sealed message; the back-end connects
# out to an honest responder; a handshake and a plaintext datagram; the back-end's own
# initiation turned into a forged response to it (type 2, cut to a response's length).
mkdir -p "$work/corpus-fuzz_udt_sec"
msg='\002\000\000\000\020\000\000\000\010\000\000\000\000\024\000\000\177\000\000\001'
msg+='\000\000\000\000\000\000\000\000\000\000\000\000lnet-hdr-16bytespayload!'
# shellcheck disable=SC2059
printf "\\016u8$msg" >"$work/corpus-fuzz_udt_sec/listen-msg"
printf '\007' >"$work/corpus-fuzz_udt_sec/connect-out"
printf '\002\000\003abc' >"$work/corpus-fuzz_udt_sec/keys-plain"
printf '\001\003\005\000\000\000\003\150' >"$work/corpus-fuzz_udt_sec/forged-resp"
# fuzz_rds_sec's seeds (fuzz_rds_sec.c): both sessions, then a sealed piece that ends a
# message and a replay of it changed (keys put in place, and by the real handshakes); the
# harness's session alone and a plaintext hello.
mkdir -p "$work/corpus-fuzz_rds_sec"
printf '\003\005\011\001hello-lu2k\003\005\001\040\000\004\000' >"$work/corpus-fuzz_rds_sec/both"
printf '\017\005\011\001hello-lu2k\003\005\001\040\000\004\000' >"$work/corpus-fuzz_rds_sec/both-hs"
hello='L2KR\001\001\100\000\001\000\000\000\000\000\000\000'
# shellcheck disable=SC2059
printf "\001\000\020$hello" >"$work/corpus-fuzz_rds_sec/plain-hello"
# fuzz_auth's seeds (fuzz_auth.c): a real initiation from the harness's initiator (ephemeral
# key all 4s, timestamp 1, 127.0.0.1@lu2k to itself), which the responder takes (byte 0: 0);
# the same behind the cookie the listener gives it at time 1 (4), so that it is let through
# to the responder; a response to the harness's initiation (index 7) that does not open
# (1, and 4: the connector's), mac1 put right by the harness (byte 1 odd); forged records
# under both key phases, for a datagram and a stream receiver (2); deliveries from the
# window of a sender and receiver, in and out of order (3), and across key updates (5).
mkdir -p "$work/corpus-fuzz_auth"
ini='\001\002\000\000\011\000\000\000\254\001\262\040\236\206\065\117\270\123\043\173'
ini+='\135\340\364\372\261\074\177\313\364\063\246\034\001\223\151\141\177\354\361\013'
ini+='\066\337\263\202\312\347\263\222\310\236\301\213\041\002\340\106\144\251\323\151'
ini+='\270\161\324\201\174\226\340\107\156\327\164\305\272\252\044\246\242\246\144\210'
ini+='\062\017\327\134\254\263\216\253\042\345\371\373\352\301\172\137\223\165\300\140'
ini+='\123\163\044\334\035\144\364\353\047\010\224\231\312\365\152\316\220\063\042\304'
ini+='\100\264\211\321\310\133\017\347\113\340\302\034\315\013\162\246\334\021\276\053'
ini+='\263\323\074\161\070\144\352\072\234\000\223\221\000\000\000\000\000\000\000\000'
ini+='\000\000\000\000\265\160\140\042\323\320\045\227\377\246\354\250\136\164\002\203'
cookie='\107\020\217\216\167\152\213\312\277\370\110\040\377\331\274\367'
# shellcheck disable=SC2059
printf "\\000\\001$ini" >"$work/corpus-fuzz_auth/init"
# shellcheck disable=SC2059
printf "\\004\\001$ini$cookie" >"$work/corpus-fuzz_auth/dgram-init-cookie"
resp='\002\002\000\000\001\000\000\000\007\000\000\000'
resp+='\011\011\011\011\011\011\011\011\011\011\011\011\011\011\011\011'
resp+='\011\011\011\011\011\011\011\011\011\011\011\011\011\011\011\011'
resp+='\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000'
resp+='\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000'
# shellcheck disable=SC2059
printf "\\001\\001$resp" >"$work/corpus-fuzz_auth/resp"
# shellcheck disable=SC2059
printf "\\004\\001$resp" >"$work/corpus-fuzz_auth/dgram-resp"
rec0='\004\000\000\000\005\000\000\000\000\000\000\000\000\000\000\000abcd0123456789abcdef'
rec1='\004\001\000\000\005\000\000\000\001\000\000\000\000\000\000\000abcd0123456789abcdef'
# shellcheck disable=SC2059
printf "\\002\\000\\044$rec0\\000\\044$rec1" >"$work/corpus-fuzz_auth/records"
# shellcheck disable=SC2059
printf "\\002\\001\\000$rec0" >"$work/corpus-fuzz_auth/records-stream"
printf '\003\005\000\001\002\000\000\000\003\077\377\100\000' >"$work/corpus-fuzz_auth/window"
printf '\005\021\000\361\000\021\001\020\002\001\000' >"$work/corpus-fuzz_auth/dgram-window"
# fuzz_tcp_conn's seeds (fuzz_tcp_conn.c): after our hello, a message, one with an id and
# a goodbye, the core out of RX space for the first two (byte 0: 022); our hello refused
# by the core (4); no hello of ours (1): the input's own, with an address list, then a
# message; a message header of ours for 100 bytes (010), its body in two chunks.
mkdir -p "$work/corpus-fuzz_tcp_conn"
nid='\000\024\000\000\177\000\000\001\000\000\000\000\000\000\000\000\000\000\000\000'
msg='\001\000\060\000\070\000\000\000\001\000\000\000\000\000\000\000'
msg+="\\004\\000\\000\\000\\004\\000\\000\\000$nid\\000\\000\\000\\000hdr.body"
mid='\004\000\100\000\110\000\000\000\002\000\000\000\000\000\000\000'
mid+="\\004\\000\\000\\000\\004\\000\\000\\000$nid\\001\\000\\000\\000"
mid+='\005\000\000\000\000\000\000\000\003\000\000\000\000\000\000\000hdr.body'
bye='\003\000\020\000\020\000\000\000\000\000\000\000\000\000\000\000'
# shellcheck disable=SC2059
printf "\\022\\070$msg\\110$mid\\020$bye" >"$work/corpus-fuzz_tcp_conn/msgs-paused"
printf '\004\000' >"$work/corpus-fuzz_tcp_conn/refused"
hello='LU2K\001\000\130\000\000\000\000\000\001\000\000\000tcp\000\000\000\000\000'
hello+="$nid$nid\\001\\000\\000\\000"
hello+='\000\024\000\000\012\000\000\002\000\000\000\000\000\000\000\000\000\000\000\000'
# shellcheck disable=SC2059
printf "\\001\\130$hello\\070$msg" >"$work/corpus-fuzz_tcp_conn/hello-addrs"
body="hello-lu2khello-lu2khello-lu2khello-lu2khello-lu2k"
printf '\010\000\144\062%s\062%s' "$body" "$body" >"$work/corpus-fuzz_tcp_conn/body"
# two at a time (each fuzzer is one process), each one's tail shown in turn
run_one() { # FUZZER
	local f=$1 name
	name=$(basename "$f")
	mkdir -p "$work/corpus-$name"
	timeout -k 10 $((secs + 60)) "$f" -max_total_time="$secs" -max_len=4096 \
		-artifact_prefix="$work/$name-" "$work/corpus-$name" >"$work/$name.out" 2>&1
}
pids=()
for f in "$work"/bin/fuzz_*; do
	while [ "$(jobs -rp | wc -l)" -ge 2 ]; do
		wait -n || true
	done
	run_one "$f" &
	pids+=("$!:$(basename "$f")")
done
failed=0
for p in "${pids[@]}"; do
	wait "${p%%:*}"
	rc=$?
	name=${p#*:}
	echo "== $name for ${secs}s"
	tail -n 5 "$work/$name.out"
	if [ "$rc" != 0 ]; then
		ls "$work/$name"-crash-* "$work/$name"-leak-* 2>/dev/null
		echo "$name failed (exit $rc)"
		failed=1
	fi
done
[ $failed = 0 ] || exit 1
echo "fuzzers ran clean"
