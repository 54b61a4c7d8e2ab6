#!/bin/bash
# Temporal on PostgreSQL (compose profile `postgres`):
#   schema  create the databases and bring both schemas to this server's version (idempotent:
#           run before every start, as temporalio/auto-setup does), then exit
#   server  the server (config/docker.yaml from the environment), the `default` namespace and
#           the harness's search attributes registered once it answers, and the Web UI on :8233 when its binary is in the image
set -euo pipefail
: "${POSTGRES_SEEDS:=postgresql}" "${DB_PORT:=5432}" "${POSTGRES_USER:=temporal}" "${POSTGRES_PWD:?POSTGRES_PWD must be set}"
export DB=${DB:-postgres12} POSTGRES_SEEDS DB_PORT POSTGRES_USER POSTGRES_PWD
SCHEMA=/etc/temporal/schema/postgresql/v12

sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"; }

case "${1:-server}" in
  schema)
    for db in temporal temporal_visibility; do
      # PostgreSQL may still be starting: retry until the database exists (bounded).
      for i in $(seq 1 120); do
        if out=$(sql --db "$db" create-database 2>&1) || grep -q "already exists" <<<"$out"; then break; fi
        [ "$i" -lt 120 ] || { echo "schema: cannot create $db: $out" >&2; exit 1; }
        sleep 1
      done
      dir=$SCHEMA/temporal/versioned
      [ "$db" = temporal_visibility ] && dir=$SCHEMA/visibility/versioned
      sql --db "$db" setup-schema -v 0.0
      sql --db "$db" update-schema -d "$dir"
    done
    echo "schema: temporal and temporal_visibility up to date"
    ;;
  server)
    export BIND_ON_IP=${BIND_ON_IP:-0.0.0.0}
    export TEMPORAL_BROADCAST_ADDRESS=${TEMPORAL_BROADCAST_ADDRESS:-$(hostname -i | awk '{print $1}')}
    export DYNAMIC_CONFIG_FILE_PATH=${DYNAMIC_CONFIG_FILE_PATH:-/etc/temporal/config/dynamicconfig/development-sql.yaml}
    temporal-server --config-file /etc/temporal/config/docker.yaml --allow-no-auth start &
    server=$!
    trap 'kill -TERM $server 2>/dev/null' TERM INT
    until temporal operator cluster health --address 127.0.0.1:7233 >/dev/null 2>&1; do
      kill -0 $server 2>/dev/null || { wait $server; exit $?; }
      sleep 1
    done
    temporal operator namespace describe --namespace default --address 127.0.0.1:7233 >/dev/null 2>&1 \
      || temporal operator namespace create --namespace default --retention 72h --address 127.0.0.1:7233
    # The harness's search attributes (NAME=Type ..., from scripts/compose.sh), as the dev server
    # gets them on its command line: a group started before any worker ran must find them.
    # (A namespace just created can take seconds to be seen: retried, bounded.)
    for attr in ${TEMPORAL_SEARCH_ATTRIBUTES:-}; do
      for i in $(seq 1 30); do
        out=$(temporal operator search-attribute create --namespace default --name "${attr%%=*}" --type "${attr#*=}" \
          --address 127.0.0.1:7233 2>&1) && break
        grep -qi "already" <<<"$out" && break
        [ "$i" -lt 30 ] || echo "search attribute $attr: $out" >&2
        sleep 1
      done
    done
    if command -v temporal-ui-server >/dev/null 2>&1; then
      TEMPORAL_ADDRESS=127.0.0.1:7233 TEMPORAL_UI_PORT=8233 temporal-ui-server --root /etc/temporal-ui --env docker start &
      for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/8233) 2>/dev/null && break; sleep 1; done
    fi
    touch /tmp/temporal-ready # the health check's signal: namespace, search attributes and Web UI are there
    wait $server
    ;;
  *) exec "$@" ;;
esac
