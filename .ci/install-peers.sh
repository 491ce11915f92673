#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are missing, in one step (apt-get update, then
# apt-get install), for ./test.sh and ./demo.sh. A package counts as present when the program it brings is there.
# Usage: .ci/install-peers.sh PACKAGE...   (mosquitto mosquitto-clients mbpoll socat python3-pymodbus snmp snmpd curl postgresql)
# Exit code 0: everything is there; 1: some could not be installed (the message names them and says why).
set -uo pipefail

present() {
  case $1 in
    mosquitto) command -v mosquitto || [ -x /usr/sbin/mosquitto ] ;;
    mosquitto-clients) command -v mosquitto_pub ;;
    python3-pymodbus) /usr/bin/python3 -c 'import pymodbus' ;;
    python3-prometheus-client) /usr/bin/python3 -c 'import prometheus_client' ;;
    python3-pyld) /usr/bin/python3 -c 'import pyld' ;;   # the JSON-LD processor that expands central's open data catalogue
    snmp) command -v snmpget ;;
    snmpd) command -v snmpd || [ -x /usr/sbin/snmpd ] ;;
    tzdata) [ -f /usr/share/zoneinfo/Europe/Paris ] ;;
    nodejs) command -v node ;;
    prometheus) command -v promtool ;;   # only its promtool is used (checks central's /metrics); the service is not started
    systemd) command -v systemd-analyze ;;   # only systemd-analyze verify (tests of the units); no systemd needs to run
    postgresql) [ -x /usr/lib/postgresql/15/bin/initdb ] && [ -x /usr/lib/postgresql/15/bin/pg_ctl ] ;;
    chromium-driver) command -v chromedriver ;;   # the browser tests drive Debian's chromium through it
    e2fsprogs) command -v mkfs.ext4 ;;   # the power-cut campaign's ext4 file system on a loop device
    *) command -v "$1" ;;   # curl, socat, mbpoll: the program has the package's name
  esac
}

missing=()
for package in "$@"; do
  present "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "== installing ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "cannot install ${missing[*]}: apt-get needs root (run as root, or install them yourself)" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "cannot install ${missing[*]}: no apt-get here (install them with this system's package manager)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -f "$log"
  echo "could not install ${missing[*]}" >&2
  exit 1
fi
rm -f "$log"
# The Debian packages start a system-wide mosquitto on port 1883, snmpd on 161 and PostgreSQL on 5432: the tests start
# their own on free ports, and the demo checks its ports before it starts.
