#!/usr/bin/env bash
# The Python the tests compare against (scikit-learn, pinned in requirements-dev.txt), in a
# virtualenv of the project's own so the system Python is left alone. Run by `npm test` before the
# suite; a no-op (well under a second) once the virtualenv matches requirements-dev.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${MLEBENCH_HOME:-$PWD/.mlebench}/venv-test
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
[ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" = "$want" ] && exit 0
echo "test-python: creating $venv (scikit-learn for the metric tests)"
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  else
    echo "test-python: python3 cannot create virtualenvs: install python3-venv" >&2
    exit 1
  fi
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
echo "$want" > "$venv/.requirements.sha256"
