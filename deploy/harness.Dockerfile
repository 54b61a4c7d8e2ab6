# The harness image: `mlebench worker` (the compose service `worker`) and `mlebench serve
# --no-worker` (the service `server`), built on the harness's own base image (mlebench-base,
# which scripts/setup.sh builds offline from Debian packages) — no registry is needed.
#
# Its context is staged by scripts/compose.sh (nothing here reaches a registry from inside a
# container): the host's node binary (Debian 12 and the base image share glibc and libstdc++),
# the built dist/ with the production part of node_modules, the declarations the harness reads
# (competitions/, agents/, splits/, techniques/, images/ — the agent images' tags are hashed from
# agents/ and images/, so they must be the host's exact files), and the iptables packages
# (downloaded on the host with apt-get download) for the LLM gateway's firewall, mount and
# e2fsprogs for the loop-mounted scratch filesystems.
ARG BASE_IMAGE=mlebench-base:latest
FROM ${BASE_IMAGE}
COPY debs/ /tmp/debs/
RUN dpkg -i /tmp/debs/lib*.deb && dpkg -i /tmp/debs/*.deb && rm -rf /tmp/debs \
 && iptables --version && mkfs.ext4 -V 2>&1 | head -n1 && mount --version
COPY node /usr/local/bin/node
# The harness lives at the checkout's own path on the host (scripts/compose.sh passes it): the
# files it hands to the host's engine as bind-mount sources (agents/instructions.txt, MLE-bench's
# driver.py) are then found there, the same files this image was built from.
ARG APP_DIR=/opt/mlebench
# node_modules changes less often than the rest: its own layer.
COPY app/node_modules/ ${APP_DIR}/node_modules/
COPY app/ ${APP_DIR}/
RUN if [ "$APP_DIR" != /opt/mlebench ]; then ln -s "$APP_DIR" /opt/mlebench; fi
# The REST server's user (compose service `server`): not root, owns nothing in the image.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mlebench-api
ENV NODE_ENV=production MLEBENCH_HOME=/var/lib/mlebench
WORKDIR ${APP_DIR}
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/mlebench/bin/mlebench.js"]
CMD ["worker"]
