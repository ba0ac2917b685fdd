#!/usr/bin/env bash
# Builds NeTracker's packages: artifacts/netracker_VERSION_amd64.deb and
# artifacts/netracker-VERSION-linux-x64.tar.gz, from one self-contained publish (no .NET, clang
# or SDK on the target). The tree, in both:
#   /opt/netracker/web/     the dashboard (self-contained; bpf/ holds the prebuilt BPF objects)
#   /opt/netracker/probe/   the console tool and agent (self-contained; bpf/ likewise)
#   /usr/bin/netracker      -> /opt/netracker/probe/NeTracker.Probe
#   /etc/netracker/         appsettings.json (the dashboard's), agent.env (the agent's): conffiles
#   /lib/systemd/system/    netracker.service (dashboard), netracker-agent.service (agent)
# Usage: packaging/build.sh [OUTPUT_DIR]   (default: artifacts/)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/packaging"
OUT="$(realpath -m "${1:-$ROOT/artifacts}")"
VERSION="$(tr -d '[:space:]' < "$ROOT/VERSION")"
RID=linux-x64
ARCH=amd64
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '\033[1;34m[package]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[package] error:\033[0m %s\n' "$*" >&2; exit 1; }

# What the self-contained runtime and the product call at run time (no .NET, no clang):
#   libc6 libgcc-s1 libstdc++6 zlib1g   the .NET runtime and DuckDB's native library
#   libssl3                             TLS (https hubs, PostgreSQL over TLS)
#   libicu                              globalization (ICU; bookworm 72, trixie 76)
#   iproute2 (tc, ip)  bpftool (loads the cgroup programs: NeTracker.Probe/Owner)  mount (tracefs/bpffs)
DEPENDS="libc6 (>= 2.27), libgcc-s1, libstdc++6, zlib1g, libssl3 | libssl3t64, libicu72 | libicu76 | libicu74 | libicu71, iproute2, bpftool, mount"

stage="$OUT/stage"
pkg="$stage/netracker_${VERSION}_$ARCH"
rm -rf "$stage"
mkdir -p "$pkg/opt/netracker" "$OUT"
# One version in OUT: the Dockerfile takes the only .deb there.
rm -f "$OUT"/netracker_*_"$ARCH".deb "$OUT"/netracker-*-"$RID".tar.gz

for project in Web Probe; do
	dir="$pkg/opt/netracker/$(echo "$project" | tr '[:upper:]' '[:lower:]')"
	say "publishing NeTracker.$project ($RID, self-contained) -> ${dir#"$pkg"}"
	dotnet publish "$ROOT/NeTracker.$project/NeTracker.$project.csproj" -c Release -r "$RID" --self-contained \
		-p:DebugType=None -p:GenerateDocumentationFile=false -nologo -v quiet -o "$dir" >&2 \
		|| die "dotnet publish NeTracker.$project failed"
	# The prebuilt BPF objects must be in the publish output (bpf/bpf.targets copies them).
	for o in netracker netracker_compat netracker_trace netracker_sock; do
		[ -s "$dir/bpf/$o.bpf.o" ] || die "NeTracker.$project's publish output has no bpf/$o.bpf.o"
	done
done

# Both trees carry the same runtime: a file of the probe's that is byte-identical to the
# dashboard's becomes a hard link to it (tar and dpkg keep hard links), about half the size.
(cd "$pkg/opt/netracker/probe" && find . -type f -print0) | while IFS= read -r -d '' f; do
	if [ -f "$pkg/opt/netracker/web/$f" ] && cmp -s "$pkg/opt/netracker/probe/$f" "$pkg/opt/netracker/web/$f"; then
		ln -f "$pkg/opt/netracker/web/$f" "$pkg/opt/netracker/probe/$f"
	fi
done

# The dashboard's settings live in /etc: its content root links appsettings.Production.json there.
install -D -m 0644 "$HERE/etc/appsettings.json" "$pkg/etc/netracker/appsettings.json"
install -D -m 0600 "$HERE/etc/agent.env" "$pkg/etc/netracker/agent.env"
ln -s /etc/netracker/appsettings.json "$pkg/opt/netracker/web/appsettings.Production.json"
install -D -m 0644 "$HERE/systemd/netracker.service" "$pkg/lib/systemd/system/netracker.service"
install -D -m 0644 "$HERE/systemd/netracker-agent.service" "$pkg/lib/systemd/system/netracker-agent.service"
mkdir -p "$pkg/usr/bin"
ln -s /opt/netracker/probe/NeTracker.Probe "$pkg/usr/bin/netracker"
install -D -m 0644 "$ROOT/VERSION" "$pkg/opt/netracker/VERSION"

say "tarball"
tarball="$OUT/netracker-$VERSION-$RID.tar.gz"
tar -C "$pkg" --owner=0 --group=0 -czf "$tarball" opt etc lib usr

say "deb"
mkdir -p "$pkg/DEBIAN"
install -m 0755 "$HERE/debian/postinst" "$HERE/debian/prerm" "$HERE/debian/postrm" "$pkg/DEBIAN/"
printf '/etc/netracker/appsettings.json\n/etc/netracker/agent.env\n' > "$pkg/DEBIAN/conffiles"
size_kb="$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)"
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: netracker
Version: $VERSION
Architecture: $ARCH
Maintainer: NeTracker <netracker@localhost>
Installed-Size: $size_kb
Depends: $DEPENDS
Section: net
Priority: optional
Description: TCP connection lifetimes at the TC hooks, with eBPF
 NeTracker follows every TCP connection with eBPF programs at the traffic-control
 ingress and egress hooks and shows them on a dashboard (netracker.service), on the
 console (netracker watch) or pushes them to a central dashboard (netracker-agent.service).
CONTROL
deb="$OUT/netracker_${VERSION}_$ARCH.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null || die "dpkg-deb failed"
rm -rf "$stage"
say "$(du -h "$deb" | cut -f1) $deb"
say "$(du -h "$tarball" | cut -f1) $tarball"
echo "$deb"
