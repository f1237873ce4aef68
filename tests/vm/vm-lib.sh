# Shared by the VM harnesses (run-vm.sh: the module alone; run-lnet.sh: LNet
# over lu2k in several VMs). Sourced with $top set to the repository.
#
#   vm_kver                 sets KVER: the installed linux-headers-amd64's version
#   vm_kernel_cache         sets cache, kmods: Debian's image, extracted once into
#                           build/vm/kernel-KVER (call with build/vm/.lock held)
#   vm_copy_with_libs R F D copy program F to R/D with its shared libraries
#   vm_add_mod R NAME       kernel module NAME of the image and what it depends
#                           on into R/mod/, appended in load order to R/mod/order
# Each returns non-zero with a message on stderr when it cannot.

vm_kver() {
	if [ -z "${KVER:-}" ]; then
		KVER=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
			sed -n 's/.*linux-headers-\([^ ,]*-amd64\).*/\1/p')
	fi
	[ -n "${KVER:-}" ] || KVER=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V |
		tail -n 1 | sed 's|.*/linux-headers-||')
	[ -n "$KVER" ] && [ -d "/usr/src/linux-headers-$KVER" ] ||
		{ echo "no linux-headers-*-amd64 installed" >&2; return 1; }
}

vm_kernel_cache() {
	local dl
	cache=$top/build/vm/kernel-$KVER
	kmods=$cache/lib/modules/$KVER
	[ -f "$cache/boot/vmlinuz-$KVER" ] && [ -f "$kmods/modules.dep" ] && return 0
	dl=$(mktemp -d "$top/build/vm-dl.XXXXXX")
	if ! ( cd "$dl" && { timeout 300 apt-get download -q "linux-image-$KVER" >/dev/null 2>&1 ||
		timeout 300 apt-get download -q "linux-image-$KVER-unsigned" >/dev/null 2>&1; } ); then
		rm -rf "$dl"
		echo "cannot download linux-image-$KVER" >&2
		return 1
	fi
	mkdir -p "$dl/x"
	dpkg-deb -x "$dl"/linux-image-*.deb "$dl/x"
	depmod -b "$dl/x" "$KVER"
	rm -rf "$cache" && mkdir -p "$(dirname "$cache")" && mv "$dl/x" "$cache"
	rm -rf "$dl"
}

vm_copy_with_libs() {
	local root=$1 f=$2 dst=$3 lib
	mkdir -p "$root$(dirname "$dst")"
	cp "$f" "$root$dst"
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# Compressed modules (newer Debian kernels) are unpacked: busybox's insmod
# takes plain .ko files.
vm_add_mod() {
	local root=$1 name=$2 line path dep ko
	line=$(grep -E "(^|/)$name\.ko(\.[a-z]+)?:" "$kmods/modules.dep") || return 0
	path=${line%%:*}
	ko=${path%%.ko*}.ko
	grep -qx "$ko" "$root/mod/order" 2>/dev/null && return 0
	for dep in ${line#*:}; do
		vm_add_mod "$root" "$(basename "${dep%%.ko*}")"
	done
	mkdir -p "$root/mod/$(dirname "$path")"
	case $path in
	*.ko.xz) xz -dc "$kmods/$path" >"$root/mod/$ko" ;;
	*.ko.zst) zstd -qdc "$kmods/$path" >"$root/mod/$ko" ;;
	*.ko.gz) gzip -dc "$kmods/$path" >"$root/mod/$ko" ;;
	*) cp "$kmods/$path" "$root/mod/$ko" ;;
	esac
	echo "$ko" >>"$root/mod/order"
}
