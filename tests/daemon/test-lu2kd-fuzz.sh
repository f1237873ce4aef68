#!/bin/bash
# Fuzz lu2kd's parsers for a few seconds each run (LU2K_FULL=1: a minute):
# the tcp back-end's frame and hello decoders, the config parser, lu2kctl's
# JSON reader, the RX allocator, the udt back-end's frames and demultiplexer
# and the LNet header codec (tests/daemon/fuzz_lu2kd.c). Needs clang with
# libFuzzer; skipped otherwise.
T_NET=private # a network namespace of its own: no port clash with other tests
. "$(dirname "$0")/../lib/common.sh"

CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null || t_skip "clang not found"
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }' >"$T_DIR/p.c"
"$CLANG" -fsanitize=fuzzer "$T_DIR/p.c" -o "$T_DIR/p" 2>/dev/null || t_skip "clang has no libFuzzer"
"$CLANG" -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-D_GNU_SOURCE -I"$T_TOP" -I"$T_TOP/include" \
	"$T_TOP/tests/daemon/fuzz_lu2kd.c" "$T_TOP/backends/tcp_wire.c" "$T_TOP/common/nid.c" "$T_TOP/daemon/config.c" "$T_TOP/daemon/config_keys.c" "$T_TOP/common/opt.c" "$T_TOP/daemon/config_path.c" \
	"$T_TOP/backends/udt_wire.c" "$T_TOP/backends/udt_demux.c" "$T_TOP/lib/lnet_hdr.c" \
	"$T_TOP/common/log.c" "$T_TOP/common/sockaddr.c" "$T_TOP/common/num.c" "$T_TOP/daemon/rxalloc.c" "$T_TOP/tools/ctl/jsonv.c" \
	-o "$T_DIR/fuzz_lu2kd" || t_fail "build"
secs=${LU2K_FULL:+60}
mkdir -p "$T_DIR/corpus"
# Seeds: a good config, a good JSON answer, a hello + message + ack stream.
printf '\001port = 7988\n[tcp]\nsndbuf = 4M\n' >"$T_DIR/corpus/conf"
printf '\001multipath = on\npath = 10.1.0.2@lu2k 10.2.0.1 10.2.0.2\npath = [fd00::2]@lu2k3 fd01::1 fd01::2\n' >"$T_DIR/corpus/conf-paths"
printf '\001{"a":[1,"x",true,null,{"b":-2.5e3}]}' >"$T_DIR/corpus/json"
printf '\000\001\000\060\000\070\000\000\000\001\000\000\000\000\000\000\000\000\000\000\000\010\000\000\000\000\000\000\000\000\024\000\000\177\000\000\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000hello-payload' \
	>"$T_DIR/corpus/msg"
"$T_DIR/fuzz_lu2kd" -max_total_time="${secs:-10}" -max_len=4096 "$T_DIR/corpus" \
	>"$T_DIR/fuzz.log" 2>&1 || { tail -40 "$T_DIR/fuzz.log"; t_fail "the fuzzer found a crash"; }
tail -2 "$T_DIR/fuzz.log"
t_log "PASS"
