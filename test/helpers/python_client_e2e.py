"""Drives clients/python/sdk.py (unmodified, as a seed user would) through whole runs against a
live `mlebench serve` (run by test/server/pythonClient.test.ts, which sets MLEBENCH_API_URL,
PYTHONPATH=clients/python, MLEBENCH_API_TOKEN (the server asks for tokens; the client sends its
own), MLEBENCH_E2E_USER (the token's user) and MLEBENCH_E2E_CANCELLED: a group it started and
cancelled).

Every check is an assert with its message (the script then exits non-zero); at the end it prints
one JSON line of what it saw, which the TypeScript test asserts on as well.
"""

import json
import os
import tempfile
from pathlib import Path

import requests

from sdk import ApiError, Client, RunFailed

SIX = ["cv", "encoding", "imbalance", "leakage", "missing", "scaling"]


def expect_api_error(call, status, field):
    """The call raises ApiError with this status, and (for a 400) an issue naming this field."""
    try:
        call()
    except ApiError as err:
        assert err.status_code == status, f"expected HTTP {status}, got {err.status_code}: {err}"
        assert isinstance(err, requests.HTTPError), "ApiError is not a requests.HTTPError"
        assert err.message, f"ApiError without a message: {err!r}"
        assert str(err).startswith(f"HTTP {status}: "), f"unreadable str(ApiError): {err}"
        if field is not None:
            assert field in err.fields(), f"expected an issue naming {field!r}, got {err.issues}"
            assert all(i["reason"] for i in err.issues), f"an issue without a reason: {err.issues}"
            assert field in str(err), f"str(ApiError) does not name {field!r}: {err}"
        return {"status": err.status_code, "message": err.message, "issues": err.issues, "text": str(err)}
    raise AssertionError(f"expected ApiError {status} naming {field!r}, but the call succeeded")


def main():
    client = Client()  # MLEBENCH_API_URL, as a user would point it at a server elsewhere
    assert client.base_url == os.environ["MLEBENCH_API_URL"].rstrip("/"), client.base_url
    seen = {}

    # The catalogue.
    health = client.health()
    assert health["status"] == "ok", health
    competitions = client.list_competitions()
    ids = [c["id"] for c in competitions]
    assert "spam-assassin" in ids and "spambase" in ids, ids
    tasks = client.list_technique_tasks()
    assert sorted(t["id"] for t in tasks) == SIX, tasks
    leakage = next(t for t in tasks if t["id"] == "leakage")
    assert "spambase" in leakage["applies_to"], leakage
    seen["health"] = health
    seen["competition_ids"] = ids
    seen["technique_task_ids"] = [t["id"] for t in tasks]

    # Bad payloads are refused with the field and the reason; unknown groups are 404s.
    seen["bad_seeds"] = expect_api_error(lambda: client.run(agent_id="dummy", competitions=["spam-assassin"], n_seeds=0), 400, "n_seeds")
    seen["bad_competition"] = expect_api_error(lambda: client.run(agent_id="dummy", competitions=["no-such-competition"]), 400, "competitions")
    seen["missing_group"] = expect_api_error(lambda: client.get_run("no-such-group"), 404, None)
    # gitlink reaches the server, which refuses it by name unless its operator allows REST callers git agents.
    seen["gitlink_refused"] = expect_api_error(lambda: client.run(agent_id="dummy", competitions=["spam-assassin"], gitlink="https://example.invalid/agents.git#main"), 400, "gitlink")

    # A competition run group: two seeds, two at a time, an extra option passed through.
    polled = []
    run_id = client.run(
        agent_id="dummy",
        competitions=["spam-assassin"],
        n_seeds=2,
        n_workers=2,
        notes="python client e2e",
        time_limit_secs=600,
    )
    assert isinstance(run_id, str) and run_id, run_id
    summary = client.wait_for_completion(run_id, poll_interval=0.5, timeout=600, on_progress=polled.append)
    assert polled and polled[-1]["status"] == "completed", [p["status"] for p in polled]
    assert all(p["status"] in ("queued", "running", "completed") for p in polled), [p["status"] for p in polled]
    assert summary["run_id"] == run_id and summary["status"] == "completed", summary
    outcomes = sorted((r["seed"], r["outcome"]) for r in summary["runs"])
    assert outcomes == [(1, "succeeded"), (2, "succeeded")], outcomes
    report = summary["grading_report"]
    assert report is not None, summary
    assert report["total_runs"] == 2 and report["total_valid_submissions"] == 2, report
    group_dir = Path(summary["run_group_dir"])
    assert (group_dir / "grading_report.json").is_file(), group_dir

    run = client.get_run(run_id)
    assert run["status"] == "completed", run
    assert run["agent_id"] == "dummy", run
    assert run["progress"]["total"] == 2 and run["progress"]["done"] == 2, run["progress"]
    assert sorted(r["outcome"] for r in run["runs"]) == ["succeeded", "succeeded"], run["runs"]

    listed = client.list_runs()
    assert run_id in [r["run_id"] for r in listed], listed
    assert run_id in [r["run_id"] for r in client.list_runs(agent_id="dummy")]
    assert run_id not in [r["run_id"] for r in client.list_runs(agent_id="baseline")]
    assert [r["run_id"] for r in client.list_runs(limit=1)] == [run_id], "the newest group is not first"

    # Artifacts: each run's submission, downloaded byte for byte.
    artifacts = client.get_artifacts(run_id)
    files = artifacts["files"]
    submissions = sorted(f["path"] for f in files if f["path"].endswith("submission/submission.csv"))
    expected = sorted(f"{Path(r['runDir']).name}/submission/submission.csv" for r in summary["runs"])
    assert submissions == expected, (submissions, expected)
    by_path = {f["path"]: f for f in files}
    run_ids = sorted(r["runId"] for r in summary["runs"])
    assert sorted(by_path[p]["run_id"] for p in submissions) == run_ids, [by_path[p] for p in submissions]
    with tempfile.TemporaryDirectory() as scratch:
        written = client.download_artifact(run_id, submissions[0], scratch)
        assert written == Path(scratch) / "submission.csv", written
        on_disk = (group_dir / submissions[0]).read_bytes()
        assert written.read_bytes() == on_disk, "downloaded submission differs from the file on disk"
        assert by_path[submissions[0]]["size"] == len(on_disk), by_path[submissions[0]]
        report_file = client.download_artifact(run_id, "grading_report.json", Path(scratch) / "reports" / "report.json")
        assert json.loads(report_file.read_text()) == json.loads((group_dir / "grading_report.json").read_text())
        seen["missing_file"] = expect_api_error(lambda: client.download_artifact(run_id, "no/such/file.txt", scratch), 404, None)
        assert not (Path(scratch) / "file.txt").exists(), "a 404 left a file behind"

    seen["run_id"] = run_id
    seen["statuses"] = [p["status"] for p in polled]
    seen["summary"] = {
        "status": summary["status"],
        "run_group_dir": summary["run_group_dir"],
        "outcomes": [r["outcome"] for r in summary["runs"]],
        "grading_report_total_runs": report["total_runs"],
        "paths": summary["paths"],
    }
    seen["submissions"] = submissions

    # A technique run group; a zero timeout gives up at once with TimeoutError (the group goes on).
    technique_id = client.run(agent_id="technique-reference", competitions=["spambase"], technique_tasks=True, tasks=["leakage"])
    try:
        client.wait_for_completion(technique_id, timeout=0)
        raise AssertionError("wait_for_completion(timeout=0) returned for a group just started")
    except TimeoutError as err:
        assert technique_id in str(err), err
    technique = client.wait_for_completion(technique_id, poll_interval=0.5, timeout=600)
    assert technique["status"] == "completed", technique
    assert technique["grading_report"] is None, technique["grading_report"]
    grades = technique["technique_grades"]
    assert grades is not None and grades["total_runs"] == 1, grades
    grade = grades["grades"][0]
    assert grade["task"] == "leakage" and grade["competition_id"] == "spambase", grade
    assert grade["score"] >= 0.9, grade
    assert [c["name"] for c in grade["criteria"]] == ["leaky_precision", "leaky_recall", "predictions"], grade["criteria"]
    record = technique["runs"][0]
    assert record["task"] == "leakage" and record["techniqueGrade"]["score"] == grade["score"], record
    assert client.get_run(technique_id)["status"] == "completed"
    assert [r["run_id"] for r in client.list_runs(limit=2)] == [technique_id, run_id], client.list_runs(limit=2)
    seen["technique"] = {"run_id": technique_id, "task": grade["task"], "score": grade["score"], "outcome": record["outcome"]}

    # A cancelled group ends "failed": wait_for_completion raises RunFailed with the reason.
    cancelled = os.environ["MLEBENCH_E2E_CANCELLED"]
    try:
        client.wait_for_completion(cancelled, poll_interval=0.5, timeout=300)
        raise AssertionError(f"wait_for_completion returned for the cancelled group {cancelled}")
    except RunFailed as err:
        assert err.run_id == cancelled and err.run["status"] == "failed", err.run
        assert err.detail == "cancelled", err.run
        assert cancelled in str(err) and "cancelled" in str(err), str(err)
        seen["cancelled"] = {"run_id": cancelled, "status": err.run["status"], "temporal_status": err.run["temporal_status"], "detail": err.detail, "text": str(err)}

    # Cancelling through the API: a group of its own (202, then "failed" as cancelled); another
    # user's (the group above, started by the TypeScript SDK as "local"): 403.
    slow = client.run(agent_id="dummy/slow", competitions=["spam-assassin"])
    assert client.get_run(slow)["owner"] == os.environ["MLEBENCH_E2E_USER"], client.get_run(slow)
    assert client.cancel(slow) == {"run_id": slow, "status": "cancelling"}
    try:
        client.wait_for_completion(slow, poll_interval=0.5, timeout=300)
        raise AssertionError(f"wait_for_completion returned for the group it cancelled, {slow}")
    except RunFailed as err:
        assert err.detail == "cancelled", err.run
    expect_api_error(lambda: client.cancel(cancelled), 403, None)
    seen["own_cancel"] = {"run_id": slow, "detail": "cancelled"}

    print(json.dumps(seen))


if __name__ == "__main__":
    main()  # a failed check: its traceback on stderr, exit status 1
