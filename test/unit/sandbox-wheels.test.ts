/**
 * The host-side wheel download of an agent with a requirements.txt (core/sandbox/wheels.ts), with
 * a stand-in for `python3 -m pip download` that writes a wheel or fails like pip: pinned
 * requirements only, one download then a cache that is checked file by file, a clear error naming
 * the agent, the file and pip's message, and a build context with the wheels under wheels/.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { agentImageTag } from '../../core/sandbox/imageTags';
import { ensureAgentWheels, parseRequirements, pipTargetArgs, stageAgentContext } from '../../core/sandbox/wheels';

const root = mkdtempSync(path.join(os.tmpdir(), 'wheels-unit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Logs its arguments, then fails when FAKE_PIP_FAIL is set, else writes one wheel per `name==version` line.
const fakePython = path.join(root, 'fake-python');
const calls = path.join(root, 'calls.log');
writeFileSync(
  fakePython,
  `#!/bin/bash
echo "$*" >> ${calls}
while [ $# -gt 0 ]; do case "$1" in -r) req=$2; shift;; -d) dir=$2; shift;; esac; shift; done
if [ -n "$FAKE_PIP_FAIL" ]; then echo "ERROR: No matching distribution found for $FAKE_PIP_FAIL" >&2; exit 1; fi
grep -oE '^[A-Za-z0-9._-]+==[^ ]+' "$req" | while IFS='=' read -r name _ version; do
  printf 'wheel of %s' "$name" > "$dir/$(echo "$name" | tr '.-' '__')-$version-py3-none-any.whl"
done
`,
);
chmodSync(fakePython, 0o755);

function agent(name: string, requirements: string): string {
  const dir = path.join(root, 'agents', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n');
  writeFileSync(path.join(dir, 'start.py'), 'print("hi")\n');
  writeFileSync(path.join(dir, 'requirements.txt'), requirements);
  return dir;
}
const callCount = () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n').length : 0);
const cacheDir = path.join(root, 'cache');

beforeEach(() => {
  rmSync(calls, { force: true });
  delete process.env.FAKE_PIP_FAIL;
});

describe('parseRequirements', () => {
  it('reads pinned requirements with continuations, hashes and comments', () => {
    const text = '# top\nDemo.Pkg==1.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\nother_one==2.3.post1  # why\n\n';
    expect(parseRequirements(text, 'req.txt')).toEqual([
      { name: 'demo-pkg', version: '1.0', hashes: ['sha256:aa', 'sha256:bb'] },
      { name: 'other-one', version: '2.3.post1', hashes: [] },
    ]);
  });

  it('refuses what would make the image tag lie: an unpinned line, an option', () => {
    expect(() => parseRequirements('ok==1\nopenai>=1.0\n', 'agents/x/requirements.txt')).toThrow(
      /agents\/x\/requirements.txt: "openai>=1.0" \(requirement 2\) is not pinned as name==version/,
    );
    expect(() => parseRequirements('--index-url http://example.invalid\n', 'r.txt')).toThrow(
      /r.txt: "--index-url": options are not supported/,
    );
  });
});

it('pipTargetArgs asks for binary wheels for CPython 3.11 on any manylinux up to glibc 2.36', () => {
  const args = pipTargetArgs('x64');
  expect(args).toEqual(expect.arrayContaining(['--only-binary=:all:', '--no-deps', '--python-version', '3.11', '--abi', 'cp311', 'abi3']));
  expect(args).toEqual(expect.arrayContaining(['manylinux2014_x86_64', 'manylinux_2_17_x86_64', 'manylinux_2_36_x86_64']));
  expect(args).not.toContain('manylinux_2_37_x86_64');
  expect(pipTargetArgs('arm64')).toContain('manylinux_2_28_aarch64');
});

describe('ensureAgentWheels', () => {
  it('downloads once, then reuses the cache until a wheel changes or requirements.txt does', async () => {
    const dir = agent('tool', 'demo-pkg==1.0\nother==2.0\n');
    const wheels = await ensureAgentWheels('tool', dir, { python: fakePython, cacheDir });
    expect(wheels).toBe(path.join(cacheDir, 'tool'));
    expect(readdirSync(wheels!).sort()).toEqual(['.complete.json', 'demo_pkg-1.0-py3-none-any.whl', 'other-2.0-py3-none-any.whl']);
    expect(readFileSync(calls, 'utf8')).toMatch(
      /^-m pip download .*--only-binary=:all: --no-deps .* -r \S+requirements.txt -d \S+tool.part-\d+$/m,
    );
    expect(callCount()).toBe(1);

    const lines: string[] = [];
    await ensureAgentWheels('tool', dir, { python: fakePython, cacheDir, onLog: (l) => lines.push(l) });
    expect(callCount()).toBe(1);
    expect(lines.join('\n')).toMatch(/agent tool: 2 wheels of requirements.txt: up to date/);

    writeFileSync(path.join(wheels!, 'other-2.0-py3-none-any.whl'), 'tampered');
    await ensureAgentWheels('tool', dir, { python: fakePython, cacheDir });
    expect(callCount()).toBe(2);
    expect(readFileSync(path.join(wheels!, 'other-2.0-py3-none-any.whl'), 'utf8')).toBe('wheel of other');

    writeFileSync(path.join(dir, 'requirements.txt'), 'demo-pkg==1.1\n');
    await ensureAgentWheels('tool', dir, { python: fakePython, cacheDir });
    expect(callCount()).toBe(3);
    expect(readdirSync(wheels!).sort()).toEqual(['.complete.json', 'demo_pkg-1.1-py3-none-any.whl']);
  });

  it('does nothing for an agent without requirements.txt', async () => {
    const dir = agent('plain', '');
    rmSync(path.join(dir, 'requirements.txt'));
    expect(await ensureAgentWheels('plain', dir, { python: fakePython, cacheDir })).toBeUndefined();
    expect(callCount()).toBe(0);
  });

  it("fails naming the agent, the file and pip's message, and leaves no partial cache", async () => {
    const dir = agent('broken', 'nothing-here==9.9\n');
    process.env.FAKE_PIP_FAIL = 'nothing-here==9.9';
    await expect(ensureAgentWheels('broken', dir, { python: fakePython, cacheDir })).rejects.toThrow(
      `agent broken: ${path.join(dir, 'requirements.txt')}: pip download failed (exit 1): ERROR: No matching distribution found for nothing-here==9.9`,
    );
    expect(readdirSync(cacheDir).filter((f) => f.startsWith('broken'))).toEqual([]);
    await expect(ensureAgentWheels('broken', dir, { python: path.join(root, 'no-such-python'), cacheDir })).rejects.toThrow(
      /agent broken: .*requirements.txt: cannot run ".*no-such-python -m pip".*install pip/,
    );
  });
});

it('stageAgentContext: the build files and the wheels under wheels/, config.yaml left out; the tag follows requirements.txt', async () => {
  const dir = agent('staged', 'demo-pkg==1.0\n');
  writeFileSync(path.join(dir, 'config.yaml'), 'description: x\n');
  const tagBefore = agentImageTag('staged', dir, 'mlebench-base:aaaaaaaaaaaa');
  const wheels = await ensureAgentWheels('staged', dir, { python: fakePython, cacheDir });
  const { context, files } = await stageAgentContext(dir, wheels!);
  try {
    expect(files.sort()).toEqual(['Dockerfile', 'requirements.txt', 'start.py', 'wheels/demo_pkg-1.0-py3-none-any.whl']);
    expect(readFileSync(path.join(context, 'wheels/demo_pkg-1.0-py3-none-any.whl'), 'utf8')).toBe('wheel of demo-pkg');
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  expect(agentImageTag('staged', dir, 'mlebench-base:aaaaaaaaaaaa')).toBe(tagBefore);
  writeFileSync(path.join(dir, 'requirements.txt'), 'demo-pkg==1.1\n');
  expect(agentImageTag('staged', dir, 'mlebench-base:aaaaaaaaaaaa')).not.toBe(tagBefore);

  mkdirSync(path.join(dir, 'wheels'));
  writeFileSync(path.join(dir, 'wheels', 'stray.whl'), '');
  await expect(stageAgentContext(dir, wheels!)).rejects.toThrow(/staged\/wheels\/stray.whl: wheels\/ is reserved/);
});
