# Shared by the VM harnesses (run-vm.sh: the module alone; run-lnet.sh: LNet
# over lu2k in several VMs). Sourced with $top set to the repository.
#
#   vm_kver                 sets KVER: the installed linux-headers-amd64's version
#   vm_kernel_cache         sets cache, kmods: Debian's image, extracted once into
#                           build/vm/kernel-KVER (call with build/vm/.lock held)
#   vm_copy_with_libs R F D copy program F to R/D with its shared libraries
#   vm_add_mod R NAME       kernel module NAME of the image and what it depends
#                           on into R/mod/, appended in load order to R/mod/order
#   vm_find_lustre TYPE OK  sets L: a built Lustre tree ($LUSTRE or /usr/src/lustre-*)
#   vm_build RUN            lu2klnd.ko against $L into RUN/kernel, lu2kd and lu2kctl
#                           into $ubuild
#   vm_pack ROOT            ROOT packed into $run/initrd.gz
#   vm_free_port            a free UDP port on loopback, for a qemu socket link
#   vm_boot ROLE N MEM SECS MAC  one VM of several (their links in ${nics[ROLE]})
#   vm_oopsed LOG           whether a console shows a panic, an oops or a warning
#   vm_no_qemu LOG          whether qemu could not start at all (the reason on stdout)
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

# vm_find_lustre TYPE OK_FN: sets L to a built Lustre tree for LNet type TYPE:
# $LUSTRE if set (empty L when OK_FN refuses it), else the newest
# /usr/src/lustre-* that OK_FN accepts, for gip an unmodified one first (gip
# is what sites run; a tree edited by scripts/lnet-add-lu2k-type also has it).
vm_find_lustre() {
	local type=$1 ok=$2 d
	L=
	if [ -n "${LUSTRE:-}" ]; then
		"$ok" "$LUSTRE" && L=$(cd "$LUSTRE" && pwd)
		return 0
	fi
	for d in $(ls -d /usr/src/lustre-* 2>/dev/null | sort -rV); do
		"$ok" "$d" || continue
		[ -z "$L" ] && L=$d
		if [ "$type" = gip ] && ! grep -q LU2KLND "$d/lnet/include/uapi/linux/lnet/nidstr.h"; then
			L=$d
			break
		fi
	done
}

# vm_build RUN: lu2klnd.ko with its LNet glue against $L into RUN/kernel, and
# plain builds of lu2kd and lu2kctl into $ubuild (set here). Non-zero with
# the build's output shown when one fails.
vm_build() {
	local run=$1
	mkdir -p "$run/kernel"
	cp "$top"/kernel/Kbuild "$top"/kernel/Makefile "$top"/kernel/lnet-probe.sh \
		"$top"/kernel/*.[ch] "$run/kernel/"
	rm -f "$run"/kernel/*.mod.c
	timeout 600 make -s -C "$run/kernel" KDIR="/usr/src/linux-headers-$KVER" LUSTRE="$L" \
		LU2K_INCLUDE="$top/include" >"$run/kbuild.log" 2>&1 ||
		{ cat "$run/kbuild.log"; echo "lu2klnd build against $L failed" >&2; return 1; }
	ubuild=$top/build/vm/user
	timeout 600 make -s -C "$top" -j"$(nproc)" O="$ubuild" "$ubuild/bin/lu2kd" \
		"$ubuild/bin/lu2kctl" >"$run/ubuild.log" 2>&1 ||
		{ cat "$run/ubuild.log"; echo "user-space build (lu2kd) failed" >&2; return 1; }
}

# vm_setup NAME: what every multi-VM harness needs before it packs an
# initramfs: the packages, qemu, the kernel image (under build/vm/.lock, left
# held on fd 9 for the caller's builds), and a run folder build/vm/NAME.XXXXXX
# in $run that vm_cleanup removes (unless LU2K_VM_KEEP=1) after stopping the
# qemu processes in $pids. Calls the caller's skip/fail.
vm_setup() {
	"$top/scripts/install-deps" build vm ||
		skip "missing packages for the VM test (run scripts/install-deps vm as root)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
	vm_kver 2>/dev/null || skip "no linux-headers-*-amd64 installed"
	mkdir -p "$top/build/vm"
	exec 9>"$top/build/vm/.lock"
	flock -w 900 9 || fail "build/vm/.lock stayed taken"
	vm_kernel_cache || skip "cannot download linux-image-$KVER"
	run=$(mktemp -d "$top/build/vm/$1.XXXXXX")
	pids=
	trap vm_cleanup EXIT
}

vm_cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	[ "${LU2K_VM_KEEP:-0}" = 1 ] || rm -rf "$run"
}

vm_pack() {
	(cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) >"$run/initrd.gz"
}

vm_free_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# vm_boot ROLE N MEM SECS MAC: a VM of one core (the machine has two) in the
# background, from $run/initrd.gz, with MEM MiB, killed after SECS; its
# console in $run/console-ROLE.log. Its links are ${nics[ROLE]}, each
# "LOCALPORT:PEERPORT" of a qemu UDP socket pair on loopback (a stream socket
# lost its framing under load and cut the link for good); MAC (two hex digits)
# and N tell the harnesses' and the VMs' MAC addresses apart. Adds its pid to
# $pids (vm_cleanup stops them) and sets pid_ROLE.
vm_boot() {
	local role=$1 n=$2 mem=$3 secs=$4 mac=$5 i=0 args=() nic
	for nic in ${nics[$role]}; do
		args+=(-netdev "socket,id=n$i,localaddr=127.0.0.1:${nic%%:*},udp=127.0.0.1:${nic##*:}"
			-device "virtio-net-pci,netdev=n$i,mac=52:54:00:$mac:0$n:0$i")
		i=$((i + 1))
	done
	timeout -k 10 "$secs" qemu-system-x86_64 -accel tcg -machine q35 \
		-cpu max -smp 1 -m "$mem" -nographic -no-reboot -nodefaults \
		-serial stdio -kernel "$cache/boot/vmlinuz-$KVER" -initrd "$run/initrd.gz" \
		"${args[@]}" \
		-append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 quiet loglevel=${LU2K_VM_LOGLEVEL:-4} lu2k.role=$role" \
		</dev/null >"$run/console-$role.log" 2>&1 &
	pids="$pids $!"
	eval "pid_$role=$!"
}

# Slab debugging reports ("BUG kmalloc-64 ...") do not panic: they count too.
vm_oopsed() {
	grep -aq 'Kernel panic\|BUG:\|BUG \|WARNING:\|general protection' "$1"
}

# qemu's own complaint when the guest never reached its init (the console's
# escape codes may come first on that line): a VM that ran and then failed
# or ran out of time is not a machine without qemu
vm_no_qemu() {
	! grep -aq 'LU2K-VM: init' "$1" && grep -m1 '^qemu-system-x86_64: ' "$1"
}
