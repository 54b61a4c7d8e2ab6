#!/bin/bash
# mlebench-env's entrypoint: what MLE-bench's environment/entrypoint.sh prepares before an agent
# runs, inside this harness's sandbox (non-root, read-only root, no network): the format-only
# validation server on localhost:5000, waited for as MLE-bench waits (60 s), and the image's
# AGENT_DIR copied into /home/agent (the run's tmpfs) so the agent can write there. Then the
# agent's command (bash /home/agent/start.sh KWARGS...).
mkdir -p /home/logs
# Built from an MLE-bench checkout, /opt/mlebench/python names the Python with the validator's numpy
# and pandas (checkout.Dockerfile); here python3 has them.
python=/opt/mlebench/python
[ -x "$python" ] || python=python3
"$python" /opt/mlebench/validation_server.py >>/home/logs/validation_server.log 2>&1 &
up=""
for _ in $(seq 1 600); do
  if curl -s http://localhost:5000/health >/dev/null 2>&1; then up=1; break; fi
  sleep 0.1
done
if [ -z "$up" ]; then
  echo "mlebench-env: the validation server did not start within 60 seconds (see /home/logs/validation_server.log)" >&2
  exit 1
fi
if [ -d /opt/mlebench/agent ] && [ -w /home/agent ]; then
  cp -R --preserve=mode,timestamps /opt/mlebench/agent/. /home/agent/
fi
exec "$@"
