"""Schemathesis hooks for the REST API's fuzz test (test/server/fuzz.test.ts): one more check on
every answer — it must carry nothing of the server's files or environment."""

import os

import schemathesis

# Planted by the test in the server's environment, and what the usual targets would leak.
LEAKS = [s for s in (os.environ.get("MLEBENCH_FUZZ_SECRET"), os.environ.get("MLEBENCH_FUZZ_PATH"), "root:x:0:0") if s]


@schemathesis.check
def no_file_or_environment(ctx, response, case):
    text = response.text or ""
    for leak in LEAKS:
        if leak in text:
            raise AssertionError(f"{case.method} {case.path}: the answer carries the server's {leak[:12]}...")
