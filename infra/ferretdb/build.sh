#!/usr/bin/env bash
# Builds FerretDB (SQLite backend, pure Go) from the Go module proxy into .cache/bin/ferretdb.
# v1.24.1 is refused by the proxy here (403); v1.24.2 is the pinned version in go.mod.
#
# The modules are vendored into a temporary directory under .cache and the patches in patches/
# are applied to FerretDB's source there before building with -mod=vendor. Today one patch: the
# SQLite backend compared `_id` with an expression other than its `_id` index's, so SQLite never
# used that index and every find, update and delete by `_id` scanned the table (see its header).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-"$root/.cache/bin/ferretdb"}
command -v go >/dev/null || { echo "go is not installed: install Go >= 1.22 (https://go.dev/dl) or set MONGODB_URI to a MongoDB server" >&2; exit 1; }
mkdir -p "$(dirname "$out")" "$root/.cache"
# Only the module proxy is reachable; go.sum (committed) pins every hash, so the checksum database
# is not needed. GOFLAGS and GOWORK are cleared so a user's settings cannot change what is built.
export GOPROXY=${GOPROXY:-https://proxy.golang.org} GOSUMDB=off GOFLAGS= GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0

# A directory of its own per build: the launcher may start a build while another is running.
build=$(mktemp -d "$root/.cache/ferretdb-build.XXXXXX")
trap 'rm -rf "$build"' EXIT
cp "$here/go.mod" "$here/go.sum" "$here/main.go" "$build/"
cd "$build"
go mod vendor

source="$build/vendor/github.com/FerretDB/FerretDB"
for p in "$here"/patches/*.patch; do
  # `patch` is not on every minimal Debian; `git apply` does the same (kept from finding the
  # project's repository above, which would resolve the paths against it).
  if command -v patch >/dev/null; then
    patch -d "$source" -p1 --forward --batch --quiet <"$p" || { echo "ferretdb: $(basename "$p") does not apply to the vendored FerretDB" >&2; exit 1; }
  elif command -v git >/dev/null; then
    GIT_CEILING_DIRECTORIES="$build/vendor/github.com" git -C "$source" apply -p1 "$p" || { echo "ferretdb: $(basename "$p") does not apply to the vendored FerretDB" >&2; exit 1; }
  else
    echo "ferretdb: neither patch nor git is installed to apply $(basename "$p") (Debian: apt-get install patch)" >&2
    exit 1
  fi
done

go build -mod=vendor -buildvcs=false -trimpath -tags ferretdb_no_postgresql -o "$out.tmp.$$" .
mv "$out.tmp.$$" "$out"
echo "built $out"
