# The layer both build paths share: from a Debian root filesystem (an imported mmdebstrap
# tarball offline, or debian:bookworm-slim plus packages.txt online) to the base image
# every agent builds on.
ARG ROOTFS=mlebench-base-rootfs
FROM ${ROOTFS}
ENV PYTHONUNBUFFERED=1 LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN useradd --uid 1000 --create-home --home-dir /home/agent --shell /bin/bash agent \
 && mkdir -p /home/submission /home/code /home/logs /home/data \
 && chown agent:agent /home/submission /home/code /home/logs
WORKDIR /home
ENTRYPOINT ["/usr/bin/tini", "--"]
