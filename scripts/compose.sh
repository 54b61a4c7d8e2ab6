#!/usr/bin/env bash
# The whole stack in containers (Temporal, the harness worker, the REST server) with
# docker-compose. Usage:
#
#   bash scripts/compose.sh up        # build what changed, start, wait until Temporal and the API answer
#   bash scripts/compose.sh down [-v] # stop and remove the containers and networks (-v: and the volumes)
#   bash scripts/compose.sh ps|logs|config|build|stage|env [args...]
#
# Variant: offline (every image built here, docker-compose.offline.yml) unless
# MLEBENCH_COMPOSE=online (docker-compose.yml: Temporal's pinned upstream images, pulled).
# Both build the harness image from this checkout, on the base image scripts/setup.sh builds.
#
# Settings (environment): COMPOSE_PROJECT_NAME (default mlebench), MLEBENCH_RUNS_DIR (default
# ./runs), MLEBENCH_DATA_DIR (default .mlebench/data), TEMPORAL_PORT (7233), TEMPORAL_UI_PORT
# (8233), MLEBENCH_API_PORT (8000), MLEBENCH_BIND_ADDRESS (127.0.0.1; it must include loopback:
# the worker, on the host's network, reaches Temporal at 127.0.0.1), MLEBENCH_COMPOSE_WAIT_SECS
# (180), MLEBENCH_WORKER_TMPDIR (.mlebench/compose-tmp: the worker's TMPDIR, a host folder at its
# host path), OPENAI_API_KEY / OPENAI_BASE_URL (the worker's LLM gateway), MLEBENCH_SERVER_USER
# (uid:gid the REST server runs as, default 10001:10001, never root: it must be able to read the
# runs and data folders, which the worker writes world-readable), MLEBENCH_API_TOKENS_FILE (the
# REST API's users and tokens, see docs/security.md; by default a file with one admin token is made at
# .mlebench/compose-api-tokens/<project>.yaml and its path printed), MLEBENCH_TEMPORAL_TLS_DIR
# (profile postgres only: a host folder with ca.pem, server.pem, server-key.pem, client.pem and
# client-key.pem turns on mutual TLS between Temporal and everything that talks to it — see
# docker-compose.tls.yml), MLEBENCH_TEMPORAL_TLS_SERVER_NAME (the name server.pem carries,
# default temporal).
#
# Images are tagged by the hash of what goes into them: an `up` with nothing changed builds
# nothing. Needs root (the worker is privileged; the runs folder may have to be made a shared
# mount) and the base image (bash scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
say() { printf 'compose: %s\n' "$*" >&2; }
die() { printf 'compose: error: %s\n' "$*" >&2; exit 1; }

cmd=${1:-}
[ -n "$cmd" ] || die "usage: scripts/compose.sh up|down|ps|logs|config|build [args...]"
shift

STATE=${MLEBENCH_HOME:-$ROOT/.mlebench}
export COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-mlebench}
export MLEBENCH_RUNS_DIR=$(realpath -m "${MLEBENCH_RUNS_DIR:-$ROOT/runs}")
export MLEBENCH_DATA_DIR=$(realpath -m "${MLEBENCH_DATA_DIR:-$STATE/data}")
export TEMPORAL_PORT=${TEMPORAL_PORT:-7233} TEMPORAL_UI_PORT=${TEMPORAL_UI_PORT:-8233} MLEBENCH_API_PORT=${MLEBENCH_API_PORT:-8000}
export MLEBENCH_BIND_ADDRESS=${MLEBENCH_BIND_ADDRESS:-127.0.0.1}
export MLEBENCH_COMPOSE_CONTEXT=$STATE/compose-context
export MLEBENCH_WORKER_TMPDIR=$(realpath -m "${MLEBENCH_WORKER_TMPDIR:-$STATE/compose-tmp}")
export MLEBENCH_SERVER_USER=${MLEBENCH_SERVER_USER:-10001:10001}
MADE_TOKENS=$STATE/compose-api-tokens/$COMPOSE_PROJECT_NAME.yaml
export MLEBENCH_API_TOKENS_FILE=$(realpath -m "${MLEBENCH_API_TOKENS_FILE:-$MADE_TOKENS}")
case "$MLEBENCH_SERVER_USER" in
  0 | 0:* | root | root:*) die "MLEBENCH_SERVER_USER must not be root: the REST server needs only to read the runs and data folders" ;;
  *[!0-9:]* | :* | *: | *:*:*) die "MLEBENCH_SERVER_USER must be uid:gid in numbers (e.g. \$(stat -c %u:%g runs)), not $MLEBENCH_SERVER_USER" ;;
esac
# The harness sits at this checkout's path inside its image (see deploy/harness.Dockerfile).
export MLEBENCH_APP_DIR=$ROOT
VARIANT=${MLEBENCH_COMPOSE:-offline}
case "$VARIANT" in
  offline) FILES=(-f "$ROOT/docker-compose.offline.yml") ;;
  postgres) FILES=(-f "$ROOT/docker-compose.offline.yml" -f "$ROOT/docker-compose.postgres.yml") ;;
  online) FILES=(-f "$ROOT/docker-compose.yml") ;;
  *) die "MLEBENCH_COMPOSE must be offline, postgres or online, not ${MLEBENCH_COMPOSE}" ;;
esac
if [ -n "${MLEBENCH_TEMPORAL_TLS_DIR:-}" ]; then
  [ "$VARIANT" = postgres ] || die "MLEBENCH_TEMPORAL_TLS_DIR needs MLEBENCH_COMPOSE=postgres: the $VARIANT variant's Temporal serves no TLS"
  export MLEBENCH_TEMPORAL_TLS_DIR=$(realpath -m "$MLEBENCH_TEMPORAL_TLS_DIR")
  export MLEBENCH_TEMPORAL_TLS_SERVER_NAME=${MLEBENCH_TEMPORAL_TLS_SERVER_NAME:-temporal}
  FILES+=(-f "$ROOT/docker-compose.tls.yml")
fi
# The postgres profile's Temporal, built from Go modules (go.temporal.io/server needs go >= 1.26.10).
TEMPORAL_SERVER_VERSION=v1.32.2
TEMPORAL_UI_VERSION=v2.45.0
GO_TOOLCHAIN=go1.26.10
# Which host mounts this script made shared (undone by down), per project.
SHARED_RECORD=$STATE/compose-shared-mounts/$COMPOSE_PROJECT_NAME

# docker-compose (Debian's 1.29), or the `docker compose` plugin where there is one.
compose_bin() {
  if command -v docker-compose >/dev/null 2>&1; then echo docker-compose; return; fi
  if docker compose version >/dev/null 2>&1; then echo "docker compose"; return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's docker-compose"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
    echo docker-compose
    return
  fi
  die "neither docker-compose nor the docker compose plugin is installed (Debian: apt-get install docker-compose, as root)"
}
COMPOSE=$(compose_bin)
dc() { $COMPOSE "${FILES[@]}" -p "$COMPOSE_PROJECT_NAME" "$@"; }

# Content hash of files and folders (relative to the repository) plus extra strings.
hash_inputs() {
  local extra=$1; shift
  { find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; printf '%s\n' "$extra"; } | sha256sum | cut -c1-12
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# The tags (cheap: hashing, no copying), exported for the compose file.
compute_tags() {
  mkdir -p "$MLEBENCH_COMPOSE_CONTEXT"/{harness,temporal,postgres,temporal-server} # compose checks they exist
  [ -f dist/client/cli/main.js ] || die "dist/ is missing: run bash scripts/setup.sh (or npm run build)"
  MLEBENCH_BASE_IMAGE=$(node -p "require('./dist/core/sandbox/imageTags').baseImageTag()")
  export MLEBENCH_BASE_IMAGE
  # For a Temporal that is not the dev server (profile postgres): registered at its start.
  MLEBENCH_SEARCH_ATTRIBUTES=$(node -p "require('./dist/temporal/contract').SEARCH_ATTRIBUTE_FLAGS.join(' ')")
  export MLEBENCH_SEARCH_ATTRIBUTES
  TEMPORAL_BIN=$(node -p "require('./dist/core/config').temporalCliPath()")
  local node_bin node_version
  node_bin=$(readlink -f "$(command -v node)")
  node_version=$("$node_bin" --version)
  export MLEBENCH_HARNESS_IMAGE="mlebench-harness:$(hash_inputs "$MLEBENCH_BASE_IMAGE $node_version $DEBS $MLEBENCH_APP_DIR" \
    deploy/harness.Dockerfile package.json package-lock.json bin dist competitions agents splits techniques images gateway.yaml)"
  local temporal_version=none
  [ -x "$TEMPORAL_BIN" ] && temporal_version=$("$TEMPORAL_BIN" --version)
  export MLEBENCH_TEMPORAL_IMAGE="mlebench-temporal:$(hash_inputs "$MLEBENCH_BASE_IMAGE $temporal_version" deploy/temporal.Dockerfile)"
  export MLEBENCH_POSTGRES_IMAGE="mlebench-postgres:$(hash_inputs "$MLEBENCH_BASE_IMAGE postgresql-15" deploy/postgres.Dockerfile deploy/postgres-entrypoint.sh)"
  export MLEBENCH_TEMPORAL_SERVER_IMAGE="mlebench-temporal-server:$(hash_inputs "$MLEBENCH_BASE_IMAGE $temporal_version $TEMPORAL_SERVER_VERSION $TEMPORAL_UI_VERSION" \
    deploy/temporal-server.Dockerfile deploy/temporal-server-entrypoint.sh)"
}
# What the worker needs beyond the base image, as Debian packages fetched on the host: iptables
# (the LLM gateway's firewall), mount and e2fsprogs (the loop-mounted scratch filesystems).
DEBS="iptables libip4tc2 libip6tc2 libxtables12 libmnl0 libnetfilter-conntrack3 libnfnetlink0 libnftnl11 netbase mount e2fsprogs libext2fs2 libcom-err2 libss2 logsave"

stage_harness() {
  local ctx=$MLEBENCH_COMPOSE_CONTEXT/harness
  say "staging the harness image's context in $ctx"
  rm -rf "$ctx" && mkdir -p "$ctx/app/node_modules" "$ctx/debs"
  cp deploy/harness.Dockerfile "$ctx/Dockerfile"
  cp "$(readlink -f "$(command -v node)")" "$ctx/node"
  # shellcheck disable=SC2086
  (cd "$ctx/debs" && apt-get download $DEBS >/dev/null 2>&1) \
    || { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && (cd "$ctx/debs" && apt-get download $DEBS >/dev/null 2>&1); } \
    || die "apt-get download $DEBS failed (the harness image's iptables comes from Debian's packages, fetched on this host)"
  # Hard links where the filesystem allows (the context is on the checkout's filesystem): fast.
  local f
  for f in package.json package-lock.json bin dist competitions agents splits techniques images gateway.yaml; do
    cp -a "$f" "$ctx/app/"
  done
  # Only the production dependencies: the top-level folders of `npm ls --omit=dev`.
  node -e '
    const { execFileSync } = require("child_process");
    const path = require("path");
    let out = "";
    try { out = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], { encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "ignore"] }); }
    catch (e) { out = e.stdout || ""; }
    const root = path.join(process.cwd(), "node_modules") + path.sep;
    const tops = new Set();
    for (const line of out.split("\n")) {
      if (!line.startsWith(root)) continue;
      const parts = line.slice(root.length).split(path.sep);
      tops.add(parts[0].startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
    }
    if (tops.size === 0) { console.error("npm ls listed no production dependency"); process.exit(1); }
    console.log([...tops].sort().join("\n"));
  ' | while read -r pkg; do
    mkdir -p "$ctx/app/node_modules/$(dirname "$pkg")"
    cp -al "node_modules/$pkg" "$ctx/app/node_modules/$pkg" 2>/dev/null || cp -a "node_modules/$pkg" "$ctx/app/node_modules/$pkg"
  done
}

stage_temporal() {
  local ctx=$MLEBENCH_COMPOSE_CONTEXT/temporal
  [ -x "$TEMPORAL_BIN" ] || die "the Temporal CLI is not at $TEMPORAL_BIN: run bash scripts/setup.sh"
  say "staging the Temporal image's context in $ctx"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp deploy/temporal.Dockerfile "$ctx/Dockerfile"
  cp -al "$TEMPORAL_BIN" "$ctx/temporal" 2>/dev/null || cp "$TEMPORAL_BIN" "$ctx/temporal"
}

# Earlier builds' tags of a repository (each a few layers over shared ones); an image some
# container still uses is refused by docker rmi, and kept.
prune_old_tags() {
  docker image ls "$1" --format '{{.Repository}}:{{.Tag}}' | grep -vxF "$2" | xargs -r docker rmi >/dev/null 2>&1 || true
}

# A staged context is only needed for its build (the image is tagged by content): emptied after.
drop_context() { rm -rf "${MLEBENCH_COMPOSE_CONTEXT:?}/$1" && mkdir -p "$MLEBENCH_COMPOSE_CONTEXT/$1"; }

# PostgreSQL's packages and what they need beyond the base image: apt on the host, resolving
# against the base image's own package status.
stage_postgres() {
  local ctx=$MLEBENCH_COMPOSE_CONTEXT/postgres status
  say "staging the PostgreSQL image's context in $ctx"
  rm -rf "$ctx" && mkdir -p "$ctx/debs/partial"
  cp deploy/postgres.Dockerfile "$ctx/Dockerfile"
  cp deploy/postgres-entrypoint.sh "$ctx/"
  status=$ctx/base-status
  docker run --rm --network none --entrypoint cat "$MLEBENCH_BASE_IMAGE" /var/lib/dpkg/status > "$status"
  apt-get -q -o Dir::State::status="$status" -o Dir::Cache::archives="$ctx/debs" -o Debug::NoLocking=1 \
    install -y --download-only --no-install-recommends postgresql-15 >/dev/null \
    || die "apt-get --download-only postgresql-15 failed"
  rm -rf "$ctx/debs/partial" "$ctx/debs/lock" "$status"
}

# Temporal's server, SQL tool and Web UI from their Go modules, built on this host (GOTOOLCHAIN
# fetches the Go release they need from the module proxy), with the module's schema and config.
stage_temporal_server() {
  local ctx=$MLEBENCH_COMPOSE_CONTEXT/temporal-server gobin mod uimod
  [ -x "$TEMPORAL_BIN" ] || die "the Temporal CLI is not at $TEMPORAL_BIN: run bash scripts/setup.sh"
  command -v go >/dev/null 2>&1 || die "the postgres profile builds Temporal's server with Go: install Go"
  say "staging the Temporal server's context in $ctx (go install go.temporal.io/server@$TEMPORAL_SERVER_VERSION: minutes the first time)"
  rm -rf "$ctx" && mkdir -p "$ctx/bin" "$ctx/config" "$ctx/schema" "$ctx/ui-config"
  gobin=$(mktemp -d)
  GOTOOLCHAIN=$GO_TOOLCHAIN GOBIN=$gobin GOFLAGS=-trimpath CGO_ENABLED=0 \
    go install "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" >&2 \
    || die "go install go.temporal.io/server@$TEMPORAL_SERVER_VERSION failed"
  mv "$gobin/server" "$ctx/bin/temporal-server"
  mv "$gobin/sql" "$ctx/bin/temporal-sql-tool"
  if GOTOOLCHAIN=$GO_TOOLCHAIN GOBIN=$gobin GOFLAGS=-trimpath CGO_ENABLED=0 \
    go install "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_VERSION" >&2; then
    mv "$gobin/server" "$ctx/bin/temporal-ui-server"
    uimod=$(go env GOMODCACHE)/github.com/temporalio/ui-server/v2@$TEMPORAL_UI_VERSION
    cp "$uimod/config/docker.yaml" "$ctx/ui-config/"
  else
    say "warning: the Web UI (github.com/temporalio/ui-server/v2@$TEMPORAL_UI_VERSION) did not build: the postgres profile runs without it"
  fi
  rm -rf "$gobin"
  cp "$TEMPORAL_BIN" "$ctx/bin/temporal"
  mod=$(go env GOMODCACHE)/go.temporal.io/server@$TEMPORAL_SERVER_VERSION
  cp "$mod/config/docker.yaml" "$ctx/config/"
  cp -r "$mod/config/dynamicconfig" "$ctx/config/"
  mkdir -p "$ctx/schema/postgresql" && cp -r "$mod/schema/postgresql/v12" "$ctx/schema/postgresql/"
  chmod -R u+w "$ctx"
  cp deploy/temporal-server.Dockerfile "$ctx/Dockerfile"
  cp deploy/temporal-server-entrypoint.sh "$ctx/"
}

build_images() {
  image_exists "$MLEBENCH_BASE_IMAGE" || die "the base image $MLEBENCH_BASE_IMAGE is missing: run bash scripts/setup.sh"
  if image_exists "$MLEBENCH_HARNESS_IMAGE"; then
    say "harness image $MLEBENCH_HARNESS_IMAGE: up to date"
  else
    stage_harness
    say "harness image $MLEBENCH_HARNESS_IMAGE: building"
    dc build --force-rm worker >&2
    prune_old_tags mlebench-harness "$MLEBENCH_HARNESS_IMAGE"
    drop_context harness
  fi
  if [ "$VARIANT" = postgres ]; then
    if image_exists "$MLEBENCH_POSTGRES_IMAGE"; then
      say "postgres image $MLEBENCH_POSTGRES_IMAGE: up to date"
    else
      stage_postgres
      say "postgres image $MLEBENCH_POSTGRES_IMAGE: building"
      dc build --force-rm postgresql >&2
      prune_old_tags mlebench-postgres "$MLEBENCH_POSTGRES_IMAGE"
      drop_context postgres
    fi
    if image_exists "$MLEBENCH_TEMPORAL_SERVER_IMAGE"; then
      say "temporal server image $MLEBENCH_TEMPORAL_SERVER_IMAGE: up to date"
    else
      stage_temporal_server
      say "temporal server image $MLEBENCH_TEMPORAL_SERVER_IMAGE: building"
      dc build --force-rm temporal >&2
      prune_old_tags mlebench-temporal-server "$MLEBENCH_TEMPORAL_SERVER_IMAGE"
      drop_context temporal-server
    fi
  elif [ "$VARIANT" = offline ]; then
    if image_exists "$MLEBENCH_TEMPORAL_IMAGE"; then
      say "temporal image $MLEBENCH_TEMPORAL_IMAGE: up to date"
    else
      stage_temporal
      say "temporal image $MLEBENCH_TEMPORAL_IMAGE: building"
      dc build --force-rm temporal >&2
      prune_old_tags mlebench-temporal "$MLEBENCH_TEMPORAL_IMAGE"
      drop_context temporal
    fi
  fi
}

# The worker's loop mounts under the runs folder must reach the host's mount namespace (the
# engine bind-mounts a run's scratch folders from there): Docker's rshared propagation needs the
# host side to be a shared mount. Most systemd hosts have / shared; where not, the runs folder is
# bind-mounted onto itself and made shared (recorded, undone by down).
# Do the modes of $1 give the REST server's user (MLEBENCH_SERVER_USER) the permission bits $2
# (4 read, 5 read and search)? Its parents do not matter: the folders are mounted at their paths.
server_may() {
  local uid=${MLEBENCH_SERVER_USER%%:*} gid=${MLEBENCH_SERVER_USER#*:} owner group mode bits
  read -r owner group mode < <(stat -c '%u %g %a' "$1")
  mode=$((8#$mode))
  if [ "$uid" = "$owner" ]; then bits=$((mode >> 6)); elif [ "$gid" = "$group" ]; then bits=$((mode >> 3)); else bits=$mode; fi
  [ $((bits & $2)) = "$2" ]
}

# The REST server (not root) reads the runs and data folders: say so when their modes would not let it.
check_server_can_read() {
  local dir
  for dir in "$MLEBENCH_RUNS_DIR" "$MLEBENCH_DATA_DIR"; do
    server_may "$dir" 5 || say "warning: the REST server's user $MLEBENCH_SERVER_USER cannot read $dir ($(stat -c '%U:%G %A' "$dir")): chmod o+rx it, give its group to the server, or set MLEBENCH_SERVER_USER to its owner's uid:gid"
  done
}

# The REST server listens beyond its own loopback (Docker publishes its port), so it needs tokens:
# the file given, or one made here with an admin token (kept across ups, removed by down -v).
ensure_api_tokens() {
  local gid=${MLEBENCH_SERVER_USER#*:}
  if [ "$MLEBENCH_API_TOKENS_FILE" = "$MADE_TOKENS" ] && [ ! -f "$MADE_TOKENS" ]; then
    mkdir -p "$(dirname "$MADE_TOKENS")"
    (umask 077 && printf 'users:\n  admin:\n    role: admin\n    token: %s\n' "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" > "$MADE_TOKENS")
    chgrp "$gid" "$MADE_TOKENS" && chmod 640 "$MADE_TOKENS"
    say "the REST API's admin token is in $MADE_TOKENS (MLEBENCH_API_TOKENS_FILE names your own users and tokens)"
  fi
  [ -f "$MLEBENCH_API_TOKENS_FILE" ] || die "MLEBENCH_API_TOKENS_FILE=$MLEBENCH_API_TOKENS_FILE is not a file"
  server_may "$MLEBENCH_API_TOKENS_FILE" 4 \
    || die "the REST server's user $MLEBENCH_SERVER_USER cannot read MLEBENCH_API_TOKENS_FILE=$MLEBENCH_API_TOKENS_FILE: e.g. chgrp $gid it and chmod 640"
}

# Before anything starts with TLS: the five files are there, parse, match, come from ca.pem, are
# in date, name the server, and the REST server's user can read the client's.
check_tls_dir() {
  [ -n "${MLEBENCH_TEMPORAL_TLS_DIR:-}" ] || return 0
  local dir=$MLEBENCH_TEMPORAL_TLS_DIR f
  [ -d "$dir" ] || die "MLEBENCH_TEMPORAL_TLS_DIR=$dir is not a folder"
  for f in ca.pem server.pem server-key.pem client.pem client-key.pem; do
    [ -f "$dir/$f" ] || die "MLEBENCH_TEMPORAL_TLS_DIR: $dir/$f is missing (see docker-compose.tls.yml)"
  done
  node -e '
    const fs = require("fs");
    const { X509Certificate } = require("crypto");
    const { temporalSecurity } = require("./dist/temporal/security");
    const [dir, name] = process.argv.slice(1);
    try {
      for (const who of ["client", "server"]) {
        temporalSecurity({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: `${dir}/ca.pem`, TEMPORAL_TLS_CLIENT_CERT_PATH: `${dir}/${who}.pem`, TEMPORAL_TLS_CLIENT_KEY_PATH: `${dir}/${who}-key.pem` });
      }
      const ca = new X509Certificate(fs.readFileSync(`${dir}/ca.pem`));
      for (const who of ["client", "server"]) {
        const cert = new X509Certificate(fs.readFileSync(`${dir}/${who}.pem`));
        if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new Error(`${dir}/${who}.pem was not issued by ${dir}/ca.pem`);
      }
      const server = new X509Certificate(fs.readFileSync(`${dir}/server.pem`));
      if (!server.checkHost(name)) throw new Error(`${dir}/server.pem does not name ${name} in its subjectAltName (MLEBENCH_TEMPORAL_TLS_SERVER_NAME)`);
    } catch (err) {
      process.stderr.write(`compose: error: MLEBENCH_TEMPORAL_TLS_DIR: ${err.message.replace(/^[A-Z_]+: /, "")}\n`);
      process.exit(1);
    }' "$dir" "$MLEBENCH_TEMPORAL_TLS_SERVER_NAME" || exit 1
  server_may "$dir" 5 && server_may "$dir/client-key.pem" 4 && server_may "$dir/client.pem" 4 && server_may "$dir/ca.pem" 4 \
    || die "MLEBENCH_TEMPORAL_TLS_DIR: the REST server's user $MLEBENCH_SERVER_USER cannot read $dir/client-key.pem (or the folder, client.pem, ca.pem): e.g. chgrp ${MLEBENCH_SERVER_USER#*:} $dir/client-key.pem && chmod 640 $dir/client-key.pem"
}

ensure_shared_runs_dir() {
  mkdir -p "$MLEBENCH_RUNS_DIR" "$MLEBENCH_DATA_DIR" "$MLEBENCH_WORKER_TMPDIR"
  local prop
  prop=$(findmnt -no PROPAGATION --target "$MLEBENCH_RUNS_DIR" | head -n1)
  case "$prop" in shared*) return ;; esac
  [ "$(id -u)" = 0 ] || die "$MLEBENCH_RUNS_DIR is on a $prop mount and only root can make it shared (the worker's scratch mounts must reach the host)"
  if [ "$(findmnt -no TARGET --target "$MLEBENCH_RUNS_DIR" | head -n1)" != "$MLEBENCH_RUNS_DIR" ]; then
    mount --bind "$MLEBENCH_RUNS_DIR" "$MLEBENCH_RUNS_DIR"
  fi
  mount --make-shared "$MLEBENCH_RUNS_DIR"
  mkdir -p "$(dirname "$SHARED_RECORD")"
  echo "$MLEBENCH_RUNS_DIR" > "$SHARED_RECORD"
  say "$MLEBENCH_RUNS_DIR: made a shared mount (its mount was $prop)"
}

undo_shared_runs_dir() {
  [ -f "$SHARED_RECORD" ] || return 0
  local dir
  dir=$(cat "$SHARED_RECORD")
  if [ "$(findmnt -no TARGET --target "$dir" 2>/dev/null | head -n1)" = "$dir" ]; then
    umount "$dir" 2>/dev/null || say "$dir: still busy (a run's scratch space mounted?), left mounted"
  fi
  rm -f "$SHARED_RECORD"
}

# Bounded wait for Temporal (its health check) and the REST API (/health).
wait_ready() {
  local secs=${MLEBENCH_COMPOSE_WAIT_SECS:-180} deadline api
  deadline=$(($(date +%s) + secs))
  api="http://127.0.0.1:$MLEBENCH_API_PORT/health"
  [ "$MLEBENCH_BIND_ADDRESS" = 0.0.0.0 ] || [ "$MLEBENCH_BIND_ADDRESS" = 127.0.0.1 ] || api="http://$MLEBENCH_BIND_ADDRESS:$MLEBENCH_API_PORT/health"
  # exitCode 1 unless the answer is healthy: a connection the engine's proxy accepts before the
  # server listens can leave node with nothing to wait for, and it would exit 0.
  until node -e '
    process.exitCode = 1;
    fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
      .then(async (r) => { const b = await r.json(); if (r.ok && b.status === "ok") process.exit(0); })
      .catch(() => process.exit(1));' "$api"; do
    [ "$(date +%s)" -lt "$deadline" ] || { dc ps >&2; die "the REST API did not answer healthy at $api within $secs s (bash scripts/compose.sh logs)"; }
    sleep 1
  done
  say "up: Temporal 127.0.0.1:$TEMPORAL_PORT (Web UI http://localhost:$TEMPORAL_UI_PORT), REST API http://localhost:$MLEBENCH_API_PORT, runs in $MLEBENCH_RUNS_DIR"
  local tls=""
  [ -z "${MLEBENCH_TEMPORAL_TLS_DIR:-}" ] || tls="TEMPORAL_TLS_SERVER_NAME=$MLEBENCH_TEMPORAL_TLS_SERVER_NAME TEMPORAL_TLS_SERVER_CA_CERT_PATH=$MLEBENCH_TEMPORAL_TLS_DIR/ca.pem TEMPORAL_TLS_CLIENT_CERT_PATH=$MLEBENCH_TEMPORAL_TLS_DIR/client.pem TEMPORAL_TLS_CLIENT_KEY_PATH=$MLEBENCH_TEMPORAL_TLS_DIR/client-key.pem "
  say "run with: ${tls}TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT MLEBENCH_RUNS_DIR=$MLEBENCH_RUNS_DIR npx mlebench run --agent dummy --competitions spam-assassin"
}

case "$cmd" in
  up)
    compute_tags
    check_tls_dir
    build_images
    ensure_shared_runs_dir
    check_server_can_read
    ensure_api_tokens
    dc up -d --no-build "$@" >&2
    wait_ready
    ;;
  build)
    compute_tags
    build_images
    ;;
  stage)
    # Only the build contexts (then `docker compose build` by hand builds from them).
    compute_tags
    stage_harness
    stage_temporal
    ;;
  down)
    compute_tags
    dc down --remove-orphans "$@" >&2
    undo_shared_runs_dir
    case " $* " in *" -v "* | *" --volumes "*) rm -f "$MADE_TOKENS" ;; esac
    ;;
  ps | logs | config | exec | restart | stop | start)
    compute_tags
    dc "$cmd" "$@"
    ;;
  env)
    # The variables the compose file reads, for running docker-compose by hand.
    compute_tags
    env | grep -E '^(COMPOSE_PROJECT_NAME|MLEBENCH_[A-Z_]+|TEMPORAL_[A-Z_]+)=' | sort
    ;;
  *) die "unknown command $cmd: up|down|ps|logs|config|build|env" ;;
esac
