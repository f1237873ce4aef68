#!/bin/bash
# scripts/build-deb, then both packages into a clean root with dpkg (the
# maintainer scripts skip what only a live system does, as DPKG_ROOT says):
# their files (and no test program), Depends, conffiles kept across a
# reinstall, the installed programs run, purge leaves nothing behind. Then
# DKMS builds lu2klnd.ko from the installed sources in a DKMS tree of the
# test's own, with the LNet glue when a built Lustre tree for that kernel is
# on this machine ($LUSTRE, /usr/src/lustre-*), without it otherwise.
. "$(dirname "$0")/../lib/common.sh"
t_require_root
for t in dpkg dpkg-deb dpkg-shlibdeps; do
	command -v $t >/dev/null || t_skip "no $t (dpkg-dev)"
done
version=$(sed -n 's/^#define LU2K_VERSION_STR "\(.*\)"$/\1/p' "$T_TOP/include/lu2k/version.h")
arch=$(dpkg --print-architecture)
deb=$T_DIR/deb
t_log "scripts/build-deb"
timeout 500 "$T_TOP/scripts/build-deb" -o "$deb" -b "$T_DIR/build" >"$T_DIR/build-deb.log" 2>&1 ||
	t_fail "build-deb failed: $(tail -n 20 "$T_DIR/build-deb.log")"
main=$deb/lu2k_${version}_${arch}.deb dkms=$deb/lu2k-dkms_${version}_all.deb
[ -f "$main" ] && [ -f "$dkms" ] || t_fail "build-deb made: $(ls "$deb")"

field() { dpkg-deb -f "$1" "$2"; }
[ "$(field "$main" Package)" = lu2k ] && [ "$(field "$main" Version)" = "$version" ] ||
	t_fail "lu2k's control: $(dpkg-deb -f "$main")"
[[ $(field "$main" Depends) == *"libc6 (>= "* ]] || t_fail "lu2k Depends: '$(field "$main" Depends)'"
[[ $(field "$dkms" Depends) == *dkms* ]] || t_fail "lu2k-dkms does not depend on dkms"
dpkg-deb -c "$main" | grep -Eq 'lu2kd_e2e|lu2kd_evil|chan-|udt-interop|bench-' &&
	t_fail "a test program is in lu2k: $(dpkg-deb -c "$main" | grep -E 'e2e|evil|chan-|interop|bench-')"
t_log "control fields ok: $(field "$main" Depends)"

# A root of our own, with an empty dpkg database.
root=$T_DIR/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: >"$root/var/lib/dpkg/status"
dpkgr() { timeout 120 dpkg --root="$root" --force-script-chrootless --force-depends \
	--log="$T_DIR/dpkg.log" "$@"; }
dpkgr -i "$main" "$dkms" >"$T_DIR/install.log" 2>&1 || t_fail "dpkg -i: $(tail "$T_DIR/install.log")"
for p in lu2k lu2k-dkms; do
	st=$(dpkg --root="$root" -s "$p" 2>/dev/null | sed -n 's/^Status: //p')
	[ "$st" = "install ok installed" ] || t_fail "$p: status '$st'"
done
for f in usr/sbin/lu2kd usr/bin/lu2kctl usr/bin/lu2k-perf usr/bin/lu2k-linkem usr/bin/lu2k-udt \
	usr/lib/systemd/system/lu2kd.service etc/lu2k/lu2kd.conf usr/share/man/man8/lu2kd.8.gz \
	usr/share/man/man5/lu2kd.conf.5.gz usr/share/doc/lu2k/copyright \
	"usr/src/lu2k-$version/dkms.conf" "usr/src/lu2k-$version/kernel/Kbuild" \
	"usr/src/lu2k-$version/include/uapi/lu2k.h"; do
	[ -f "$root/$f" ] || t_fail "not installed: $f"
done
(cd "$root" && md5sum --quiet -c var/lib/dpkg/info/lu2k.md5sums) || t_fail "lu2k's md5sums do not match"
for p in sbin/lu2kd bin/lu2kctl bin/lu2k-perf bin/lu2k-linkem bin/lu2k-udt bin/lu2k-keygen; do
	out=$(timeout 10 "$root/usr/$p" --version 2>&1) || t_fail "installed $p --version failed"
	[[ $out == "$(basename "$p") $version"* ]] || t_fail "installed $p --version: $out"
done
out=$(timeout 10 "$root/usr/sbin/lu2kd" --check-config -c "$root/etc/lu2k/lu2kd.conf" 2>&1) ||
	t_fail "the packaged lu2kd.conf does not pass --check-config: $out"
t_log "installed into a clean root; the programs run; the default config checks OK"

# An admin's edit of a conffile survives a reinstall; purge removes it all.
echo 'port = 7999' >>"$root/etc/lu2k/lu2kd.conf"
dpkgr --force-confold -i "$main" >>"$T_DIR/install.log" 2>&1 || t_fail "reinstall failed"
grep -qx 'port = 7999' "$root/etc/lu2k/lu2kd.conf" || t_fail "a reinstall lost the admin's lu2kd.conf"
dpkgr --purge lu2k lu2k-dkms >>"$T_DIR/install.log" 2>&1 || t_fail "purge: $(tail "$T_DIR/install.log")"
left=$(cd "$root" && find . -path ./var -prune -o ! -type d -print)
[ -z "$left" ] || t_fail "purge left files behind: $left"
[ ! -e "$root/etc/lu2k" ] || t_fail "purge left /etc/lu2k"
t_log "conffile kept across a reinstall; purge leaves nothing"

# DKMS, in a tree of our own: the module from the packaged sources.
command -v dkms >/dev/null || t_skip "no dkms (scripts/install-deps installs it): packages ok, DKMS build not tried"
kver=
for b in /lib/modules/*/build; do [ -e "$b/Makefile" ] && kver=$(basename "$(dirname "$b")") && break; done
[ -n "$kver" ] || t_skip "no kernel headers under /lib/modules/*/build: packages ok, DKMS build not tried"
src=$T_DIR/src
mkdir -p "$src"
dpkg-deb -x "$dkms" "$T_DIR/dkmsroot"
mv "$T_DIR/dkmsroot/usr/src/lu2k-$version" "$src/"
# DKMS makes a signing key on its first use; one the test made is removed again.
for k in /var/lib/dkms/mok.key /var/lib/dkms/mok.pub; do
	[ -e "$k" ] || t_defer rm -f "$k"
done
lustre=
fits() { [ -f "$1/Module.symvers" ] && [ -f "$1/config.h" ] &&
	[ "$(modinfo -F vermagic "$1/lnet/lnet/lnet.ko" 2>/dev/null | cut -d' ' -f1)" = "$kver" ]; }
for t in ${LUSTRE:-} $(ls -d /usr/src/lustre-* 2>/dev/null | sort -rV); do
	fits "$t" && { lustre=$t; break; }
done
dk=$T_DIR/dkms
mkdir -p "$dk"
dkmsr() { LUSTRE=$lustre LU2K_DKMS_CONF=$T_DIR/none.conf timeout 400 dkms "$@" -m lu2k -v "$version" \
	--sourcetree "$src" --dkmstree "$dk"; }
dkmsr add >"$T_DIR/dkms.log" 2>&1 || t_fail "dkms add: $(tail "$T_DIR/dkms.log")"
t_log "dkms build for $kver (LNet glue: ${lustre:-none found})"
dkmsr build -k "$kver" >>"$T_DIR/dkms.log" 2>&1 ||
	t_fail "dkms build: $(tail -n 20 "$T_DIR/dkms.log"; cat "$dk/lu2k/$version/build/make.log" 2>/dev/null | tail -n 20)"
ko=$(find "$dk/lu2k/$version/$kver" -name 'lu2klnd.ko*' | head -n 1)
[ -n "$ko" ] || t_fail "dkms build made no lu2klnd.ko"
[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ] || t_fail "lu2klnd.ko is not for $kver"
deps=$(modinfo -F depends "$ko")
if [ -n "$lustre" ]; then
	[[ ,$deps, == *,lnet,* ]] || t_fail "built with $lustre but lu2klnd.ko does not depend on lnet ($deps)"
else
	[[ ,$deps, != *,lnet,* ]] || t_fail "no Lustre tree, yet lu2klnd.ko depends on lnet"
fi
t_log "dkms: lu2klnd.ko for $kver, depends '$deps'"
echo PASS
