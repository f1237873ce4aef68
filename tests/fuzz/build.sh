#!/bin/bash
# Builds the libFuzzer targets (UDT, UDT's FEC, auth, the tcp back-end's connections, sealed udt and rds) with clang
# (never part of the default build).
#   tests/fuzz/build.sh [OUTDIR]      (default: build/fuzz)
# Exit 77 if clang or its libFuzzer runtime is missing.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/fuzz}
CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null || { echo "clang not found"; exit 77; }
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }' \
	>"$probe/p.c"
"$CLANG" -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>/dev/null ||
	{ echo "clang has no libFuzzer runtime"; exit 77; }
mkdir -p "$out"
# Two targets at a time (each clang is one process): the suite waits for this.
jobs_max=$(($(nproc) > 1 ? 2 : 1))
pids=()
one() { # NAME CMD...: CMD (a clang) in the background, its log kept aside
	local name=$1
	shift
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
		wait -n || true
	done
	{ "$@" >"$probe/$name.log" 2>&1 && echo "$out/$name"; } &
	pids+=("$!:$name")
}
udt_srcs=$(ls "$top"/proto/udt/*.c)
# shellcheck disable=SC2086
one fuzz_udt "$CLANG" -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-D_GNU_SOURCE -I"$top" -I"$top/include" \
	"$top/tests/fuzz/fuzz_udt.c" $udt_srcs -o "$out/fuzz_udt" -lm
# shellcheck disable=SC2086
one fuzz_udt_fec "$CLANG" -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-D_GNU_SOURCE -I"$top" -I"$top/include" \
	"$top/tests/fuzz/fuzz_udt_fec.c" $udt_srcs -o "$out/fuzz_udt_fec" -lm
# shellcheck disable=SC2086
one fuzz_auth "$CLANG" -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-D_GNU_SOURCE -I"$top" -I"$top/include" \
	"$top/tests/fuzz/fuzz_auth.c" "$top"/auth/hs.c "$top"/auth/aead.c "$top"/auth/dgram.c "$top"/auth/key.c "$top"/common/nid.c \
	-o "$out/fuzz_auth" -lsodium
# shellcheck disable=SC2086
one fuzz_tcp_conn "$CLANG" -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-D_GNU_SOURCE -I"$top" -I"$top/include" \
	"$top/tests/fuzz/fuzz_tcp_conn.c" "$top"/backends/tcp.c "$top"/backends/tcp_listen.c "$top"/backends/halfopen.c "$top"/backends/tcp_io.c \
	"$top"/backends/tcp_wire.c "$top"/backends/tcp_sec.c "$top"/backends/tcp_sockinfo.c "$top"/backends/be_src.c "$top"/backends/be_auth.c "$top"/auth/*.c "$top"/common/*.c \
	-o "$out/fuzz_tcp_conn" -lsodium
# sealed udt: the whole udt back-end with keys on (its sources but the other back-ends')
udtb_srcs="$(ls "$top"/backends/udt*.c) $top/backends/halfopen.c $top/backends/be_src.c $top/backends/be_auth.c"
# shellcheck disable=SC2086
one fuzz_udt_sec "$CLANG" -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-D_GNU_SOURCE -I"$top" -I"$top/include" \
	"$top/tests/fuzz/fuzz_udt_sec.c" $udtb_srcs $udt_srcs "$top"/auth/*.c "$top"/common/*.c \
	-o "$out/fuzz_udt_sec" -lsodium -lm
# sealed rds: the whole rds back-end with keys on, over the harness's own RDS
# shellcheck disable=SC2086
one fuzz_rds_sec "$CLANG" -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-D_GNU_SOURCE -I"$top" -I"$top/include" \
	"$top/tests/fuzz/fuzz_rds_sec.c" "$top"/backends/rds*.c "$top"/backends/halfopen.c "$top"/backends/be_auth.c "$top"/auth/*.c "$top"/common/*.c \
	-o "$out/fuzz_rds_sec" -lsodium -lm
rc=0
for p in "${pids[@]}"; do
	if ! wait "${p%%:*}"; then
		echo "building ${p#*:} failed:"
		cat "$probe/${p#*:}.log"
		rc=1
	fi
done
exit $rc
