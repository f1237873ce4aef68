#!/bin/bash
# scripts/lnet-add-lu2k-type on a copy of a Lustre tree's three files (the
# LND enum, the kernel and the user-space name tables) in a scratch directory
# laid out like the tree; the tree itself is only read.
#
#   tests/lnet/test-lnet-add-type.sh     (LUSTRE=TREE to choose the tree;
#                                         else the first /usr/src/lustre-*)
#
# Checks: --check says no before and yes after; the enum has LU2KLND = 20 as
# its last entry before NUM_LNDS; both tables have exactly one "lu2k" entry,
# module lu2klnd, with the fields of their "tcp" entry, and nothing else
# changed; a second run changes nothing (contents and mtimes) and says so;
# refusals (20 taken, "lu2k" taken, not a Lustre tree) exit 1 and change
# nothing. Then compiles the edited user-space nidstrings.c with the tree's
# headers and flags into a small program (nid.c below) that parses and prints
# lu2k NIDs: 10.0.0.1@lu2k, @lu2k3, and with large NIDs (struct lnet_nid)
# 2001:db8::1@lu2k too (LNet writes IPv6 NIDs without brackets: it refuses
# [2001:db8::1]@tcp, and the program checks that lu2k does the same); the
# same program on the unedited file must fail. Skips (77) without an
# unedited tree. About 5 s.
. "$(dirname "$0")/../lib/common.sh"
set -euo pipefail
trap 'rc=$?; echo "FAIL: line $LINENO: $BASH_COMMAND exited $rc"' ERR

script=$T_TOP/scripts/lnet-add-lu2k-type
# Where the files are: 2.x releases, then newer master.
headers=(lnet/include/uapi/linux/lnet/nidstr.h include/uapi/linux/lnet/nidstr.h)
ktables=(lnet/lnet/nidstrings.c)
utables=(libcfs/libcfs/util/nidstrings.c lib/libcfs/nidstrings.c)

first_in() {	# first_in TREE REL... : the first REL that is a file of TREE
	local tree=$1 rel
	shift
	for rel; do
		[ -f "$tree/$rel" ] && { echo "$rel"; return 0; }
	done
	return 1
}

command -v gcc >/dev/null || t_skip "needs gcc"

tree="" seen=()
for t in ${LUSTRE:+"$LUSTRE"} /usr/src/lustre-*; do
	[ -d "$t" ] || continue
	h=$(first_in "$t" "${headers[@]}") && first_in "$t" "${ktables[@]}" >/dev/null &&
		first_in "$t" "${utables[@]}" >/dev/null || continue
	if grep -q LU2KLND "$t/$h"; then
		seen+=("$t")		# already edited: no "before" to test
		continue
	fi
	tree=$(cd "$t" && pwd)
	break
done
if [ -z "$tree" ]; then
	[ ${#seen[@]} = 0 ] || t_skip "no unedited Lustre tree (${seen[*]} already have lu2k)"
	t_skip "no Lustre tree (\$LUSTRE${LUSTRE:+=$LUSTRE}, /usr/src/lustre-*)"
fi
hrel=$(first_in "$tree" "${headers[@]}")
krel=$(first_in "$tree" "${ktables[@]}")
urel=$(first_in "$tree" "${utables[@]}")
t_log "tree $tree: $hrel $krel $urel"

# copy_tree DIR : the three files of $tree, laid out as in it
copy_tree() {
	local rel
	for rel in "$hrel" "$krel" "$urel"; do
		mkdir -p "$1/$(dirname "$rel")"
		cp -p "$tree/$rel" "$1/$rel"
	done
}
sums() { (cd "$1" && stat -c '%n %Y' "$hrel" "$krel" "$urel" && md5sum "$hrel" "$krel" "$urel"); }

# entries FILE : the entries of libcfs_netstrfns[], one a line, their fields
# without blanks (.nf_type=SOCKLND,.nf_name="tcp",...)
entries() {
	awk '
	!inside && /libcfs_netstrfns[ \t]*\[[ \t]*\][ \t]*=[ \t]*\{/ {
		inside = 1; depth = 1; sub(/.*=[ \t]*\{/, "")
	}
	inside {
		line = $0
		gsub(/\/\*.*\*\//, "", line)
		for (i = 1; i <= length(line); i++) {
			c = substr(line, i, 1)
			if (c == "{") {
				if (++depth == 2)
					buf = ""
			} else if (c == "}") {
				if (--depth == 1) {
					gsub(/[ \t]+/, "", buf)
					print buf
				} else if (depth == 0) {
					inside = 0
					break
				}
			} else if (depth >= 2) {
				buf = buf c
			}
		}
	}' "$1"
}
fields() { tr , '\n' | grep . | sort; }	# one field a line, sorted
norm() { sed -E 's/\}[[:space:]]*,?[[:space:]]*$/}/' "$1"; }	# without "}"'s commas

# 1. The script on a copy.
work=$T_DIR/tree
copy_tree "$work"
copy_tree "$T_DIR/orig"
"$script" --help | grep -q 'usage:' || t_fail "--help prints no usage"
"$script" --check "$work" >"$T_DIR/check0.log" && rc=0 || rc=$?
[ $rc = 1 ] || t_fail "--check on the unedited copy exits $rc, expected 1"
"$script" "$work" >"$T_DIR/run1.log" 2>&1 && rc=0 || rc=$?
cat "$T_DIR/run1.log"
[ $rc = 0 ] || t_fail "first run exits $rc"
for rel in "$hrel" "$krel" "$urel"; do
	grep -q "^$rel: added" "$T_DIR/run1.log" || t_fail "first run does not say it changed $rel"
done
grep -q 'make -C kernel LUSTRE=' "$T_DIR/run1.log" || t_fail "first run does not say what to rebuild"
"$script" --check "$work" >"$T_DIR/check1.log" && rc=0 || rc=$?
[ $rc = 0 ] || t_fail "--check after the run exits $rc, expected 0"

# 2. The enum: LU2KLND = 20, once, its last numbered entry before NUM_LNDS.
h=$work/$hrel
[ "$(grep -cE '^[[:space:]]*LU2KLND[[:space:]]*=' "$h" || true)" = 1 ] || t_fail "$hrel: not one LU2KLND"
at=$(grep -nE '^[[:space:]]*LU2KLND[[:space:]]*=[[:space:]]*20[[:space:]]*,' "$h" | cut -d: -f1 || true)
end=$(grep -nE '^[[:space:]]*NUM_LNDS' "$h" | cut -d: -f1 || true)
last=$(awk -v end="${end:-0}" 'NR < end && /^[ \t]*[A-Z][A-Z0-9_]*[ \t]*=[ \t]*[0-9]+[ \t]*,/ { n = NR }
	END { print n }' "$h")
[ -n "$at" ] && [ -n "$end" ] && [ "$at" = "$last" ] ||
	t_fail "$hrel: LU2KLND = 20 is not the last entry before NUM_LNDS (line '$at', last '$last', NUM_LNDS '$end')"
t_log "$hrel: $(sed -n "${at}p" "$h" | tr -s '\t ' ' ')"

# 3. The tables: one "lu2k" entry = their "tcp" entry with type, name and
# module changed; the other entries as they were.
for rel in "$krel" "$urel"; do
	entries "$work/$rel" >"$T_DIR/entries.txt"
	entries "$T_DIR/orig/$rel" >"$T_DIR/entries0.txt"
	[ "$(grep -c 'nf_name="lu2k"' "$T_DIR/entries.txt")" = 1 ] ||
		t_fail "$rel: not one \"lu2k\" entry in libcfs_netstrfns[]"
	grep -q 'nf_name="tcp"' "$T_DIR/entries0.txt" || t_fail "$rel: the test found no \"tcp\" entry"
	grep 'nf_name="lu2k"' "$T_DIR/entries.txt" | fields >"$T_DIR/lu2k.txt"
	grep 'nf_name="tcp"' "$T_DIR/entries0.txt" |
		sed 's/nf_type=[^,]*/nf_type=LU2KLND/; s/nf_name=[^,]*/nf_name="lu2k"/; s/nf_modname=[^,]*/nf_modname="lu2klnd"/' |
		fields >"$T_DIR/want.txt"
	grep -qx '.nf_modname="lu2klnd"' "$T_DIR/lu2k.txt" || t_fail "$rel: the lu2k entry's module is not lu2klnd"
	diff "$T_DIR/want.txt" "$T_DIR/lu2k.txt" >&2 || t_fail "$rel: the lu2k entry is not tcp's with type, name, module changed"
	grep -v 'nf_name="lu2k"' "$T_DIR/entries.txt" | cmp -s - "$T_DIR/entries0.txt" ||
		t_fail "$rel: the other entries of libcfs_netstrfns[] changed"
	# outside the lu2k entry only a comma may have been added, after the last entry
	! diff <(norm "$T_DIR/orig/$rel") <(norm "$work/$rel") | grep -q '^<' ||
		t_fail "$rel: lines other than the new entry changed"
	t_log "$rel: lu2k entry: $(grep -v -e nf_type -e nf_name -e nf_modname "$T_DIR/lu2k.txt" | cut -d= -f2 | tr '\n' ' ')"
done

# 4. A second run changes nothing and says so.
sums "$work" >"$T_DIR/sums1"
sleep 1.1		# a rewrite would show in the mtimes
"$script" "$work" >"$T_DIR/run2.log" 2>&1 && rc=0 || rc=$?
cat "$T_DIR/run2.log"
[ $rc = 0 ] || t_fail "second run exits $rc"
grep -q 'nothing changed' "$T_DIR/run2.log" || t_fail "second run does not say it changed nothing"
sums "$work" | cmp -s - "$T_DIR/sums1" || t_fail "second run changed the files"

# 5. Refusals: exit 1, a message, nothing changed.
refuse() {	# refuse WHAT SED-SCRIPT REL : the copy edited by SED refuses
	local what=$1 dir=$T_DIR/refuse$RANDOM
	copy_tree "$dir"
	sed -i "$2" "$dir/$3"
	sums "$dir" >"$dir.sums"
	"$script" "$dir" >"$dir.log" 2>&1 && rc=0 || rc=$?
	[ $rc = 1 ] || { cat "$dir.log"; t_fail "$what: exits $rc, expected 1"; }
	grep -q 'nothing changed' "$dir.log" || t_fail "$what: no message ($(cat "$dir.log"))"
	sums "$dir" | cmp -s - "$dir.sums" || t_fail "$what: the tree changed"
	t_log "refused ($what): $(cat "$dir.log")"
}
refuse "20 taken" 's/^\([[:space:]]*\)SOCKLND[[:space:]]*=[[:space:]]*2,.*$/&\n\1FOOLND = 20,/' "$hrel"
refuse "lu2k taken" 's/"o2ib"/"lu2k"/' "$urel"
refuse "lu2k taken in the kernel table" 's/"o2ib"/"lu2k"/' "$krel"
mkdir "$T_DIR/empty"
"$script" "$T_DIR/empty" >"$T_DIR/empty.log" 2>&1 && rc=0 || rc=$?
[ $rc = 1 ] && grep -q 'does not look like a Lustre tree' "$T_DIR/empty.log" ||
	t_fail "an empty directory: exit $rc, $(cat "$T_DIR/empty.log")"

# 6. The edited user-space nidstrings.c, compiled with the tree's headers
# (the edited enum first) and flags (-Wall -Werror, its config.h), with the
# string helpers it needs from the same directory of the tree.
uapi=${hrel%/linux/lnet/nidstr.h}
cfsinc=""
for d in libcfs/include include; do
	[ -f "$tree/$d/libcfs/util/string.h" ] && { cfsinc=$tree/$d; break; }
done
stringc=$tree/$(dirname "$urel")/string.c
[ -n "$cfsinc" ] && [ -f "$stringc" ] || t_fail "the tree has no libcfs/util/string.h or $(dirname "$urel")/string.c"
cflags=(-g -O2 -Wall -Werror)
if [ -f "$tree/config.h" ]; then
	cflags+=(-DHAVE_CONFIG_H)
	[ -f "$tree/undef.h" ] && cflags+=(-include "$tree/undef.h")
	cflags+=(-include "$tree/config.h")
else
	cflags+=(-DHAVE_NETDB_H)		# an unconfigured tree
fi
grep -q '^libcfs_strnid(' "$work/$urel" && cflags+=(-DLARGE_NIDS)
entries "$work/$urel" | grep 'nf_name="lu2k"' | grep -q nf_str2addr_size && cflags+=(-DIPV6)
cflags+=(-I"$work/$uapi" -I"$tree/$uapi" -I"$cfsinc")
cat >"$T_DIR/nid.c" <<'CEOF'
// SPDX-License-Identifier: GPL-2.0
/*
 * nid.c - asks a Lustre tree's user-space NID functions (its nidstrings.c
 * as edited by scripts/lnet-add-lu2k-type, compiled in) about the type lu2k:
 * its number, name and module, and NIDs of it that must read back as they
 * were written. Also that the types already there still parse. Prints every
 * failed check; exit 0 if none failed, 1 otherwise.
 *
 * Built with -DLARGE_NIDS when the release has struct lnet_nid and
 * libcfs_strnid()/libcfs_nidstr(), and -DIPV6 when its tcp entry has the
 * large-address functions.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/lnet/lnet-types.h>
#include <linux/lnet/nidstr.h>

#define LU2K 20

static int failed;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		printf("FAIL: " __VA_ARGS__);				\
		printf("\n");						\
		failed = 1;						\
	}								\
} while (0)

static void str_is(const char *what, const char *got, const char *want)
{
	CHECK(got && !strcmp(got, want), "%s gave \"%s\", expected \"%s\"", what,
	      got ? got : "(null)", want);
}

/* str parses as a small NID of type type, network number num, address addr,
 * and prints back as str.
 */
static void small(const char *str, unsigned int type, unsigned int num, __u32 addr)
{
	lnet_nid_t nid = libcfs_str2nid(str);

	CHECK(nid != LNET_NID_ANY, "libcfs_str2nid(\"%s\") did not parse", str);
	if (nid == LNET_NID_ANY)
		return;
	CHECK(LNET_NETTYP(LNET_NIDNET(nid)) == type && LNET_NETNUM(LNET_NIDNET(nid)) == num &&
	      LNET_NIDADDR(nid) == addr, "libcfs_str2nid(\"%s\") = type %u net %u addr %#x",
	      str, LNET_NETTYP(LNET_NIDNET(nid)), LNET_NETNUM(LNET_NIDNET(nid)),
	      LNET_NIDADDR(nid));
	str_is("libcfs_nid2str", libcfs_nid2str(nid), str);
}

#ifdef LARGE_NIDS
/* str parses as a struct lnet_nid of type type, number num, the address
 * before its '@' (IPv4 or IPv6: addr_bytes), prints back as str and parses
 * again to the same NID (its first NID_BYTES: the rest is undefined).
 */
static void large(const char *str, unsigned int type, unsigned int num, int addr_bytes)
{
	struct lnet_nid nid, again;
	unsigned char want[16];
	char addr[64];
	const char *out;

	snprintf(addr, sizeof(addr), "%.*s", (int)strcspn(str, "@"), str);
	if (inet_pton(addr_bytes == 16 ? AF_INET6 : AF_INET, addr, want) != 1) {
		CHECK(0, "the test's address %s is no IPv%d address", addr, addr_bytes == 16 ? 6 : 4);
		return;
	}
	memset(&nid, 0xa5, sizeof(nid));
	if (libcfs_strnid(&nid, str) != 0) {
		CHECK(0, "libcfs_strnid(\"%s\") did not parse", str);
		return;
	}
	CHECK(nid.nid_type == type && __be16_to_cpu(nid.nid_num) == num &&
	      NID_ADDR_BYTES(&nid) == addr_bytes && !memcmp(nid.nid_addr, want, addr_bytes),
	      "libcfs_strnid(\"%s\") = type %u net %u, %d address bytes, not %s", str,
	      nid.nid_type, __be16_to_cpu(nid.nid_num), NID_ADDR_BYTES(&nid), addr);
	out = libcfs_nidstr(&nid);
	str_is("libcfs_nidstr", out, str);
	memset(&again, 0x5a, sizeof(again));
	CHECK(libcfs_strnid(&again, out) == 0 && again.nid_size == nid.nid_size &&
	      !memcmp(&nid, &again, NID_BYTES(&nid)),
	      "\"%s\" does not parse back to the same struct lnet_nid", out);
}
#endif

int main(void)
{
	__u32 net;

	CHECK(libcfs_str2lnd("lu2k") == LU2K, "libcfs_str2lnd(\"lu2k\") = %d", libcfs_str2lnd("lu2k"));
	CHECK(libcfs_isknown_lnd(LU2K), "libcfs_isknown_lnd(%d) is false", LU2K);
	str_is("libcfs_lnd2str(20)", libcfs_lnd2str(LU2K), "lu2k");
	str_is("libcfs_lnd2modname(20)", libcfs_lnd2modname(LU2K), "lu2klnd");
	net = libcfs_str2net("lu2k7");
	CHECK(net == LNET_MKNET(LU2K, 7), "libcfs_str2net(\"lu2k7\") = %#x", net);
	str_is("libcfs_net2str", libcfs_net2str(LNET_MKNET(LU2K, 7)), "lu2k7");

	small("10.0.0.1@lu2k", LU2K, 0, 0x0a000001);
	small("10.0.0.1@lu2k3", LU2K, 3, 0x0a000001);
	small("192.168.1.254@lu2k65535", LU2K, 65535, 0xc0a801fe);
	CHECK(libcfs_str2nid("10.0.0.1@lu2kx") == LNET_NID_ANY, "\"10.0.0.1@lu2kx\" parsed");
	CHECK(libcfs_str2nid("10.0.0.256@lu2k") == LNET_NID_ANY, "\"10.0.0.256@lu2k\" parsed");
	/* the types that were there before still are */
	small("10.0.0.1@tcp", 2, 0, 0x0a000001);
	small("10.0.0.1@gip2", 14, 2, 0x0a000001);
	small("0@lo", 9, 0, 0);

#ifdef LARGE_NIDS
	large("10.0.0.1@lu2k", LU2K, 0, 4);
	large("10.0.0.1@lu2k3", LU2K, 3, 4);
#ifdef IPV6
	large("2001:db8::1@lu2k", LU2K, 0, 16);
	large("2001:db8::1@lu2k3", LU2K, 3, 16);
	large("2001:db8::1@tcp", 2, 0, 16);
	{
		/* LNet writes IPv6 NIDs without brackets; lu2k as tcp */
		struct lnet_nid nid;
		int rc_lu2k = libcfs_strnid(&nid, "[2001:db8::1]@lu2k");
		int rc_tcp = libcfs_strnid(&nid, "[2001:db8::1]@tcp");

		CHECK(rc_lu2k == rc_tcp, "\"[2001:db8::1]@lu2k\" gives %d, @tcp %d", rc_lu2k, rc_tcp);
	}
#endif
#endif
	if (!failed)
		printf("lu2k NIDs round-trip (%s)\n",
#if defined(LARGE_NIDS) && defined(IPV6)
		       "IPv4 and IPv6, small and large NIDs"
#elif defined(LARGE_NIDS)
		       "IPv4, small and large NIDs"
#else
		       "IPv4, small NIDs"
#endif
		       );
	return failed;
}
CEOF
build() {	# build OUT NIDSTRINGS.C
	gcc "${cflags[@]}" -o "$1" "$T_DIR/nid.c" "$2" "$stringc" >"$1.log" 2>&1 ||
		{ cat "$1.log"; t_fail "$2 does not compile (${cflags[*]})"; }
}
t_log "gcc ${cflags[*]}"
build "$T_DIR/nid" "$work/$urel"
"$T_DIR/nid" || t_fail "lu2k NIDs do not round-trip through the edited $urel"
# The same program on the unedited file must fail: it does test the edit.
build "$T_DIR/nid0" "$T_DIR/orig/$urel"
"$T_DIR/nid0" >"$T_DIR/nid0.out" && t_fail "the NID program passes on the unedited $urel"
grep -q 'libcfs_str2lnd("lu2k") = -1' "$T_DIR/nid0.out" || t_fail "unedited: $(head -3 "$T_DIR/nid0.out")"
echo PASS
