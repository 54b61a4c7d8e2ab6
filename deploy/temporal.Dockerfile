# Temporal for the offline compose variant: the pinned Temporal CLI binary (the one
# scripts/setup.sh installs into .mlebench/bin, staged here by scripts/compose.sh) on the
# harness's base image, running `temporal server start-dev`: the frontend on 7233, the Web UI on
# 8233, its SQLite file on the volume at /data (so workflows survive `down` and `up`).
ARG BASE_IMAGE=mlebench-base:latest
FROM ${BASE_IMAGE}
COPY temporal /usr/local/bin/temporal
RUN mkdir -p /data && temporal --version
VOLUME /data
EXPOSE 7233 8233
HEALTHCHECK --interval=2s --timeout=5s --start-period=5s --retries=60 \
  CMD ["temporal", "operator", "cluster", "health", "--address", "127.0.0.1:7233"]
ENTRYPOINT ["/usr/bin/tini", "--", "temporal", "server", "start-dev", "--ip", "0.0.0.0", "--ui-ip", "0.0.0.0", \
  "--port", "7233", "--ui-port", "8233", "--db-filename", "/data/temporal.db", "--log-level", "warn"]
