#!/usr/bin/env bash
# Builds the Debian packages of the city platform with dpkg-deb (docs/packaging.md):
#   city-edge     the cabinet gateway daemon (edge) and the technician's tool (edgectl)
#   city-central  the city's ingestion service (central)
# for amd64 (linux-x64) and arm64 (linux-arm64). Each program is published with exactly
#   dotnet publish <project> -c Release -r <rid> -o <dir>
# (the publish settings live in the project files), then staged under /usr/lib/<package>/ with links in /usr/bin, its
# systemd unit, its example configuration in /etc/<package>/ (a conffile) and its maintainer scripts (packaging/debian/).
# Usage: ./package.sh [--arch amd64|arm64|all] [--out DIR]      (default: all, dist/)
# Needs: the .NET SDK, dpkg-deb (dpkg), python3. Prints each package's size and its programs' sizes.
set -euo pipefail

root=$(cd "$(dirname "$0")" && pwd)
arch=all
out=dist
while [ $# -gt 0 ]; do
  case $1 in
    --arch) arch=${2:?--arch needs amd64, arm64 or all}; shift 2 ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument '$1' (--arch amd64|arm64|all, --out DIR)" >&2; exit 2 ;;
  esac
done
case $arch in
  all) arches=(amd64 arm64) ;;
  amd64|arm64) arches=("$arch") ;;
  *) echo "package.sh: --arch must be amd64, arm64 or all, not '$arch'" >&2; exit 2 ;;
esac
for tool in dotnet dpkg-deb python3; do
  command -v "$tool" >/dev/null || { echo "package.sh: $tool is missing" >&2; exit 1; }
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -n1)
[ -n "$version" ] || { echo "package.sh: no <Version> in Directory.Build.props" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/city-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
debian="$root/packaging/debian"

rid_of() { case $1 in amd64) echo linux-x64 ;; arm64) echo linux-arm64 ;; esac; }

publish() { # project output-dir rid
  echo "== dotnet publish $1 -c Release -r $3" >&2
  dotnet publish "$root/$1" -c Release -r "$3" -o "$2" --nologo -v quiet >&2
}

# Copies a publish directory into the package's program directory; a file both programs ship must be the same file.
merge_into() { # from to
  local from=$1 to=$2 name
  mkdir -p "$to"
  while IFS= read -r -d '' name; do
    name=${name#"$from"/}
    case $name in *.pdb|*.dbg|web.config) continue ;; esac   # debugging symbols and IIS's file stay out
    if [ -e "$to/$name" ]; then
      cmp -s "$from/$name" "$to/$name" || { echo "package.sh: $name differs between two programs of one package" >&2; exit 1; }
    else
      mkdir -p "$(dirname "$to/$name")"
      cp -p "$from/$name" "$to/$name"
    fi
  done < <(find "$from" -type f -print0)
}

control() { # package arch description-line depends
  local size
  size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
  cat > "$stage/DEBIAN/control" <<EOF
Package: $1
Version: $version
Architecture: $2
Maintainer: City street-equipment platform <platform@city.invalid>
Installed-Size: $size
Depends: libc6, libgcc-s1, libstdc++6, zlib1g, libssl3 | libssl3t64, passwd
Section: net
Priority: optional
Homepage: https://city.invalid/platform
Description: $3
$4
EOF
}

scripts() { # package
  local script
  for script in postinst prerm postrm; do
    install -m 0755 "$debian/$1.$script" "$stage/DEBIAN/$script"
  done
  install -m 0644 "$debian/$1.conffiles" "$stage/DEBIAN/conffiles"
}

build_deb() { # package arch programs...
  local deb="$out/${1}_${version}_$2.deb" program
  find "$stage" -type d -exec chmod 0755 {} +
  # Modes as Debian wants them, whatever the NuGet cache gave: programs 0755, everything else 0644.
  find "$stage/usr/lib/$1" -type f -exec chmod 0644 {} +
  for program in "${@:3}"; do
    chmod 0755 "$stage/usr/lib/$1/$program"
  done
  dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
  echo "$deb"
}

sizes=()
for a in "${arches[@]}"; do
  rid=$(rid_of "$a")

  # city-edge: edge and edgectl side by side in /usr/lib/city-edge.
  stage="$work/city-edge_$a"
  publish edge/Edge/Edge.csproj "$work/pub-edge-$a" "$rid"
  publish edge/EdgeCtl/EdgeCtl.csproj "$work/pub-edgectl-$a" "$rid"
  merge_into "$work/pub-edge-$a" "$stage/usr/lib/city-edge"
  merge_into "$work/pub-edgectl-$a" "$stage/usr/lib/city-edge"
  # The defaults next to the binary without the demonstration's devices and site: the site file brings its own.
  python3 "$debian/package-defaults.py" edge "$stage/usr/lib/city-edge/appsettings.json"
  mkdir -p "$stage/usr/bin" "$stage/usr/lib/systemd/system" "$stage/etc/city-edge" "$stage/usr/share/doc/city-edge" "$stage/DEBIAN"
  ln -s ../lib/city-edge/edge "$stage/usr/bin/edge"
  ln -s ../lib/city-edge/edgectl "$stage/usr/bin/edgectl"
  install -m 0644 "$root/edge/edge.service" "$stage/usr/lib/systemd/system/city-edge.service"
  install -m 0644 "$debian/edge.json.example" "$stage/etc/city-edge/edge.json.example"
  install -m 0644 "$root/edge/README.md" "$stage/usr/share/doc/city-edge/README.md"
  install -m 0644 "$root/docs/packaging.md" "$stage/usr/share/doc/city-edge/packaging.md"
  control city-edge "$a" "City street-cabinet gateway (edge) and technician tool (edgectl)" \
" The edge daemon polls a street cabinet's field devices (Modbus, SNMP, DALI), buffers the
 readings on disk and forwards them to central over MQTT with TLS; edgectl talks to it
 through its local socket /run/city-edge/edgectl.sock. Runs as city-edge (group dialout
 for the serial ports) under the city-edge.service unit, with a systemd watchdog."
  scripts city-edge
  edge_deb=$(build_deb city-edge "$a" edge edgectl)

  # city-central: central in /usr/lib/city-central; its appsettings.json is the conffile in /etc/city-central.
  stage="$work/city-central_$a"
  publish central/Central/Central.csproj "$work/pub-central-$a" "$rid"
  merge_into "$work/pub-central-$a" "$stage/usr/lib/city-central"
  mkdir -p "$stage/usr/bin" "$stage/usr/lib/systemd/system" "$stage/etc/city-central" "$stage/usr/share/doc/city-central" "$stage/DEBIAN"
  python3 "$debian/package-defaults.py" central "$stage/usr/lib/city-central/appsettings.json"
  mv "$stage/usr/lib/city-central/appsettings.json" "$stage/etc/city-central/appsettings.json"
  chmod 0644 "$stage/etc/city-central/appsettings.json"
  ln -s /etc/city-central/appsettings.json "$stage/usr/lib/city-central/appsettings.json"
  ln -s ../lib/city-central/central "$stage/usr/bin/central"
  install -m 0644 "$root/central/central.service" "$stage/usr/lib/systemd/system/city-central.service"
  install -m 0644 "$root/central/README.md" "$stage/usr/share/doc/city-central/README.md"
  install -m 0644 "$root/docs/packaging.md" "$stage/usr/share/doc/city-central/packaging.md"
  control city-central "$a" "City central ingestion service (MQTT gateways -> store -> HTTP API)" \
" Central admits the street cabinets' gateways over MQTT with TLS (an embedded broker by
 default), stores their readings and serves the city's HTTP API and operator page. Runs as
 city-central under the city-central.service unit; state in /var/lib/city-central."
  scripts city-central
  central_deb=$(build_deb city-central "$a" central)

  for deb in "$edge_deb" "$central_deb"; do
    sizes+=("$(printf '%-44s %8s KiB (installed %s KiB)' "$(basename "$deb")" "$(( $(stat -c %s "$deb") / 1024 ))" "$(dpkg-deb -f "$deb" Installed-Size)")")
  done
  for program in city-edge/edge city-edge/edgectl city-central/central; do
    file="$work/${program%%/*}_$a/usr/lib/$program"
    sizes+=("$(printf '  %-42s %8s KiB  (%s files in /usr/lib/%s)' "$a ${program#*/}" "$(( $(stat -c %s "$file") / 1024 ))" \
      "$(find "$work/${program%%/*}_$a/usr/lib/${program%%/*}" -type f | wc -l)" "${program%%/*}")")
  done
done

echo "== packages in $out"
printf '%s\n' "${sizes[@]}"
