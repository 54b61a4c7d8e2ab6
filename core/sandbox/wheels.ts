/**
 * Python wheels of an agent image, fetched on the host: containers (and so `docker build`) reach
 * no package registry. An agent folder with a requirements.txt (every line pinned with `==`) gets
 * `pip download --no-deps --only-binary=:all:` for the base image's Python into
 * `<MLEBENCH_HOME>/wheels/<agent>/`, and its build context gains them under `wheels/`. The image
 * tag needs nothing more: requirements.txt is one of the folder's hashed files.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { harnessPaths, environment } from '../config';
import { InfraError } from './errors';
import { agentBuildFiles } from './imageTags';

export const REQUIREMENTS_FILE = 'requirements.txt';
/** Where the downloaded wheels appear in an agent's build context. */
export const WHEELS_DIR = 'wheels';
/** Written last into a complete cache folder: what it was downloaded for, and each file's sha256. */
const STAMP = '.complete.json';

/** The base image's interpreter (Debian 12: CPython 3.11, glibc 2.36); images/packages.txt decides it. */
const PYTHON_VERSION = '3.11';
const GLIBC_MINOR = 36;

/** PEP 503's normalised project name: wheel file names spell `-` and `.` as `_`, and keep case. */
export const canonicalName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

export interface PinnedRequirement {
  name: string;
  version: string;
  hashes: string[];
}

/**
 * The requirements of a pip requirements file (comments, `\` continuations and `--hash` options
 * understood); every one must be `name==version`, so that the image tag fixes what gets installed.
 */
export function parseRequirements(text: string, file: string): PinnedRequirement[] {
  const out: PinnedRequirement[] = [];
  const logical = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  logical.forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    const [spec = '', ...opts] = line.split(/\s+/);
    if (spec.startsWith('-'))
      throw new InfraError(`${file}: "${spec}": options are not supported here, only pinned requirements (name==version [--hash=...])`);
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)$/.exec(spec);
    if (!m)
      throw new InfraError(
        `${file}: "${spec}" (requirement ${i + 1}) is not pinned as name==version: the image tag must fix what is installed`,
      );
    const hashes = opts.filter((o) => o.startsWith('--hash=')).map((o) => o.slice('--hash='.length));
    out.push({ name: canonicalName(m[1]!), version: m[2]!, hashes });
  });
  return out;
}

/** pip's target flags: any manylinux wheel the base image's glibc runs, for CPython 3.11 on this architecture. */
export function pipTargetArgs(arch: string = process.arch): string[] {
  const machine = arch === 'arm64' ? 'aarch64' : arch === 'x64' ? 'x86_64' : arch;
  const platforms = ['manylinux2014', ...Array.from({ length: GLIBC_MINOR - 16 }, (_, k) => `manylinux_2_${GLIBC_MINOR - k}`)].map(
    (p) => `${p}_${machine}`,
  );
  const cp = `cp${PYTHON_VERSION.replace('.', '')}`;
  return [
    '--only-binary=:all:',
    '--no-deps',
    '--python-version',
    PYTHON_VERSION,
    '--implementation',
    'cp',
    '--abi',
    cp,
    '--abi',
    'abi3',
    '--abi',
    'none',
    ...platforms.flatMap((p) => ['--platform', p]),
  ];
}

interface Stamp {
  requirementsSha256: string;
  args: string[];
  files: Record<string, string>;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const fileSha256 = async (file: string): Promise<string> => sha256(await fs.readFile(file));

/** True when `dir` holds a complete download for exactly these requirements and flags, unaltered. */
async function cacheIsComplete(dir: string, requirementsSha256: string, args: string[]): Promise<boolean> {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(await fs.readFile(path.join(dir, STAMP), 'utf8')) as Stamp;
  } catch {
    return false;
  }
  if (stamp.requirementsSha256 !== requirementsSha256 || JSON.stringify(stamp.args) !== JSON.stringify(args)) return false;
  for (const [name, hash] of Object.entries(stamp.files)) {
    if (!existsSync(path.join(dir, name)) || (await fileSha256(path.join(dir, name))) !== hash) return false;
  }
  return true;
}

/** Runs pip; resolves to its exit code and the tail of its output (for the error). */
function runPip(python: string, args: string[]): Promise<{ code: number | null; tail: string }> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const child = spawn(python, ['-m', 'pip', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((l) => l.trim()),
      );
      lines.splice(0, Math.max(0, lines.length - 12));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, tail: lines.join(' | ') }));
  });
}

export interface AgentWheelsOptions {
  /** The Python whose pip downloads (default: MLEBENCH_PYTHON or python3). */
  python?: string;
  /** Where the per-agent caches live (default: <MLEBENCH_HOME>/wheels). */
  cacheDir?: string;
  onLog?: (line: string) => void;
}

/**
 * The wheels of agent `name` (folder `agentDir`), downloaded unless a complete, matching copy is
 * cached. Returns the cache folder, or undefined when the agent has no requirements.txt.
 */
export async function ensureAgentWheels(name: string, agentDir: string, opts: AgentWheelsOptions = {}): Promise<string | undefined> {
  const reqFile = path.join(agentDir, REQUIREMENTS_FILE);
  if (!existsSync(reqFile)) return undefined;
  const text = await fs.readFile(reqFile, 'utf8');
  const requirements = parseRequirements(text, reqFile);
  const args = pipTargetArgs();
  const dir = path.join(opts.cacheDir ?? path.join(harnessPaths().home, 'wheels'), name);
  const reqSha = sha256(text);
  if (await cacheIsComplete(dir, reqSha, args)) {
    opts.onLog?.(`agent ${name}: ${requirements.length} wheels of ${REQUIREMENTS_FILE}: up to date in ${dir}`);
    return dir;
  }
  opts.onLog?.(`agent ${name}: downloading the ${requirements.length} wheels of ${reqFile} into ${dir}`);
  const part = `${dir}.part-${process.pid}`;
  await fs.rm(part, { recursive: true, force: true });
  await fs.mkdir(part, { recursive: true });
  try {
    const python = opts.python ?? environment().MLEBENCH_PYTHON ?? 'python3';
    const pipArgs = ['download', '--disable-pip-version-check', '--progress-bar', 'off', ...args, '-r', reqFile, '-d', part];
    const { code, tail } = await runPip(python, pipArgs).catch((err: Error) => {
      throw new InfraError(
        `agent ${name}: ${reqFile}: cannot run "${python} -m pip" to download its wheels (${err.message}): install pip on this host (Debian: apt-get install python3-pip)`,
      );
    });
    if (code !== 0) throw new InfraError(`agent ${name}: ${reqFile}: pip download failed (exit ${code}): ${tail}`);
    const files: Record<string, string> = {};
    for (const f of (await fs.readdir(part)).sort()) files[f] = await fileSha256(path.join(part, f));
    // pip checks --hash itself; this catches a requirement that produced no wheel at all.
    const got = new Set(
      Object.keys(files).map((f) =>
        f
          .split('-')
          .slice(0, 2)
          .map((part, k) => (k === 0 ? canonicalName(part) : part))
          .join('=='),
      ),
    );
    const missing = requirements.filter((r) => !got.has(`${r.name}==${r.version}`));
    if (missing.length) {
      throw new InfraError(
        `agent ${name}: ${reqFile}: pip download left no wheel for ${missing.map((r) => `${r.name}==${r.version}`).join(', ')}`,
      );
    }
    const stamp: Stamp = { requirementsSha256: reqSha, args, files };
    await fs.writeFile(path.join(part, STAMP), `${JSON.stringify(stamp, null, 2)}\n`);
    await fs.rm(dir, { recursive: true, force: true });
    try {
      await fs.rename(part, dir);
    } catch (err) {
      // Another build (a second setup, a test's beforeAll) finished the same download first.
      if (!(await cacheIsComplete(dir, reqSha, args)))
        throw new InfraError(`agent ${name}: cannot move its wheels into ${dir}: ${(err as Error).message}`);
    }
  } finally {
    await fs.rm(part, { recursive: true, force: true });
  }
  return dir;
}

/**
 * A build context for an agent that has wheels: its build files plus the wheels under `wheels/`,
 * copied into a fresh temporary folder (the caller removes it). Returns the folder and its files.
 */
export async function stageAgentContext(agentDir: string, wheelsDir: string): Promise<{ context: string; files: string[] }> {
  const own = agentBuildFiles(agentDir);
  const clash = own.find((f) => f === WHEELS_DIR || f.startsWith(`${WHEELS_DIR}/`));
  if (clash)
    throw new InfraError(`${path.join(agentDir, clash)}: ${WHEELS_DIR}/ is reserved for the wheels downloaded from ${REQUIREMENTS_FILE}`);
  const context = await fs.mkdtemp(path.join(os.tmpdir(), `mlebench-build-${path.basename(agentDir)}-`));
  const wheels = (await fs.readdir(wheelsDir)).filter((f) => f !== STAMP).sort();
  for (const f of own) await fs.cp(path.join(agentDir, f), path.join(context, f), { verbatimSymlinks: true });
  await fs.mkdir(path.join(context, WHEELS_DIR));
  for (const f of wheels) await fs.copyFile(path.join(wheelsDir, f), path.join(context, WHEELS_DIR, f));
  return { context, files: [...own, ...wheels.map((f) => `${WHEELS_DIR}/${f}`)] };
}
