#!/usr/bin/env bash
# Builds the embedded database engine into .cache/ (git-ignored): libbson 1.28 (static, own prefix),
# pg_cron 1.6.3, pgvector 0.8.0 and DocumentDB (pg_documentdb_core, pg_documentdb) for PostgreSQL 15,
# installed into PostgreSQL 15's system directories (so it needs root, or write access to them),
# and FerretDB v2.7.0 from the Go module proxy. Each part is rebuilt only when its inputs change:
# a stamp in .cache/documentdb/ holds a hash of this script and the archives' sums.
#
# Usage: bash infra/documentdb/build.sh   (scripts/setup.sh runs it after the Debian packages)
# Needs: the Debian packages listed in scripts/setup.sh, Go (for FerretDB), and the source archives
# in ../shared/vendor/ (relative to the project root) or internet access to GitHub.
set -euo pipefail
script=$(realpath "$0")
cd "$(dirname "$script")/../.."
root=$PWD
here=$root/infra/documentdb
cache=$root/.cache/documentdb
vendor=${DOCUMENTDB_VENDOR_DIR:-$root/../shared/vendor}
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
jobs=${BUILD_JOBS:-2}
ferretdb_version=v2.7.0
ferretdb_bin=$root/.cache/ferretdb-$ferretdb_version/bin/ferretdb

[ -x "$PG_CONFIG" ] || { echo "documentdb build: $PG_CONFIG is missing (apt-get install postgresql-server-dev-15)" >&2; exit 1; }

# The archives: taken from the vendor folder when it is there (its README says how they were made,
# `git archive` of the tag with a few folders left out) and checked against these SHA-256 sums.
# Without it they are downloaded from GitHub, whose tag downloads are other bytes of the same tree:
# those are checked by the tree instead: the excluded folders are removed and a hash over every
# file's path and content must equal the vendor archive's (pinned below, computed from the vendor
# archives). The download path cannot be exercised on the build machines (they reach package
# registries only); the tree check itself runs on every build from the vendor archives.
declare -A archive=(
  [libbson]=mongo-c-driver-1.28.0.tar.gz
  [pg_cron]=pg_cron-1.6.3.tar.gz
  [pgvector]=pgvector-0.8.0.tar.gz
  [documentdb]=documentdb-0.106.0-ferretdb-2.5.0.tar.gz
)
declare -A vendor_sum=(
  [libbson]=19d19133955d1c17f717238ebd79a453f0a747cc3054e27bbaddc567f3f72efb
  [pg_cron]=105b669241ea200f0e9a5ffbc2c4e8c33b0dfaba2b13e06cdb4621382b7995d5
  [pgvector]=f735d37c1f8a32a0c46f29db63860bdc1ed06a423d4280767afbd38f1fe58778
  [documentdb]=2a59ab59b460c30e331d376acbd28b55d290b2775dadaf11af12e7ef4d9f3da1
)
declare -A upstream_url=(
  [libbson]=https://github.com/mongodb/mongo-c-driver/archive/refs/tags/1.28.0.tar.gz
  [pg_cron]=https://github.com/citusdata/pg_cron/archive/refs/tags/v1.6.3.tar.gz
  [pgvector]=https://github.com/pgvector/pgvector/archive/refs/tags/v0.8.0.tar.gz
  [documentdb]=https://github.com/FerretDB/documentdb/archive/refs/tags/v0.106.0-ferretdb-2.5.0.tar.gz
)
declare -A upstream_commit=(
  [libbson]=a463a46c38cb6b552f2da4b3ae63e393dfe0a9a6
  [pg_cron]=9d0576c64edd90fb3d8ac30763296a8106315638
  [pgvector]=2627c5ff775ae6d7aef0c430121ccf857842d2f2
  [documentdb]=beb9d25d9845477c85559d3293cd1f929cdf2b9c
)
declare -A tree_sum=(
  [libbson]=c5bc58b940421d783bc54771f6f3c4f0fa9cf40ebb8b24db4c801f4f905aa753
  [pg_cron]=a6b22de15c274bc02f367525aef8d218467968e827a2d1d79a35f4bac6071f17
  [pgvector]=f0af6d267dcdc82ff2b5a39f0be85c90ea549f6ab0c4d96d8a5c03bd2e525fac
  [documentdb]=7897edb64aeccef90e94a4b913e9c756cd3c8e47e79e1dd1715ff8e41c857c41
)
# What each vendor archive leaves out of the tag (see ../shared/vendor/README.md).
declare -A excluded=(
  [libbson]="src/libbson/tests src/libmongoc/tests .evergreen"
  [pg_cron]=""
  [pgvector]=""
  [documentdb]="internal/pg_documentdb_distributed .github .pipelines .devcontainer .vscode docs"
)

# A hash over every file's path and content under a folder (modes and times left out).
tree_hash() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64); }

# Unpacks one part's source into a fresh build directory: the vendor archive (its sum checked), or
# the same tag downloaded from GitHub (its tree checked). Both end with the tree check.
unpack_source() {
  local name=$1 dir=$2 file=${archive[$1]} tarball
  if [ -f "$vendor/$file" ]; then
    echo "${vendor_sum[$name]}  $vendor/$file" | sha256sum --quiet -c - >&2 ||
      { echo "documentdb build: $vendor/$file does not match its pinned SHA-256" >&2; exit 1; }
    tarball=$vendor/$file
  else
    tarball=$cache/src/github-$file
    if [ ! -f "$tarball" ]; then
      echo "documentdb build: $vendor/$file is absent, downloading ${upstream_url[$name]}" >&2
      curl -fsSL --retry 3 -o "$tarball.part" "${upstream_url[$name]}"
      mv "$tarball.part" "$tarball"
    fi
  fi
  rm -rf "$dir" && mkdir -p "$dir"
  tar -xzf "$tarball" -C "$dir" --strip-components=1
  local path
  for path in ${excluded[$name]}; do rm -rf "${dir:?}/$path"; done
  [ "$(tree_hash "$dir")" = "${tree_sum[$name]}" ] || {
    echo "documentdb build: the source of $name from $tarball is not the tree of commit ${upstream_commit[$name]}" >&2
    [ "$tarball" = "$vendor/$file" ] || rm -f "$tarball"
    exit 1
  }
}

# The stamp: this script, the archives' sums and the PostgreSQL version.
script_hash=$(sha256sum < "$script" | cut -c1-16)
pg_version=$("$PG_CONFIG" --version)
stamp_of() { printf '%s\n' "$script_hash" "${vendor_sum[$1]}" "${tree_sum[$1]}" "$pg_version" "${2:-}" | sha256sum | cut -c1-32; }
fresh() { [ -f "$cache/stamps/$1" ] && [ "$(cat "$cache/stamps/$1")" = "$2" ]; }
# Runs a build step with its output in .cache/documentdb/build.log, shown when the step fails.
buildlog=$cache/build.log
quiet() { "$@" >>"$buildlog" 2>&1 || { echo "documentdb build: failed: $*" >&2; tail -40 "$buildlog" >&2; exit 1; }; }
pgxs_make() { quiet nice make -j"$jobs" PG_CONFIG="$PG_CONFIG" with_llvm=no "$@"; }
# Installs a built extension. The old shared libraries are removed first: `install` rewrites a file
# in place, which would pull the code from under a PostgreSQL that has it loaded.
pgxs_install() {
  local dir=$1; shift
  [ -w "$pkgdir" ] || { echo "documentdb build: the extensions go into $pkgdir, which this user cannot write: run as root (sudo bash scripts/setup.sh)" >&2; exit 1; }
  find "$dir" -maxdepth 1 -name '*.so' -printf '%f\n' | while read -r lib; do rm -f "$pkgdir/$lib"; done
  quiet make -C "$dir" PG_CONFIG="$PG_CONFIG" with_llvm=no "$@" install
}

# --check: exit 1 (naming the parts) when a part is missing or built from other inputs; builds nothing.
if [ "${1:-}" = --check ]; then
  stale=()
  for part in libbson pg_cron pgvector; do fresh "$part" "$(stamp_of "$part")" || stale+=("$part"); done
  fresh documentdb "$(stamp_of documentdb "$(cat "$cache/stamps/libbson" 2>/dev/null)")" || stale+=(documentdb)
  [ -x "$ferretdb_bin" ] || stale+=(ferretdb)
  [ ${#stale[@]} -eq 0 ] || { echo "stale: ${stale[*]}"; exit 1; }
  exit 0
fi

mkdir -p "$cache/src" "$cache/stamps"
: > "$buildlog"
pkgdir=$("$PG_CONFIG" --pkglibdir)
extdir=$("$PG_CONFIG" --sharedir)/extension
libbson_prefix=$cache/libbson

# libbson 1.28, static, in its own prefix (Debian 12's 1.23 lacks BSON_SUBTYPE_SENSITIVE).
s=$(stamp_of libbson)
if ! fresh libbson "$s" || [ ! -f "$libbson_prefix/lib/pkgconfig/libbson-static-1.0.pc" ]; then
  echo "documentdb build: libbson 1.28"
  unpack_source libbson "$cache/src/libbson"
  rm -rf "$libbson_prefix"
  quiet nice cmake -S "$cache/src/libbson" -B "$cache/src/libbson/_build" -DCMAKE_BUILD_TYPE=Release \
    -DENABLE_MONGOC=OFF -DENABLE_TESTS=OFF -DENABLE_EXAMPLES=OFF -DENABLE_SHARED=OFF \
    -DENABLE_STATIC=ON -DCMAKE_C_FLAGS=-fPIC -DCMAKE_INSTALL_PREFIX="$libbson_prefix" \
    -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_VERSION=1.28.0
  quiet nice cmake --build "$cache/src/libbson/_build" -j "$jobs"
  quiet cmake --install "$cache/src/libbson/_build"
  rm -rf "$cache/src/libbson"
  echo "$s" > "$cache/stamps/libbson"
fi

# A single-folder PGXS extension from its archive, unless built from the same inputs already.
# Arguments: the part's name, what it is, the library it installs, then extra make variables.
build_extension() {
  local part=$1 label=$2 library=$3; shift 3
  local s
  s=$(stamp_of "$part")
  if ! fresh "$part" "$s" || [ ! -f "$pkgdir/$library" ]; then
    echo "documentdb build: $label"
    unpack_source "$part" "$cache/src/$part"
    pgxs_make -C "$cache/src/$part" "$@"
    pgxs_install "$cache/src/$part" "$@"
    rm -rf "$cache/src/$part"
    echo "$s" > "$cache/stamps/$part"
  fi
}
# pg_cron 1.6.3 (Debian's 1.4.2 refuses the "every 2 seconds" schedules DocumentDB uses).
build_extension pg_cron 'pg_cron 1.6.3' pg_cron.so
# pgvector 0.8.0 (CREATE EXTENSION documentdb CASCADE needs it; not in Debian 12).
# OPTFLAGS= : no -march=native, so the build runs on any x86-64 machine it is copied to.
build_extension pgvector 'pgvector 0.8.0' vector.so OPTFLAGS=

# DocumentDB: pg_documentdb_core, then pg_documentdb (not the distributed part).
# Debian's libintelrdfpmath-dev has the library but no pkg-config file DocumentDB looks for.
mkdir -p "$cache/pkgconfig"
cat > "$cache/pkgconfig/intelmathlib.pc" <<'PC'
Name: intelmathlib
Description: Intel Decimal Floating-Point Math Library (Debian libintelrdfpmath-dev)
Version: 2.0u2
Cflags: -I/usr/include
Libs: -lbidgcc000
PC
export PKG_CONFIG_PATH=$libbson_prefix/lib/pkgconfig:$cache/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
s=$(stamp_of documentdb "$(cat "$cache/stamps/libbson")")
if ! fresh documentdb "$s" || [ ! -f "$pkgdir/pg_documentdb.so" ] || [ ! -f "$pkgdir/pg_documentdb_core.so" ]; then
  echo "documentdb build: DocumentDB 0.106 (about 2.5 CPU-minutes)"
  unpack_source documentdb "$cache/src/documentdb"
  for part in pg_documentdb_core pg_documentdb; do
    pgxs_make -C "$cache/src/documentdb/$part"
    pgxs_install "$cache/src/documentdb/$part"
  done
  rm -rf "$cache/src/documentdb"
  echo "$s" > "$cache/stamps/documentdb"
fi
[ -f "$extdir/documentdb.control" ] || { echo "documentdb build: documentdb.control was not installed into $extdir" >&2; exit 1; }

# FerretDB 2.7 from the Go module proxy (the binary works as built; no wrapper or patch).
if [ ! -x "$ferretdb_bin" ]; then
  command -v go >/dev/null || { echo "documentdb build: Go is needed to build FerretDB ($ferretdb_version)" >&2; exit 1; }
  echo "documentdb build: FerretDB $ferretdb_version (about 4.5 CPU-minutes)"
  mkdir -p "$(dirname "$ferretdb_bin")"
  (cd / && export GOBIN="$(dirname "$ferretdb_bin")" && quiet nice go install "github.com/FerretDB/FerretDB/v2/cmd/ferretdb@$ferretdb_version")
fi
