/**
 * mlebench-env built from an MLE-bench checkout (MLEBENCH_ENV_SOURCE=checkout), without a registry:
 * a throw-away checkout whose environment/Dockerfile does what MLE-bench's does in miniature, on
 * our local base image (a conda with `agent` and `mleb` environments, COPY environment/..., the
 * checkout copied to /mlebench less its .dockerignore, a grading server in /private, a root
 * entrypoint). Our layer on top must give our sandbox's pieces in a container walled like the
 * harness's: uid 1000, the format-only server on localhost:5000, /home/validate_submission.sh, and
 * none of MLE-bench's grading server, entrypoint or checkout copy. Then the two clear errors.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildBaseImage } from '../../core/sandbox/images';
import { buildMlebenchEnvImage } from '../../core/sandbox/mlebenchImages';
import { mlebenchEnvImageTag } from '../../core/sandbox/imageTags';
import { runWalled } from '../helpers/walledContainer';

const docker = new Docker();
const saved = { source: process.env.MLEBENCH_ENV_SOURCE, repo: process.env.MLEBENCH_REPO };
let tmp: string;
let latestBefore: string | undefined;
let built: string | undefined;

const MINI_CONDA = `#!/bin/bash
# conda in miniature: create -n NAME (a venv over the image's Python), run -n NAME CMD...
set -e
cmd=$1; shift
case "$cmd" in
  create) python3 -m venv --without-pip --system-site-packages "/opt/conda/envs/$2" ;;
  run) name=$2; shift 2; PATH="/opt/conda/envs/$name/bin:$PATH" exec "$@" ;;
  *) echo "miniature conda: no $cmd" >&2; exit 1 ;;
esac
`;

function writeCheckout(name: string, dockerfile: string): string {
  const root = path.join(tmp, name);
  const files: Record<string, string> = {
    'environment/Dockerfile': dockerfile,
    'environment/conda': MINI_CONDA,
    'environment/requirements.txt': 'pandas\n',
    'environment/grading_server.py': '# reads the answers in /private\n',
    'environment/instructions.txt': "MLE-bench's instructions\n",
    'environment/validate_submission.sh': '#!/bin/bash\ncurl -X POST -F "file=@$1" http://localhost:5000/validate\n',
    'environment/entrypoint.sh': '#!/bin/bash\nconda run -n mleb python /private/grading_server.py\n',
    '.dockerignore': '/data/\n/*runs/\n',
    'data/answers.csv': 'id,answer\n1,secret\n',
    'mlebench/grade.py': '# the grading code\n',
  };
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), body);
  }
  return root;
}

function useCheckout(root: string | undefined): void {
  process.env.MLEBENCH_ENV_SOURCE = 'checkout';
  if (root) process.env.MLEBENCH_REPO = root;
  else delete process.env.MLEBENCH_REPO;
}

beforeAll(async () => {
  const base = (await buildBaseImage()).image;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mlebench-env-checkout-'));
  chmodSync(tmp, 0o755); // the container's uid 1000 reads data/
  mkdirSync(path.join(tmp, 'data'));
  writeFileSync(path.join(tmp, 'data', 'sample_submission.csv'), 'id,p\n1,0.5\n2,0.5\n');
  // As MLE-bench's environment/Dockerfile, in miniature and on an image that is already here.
  writeCheckout(
    'mle-bench',
    [
      `FROM ${base}`,
      'COPY environment/conda /opt/conda/bin/conda',
      'COPY environment/requirements.txt /tmp/requirements.txt',
      'RUN chmod 0755 /opt/conda/bin/conda && /opt/conda/bin/conda create -n agent python=3.11 -y',
      'ENV PATH="/opt/conda/bin:${PATH}"',
      'COPY . /mlebench',
      // The .dockerignore kept data/ out of the context, as `docker build` does.
      'RUN test -f /mlebench/mlebench/grade.py && test ! -e /mlebench/data && conda create -n mleb python=3.11 -y',
      'RUN mkdir /private && chmod 700 /private',
      'COPY environment/grading_server.py /private/grading_server.py',
      'COPY environment/instructions.txt /home/instructions.txt',
      'COPY environment/validate_submission.sh /home/validate_submission.sh',
      'COPY environment/entrypoint.sh /entrypoint.sh',
      'RUN useradd -m nonroot && mkdir -p /home/submission && chmod +x /entrypoint.sh',
      'WORKDIR /home',
      'ENTRYPOINT ["/entrypoint.sh"]',
      '',
    ].join('\n'),
  );
  writeCheckout('broken', `FROM ${base}\nRUN echo "no registry here" >&2; exit 7\n`);
  latestBefore = await docker
    .getImage('mlebench-env:latest')
    .inspect()
    .then((i) => i.Id)
    .catch(() => undefined);
});

afterEach(() => {
  for (const [key, value] of [
    ['MLEBENCH_ENV_SOURCE', saved.source],
    ['MLEBENCH_REPO', saved.repo],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

afterAll(async () => {
  // mlebench-env:latest back where it was, for the other tests' agents; then our image goes.
  if (latestBefore) await docker.getImage(latestBefore).tag({ repo: 'mlebench-env', tag: 'latest' });
  else
    await docker
      .getImage('mlebench-env:latest')
      .remove({ noprune: false })
      .catch(() => undefined);
  if (built)
    await docker
      .getImage(built)
      .remove()
      .catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

// Runs after the image's entrypoint has started the server: one line per check.
const PROBE = [
  'id -u',
  'curl -s http://localhost:5000/health; echo',
  'bash /home/validate_submission.sh /home/data/sample_submission.csv; echo',
  "conda run -n agent python -c 'import sys; print(sys.prefix)'",
  'tail -n 1 /opt/mlebench/python',
  'ls /private 2>&1 || true',
  'ls -d /mlebench /entrypoint.sh 2>&1 || true',
  'head -n 1 /home/instructions.txt | cut -c1-19',
].join('\n');

describe('mlebench-env from a checkout (MLEBENCH_ENV_SOURCE=checkout)', () => {
  it('builds environment/Dockerfile from the checkout root, with our sandbox pieces on top, and points mlebench-env:latest at it', async () => {
    useCheckout(path.join(tmp, 'mle-bench'));
    const result = await buildMlebenchEnvImage();
    built = result.image;
    expect(result.built).toBe(true);
    expect(result.image).toBe(mlebenchEnvImageTag());
    expect(result.image).not.toBe(mlebenchEnvImageTag(undefined, { MLEBENCH_ENV_SOURCE: 'compat' }));
    const [env, latest] = await Promise.all([docker.getImage(result.image).inspect(), docker.getImage('mlebench-env:latest').inspect()]);
    expect(latest.Id).toBe(env.Id);
    expect(env.Config.Entrypoint).toEqual(['/opt/mlebench/entrypoint.sh']);

    const { code, stdout, stderr } = await runWalled(docker, result.image, ['bash', '-c', PROBE], path.join(tmp, 'data'));
    expect(code, stdout + stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      '1000',
      '{"status": "running"}',
      '{"result": "Submission is valid."}',
      '/opt/conda/envs/agent',
      'exec /opt/conda/envs/mleb/bin/python "$@"',
      "ls: cannot open directory '/private': Permission denied",
      "ls: cannot access '/mlebench': No such file or directory",
      "ls: cannot access '/entrypoint.sh': No such file or directory",
      'You are taking part',
    ]);

    // Built once: the next call finds its tag.
    expect((await buildMlebenchEnvImage()).built).toBe(false);
  });

  it('says by name that checkout needs MLEBENCH_REPO, and which values the setting takes', async () => {
    useCheckout(undefined);
    await expect(buildMlebenchEnvImage()).rejects.toThrow(
      /MLEBENCH_ENV_SOURCE=checkout .*MLEBENCH_REPO is not set: set it to the checkout, or MLEBENCH_ENV_SOURCE=compat/,
    );
    process.env.MLEBENCH_ENV_SOURCE = 'registry';
    await expect(buildMlebenchEnvImage()).rejects.toThrow('MLEBENCH_ENV_SOURCE must be "compat" or "checkout", not "registry"');
  });

  it('names the Dockerfile and the setting to change back when the checkout’s build fails', async () => {
    const root = path.join(tmp, 'broken');
    useCheckout(root);
    const failure = buildMlebenchEnvImage();
    await expect(failure).rejects.toThrow(path.join(root, 'environment', 'Dockerfile'));
    await expect(failure).rejects.toThrow(/MLEBENCH_ENV_SOURCE=compat builds the offline compatibility image instead.*non-zero code: 7/);
    expect(
      await docker
        .getImage(mlebenchEnvImageTag())
        .inspect()
        .catch(() => undefined),
    ).toBeUndefined();
  });
});
