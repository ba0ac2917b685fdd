# Sourced by matrix.sh: fetches a Debian kernel package into the cache, unpacks it and builds
# the guest's initramfs. Everything lands under $VM_CACHE, outside the repository; a second
# run finds it there and downloads nothing.
#   kernel_prepare SERIES   (5.10, 6.1) sets KERNEL_VERSION, KERNEL_IMAGE, KERNEL_INITRD

VM_CACHE="${NETRACKER_VM_CACHE:-/var/cache/netracker-vm}"
VM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# What the init loads before it can mount the host (the virtio transport and 9p). Everything
# else is loaded in the guest by the host's modprobe from the kernel's own tree.
BOOT_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

# Debian 11's kernel comes from its own suite, added in a source list of its own and pinned so
# this host never installs anything else from it.
ensure_bullseye_source() {
	local list=/etc/apt/sources.list.d/netracker-bullseye.sources pref=/etc/apt/preferences.d/netracker-bullseye.pref
	if ! cmp -s "$VM_DIR/bullseye.sources" "$list" || ! cmp -s "$VM_DIR/bullseye.pref" "$pref"; then
		vm_say "adding Debian 11 (bullseye) as an apt source for its kernel: $list"
		install -m 0644 "$VM_DIR/bullseye.pref" "$pref"
		install -m 0644 "$VM_DIR/bullseye.sources" "$list"
		apt-get update -qq || vm_die "apt-get update failed after adding $list"
	fi
}

# The newest linux-image-SERIES.0-N-amd64-unsigned the apt lists know, e.g. 6.1.0-57-amd64.
kernel_package() {
	apt-cache search --names-only "^linux-image-${1//./\\.}\\.0-[0-9]+-amd64-unsigned\$" \
		| cut -d' ' -f1 | sort -V | tail -n 1
}

kernel_prepare() {
	local series="$1" package deb tree
	[ "$series" = 5.10 ] && ensure_bullseye_source
	package="$(kernel_package "$series")"
	if [ -z "$package" ]; then
		apt-get update -qq || true
		package="$(kernel_package "$series")"
	fi
	[ -n "$package" ] || vm_die "no linux-image-$series.0-*-amd64-unsigned package in the apt sources (apt-cache search)"
	KERNEL_VERSION="${package#linux-image-}"
	KERNEL_VERSION="${KERNEL_VERSION%-unsigned}"
	mkdir -p "$VM_CACHE/debs" "$VM_CACHE/kernels"
	deb="$(ls "$VM_CACHE/debs/${package}"_*.deb 2>/dev/null | sort -V | tail -n 1)"
	if [ -z "$deb" ]; then
		vm_say "downloading $package into $VM_CACHE/debs"
		(cd "$VM_CACHE/debs" && apt-get download -q "$package" >/dev/null 2>&1) \
			|| vm_die "apt-get download $package failed"
		deb="$(ls "$VM_CACHE/debs/${package}"_*.deb | sort -V | tail -n 1)"
	fi
	tree="$VM_CACHE/kernels/$KERNEL_VERSION"
	if [ ! -f "$tree/.unpacked" ]; then
		vm_say "unpacking $(basename "$deb")"
		rm -rf "$tree"
		dpkg-deb -x "$deb" "$tree" || vm_die "dpkg-deb -x $deb failed"
		# The package leaves modules.dep to its postinst; the guest's modprobe needs it.
		depmod -b "$tree" "$KERNEL_VERSION" || vm_die "depmod for $KERNEL_VERSION failed"
		touch "$tree/.unpacked"
	fi
	KERNEL_TREE="$tree"
	KERNEL_IMAGE="$tree/boot/vmlinuz-$KERNEL_VERSION"
	[ -f "$KERNEL_IMAGE" ] || vm_die "$deb has no boot/vmlinuz-$KERNEL_VERSION"
	KERNEL_INITRD="$VM_CACHE/initrd-$KERNEL_VERSION.cpio.gz"
	if [ ! -f "$KERNEL_INITRD" ] || [ "$VM_DIR/init" -nt "$KERNEL_INITRD" ] || [ "$VM_DIR/kernels.sh" -nt "$KERNEL_INITRD" ]; then
		build_initrd
	fi
}

# busybox, the boot modules in load order (modules.dep via modprobe --show-depends) and init.
build_initrd() {
	local staging module line ko
	staging="$(mktemp -d)"
	mkdir -p "$staging"/{bin,dev,proc,sys,newroot,modules}
	cp /bin/busybox "$staging/bin/busybox" || vm_die "busybox-static is not installed"
	install -m 0755 "$VM_DIR/init" "$staging/init"
	: >"$staging/modules/order"
	for module in "${BOOT_MODULES[@]}"; do
		modprobe -d "$KERNEL_TREE" -S "$KERNEL_VERSION" --show-depends "$module" >"$staging/deps" \
			|| vm_die "module $module is not in $KERNEL_VERSION"
		while read -r line; do
			case "$line" in
			insmod\ *)
				ko="${line#insmod }"
				ko="${ko%% *}"
				if ! grep -qxF "$(basename "$ko")" "$staging/modules/order"; then
					cp "$ko" "$staging/modules/"
					basename "$ko" >>"$staging/modules/order"
				fi
				;;
			esac
		done <"$staging/deps"
	done
	rm -f "$staging/deps"
	(cd "$staging" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$KERNEL_INITRD.tmp" \
		|| vm_die "cpio of the initramfs failed"
	mv "$KERNEL_INITRD.tmp" "$KERNEL_INITRD"
	rm -rf "$staging"
}
