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
