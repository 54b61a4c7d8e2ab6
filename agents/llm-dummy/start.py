#!/usr/bin/env python3
"""The LLM dummy: talks to the harness's gateway as an OpenAI client would (urllib, no SDK).
  OPENAI_BASE_URL, OPENAI_API_KEY  given by the harness (a per-run gateway token, not a real key)
  LLM_MODEL   the gateway alias to ask for
  LLM_CALLS   how many chat completions to ask for; it stops early when one is refused
  LLM_AFTER   "hang": after writing its submission, wait until stopped (the budget test)
  LLM_TASK    "instructed": one call with /home/instructions.txt and SEED; the submission is the
              test.csv column its reply names ("feature: <column>")
A dropped connection (the harness's worker restarting) is retried for a minute, as OpenAI clients do.
Exit codes: 0 done, 2 the gateway failed in a way other than a budget refusal."""
import csv
import hashlib
import json
import os
import re
import shutil
import sys
import time
import urllib.error
import urllib.request

RECONNECT_SECS = 60
REPLIES = "/home/logs/replies.jsonl"


def log(msg):
    print(f"[llm-dummy] {msg}", flush=True)


def ask(base, token, model, i):
    deadline = time.monotonic() + RECONNECT_SECS
    while True:
        try:
            return ask_once(base, token, model, i)
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, ConnectionError, OSError) as err:
            if time.monotonic() > deadline:
                raise
            log(f"call {i}: connection failed ({err}); retrying")
            time.sleep(1)


def messages(i):
    if os.environ.get("LLM_TASK") != "instructed":
        return [{"role": "user", "content": f"call {i}: say hello"}]
    with open("/home/instructions.txt", encoding="utf-8") as f:
        instructions = f.read()
    ask = f"seed {os.environ.get('SEED', '0')}: which column of test.csv ranks the target best? Answer `feature: <column>`."
    return [{"role": "system", "content": instructions}, {"role": "user", "content": ask}]


def write_named_feature(reply):
    """The submission the reply describes: the named test.csv column as the prediction of each id."""
    found = re.search(r"feature:\s*([A-Za-z0-9_$]+)", reply)
    with open("/home/data/sample_submission.csv", newline="", encoding="utf-8") as f:
        id_col, target = next(csv.reader(f))[:2]
    with open("/home/data/test.csv", newline="", encoding="utf-8") as f, \
            open("/home/submission/submission.csv", "w", newline="", encoding="utf-8") as out:
        rows, writer = csv.DictReader(f), csv.writer(out)
        column = found.group(1) if found and found.group(1) in (rows.fieldnames or []) else None
        log(f"reply names {found.group(1) if found else None!r}; predicting with {column or 'a constant'}")
        writer.writerow([id_col, target])
        for row in rows:
            writer.writerow([row[id_col], row[column] if column else 0.5])


def ask_once(base, token, model, i):
    body = json.dumps({"model": model, "messages": messages(i)}).encode()
    req = urllib.request.Request(f"{base}/chat/completions", data=body, method="POST",
                                 headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.load(res)


def main():
    base, token = os.environ["OPENAI_BASE_URL"].rstrip("/"), os.environ["OPENAI_API_KEY"]
    model, calls = os.environ.get("LLM_MODEL", ""), int(os.environ.get("LLM_CALLS", "1"))
    log(f"gateway={base} model={model} calls={calls}")
    # A run's context is also a file under /home/data (core/context/dataDir.ts): say what it held.
    if os.path.exists("/home/data/context.md"):
        with open("/home/data/context.md", "rb") as f:
            shown = f.read()
        log(f"/home/data/context.md sha256={hashlib.sha256(shown).hexdigest()} bytes={len(shown)}")
    status, content = 0, None
    with open(REPLIES, "a", encoding="utf-8") as out:
        for i in range(calls):
            try:
                reply = ask(base, token, model, i)
            except urllib.error.HTTPError as err:
                detail = json.loads(err.read() or b"{}").get("error", {})
                log(f"call {i} refused: {err.code} {detail.get('code')}: {detail.get('message')}")
                out.write(json.dumps({"call": i, "status": err.code, "error": detail}) + "\n")
                if err.code != 402:
                    status = 2
                break
            content = reply["choices"][0]["message"]["content"]
            out.write(json.dumps({"call": i, "status": 200, "content": content}) + "\n")
            out.flush()
    if os.environ.get("LLM_TASK") == "instructed" and content is not None:
        write_named_feature(content)
    else:
        shutil.copyfile("/home/data/sample_submission.csv", "/home/submission/submission.csv")
    log("wrote /home/submission/submission.csv")
    if os.environ.get("LLM_AFTER") == "hang":
        log("waiting until stopped")
        while True:
            time.sleep(3600)
    return status


if __name__ == "__main__":
    sys.exit(main())
