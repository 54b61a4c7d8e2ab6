# mlebench-env from an MLE-bench checkout (MLEBENCH_ENV_SOURCE=checkout): this one layer goes on
# the image of the checkout's environment/Dockerfile (real conda, its `agent` environment, its
# packages) so that this harness's sandbox rules hold there as in the offline image: the
# format-only validation server and our entrypoint instead of MLE-bench's grading server (which
# reads answers from /private) and root entrypoint; a uid 1000 user; no checkout copy. The context
# is images/ (core/sandbox/mlebenchImages.ts). See docs/mlebench-agents.md.
ARG SOURCE_IMAGE
FROM ${SOURCE_IMAGE}
USER root
COPY mlebench-env/entrypoint.sh mlebench-env/validation_server.py mlebench-env/curl /opt/mlebench/
COPY mlebench-env/validate_submission.sh mlebench-env/instructions.txt /home/
COPY validate-submission.py /usr/local/bin/validate-submission
# The harness's init runs with the image's python3. The validation server needs a Python with
# numpy and pandas (the validator's): MLE-bench's `mleb` environment (its grading server's), else
# `agent`, else python3; /opt/mlebench/python names it for the entrypoint. Their curl stays; the
# shim only where there is none. MLE-bench's grading server, its entrypoint and its copy of the
# checkout (/mlebench) go: no answers and no grading code in the container.
RUN set -e; \
    command -v python3 >/dev/null || { echo "mlebench-env: the image has no python3 on PATH (the harness's init needs it)" >&2; exit 1; }; \
    python=""; \
    for p in /opt/conda/envs/mleb/bin/python /opt/conda/envs/agent/bin/python "$(command -v python3)"; do \
      if [ -x "$p" ] && "$p" -c 'import sys, numpy, pandas; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then python="$p"; break; fi; \
    done; \
    [ -n "$python" ] || { echo "mlebench-env: no Python >= 3.9 with numpy and pandas for the validation server (looked in the conda environments mleb and agent, and python3)" >&2; exit 1; }; \
    printf '#!/bin/sh\nexec %s "$@"\n' "$python" > /opt/mlebench/python; \
    command -v curl >/dev/null || cp /opt/mlebench/curl /usr/local/bin/curl; \
    rm /opt/mlebench/curl; \
    getent passwd 1000 >/dev/null || useradd --uid 1000 --create-home --home-dir /home/agent --shell /bin/bash agent; \
    chmod 0755 /opt/mlebench/python /opt/mlebench/entrypoint.sh /opt/mlebench/validation_server.py /home/validate_submission.sh /usr/local/bin/validate-submission; \
    chmod 0644 /home/instructions.txt; \
    rm -rf /private /mlebench /entrypoint.sh /home/logs /home/code /home/agent; \
    mkdir -m 0700 /private
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /home
ENTRYPOINT ["/opt/mlebench/entrypoint.sh"]
