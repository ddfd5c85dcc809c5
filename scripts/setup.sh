#!/usr/bin/env bash
# Installs what this machine lacks to run and test the hotline: Debian packages (as root),
# npm packages, and the embedded database engine (PostgreSQL 15 + DocumentDB + FerretDB 2.7,
# built by infra/documentdb/build.sh into .cache/ and PostgreSQL's directories). Safe to run
# again: what is installed and built from the same inputs is not done twice.
set -euo pipefail
cd "$(dirname "$0")/.."

# Kamailio (SIP server with WebSocket), rtpengine (media relay between browsers and plain RTP;
# the daemon only, userspace forwarding: the `rtpengine` metapackage would build a kernel module),
# SIPp (test callers) and Chromium (browser tests) are started for real by the system and the
# tests; the CJK fonts let Chromium draw the Chinese pages in screenshots.
apt_packages=(kamailio kamailio-websocket-modules kamailio-extra-modules kamailio-utils-modules kamailio-autheph-modules rtpengine-daemon sip-tester chromium fonts-noto-cjk)
# The database: PostgreSQL 15 and what DocumentDB builds against. Not postgresql-15-cron (1.4.2
# refuses DocumentDB's "2 seconds" schedules) nor libbson-dev (1.23 is too old): both are built
# from ../shared/vendor/ by infra/documentdb/build.sh. libkrb5-dev provides gssapi/gssapi.h.
apt_packages+=(postgresql-15 postgresql-server-dev-15 postgresql-15-rum postgresql-15-postgis-3 libintelrdfpmath-dev libpcre2-dev libkrb5-dev libpq-dev libicu-dev build-essential pkg-config cmake)
# The named Debian packages that are not installed, one a line.
not_installed() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || echo "$pkg"
  done
}
mapfile -t missing < <(not_installed "${apt_packages[@]}")
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Daemons the tests start themselves with their own configuration in a temporary folder: nginx
# (the TLS proxy of the production topology; test/system/nginx-topology.test.ts) with openssl (that
# test's certificate), and Dovecot (the IMAP mailbox of test/workers/inbound-mail.test.ts). Their
# packages would start the system's nginx on :80 and Dovecot on :143/:993 and enable them at boot:
# when this script installs them, starting is refused while the packages install (policy-rc.d) and
# the services are disabled afterwards. A package already installed is left as it is.
mapfile -t daemons_missing < <(not_installed nginx openssl dovecot-imapd)
if [ ${#daemons_missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${daemons_missing[*]} (run as root or: sudo apt-get install ${daemons_missing[*]}; then: sudo systemctl disable --now nginx dovecot)" >&2
    exit 1
  fi
  echo "setup: installing ${daemons_missing[*]} (nginx and dovecot not started, not enabled)"
  export DEBIAN_FRONTEND=noninteractive
  policy=/usr/sbin/policy-rc.d
  own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${daemons_missing[@]}" >/dev/null || { [ -z "$own_policy" ] || rm -f "$policy"; exit 1; }
  [ -z "$own_policy" ] || rm -f "$policy"
  for pair in nginx:nginx dovecot-imapd:dovecot; do
    package=${pair%%:*} service=${pair#*:}
    [[ " ${daemons_missing[*]} " == *" $package "* ]] || continue
    if [ -d /run/systemd/system ]; then systemctl disable --now "$service" >/dev/null 2>&1 || true
    else systemctl disable "$service" >/dev/null 2>&1 || update-rc.d "$service" disable >/dev/null 2>&1 || true
    fi
  done
  [[ " ${daemons_missing[*]} " != *" nginx "* ]] || [ ! -s /run/nginx.pid ] || nginx -s quit 2>/dev/null || true
  [[ " ${daemons_missing[*]} " != *" dovecot-imapd "* ]] || [ ! -s /run/dovecot/master.pid ] || doveadm stop 2>/dev/null || true
fi

command -v node >/dev/null || { echo "setup: Node.js >= 20.19 is required" >&2; exit 1; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # Not `npm ci`: @node-rs/jieba lists platform packages this registry does not serve, and npm ci
  # refuses a lock file without them. `npm install` honours the lock file all the same.
  npm install --no-save --no-audit --no-fund --loglevel=error
fi
# The engine: builds only what is missing or was built from other inputs (about 7 minutes on a
# cold 2-core machine, nothing the second time). Installing the extensions into PostgreSQL's
# directories needs root; FerretDB needs Go (https://go.dev/dl).
bash infra/documentdb/build.sh

# schemathesis (PyPI, pinned) fuzzes the whole OpenAPI document in the tests (test/fuzz/), from its
# own virtual environment in .cache/ so nothing is installed into the system's Python.
schemathesis_version=4.32.5
if ! .cache/python/bin/schemathesis --version 2>/dev/null | grep -q "version $schemathesis_version"; then
  command -v python3 >/dev/null || { echo "setup: Python 3 is needed for the API fuzz tests (schemathesis)" >&2; exit 1; }
  python3 -m venv .cache/python
  .cache/python/bin/pip install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

# Two Open311 client libraries from PyPI (pinned) use the GeoReport v2 endpoint as a partner's
# system would (test/api/open311-clients.test.ts): georeport, which reads, in the same environment;
# and open311, which also posts but runs only on Python 2.7, into .cache/python2/ beside a link to
# the first Python 2.7 found (Debian has none; pyenv's `versions/2.7.*` is looked for).
georeport_version=0.3.1
if ! .cache/python/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('georeport') != '$georeport_version')" 2>/dev/null; then
  .cache/python/bin/pip install --quiet --disable-pip-version-check "georeport==$georeport_version"
fi
open311_version=1.1
if [ ! -d ".cache/python2/lib/open311-$open311_version-py2.7.egg-info" ] || ! .cache/python2/python -c '' 2>/dev/null; then
  python27=""
  for candidate in "$(command -v python2.7 || true)" "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/2.7*/bin/python2.7; do
    if [ -x "$candidate" ] && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (2, 7))' 2>/dev/null; then python27=$candidate; break; fi
  done
  if [ -n "$python27" ]; then
    rm -rf .cache/python2 && mkdir -p .cache/python2
    ln -s "$python27" .cache/python2/python
    "$python27" -m pip install --quiet --disable-pip-version-check --target .cache/python2/lib "open311==$open311_version"
  else
    echo "setup: no Python 2.7 found: the Open311 client test (open311 $open311_version posts with it) will fail" >&2
  fi
fi
