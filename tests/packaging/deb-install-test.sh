#!/usr/bin/env bash
# Installs, checks, removes and purges the amd64 packages of ./package.sh on this machine (docs/packaging.md, "Testing").
# Not part of ./test.sh: publishing takes minutes. Needs root and dpkg; works without systemd as PID 1 (a container):
# the maintainer scripts then set up files, users and the unit's enablement only, and this script plays systemd's part
# for one run of the installed edge (its runtime directory, a NOTIFY_SOCKET of its own) to check READY=1, WATCHDOG=1 and
# that edgectl finds the edge's socket at /run/city-edge/edgectl.sock.
# Usage: tests/packaging/deb-install-test.sh [--debs DIR]   (DIR: packages already built; default: build them into a temp dir)
# Exit 0: every check passed; 1: the failed checks are listed.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
debs=
case ${1:-} in
  --debs) debs=${2:?--debs needs a directory} ;;
  "") ;;
  *) echo "usage: $0 [--debs DIR]" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "deb-install-test: needs root (dpkg -i)" >&2; exit 2; }
for package in city-edge city-central; do
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'installed'; then
    echo "deb-install-test: $package is already installed here; remove it first (dpkg -P $package)" >&2
    exit 2
  fi
done

work=$(mktemp -d /tmp/deb-install-test.XXXXXX)
edge_pid=
cleanup() {
  [ -n "$edge_pid" ] && kill "$edge_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$debs" ]; then
  debs="$work/dist"
  "$root/package.sh" --arch amd64 --out "$debs" || { echo "deb-install-test: package.sh failed" >&2; exit 1; }
fi
edge_deb=$(ls "$debs"/city-edge_*_amd64.deb 2>/dev/null | head -n1)
central_deb=$(ls "$debs"/city-central_*_amd64.deb 2>/dev/null | head -n1)
[ -f "$edge_deb" ] && [ -f "$central_deb" ] || { echo "deb-install-test: no amd64 packages in $debs" >&2; exit 2; }
version=$(dpkg-deb -f "$edge_deb" Version)

passed=0
failed=()
check() { # description command...
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then
    passed=$((passed + 1))
    echo "ok    $what"
  else
    failed+=("$what")
    echo "FAIL  $what"
  fi
}
owner_mode() { [ "$(stat -c '%U:%G %a' "$1")" = "$2" ]; }
in_group() { id -nG "$1" | tr ' ' '\n' | grep -qx "$2"; }
prints() { local expected=$1; shift; [ "$("$@" 2>&1 | head -n1)" = "$expected" ]; }
conffile() { dpkg-query -W -f='${Conffiles}\n' "$1" | awk '{print $1}' | grep -qx "$2"; }
absent() { ! [ -e "$1" ] && ! [ -L "$1" ]; }

echo "== dpkg -i $(basename "$edge_deb") $(basename "$central_deb")"
dpkg -i "$edge_deb" "$central_deb" || { echo "deb-install-test: dpkg -i failed" >&2; exit 1; }

echo "== installed"
check "edge and edgectl in /usr/lib/city-edge" test -x /usr/lib/city-edge/edge -a -x /usr/lib/city-edge/edgectl
check "central in /usr/lib/city-central" test -x /usr/lib/city-central/central
check "/usr/bin/edge, edgectl, central are links to them" \
  sh -c '[ "$(readlink -f /usr/bin/edge)" = /usr/lib/city-edge/edge ] && [ "$(readlink -f /usr/bin/edgectl)" = /usr/lib/city-edge/edgectl ] && [ "$(readlink -f /usr/bin/central)" = /usr/lib/city-central/central ]'
check "edge --version from /usr/bin prints $version" prints "$version" /usr/bin/edge --version
check "edgectl --version from /usr/bin prints $version" prints "$version" /usr/bin/edgectl --version
check "central --version from /usr/bin prints $version" prints "$version" /usr/bin/central --version
check "units city-edge.service and city-central.service" test -f /usr/lib/systemd/system/city-edge.service -a -f /usr/lib/systemd/system/city-central.service
check "user city-edge: system user, nologin, home /var/lib/city-edge" \
  sh -c 'getent passwd city-edge | awk -F: '\''$3 < 1000 && $6 == "/var/lib/city-edge" && $7 == "/usr/sbin/nologin" { ok=1 } END { exit !ok }'\'''
check "city-edge is in groups dialout and edgectl" bash -c "$(declare -f in_group); in_group city-edge dialout && in_group city-edge edgectl"
check "user city-central: system user, nologin" sh -c 'getent passwd city-central | awk -F: '\''$3 < 1000 && $7 == "/usr/sbin/nologin" { ok=1 } END { exit !ok }'\'''
check "/var/lib/city-edge city-edge:city-edge 750" owner_mode /var/lib/city-edge "city-edge:city-edge 750"
check "/var/lib/city-central city-central:city-central 750" owner_mode /var/lib/city-central "city-central:city-central 750"
check "conffile /etc/city-edge/edge.json.example" conffile city-edge /etc/city-edge/edge.json.example
check "conffile /etc/city-central/appsettings.json (root:city-central 640)" \
  bash -c "$(declare -f conffile owner_mode); conffile city-central /etc/city-central/appsettings.json && owner_mode /etc/city-central/appsettings.json 'root:city-central 640'"
check "central reads it through /usr/lib/city-central/appsettings.json" test "$(readlink /usr/lib/city-central/appsettings.json)" = /etc/city-central/appsettings.json
check "the packaged edge defaults carry no demonstration devices" sh -c '! grep -q meter1 /usr/lib/city-edge/appsettings.json'
# central reads the conffile through the link: a section it does not know there is refused (exit 2, named).
cp -p /etc/city-central/appsettings.json "$work/central-appsettings.json"
python3 -c 'import json,sys; p=sys.argv[1]; d=json.load(open(p)); d["Bogus"]={}; json.dump(d, open(p, "w"))' /etc/city-central/appsettings.json
check "central reads /etc/city-central/appsettings.json from /usr/bin/central" bash -c '/usr/bin/central > /dev/null 2> '"$work"'/central.err; [ $? -eq 2 ] && grep -q Bogus '"$work"'/central.err'
cp -p "$work/central-appsettings.json" /etc/city-central/appsettings.json
if command -v systemctl >/dev/null 2>&1; then
  check "both units enabled (multi-user.target.wants)" test -L /etc/systemd/system/multi-user.target.wants/city-edge.service -a -L /etc/systemd/system/multi-user.target.wants/city-central.service
fi

# One run of the installed edge as systemd would start it: user city-edge, working directory /var/lib/city-edge,
# RUNTIME_DIRECTORY=/run/city-edge (created as RuntimeDirectory= does), a NOTIFY_SOCKET and WATCHDOG_USEC.
echo "== the installed edge under a stand-in for systemd"
cat > "$work/edge.json" <<'EOF'
{ "Edge": { "GatewayId": "cab-deb-test", "Central": { "Host": "127.0.0.1", "Port": 1, "AllowPlain": true }, "Devices": [] } }
EOF
chmod 0644 "$work/edge.json"
chmod 0755 "$work"
install -d -o city-edge -g city-edge -m 0750 /run/city-edge
notify="$work/notify.sock"
python3 - "$notify" > "$work/notify.log" 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
import os; os.chmod(sys.argv[1], 0o666)
s.settimeout(60)
while True:
    try:
        print(s.recv(4096).decode().replace("\n", " | "), flush=True)
    except socket.timeout:
        break
EOF
listener=$!
for _ in $(seq 100); do [ -S "$notify" ] && break; sleep 0.1; done
(cd /var/lib/city-edge && exec runuser -u city-edge -- env RUNTIME_DIRECTORY=/run/city-edge NOTIFY_SOCKET="$notify" WATCHDOG_USEC=2000000 \
  /usr/bin/edge --config "$work/edge.json") > "$work/edge.log" 2>&1 &
edge_pid=$!
for _ in $(seq 300); do grep -q WATCHDOG=1 "$work/notify.log" && break; sleep 0.1; done
check "the edge sends READY=1 to NOTIFY_SOCKET" grep -q '^READY=1' "$work/notify.log"
check "the edge sends WATCHDOG=1 (WATCHDOG_USEC set)" grep -q '^WATCHDOG=1' "$work/notify.log"
check "its socket is /run/city-edge/edgectl.sock" test -S /run/city-edge/edgectl.sock
check "edgectl status (no --socket) reaches it" sh -c '/usr/bin/edgectl status | grep -q cab-deb-test'
kill -TERM "$edge_pid" 2>/dev/null
wait "$edge_pid" 2>/dev/null
edge_pid=
check "the edge sends STOPPING=1 on SIGTERM" grep -q '^STOPPING=1' "$work/notify.log"
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
rm -rf /run/city-edge
echo "   (edge log: $(wc -l < "$work/edge.log") lines; notify messages: $(tr '\n' ';' < "$work/notify.log" | cut -c1-160))"

# An administrator's file in /etc/city-edge survives a purge.
cp "$work/edge.json" /etc/city-edge/edge.json

echo "== dpkg -r city-edge city-central"
dpkg -r city-edge city-central || failed+=("dpkg -r")
check "binaries and links gone" bash -c "$(declare -f absent); absent /usr/lib/city-edge/edge && absent /usr/bin/edge && absent /usr/bin/edgectl && absent /usr/bin/central && absent /usr/lib/city-central/central"
check "units gone" bash -c "$(declare -f absent); absent /usr/lib/systemd/system/city-edge.service && absent /usr/lib/systemd/system/city-central.service"
check "conffiles kept after remove" test -f /etc/city-edge/edge.json.example -a -f /etc/city-central/appsettings.json
check "users and data kept after remove" sh -c 'getent passwd city-edge && getent passwd city-central && test -d /var/lib/city-edge -a -d /var/lib/city-central'
if command -v systemctl >/dev/null 2>&1; then
  check "units no longer enabled" bash -c "$(declare -f absent); absent /etc/systemd/system/multi-user.target.wants/city-edge.service && absent /etc/systemd/system/multi-user.target.wants/city-central.service"
fi

echo "== dpkg -P city-edge city-central"
dpkg -P city-edge city-central || failed+=("dpkg -P")
check "users and groups city-edge, city-central gone" sh -c '! getent passwd city-edge && ! getent passwd city-central && ! getent group city-edge && ! getent group city-central'
check "data directories gone" bash -c "$(declare -f absent); absent /var/lib/city-edge && absent /var/lib/city-central"
check "conffiles gone, /etc/city-central gone" bash -c "$(declare -f absent); absent /etc/city-edge/edge.json.example && absent /etc/city-central"
check "the administrator's /etc/city-edge/edge.json kept" test -f /etc/city-edge/edge.json
check "dpkg knows neither package" sh -c '! dpkg-query -W city-edge && ! dpkg-query -W city-central'
echo "   left behind: $(ls -A /etc/city-edge 2>/dev/null | sed 's#^#/etc/city-edge/#' | tr '\n' ' ')group edgectl ($(getent group edgectl || echo gone))"
rm -f /etc/city-edge/edge.json
rmdir /etc/city-edge 2>/dev/null

echo "== $passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ] || { printf '  failed: %s\n' "${failed[@]}"; exit 1; }
