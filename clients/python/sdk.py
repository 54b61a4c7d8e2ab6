"""Python client for the MLE-bench Redux REST API (``mlebench serve``).

Written to the seed SDK's interface, so code written against the seed keeps working, over the
server's richer views (``/v2``, docs/rest-api.md)::

    from sdk import Client

    client = Client()  # http://localhost:8000, or $MLEBENCH_API_URL
    run_id = client.run(agent_id="dummy", competitions=["spam-assassin"], n_seeds=2)
    summary = client.wait_for_completion(run_id)
    run = client.get_run(run_id)

One module, one dependency (``requests``). Every error the server answers becomes an
:class:`ApiError` (a ``requests.HTTPError``, so the seed's ``except requests.HTTPError`` still
catches it) with the status code, the message and each bad field with its reason. A group that
ends failed makes :meth:`Client.wait_for_completion` raise :class:`RunFailed`.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Union
from urllib.parse import quote

import requests

__all__ = ["Client", "ApiError", "RunFailed", "DEFAULT_BASE_URL"]
__version__ = "0.1.0"

DEFAULT_BASE_URL = "http://localhost:8000"
"""Where :class:`Client` connects when neither ``base_url`` nor ``$MLEBENCH_API_URL`` is given."""

API_PREFIX = "/v2"
"""The server's richer views (paging, progress, every run's record, files with sizes, why a group
failed), which this client reads; the server's root answers the seed's own shapes."""

#: The ``status`` values of :meth:`Client.get_run` after which a run group changes no more.
FINAL_STATUSES = ("completed", "failed")


class ApiError(requests.HTTPError):
    """The server answered with an error (4xx or 5xx).

    Attributes:
        status_code: the HTTP status (400 for a bad payload, 404 for an unknown run group or file).
        message: the server's message (``error.message`` of its body).
        issues: for a bad payload, each bad field and why: ``[{"field": ..., "reason": ...}]``.
        body: the decoded error body (a dict), or the raw text when it was not JSON.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        issues: Optional[List[Dict[str, str]]] = None,
        body: Any = None,
        response: Optional[requests.Response] = None,
    ) -> None:
        self.status_code = status_code
        self.message = message
        self.issues: List[Dict[str, str]] = list(issues or [])
        self.body = body
        super().__init__(self._describe(), response=response)

    def _describe(self) -> str:
        text = f"HTTP {self.status_code}: {self.message}"
        for issue in self.issues:  # each bad field the message does not already spell out
            line = f"{issue.get('field', '?')}: {issue.get('reason', '')}"
            if line not in self.message:
                text += f"\n  - {line}"
        return text

    def __str__(self) -> str:
        return self._describe()

    def fields(self) -> List[str]:
        """The names of the bad fields (``issues[*].field``)."""
        return [str(i.get("field")) for i in self.issues]

    @classmethod
    def from_response(cls, resp: requests.Response) -> "ApiError":
        """Builds the error from a response whose status is 4xx or 5xx."""
        body: Any
        try:
            body = resp.json()
        except ValueError:
            body = resp.text
        message = ""
        issues: List[Dict[str, str]] = []
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict):
                message = str(error.get("message") or "")
                raw = error.get("issues")
                if isinstance(raw, list):
                    issues = [
                        {"field": str(i.get("field", "")), "reason": str(i.get("reason", ""))}
                        for i in raw
                        if isinstance(i, dict)
                    ]
            elif isinstance(error, str):
                message = error
            elif "detail" in body:  # a FastAPI-style body
                message = str(body["detail"])
            elif "message" in body:
                message = str(body["message"])
        elif isinstance(body, str):
            message = body.strip()[:500]
        if not message:
            message = resp.reason or "request failed"
        return cls(resp.status_code, message, issues, body, response=resp)


class RunFailed(Exception):
    """A run group ended ``failed`` (it failed, was cancelled or was terminated).

    Attributes:
        run_id: the run group's id.
        run: the last :meth:`Client.get_run` record (``status``, ``temporal_status``, ``detail``...).
        detail: why, as the server tells it (may be ``None``).
    """

    def __init__(self, run_id: str, run: Dict[str, Any]) -> None:
        self.run_id = run_id
        self.run = run
        self.detail: Optional[str] = run.get("detail") or run.get("error")
        why = f": {self.detail}" if self.detail else ""
        temporal = run.get("temporal_status")
        shown = f" (Temporal status {temporal})" if temporal else ""
        super().__init__(f"run {run_id} failed{shown}{why}")


class Client:
    """A client of the MLE-bench Redux REST API.

    Args:
        base_url: the server's address. Default: ``$MLEBENCH_API_URL`` if set, else
            ``http://localhost:8000``.
        timeout: seconds each HTTP request may take (not how long a run may take: see
            :meth:`wait_for_completion`).
        session: a ``requests.Session`` to send through (one of the client's own by default).
        token: the bearer token of a server that asks for one. Default: ``$MLEBENCH_API_TOKEN``
            if set; a server on loopback without tokens needs none.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        timeout: float = 30,
        session: Optional[requests.Session] = None,
        token: Optional[str] = None,
    ) -> None:
        url = base_url or os.environ.get("MLEBENCH_API_URL") or DEFAULT_BASE_URL
        self.base_url = url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        token = token or os.environ.get("MLEBENCH_API_TOKEN")
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r})"

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the HTTP session's connections."""
        self.session.close()

    # ------------------------------------------------------------------------------------------
    # Runs
    # ------------------------------------------------------------------------------------------
    def run(
        self,
        agent_id: str,
        competition_set: Optional[str] = None,
        competitions: Optional[List[str]] = None,
        lite: bool = False,
        n_seeds: int = 1,
        n_workers: Optional[int] = None,
        retain: Optional[bool] = None,
        data_dir: Optional[str] = None,
        notes: Optional[str] = None,
        technique_tasks: Optional[bool] = None,
        tasks: Optional[List[str]] = None,
        gitlink: Optional[str] = None,
        **extra: Any,
    ) -> str:
        """Starts a run group and returns its id (the ``run_id`` of every other method).

        Args:
            agent_id: the agent, e.g. ``"dummy"``, ``"baseline"``, ``"aide/dev"``.
            competition_set: a split file on the server, one competition id a line
                (e.g. ``"splits/offline-dev.txt"``). Give this or ``competitions``.
            competitions: competition ids, e.g. ``["spam-assassin"]``.
            lite: keep only the Lite competitions.
            n_seeds: runs per competition (or per task and competition).
            n_workers: agent containers at once.
            retain: accepted for the seed's sake.
            data_dir: accepted for the seed's sake.
            notes: kept in the group's metadata.
            technique_tasks: run technique tasks on the competitions' data instead
                (default: when ``tasks`` are given, as in the seed).
            tasks: which technique tasks (with ``technique_tasks`` alone: all six).
            gitlink: the agent's git repository, ``<url>#<ref>[:<subfolder>]``; the server
                pins the ref to a commit before the group starts (only when the server
                allows it: ``MLEBENCH_GIT_REST=1``).
            **extra: further options, passed through as given, e.g. ``time_limit_secs=600``,
                ``step_limit=20``, ``llm_budget={"max_dollars": 1.5}``.

        Raises:
            ApiError: the options were refused (``issues`` names each bad field and why).
        """
        payload: Dict[str, Any] = {
            "agent_id": agent_id,
            "lite": lite,
            "n_seeds": n_seeds,
        }
        optional = {
            "competition_set": competition_set,
            "competitions": competitions,
            "n_workers": n_workers,
            "retain": retain,
            "data_dir": data_dir,
            "notes": notes,
            "tasks": tasks,
            "technique_tasks": technique_tasks,
            "gitlink": gitlink,
        }
        payload.update({key: value for key, value in optional.items() if value is not None})
        payload.update({key: value for key, value in extra.items() if value is not None})
        body = self._request("POST", "/runs", json=payload)
        return str(body["run_id"])

    def get_run(self, run_id: str) -> Dict[str, Any]:
        """A run group's status and progress.

        Returns a dict with ``run_id``, ``status`` (``queued``, ``running``, ``completed`` or
        ``failed``), ``temporal_status``, ``agent_id``, ``created_at``, ``finished_at``,
        ``run_group_dir``, ``web_ui``, ``progress`` (``total``, ``done``, ``running``, ``medals``)
        and ``runs`` (each run's ``run_id``, ``competition_id``, ``task``, ``seed``, ``phase``,
        ``outcome``, ``score``, ``medal``); ``detail`` says why when it failed.
        """
        return self._request("GET", f"/runs/{_segment(run_id)}")

    def get_run_summary(self, run_id: str) -> Dict[str, Any]:
        """A run group's results: ``grading_report`` (competition runs, MLE-bench's report
        fields), ``technique_grades`` (technique runs, with each criterion), ``llm_totals``,
        ``runs`` (each run's record as stored in its ``run.json``: ``outcome``, ``score``,
        ``medal``, ``grade``, ``techniqueGrade``...), ``run_group_dir`` and ``paths`` of the
        reports. While the group runs, ``runs`` holds those finished so far."""
        return self._request("GET", f"/runs/{_segment(run_id)}/summary")

    def list_runs(self, limit: Optional[int] = None, agent_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Run groups, newest first (each with ``run_id``, ``status``, ``agent_id``,
        ``created_at``, ``finished_at``, ``run_group_dir``, ``web_ui``).

        Args:
            limit: at most this many.
            agent_id: only this agent's.
        """
        params: Dict[str, Any] = {}
        if limit is not None:
            params["limit"] = limit
        if agent_id is not None:
            params["agent_id"] = agent_id
        body = self._request("GET", "/runs", params=params or None)
        return list(body["runs"]) if isinstance(body, dict) else list(body)

    def wait_for_completion(
        self,
        run_id: str,
        poll_interval: float = 5,
        timeout: Optional[float] = None,
        on_progress: Optional[Callable[[Dict[str, Any]], None]] = None,
    ) -> Dict[str, Any]:
        """Polls :meth:`get_run` until the group is ``completed`` or ``failed``.

        Args:
            run_id: the group's id.
            poll_interval: seconds between polls.
            timeout: give up after this many seconds (``None``: wait as long as it takes).
            on_progress: called with each polled :meth:`get_run` record (e.g. to print
                ``rec["progress"]``).

        Returns:
            The group's summary (:meth:`get_run_summary`) once it completed.

        Raises:
            RunFailed: the group ended ``failed`` (failed, cancelled or terminated).
            TimeoutError: it had not finished after ``timeout`` seconds (the group goes on).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            record = self.get_run(run_id)
            if on_progress is not None:
                on_progress(record)
            status = record.get("status")
            if status == "completed":
                return self.get_run_summary(run_id)
            if status == "failed":
                raise RunFailed(run_id, record)
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"run {run_id} did not finish within {timeout}s (last status: {status})")
                time.sleep(min(poll_interval, left))
            else:
                time.sleep(poll_interval)

    # ------------------------------------------------------------------------------------------
    # Artifacts
    # ------------------------------------------------------------------------------------------
    def get_artifacts(self, run_id: str) -> Dict[str, Any]:
        """Every file of a run group: a dict with ``run_id``, ``run_group_dir`` and ``files``,
        each ``{"path", "size", "run_id"}``, ``path`` relative to the group folder (e.g.
        ``"spam-assassin_seed-1/submission/submission.csv"``) and ``run_id`` the run it belongs
        to (``None`` for the group's own reports)."""
        return self._request("GET", f"/runs/{_segment(run_id)}/artifacts")

    def download_artifact(self, run_id: str, path: str, dest: Union[str, "os.PathLike[str]"]) -> Path:
        """Downloads one file of a run group (``path`` as :meth:`get_artifacts` lists it).

        Args:
            dest: the file to write, or an existing folder to write it into under its own name.
                Parent folders are made; the file appears whole or not at all.

        Returns:
            The path written.

        Raises:
            ApiError: 404 for a file the group does not have.
        """
        target = Path(dest)
        if target.is_dir():
            target = target / Path(path).name
        target.parent.mkdir(parents=True, exist_ok=True)
        url = f"{self.base_url}{API_PREFIX}/runs/{_segment(run_id)}/artifacts/{quote(path.lstrip('/'), safe='/')}"
        with self.session.get(url, stream=True, timeout=self.timeout) as resp:
            if resp.status_code >= 400:
                raise ApiError.from_response(resp)
            fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in resp.iter_content(chunk_size=1 << 16):
                        out.write(chunk)
                os.replace(partial, target)
            except BaseException:
                if os.path.exists(partial):
                    os.unlink(partial)
                raise
        return target

    # ------------------------------------------------------------------------------------------
    # Catalogue
    # ------------------------------------------------------------------------------------------
    def list_competitions(self) -> List[Dict[str, Any]]:
        """The competitions the server knows: ``[{"id", "name", "metric", "lite", "prepared"}]``
        (``[c["id"] for c in client.list_competitions()]`` for the ids)."""
        body = self._request("GET", "/competitions")
        return list(body["competitions"]) if isinstance(body, dict) else list(body)

    def list_technique_tasks(self) -> List[Dict[str, Any]]:
        """The six technique tasks: ``[{"id", "description", "applies_to": [competition ids]}]``."""
        body = self._request("GET", "/technique-tasks")
        return list(body["technique_tasks"]) if isinstance(body, dict) else list(body)

    def cancel(self, run_id: str) -> Dict[str, Any]:
        """Cancels a running group (a runner's own, or any for an admin): ``{"run_id", "status": "cancelling"}``."""
        return self._request("POST", f"/runs/{_segment(run_id)}/cancel")

    def health(self) -> Dict[str, Any]:
        """The server's health: ``{"status": "ok", "temporal": {"address", "namespace"}, "version"}``."""
        return self._request("GET", "/health")

    # ------------------------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self.session.request(method, f"{self.base_url}{API_PREFIX}{path}", timeout=self.timeout, **kwargs)
        if resp.status_code >= 400:
            raise ApiError.from_response(resp)
        try:
            return resp.json()
        except ValueError:
            raise ApiError(resp.status_code, f"expected JSON from {method} {path}, got {resp.headers.get('content-type')}", body=resp.text, response=resp) from None


def _segment(value: str) -> str:
    """One URL path segment (a run group id never carries a ``/``, but be safe)."""
    return quote(str(value), safe="")
