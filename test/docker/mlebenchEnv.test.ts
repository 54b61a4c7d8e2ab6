/**
 * mlebench-env on its own (images/mlebench-env/), in a container walled like the harness's
 * (read-only root, uid 1000, no network, no capabilities): the validation server on
 * localhost:5000 answers MLE-bench's shapes (/health, /validate valid and invalid, a request
 * without the file field, an unknown route) from the sample submission alone, and the conda shim
 * runs the `agent` environment and refuses what it does not do.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMlebenchEnvImage } from '../../core/sandbox/mlebenchImages';
import { runWalled } from '../helpers/walledContainer';

const docker = new Docker();
let tmp: string;
let image: string;

// Runs inside the container, after the entrypoint has started the server: one JSON line out.
const PROBE = String.raw`
import json, subprocess, urllib.request, urllib.error
def req(method, path, body=None, ctype=None):
    r = urllib.request.Request("http://127.0.0.1:5000" + path, data=body, method=method, headers={"Content-Type": ctype} if ctype else {})
    try:
        with urllib.request.urlopen(r) as resp:
            return [resp.status, json.loads(resp.read())]
    except urllib.error.HTTPError as e:
        return [e.code, json.loads(e.read())]
def sh(cmd):
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    return [p.returncode, (p.stdout + p.stderr).strip()]
open("/tmp/bad.csv", "w").write("id,p\n1,0.5\n1,2\n")
out = {
  "health": req("GET", "/health"),
  "nofile": req("POST", "/validate", b"x", "text/plain"),
  "unknown": req("GET", "/answers"),
  "valid": sh("bash /home/validate_submission.sh /home/data/sample_submission.csv"),
  "invalid": sh("bash /home/validate_submission.sh /tmp/bad.csv"),
  "missing": sh("bash /home/validate_submission.sh /tmp/none.csv"),
  "run": sh("conda run -n agent python -c 'import sys, pandas; print(sys.prefix)'"),
  "activate": sh('eval "$(conda shell.bash hook)"; conda activate agent; command -v python pip; conda deactivate; command -v python3 python'),
  "clean": sh("conda clean -afy"),
  "create": sh("conda create -n other python=3.11"),
  "private": sh("ls /private"),
}
print(json.dumps(out))
`;

beforeAll(async () => {
  image = (await buildMlebenchEnvImage()).image;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mlebench-env-'));
  chmodSync(tmp, 0o755); // the container's uid 1000 reads it
  writeFileSync(path.join(tmp, 'sample_submission.csv'), 'id,p\n1,0.5\n2,0.5\n');
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function runProbe(): Promise<Record<string, [number, unknown]>> {
  const { code, stdout, stderr } = await runWalled(docker, image, ['python3', '-c', PROBE], tmp);
  expect(code, stdout + stderr).toBe(0);
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, [number, unknown]>;
}

describe('mlebench-env', () => {
  it('answers validation on localhost:5000 in MLE-bench’s shapes and runs the conda agent environment', async () => {
    const out = await runProbe();
    expect(out.health).toEqual([200, { status: 'running' }]);
    expect(out.nofile![0]).toBe(400);
    expect(out.unknown).toEqual([404, { error: 'Not Found' }]);
    expect(out.valid).toEqual([0, '{"result": "Submission is valid."}']);
    expect(out.invalid![0]).toBe(0);
    expect(out.invalid![1]).toMatch(/^\{"result": "Submission invalid! .*duplicate ids in 'id': '1'/);
    expect(out.missing).toEqual([1, 'File /tmp/none.csv does not exist.']);
    expect(out.run).toEqual([0, '/opt/conda/envs/agent']);
    // After deactivate the environment's python is off PATH (the base image has python3 only).
    expect(out.activate).toEqual([0, '/opt/conda/envs/agent/bin/python\n/opt/conda/envs/agent/bin/pip\n/usr/bin/python3']);
    expect(out.clean).toEqual([0, '']);
    expect(out.create![0]).toBe(1);
    expect(out.create![1]).toMatch(/"conda create" is not part of this compatibility layer/);
    expect(out.private).toEqual([2, "ls: cannot open directory '/private': Permission denied"]);
  });
});
