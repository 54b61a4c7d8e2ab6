#!/usr/bin/env python3
"""The container's validation server on localhost:5000, with MLE-bench's routes and response
shapes (environment/grading_server.py): POST /validate with the submission as the multipart field
`file` answers {"result": "Submission is valid."} or {"result": "Submission invalid! ..."};
GET /health answers {"status": "running"}. Format only: it checks with the base image's
validate-submission (the one validator), against the sample submission the agent can read too.
No answers are in this container, so none can be reached through it.
"""
import email.parser
import email.policy
import importlib.machinery
import importlib.util
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SAMPLE = "/home/data/sample_submission.csv"
SAVED = "/tmp/submission_to_validate.csv"  # where MLE-bench's server saves it too
MAX_BYTES = 512 * 1024 * 1024


def load_validator():
    loader = importlib.machinery.SourceFileLoader("validate_submission", "/usr/local/bin/validate-submission")
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


VALIDATOR = load_validator()


def run_validation(path):
    if not os.path.isfile(SAMPLE):
        raise RuntimeError(f"no sample submission at {SAMPLE} to check the format against")
    problems, _, _ = VALIDATOR.check(path, SAMPLE)
    if problems:
        return "Submission invalid! " + "; ".join(message for _, message in problems)
    return "Submission is valid."


def file_field(content_type, body):
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    )
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            return part.get_payload(decode=True) or b""
    return None


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.split("?")[0] == "/health":
            return self.answer(200, {"status": "running"})
        self.answer(404, {"error": "Not Found"})

    def do_POST(self):
        if self.path.split("?")[0] != "/validate":
            return self.answer(404, {"error": "Not Found"})
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BYTES:
            return self.answer(413, {"error": f"The submission is larger than {MAX_BYTES} bytes."})
        data = file_field(self.headers.get("Content-Type", ""), self.rfile.read(length))
        if data is None:
            return self.answer(400, {"error": 'Bad Request: no multipart field "file" (curl -X POST -F "file=@submission.csv" ...)'})
        try:
            with open(SAVED, "wb") as f:
                f.write(data)
            result = run_validation(SAVED)
        except Exception as e:  # as MLE-bench's server: a 500 with the details
            return self.answer(500, {"error": "An unexpected error occurred.", "details": str(e)})
        self.answer(200, {"result": result})

    def log_message(self, fmt, *args):
        print(f"{self.address_string()} {fmt % args}", flush=True)


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", 5000), Handler).serve_forever()
