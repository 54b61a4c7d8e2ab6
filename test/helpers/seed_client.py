"""A client of the seed system's server, written only from shared/seed-api.md (never from our own
clients/python/sdk.py): what code written against the seed sends and reads. test/server/seedClient.test.ts
drives it (through test/helpers/seed_client_e2e.py) against `mlebench serve`.
"""

import time

import requests

FINAL = ("completed", "failed")


class SeedClient:
    """The seed SDK's behaviour: JSON in and out, any non-2xx status raises (requests.HTTPError)."""

    def __init__(self, base_url="http://127.0.0.1:8000"):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def _get(self, path):
        resp = self.session.get(f"{self.base_url}{path}", timeout=60)
        resp.raise_for_status()
        return resp.json()

    def run(self, **request):
        """POST /runs with the request's fields; returns run_id."""
        resp = self.session.post(f"{self.base_url}/runs", json=request, timeout=60)
        resp.raise_for_status()
        return resp.json()["run_id"]

    def get_run(self, run_id):
        return self._get(f"/runs/{run_id}")

    def wait_for_completion(self, run_id, poll_interval=1.0, timeout=600):
        """Polls GET /runs/{id} until completed or failed; returns that record."""
        deadline = time.monotonic() + timeout
        while True:
            record = self.get_run(run_id)
            if record["status"] in FINAL:
                return record
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {record['status']} after {timeout}s")
            time.sleep(poll_interval)

    def get_run_summary(self, run_id):
        return self._get(f"/runs/{run_id}/summary")

    def get_artifacts(self, run_id):
        return self._get(f"/runs/{run_id}/artifacts")

    def list_runs(self):
        return self._get("/runs")

    def list_competitions(self):
        return self._get("/competitions")

    def list_technique_tasks(self):
        return self._get("/technique-tasks")

    def health(self):
        return self._get("/health")

    def download(self, path):
        """GET /files/{path}: the file's bytes."""
        resp = self.session.get(f"{self.base_url}/files/{path}", timeout=60)
        resp.raise_for_status()
        return resp.content
