# The layer both build paths share: from a Debian root filesystem (an imported mmdebstrap
# tarball offline, or debian:bookworm-slim plus packages.txt online) to the base image
# every agent builds on.
ARG ROOTFS=mlebench-base-rootfs
FROM ${ROOTFS}
ENV PYTHONUNBUFFERED=1 LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The agent runs as uid 1000; its home is a tmpfs at run time (the root fs is read-only).
RUN useradd --uid 1000 --create-home --home-dir /home/agent --shell /bin/bash agent \
 && mkdir -p /home/submission /home/code /home/logs /home/data \
 && chown agent:agent /home/submission /home/code /home/logs
# Lets an agent check its submission's format (never its score) with no network.
COPY validate-submission.py /usr/local/bin/validate-submission
RUN chmod 0755 /usr/local/bin/validate-submission
WORKDIR /home
ENTRYPOINT ["/usr/bin/tini", "--"]
