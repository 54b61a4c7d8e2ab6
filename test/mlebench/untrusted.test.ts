/**
 * MLE-bench checkouts are untrusted code (issue 15, item 10), attacked for real: a checkout whose
 * prepare function plants symlinks (to /etc/passwd, to /etc), a fifo and a socket in the tree it
 * produces; a checkout whose description.md links to a host file; data "prepared by MLE-bench"
 * holding a symlink; answers swapped for a symlink after preparing; a checkout whose code stops
 * the clock of its own container. The harness refuses each with the path named, and installs,
 * copies, mounts or hangs on nothing.
 */
import { appendFileSync, chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../core/config';
import { prepareCompetition } from '../../core/competitions';
import { gradeSubmission } from '../../core/grading';
import { InvalidMleBenchCheckoutError, MleBenchPythonError, MleBenchUnsafeFileError } from '../../core/mlebench';
import { PYTHON_PID_LABEL, runCheckoutPrepare } from '../../core/mlebench/python';
import { dockerClient } from '../../core/sandbox/docker';
import { buildBaseImage } from '../../core/sandbox/images';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'mle-bench');
const ID = 'telco-churn-mini';
const saved = process.env.MLEBENCH_REPO;
const scratch: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  scratch.push(dir);
  return dir;
}

function dataDirWithRaw(): string {
  const dataDir = tempDir('mlebench-data-');
  cpSync(path.join(FIXTURE, 'raw', ID), path.join(dataDir, ID, 'raw'), { recursive: true });
  return dataDir;
}

/** A copy of the fixture checkout, used as MLEBENCH_REPO until the test ends. */
function checkoutCopy(): string {
  const checkout = tempDir('mlebench-checkout-');
  cpSync(FIXTURE, checkout, { recursive: true });
  process.env.MLEBENCH_REPO = checkout;
  return checkout;
}

const competitionDir = (checkout: string) => path.join(checkout, 'mlebench', 'competitions', ID);

beforeAll(async () => {
  await buildBaseImage();
  process.env.MLEBENCH_REPO = FIXTURE;
});

afterEach(async () => {
  process.env.MLEBENCH_REPO = FIXTURE;
  const left = await dockerClient().listContainers({ all: true, filters: { label: [`${PYTHON_PID_LABEL}=${process.pid}`] } });
  expect(left).toEqual([]);
});

afterAll(() => {
  if (saved === undefined) delete process.env.MLEBENCH_REPO;
  else process.env.MLEBENCH_REPO = saved;
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the tree a checkout’s prepare function produces', () => {
  it('holding symlinks (to /etc/passwd, to /etc), a fifo and a socket is refused, every one named, and nothing is installed', async () => {
    const checkout = checkoutCopy();
    appendFileSync(
      path.join(competitionDir(checkout), 'prepare.py'),
      `

_honest_prepare = prepare


def prepare(raw, public, private):
    import os, socket
    _honest_prepare(raw, public, private)
    os.symlink("/etc/passwd", public / "leak.csv")
    os.symlink("/etc", public / "etc")
    os.mkfifo(private / "pipe")
    socket.socket(socket.AF_UNIX).bind(str(private / "sock"))
`,
    );
    const dataDir = dataDirWithRaw();
    const err = await prepareCompetition(ID, { dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MleBenchUnsafeFileError);
    expect((err as MleBenchUnsafeFileError).entries.sort()).toEqual([
      'private/pipe: fifo',
      'private/sock: socket',
      'public/etc: symbolic link to /etc',
      'public/leak.csv: symbolic link to /etc/passwd',
    ]);
    expect((err as Error).message).toMatch(
      /the data the prepare function of MLE-bench competition "telco-churn-mini" produced \(.+\) holds what is neither a regular file nor a folder, refused: .*nothing was installed/,
    );
    // Nothing installed, no half-made folder left.
    expect(existsSync(path.join(dataDir, ID, 'prepared'))).toBe(false);
    expect(readdirSync(path.join(dataDir, ID)).sort()).toEqual(['raw']);
  });

  it('data prepared by MLE-bench itself, used in place, is walked too: a symlink among the answers is refused', async () => {
    const dataDir = dataDirWithRaw();
    const good = await prepareCompetition(ID, { dataDir: dataDirWithRaw() });
    const inPlace = path.join(dataDir, ID, 'prepared');
    for (const part of ['public', 'private'])
      cpSync(path.join(path.dirname(good.publicDir), part), path.join(inPlace, part), { recursive: true });
    const outside = path.join(tempDir('mlebench-outside-'), 'test.csv');
    cpSync(path.join(inPlace, 'private', 'test.csv'), outside);
    rmSync(path.join(inPlace, 'private', 'test.csv'));
    symlinkSync(outside, path.join(inPlace, 'private', 'test.csv'));
    const err = await prepareCompetition(ID, { dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MleBenchUnsafeFileError);
    expect((err as MleBenchUnsafeFileError).entries).toEqual([`test.csv: symbolic link to ${outside}`]);
    expect((err as Error).message).toContain(`the prepared data of MLE-bench competition "${ID}" (${path.join(inPlace, 'private')})`);
  });
});

describe('files of the checkout and of its data, opened only through checked handles', () => {
  it('a description.md, leaderboard.csv or config.yaml linked to a host file makes the checkout invalid, each named, and is never read', async () => {
    const checkout = checkoutCopy();
    const secret = path.join(tempDir('mlebench-secret-'), 'host-secret.txt');
    writeFileSync(secret, 'a host secret\n');
    for (const f of ['description.md', 'leaderboard.csv']) {
      rmSync(path.join(competitionDir(checkout), f));
      symlinkSync(secret, path.join(competitionDir(checkout), f));
    }
    const dataDir = dataDirWithRaw();
    const err = await prepareCompetition(ID, { dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidMleBenchCheckoutError);
    expect((err as InvalidMleBenchCheckoutError).issues).toEqual([
      {
        file: path.join(competitionDir(checkout), 'leaderboard.csv'),
        field: '',
        reason: `a symbolic link (to ${secret}): only regular files of the checkout are read`,
      },
      {
        file: path.join(competitionDir(checkout), 'description.md'),
        field: '',
        reason: `a symbolic link (to ${secret}): only regular files of the checkout are read`,
      },
    ]);
    expect((err as Error).message).not.toContain('a host secret');
    expect(existsSync(path.join(dataDir, ID, 'prepared'))).toBe(false);

    rmSync(path.join(competitionDir(checkout), 'config.yaml'));
    symlinkSync(secret, path.join(competitionDir(checkout), 'config.yaml'));
    const again = await prepareCompetition(ID, { dataDir }).catch((e: unknown) => e);
    expect((again as InvalidMleBenchCheckoutError).issues[0]).toEqual({
      file: path.join(competitionDir(checkout), 'config.yaml'),
      field: '',
      reason: `a symbolic link (to ${secret}): only regular files of the checkout are read`,
    });
    expect((again as Error).message).not.toContain('a host secret');
  });

  it('a description.md reached through a linked folder, outside the checkout, is refused when prepared (the checked handle’s own check)', async () => {
    const checkout = checkoutCopy();
    const elsewhere = tempDir('mlebench-elsewhere-');
    cpSync(competitionDir(checkout), path.join(elsewhere, ID), { recursive: true });
    rmSync(competitionDir(checkout), { recursive: true });
    symlinkSync(path.join(elsewhere, ID), competitionDir(checkout));
    const err = await prepareCompetition(ID, { dataDir: dataDirWithRaw() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MleBenchUnsafeFileError);
    expect((err as Error).message).toBe(
      `the description of MLE-bench competition "${ID}" ${path.join(competitionDir(checkout), 'description.md')} resolves outside ${checkout} (to ${path.join(elsewhere, ID)}): refused, only a regular file is read`,
    );
  });

  it('answers swapped for a symlink after preparing (to an identical copy: the checksums agree) are never mounted into the grader', async () => {
    const dataDir = dataDirWithRaw();
    const p = await prepareCompetition(ID, { dataDir });
    const outside = path.join(tempDir('mlebench-outside-'), 'test.csv');
    cpSync(p.answersPath, outside);
    rmSync(p.answersPath);
    symlinkSync(outside, p.answersPath);
    const err = await gradeSubmission({ competitionId: ID, submissionPath: p.sampleSubmissionPath, dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MleBenchUnsafeFileError);
    expect((err as Error).message).toBe(
      `the answers of MLE-bench competition "${ID}" ${p.answersPath} is a symbolic link: refused, only a regular file is read`,
    );
  });
});

describe('the checkout’s code against its container’s clock', () => {
  it('a prepare function that stops and kills its PID 1 is still ended at its time limit', async () => {
    const checkout = checkoutCopy();
    appendFileSync(
      path.join(competitionDir(checkout), 'prepare.py'),
      `

def prepare(raw, public, private):
    import os, signal, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # first: PID 1 forwards the SIGTERM below to this process
    for sig in (signal.SIGSTOP, signal.SIGKILL, signal.SIGTERM):
        os.kill(1, sig)
    while True:
        time.sleep(1)
`,
    );
    const dataDir = dataDirWithRaw();
    const dirs = {
      rawDir: path.join(dataDir, ID, 'raw'),
      publicDir: tempDir('mlebench-public-'),
      privateDir: tempDir('mlebench-private-'),
    };
    for (const d of Object.values(dirs)) chmodSync(d, 0o777);
    const err = await runCheckoutPrepare(
      { checkoutRoot: checkout, preparer: `mlebench.competitions.${ID}.prepare:prepare`, id: ID },
      dirs,
      { timeoutSecs: 3 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MleBenchPythonError);
    expect((err as Error).message, (err as MleBenchPythonError).output).toMatch(
      /could not prepare telco-churn-mini: it was stopped at its time limit \(3 s\)/,
    );
    expect((err as MleBenchPythonError).output).toContain('mlebench-init: time limit reached (3 s since the container started)');
  });
});
