#!/usr/bin/env bash
# The browser the results page's end-to-end test drives (test/server/page.test.ts: playwright-core
# with Debian's chromium at /usr/bin/chromium; Playwright's own browser downloads are never used —
# the test machines may be offline). Run by `npm test` before the suite; a no-op once installed.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-browser: /usr/bin/chromium is missing: install Debian's chromium package (apt-get install chromium) as root" >&2
  exit 1
fi
echo "test-browser: installing chromium (the results page's browser test)"
install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
if ! install; then
  echo "test-browser: apt-get install failed; updating the package lists and retrying"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  install
fi
[ -x /usr/bin/chromium ] || { echo "test-browser: chromium installed but /usr/bin/chromium is missing" >&2; exit 1; }
