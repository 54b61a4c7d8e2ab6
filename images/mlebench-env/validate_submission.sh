#!/bin/bash
# Checks a submission's format with the container's validation server (localhost:5000), as
# MLE-bench's tool of the same name does: usage: /home/validate_submission.sh SUBMISSION.csv
# The server compares it with the sample submission only; no answers are in this container.
SUBMISSION_FILE=$1
SERVER_URL="http://localhost:5000/validate"

if [ -z "$SUBMISSION_FILE" ]; then
    echo "Usage: $0 <submission_file>"
    exit 1
fi
if [ ! -f "$SUBMISSION_FILE" ]; then
    echo "File $SUBMISSION_FILE does not exist."
    exit 1
fi
curl -X POST -F "file=@${SUBMISSION_FILE}" ${SERVER_URL}
