#!/usr/bin/env bash
# Installs what this machine lacks to run and test the hotline: Debian packages (as root),
# npm packages, and the embedded FerretDB binary. Safe to run again; does nothing twice.
set -euo pipefail
cd "$(dirname "$0")/.."

# Kamailio (SIP server with WebSocket), rtpengine (media relay between browsers and plain RTP;
# the daemon only, userspace forwarding: the `rtpengine` metapackage would build a kernel module),
# SIPp (test callers) and Chromium (browser tests) are started for real by the system and the
# tests; the CJK fonts let Chromium draw the Chinese pages in screenshots; `patch` applies
# infra/ferretdb/patches/ when FerretDB is built.
apt_packages=(kamailio kamailio-websocket-modules kamailio-extra-modules kamailio-utils-modules kamailio-autheph-modules rtpengine-daemon sip-tester chromium fonts-noto-cjk patch)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
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

command -v node >/dev/null || { echo "setup: Node.js >= 20.19 is required" >&2; exit 1; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # Not `npm ci`: @node-rs/jieba lists platform packages this registry does not serve, and npm ci
  # refuses a lock file without them. `npm install` honours the lock file all the same.
  npm install --no-save --no-audit --no-fund --loglevel=error
fi
if [ ! -x .cache/bin/ferretdb ]; then
  if command -v go >/dev/null; then
    bash infra/ferretdb/build.sh
  else
    echo "setup: Go is not installed, so the embedded FerretDB cannot be built; set MONGODB_URI to a MongoDB server" >&2
  fi
fi
