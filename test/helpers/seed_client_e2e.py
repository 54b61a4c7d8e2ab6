"""Drives test/helpers/seed_client.py (a client written only from shared/seed-api.md) against a live
`mlebench serve` through a competition run and a technique run, asserting the seed's exact shapes
and status codes. Run by test/server/seedClient.test.ts, which sets MLEBENCH_API_URL, gives the
server an MLE-bench checkout whose experiments/splits/low.txt (the seed's default) is one offline
competition, and names the technique run's split (SEED_E2E_TECHNIQUE_SPLIT). Every check is an assert with
its message; at the end it prints one JSON line of what it saw, which the TypeScript test checks
against the run folders.
"""

import json
import os

import requests

from seed_client import SeedClient

RECORD_KEYS = {"run_id", "status", "created_at", "updated_at", "request", "message", "run_group", "run_dir", "logs"}
SUMMARY_KEYS = {"run_id", "run_group", "run_dir", "grading_reports"}
ARTIFACT_KINDS = ["submissions", "grading_reports", "logs", "rollouts", "code", "metadata"]
SEED_DEFAULTS = {"agent_id": "dummy", "lite": True, "n_seeds": 1, "n_workers": 1, "retain": False, "data_dir": None, "gitlink": None, "notes": None}


def status_of(call):
    """The HTTP status a call raised with (None when it succeeded)."""
    try:
        call()
    except requests.HTTPError as err:
        return err.response.status_code
    return None


def check_record(record, run_id):
    assert RECORD_KEYS <= set(record), f"record lacks {RECORD_KEYS - set(record)}: {record}"
    assert record["run_id"] == run_id, record
    assert record["status"] in ("queued", "running", "completed", "failed"), record["status"]
    # Unix seconds: JSON has one number type, so a time on a whole second arrives as a Python int
    # (the seed's own server could send 1796630759.0; a JSON encoder in JavaScript cannot).
    for key in ("created_at", "updated_at"):
        assert isinstance(record[key], (int, float)) and not isinstance(record[key], bool), record
        assert record[key] > 1.6e9, record
    assert record["updated_at"] >= record["created_at"], record
    assert isinstance(record["request"], dict), record["request"]
    assert isinstance(record["logs"], list) and all(isinstance(step, dict) for step in record["logs"]), record["logs"]
    assert record["message"] is None or isinstance(record["message"], str), record["message"]


def completed_group(client, run_id):
    """Waits for the group; checks its record, summary and artifacts in the seed's shapes; returns what it saw."""
    record = client.wait_for_completion(run_id, poll_interval=0.5, timeout=600)
    check_record(record, run_id)
    assert record["status"] == "completed", record
    assert record["message"] is None, record
    assert isinstance(record["run_group"], str) and record["run_dir"].endswith("/" + record["run_group"]), record
    summary = client.get_run_summary(run_id)
    assert SUMMARY_KEYS <= set(summary), summary
    assert (summary["run_id"], summary["run_group"], summary["run_dir"]) == (run_id, record["run_group"], record["run_dir"]), summary
    assert isinstance(summary["grading_reports"], list) and summary["grading_reports"], summary
    reports = {path: json.loads(client.download(path)) for path in summary["grading_reports"]}
    artifacts = client.get_artifacts(run_id)
    assert {"run_id", "run_group", "run_dir", *ARTIFACT_KINDS} <= set(artifacts), artifacts
    for kind in ARTIFACT_KINDS:
        paths = artifacts[kind]
        assert isinstance(paths, list) and paths == sorted(paths), (kind, paths)
        assert all(p.startswith(record["run_dir"] + "/") for p in paths), (kind, paths)
    assert sorted(artifacts["grading_reports"]) == sorted(summary["grading_reports"]), artifacts
    downloads = {path: client.download(path).decode() for path in artifacts["submissions"]}
    return {"record": record, "summary": summary, "reports": reports, "artifacts": artifacts, "downloads": downloads}


def main():
    client = SeedClient(os.environ["MLEBENCH_API_URL"])
    seen = {}

    # The catalogue, as the seed's tests check it.
    assert client.health()["status"] == "ok"
    competitions = client.list_competitions()
    assert isinstance(competitions, list) and all(isinstance(c, str) for c in competitions), competitions
    assert "spam-assassin" in competitions, competitions
    tasks = client.list_technique_tasks()
    assert set(tasks) >= {"available", "descriptions"}, tasks
    assert "leakage" in tasks["available"] and set(tasks["descriptions"]) == set(tasks["available"]), tasks
    assert all(isinstance(d, str) and d for d in tasks["descriptions"].values()), tasks
    assert isinstance(client.list_runs(), list)

    # Malformed requests: 422; unknown runs and files: 404.
    seen["malformed"] = [
        status_of(lambda: client.run(n_seeds=0)),
        status_of(lambda: client.run(n_workers="many")),
        status_of(lambda: client.run(competition_set="/etc/passwd")),
        status_of(lambda: client.run(tasks="leakage")),
    ]
    seen["unknown"] = [
        status_of(lambda: client.get_run("no-such-run")),
        status_of(lambda: client.get_run_summary("no-such-run")),
        status_of(lambda: client.get_artifacts("no-such-run")),
        status_of(lambda: client.download("runs/no-such-group/grading_report.json")),
    ]

    # A competition run, every field at the seed's default (competition_set: experiments/splits/low.txt).
    resp = client.session.post(f"{client.base_url}/runs", json={}, timeout=60)
    assert resp.status_code == 200, (resp.status_code, resp.text)
    created = resp.json()
    assert set(created) == {"run_id", "status"} and created["status"] == "queued", created
    run_id = created["run_id"]
    early = client.get_run(run_id)
    check_record(early, run_id)
    assert early["status"] in ("queued", "running"), early
    # Before completion: 409, as the seed answers.
    seen["early"] = [early["status"], status_of(lambda: client.get_run_summary(run_id)), status_of(lambda: client.get_artifacts(run_id))]
    competition = completed_group(client, run_id)
    request = competition["record"]["request"]
    for key, value in {**SEED_DEFAULTS, "competition_set": "experiments/splits/low.txt", "tasks": None}.items():
        assert request.get(key) == value, (key, request)
    report = next(iter(competition["reports"].values()))
    assert report["total_runs"] == 1 and report["competition_reports"][0]["competition_id"] == "spam-assassin", report
    assert len(competition["artifacts"]["submissions"]) == 1, competition["artifacts"]
    seen["competition"] = competition

    # A technique run: `tasks` and no other flag, as in the seed.
    technique_id = client.run(competition_set=os.environ["SEED_E2E_TECHNIQUE_SPLIT"], tasks=["leakage"])
    technique = completed_group(client, technique_id)
    assert technique["record"]["request"]["tasks"] == ["leakage"], technique["record"]["request"]
    grades = next(r for p, r in technique["reports"].items() if p.endswith("technique_grades.json"))
    assert [(g["task"], g["competition_id"]) for g in grades["grades"]] == [("leakage", "spambase")], grades
    seen["technique"] = technique

    # The list: the seed's records, newest first.
    runs = client.list_runs()
    assert isinstance(runs, list), runs
    for record in runs:
        check_record(record, record["run_id"])
    ids = [r["run_id"] for r in runs]
    assert ids[:2] == [technique_id, run_id], ids
    seen["listed"] = ids
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
