# Temporal's own server, SQL tool and Web UI for the compose profile `postgres`: built by
# scripts/compose.sh on the host from their Go modules (go.temporal.io/server, the server and
# tools/sql commands; github.com/temporalio/ui-server/v2) — with the schema and the server's
# templated config (config/docker.yaml, read from the environment) from the same module — and
# copied onto the harness base image with the pinned Temporal CLI (namespace set-up, health).
ARG BASE_IMAGE=mlebench-base:latest
FROM ${BASE_IMAGE}
COPY bin/ /usr/local/bin/
COPY config/ /etc/temporal/config/
COPY schema/ /etc/temporal/schema/
COPY ui-config/ /etc/temporal-ui/config/
COPY temporal-server-entrypoint.sh /usr/local/bin/temporal-server-entrypoint.sh
RUN temporal-server --version && temporal-sql-tool --version && temporal --version
WORKDIR /etc/temporal
ENTRYPOINT ["/usr/bin/tini", "--", "/bin/bash", "/usr/local/bin/temporal-server-entrypoint.sh"]
CMD ["server"]
