# PostgreSQL 15 for the compose profile `postgres` (Temporal's production persistence), from
# Debian's packages on the harness base image: scripts/compose.sh fetches the .debs on the host
# (apt-get --download-only against the base image's package status), so nothing is pulled.
ARG BASE_IMAGE=mlebench-base:latest
FROM ${BASE_IMAGE}
COPY debs/ /tmp/debs/
# No cluster from the package's postinst: the entrypoint makes one on the volume.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/mlebench.conf \
 && apt-get install -y -q --no-install-recommends /tmp/debs/*.deb \
 && rm -rf /tmp/debs /var/lib/apt/lists/* \
 && /usr/lib/postgresql/15/bin/postgres --version
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432
ENTRYPOINT ["/usr/bin/tini", "--", "/bin/sh", "/usr/local/bin/postgres-entrypoint.sh"]
