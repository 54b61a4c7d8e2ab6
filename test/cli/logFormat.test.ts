/**
 * The terminal is for people (issue 16, point 6): `mlebench` at a terminal (a pseudo-terminal made
 * by util-linux's `script`) prints no JSON log lines, only warnings and errors, human-readable;
 * piped, or with `--log-format json`, its logs are JSON lines. `mlebench prepare` of a bundled
 * competition into a fresh data folder logs "competition prepared" at info; `mlebench run` with its
 * in-process worker and embedded dev server is what the quickstart ends with.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';
import { configureLogUnlessChosen, log, logSettings } from '../../core/log';

const exec = promisify(execFile);
const PREPARE = ['prepare', '-c', 'spam-assassin'];

function quoted(args: string[]): string {
  return args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

/** The CLI's output (stdout and stderr, as a terminal shows them), in a fresh harness home. */
async function cli(args: string[], opts: { terminal: boolean; env?: NodeJS.ProcessEnv }): Promise<string[]> {
  const { env } = cliEnv(opts.env);
  delete env.MLEBENCH_LOG_LEVEL;
  delete env.MLEBENCH_LOG_FORMAT;
  Object.assign(env, opts.env);
  const command = [process.execPath, MLEBENCH_BIN, ...args];
  const { stdout, stderr } = opts.terminal
    ? await exec('script', ['-qec', quoted(command), '/dev/null'], { env })
    : await exec(command[0]!, command.slice(1), { env });
  return `${stdout}${stderr}`
    .split(/\r?\n/)
    .map((l) => l.replace(/\r/g, ''))
    .filter(Boolean);
}

const isJson = (line: string) => {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

describe('the CLI logs', () => {
  it('at a terminal, by default: quiet, no JSON lines, the command still says what it did', async () => {
    const lines = await cli(PREPARE, { terminal: true });
    expect(lines.filter(isJson)).toEqual([]);
    expect(lines.join('\n')).not.toContain('competition prepared');
    expect(lines.join('\n')).toContain('1 of 1 prepared');
  });

  it('at a terminal, at info: human-readable lines, not JSON', async () => {
    const lines = await cli(PREPARE, { terminal: true, env: { MLEBENCH_LOG_LEVEL: 'info' } });
    const logged = lines.filter((l) => l.includes('competition prepared'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/INFO.*competition prepared.*spam-assassin/);
    expect(lines.filter(isJson)).toEqual([]);
  });

  it('at a terminal with --log-format json: JSON lines', async () => {
    const lines = await cli(['--log-format', 'json', ...PREPARE], { terminal: true });
    const logged = lines.filter(isJson).map((l) => JSON.parse(l) as { msg: string; level: number; competitionId: string });
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'competition prepared', level: 30, competitionId: 'spam-assassin' }));
  });

  it('piped: JSON lines at info, as before', async () => {
    const lines = await cli(PREPARE, { terminal: false });
    const logged = lines.filter(isJson).map((l) => JSON.parse(l) as { msg: string });
    expect(logged.map((l) => l.msg)).toContain('competition prepared');
    expect(lines.filter((l) => !isJson(l)).join('\n')).toContain('1 of 1 prepared');
  });

  it('at a terminal, a run with its in-process worker (the quickstart): progress and results, no JSON, no raw SDK warning', async () => {
    const lines = await cli(['run', '--agent', 'dummy', '-c', 'spam-assassin'], { terminal: true });
    const text = lines.join('\n');
    expect(lines.filter(isJson)).toEqual([]);
    expect(text).not.toContain('[WARN]');
    expect(text).not.toContain('No workflows registered');
    expect(text).toMatch(/run group dummy-\S+ started/);
    expect(text).toMatch(/run group: dummy-\S+ \(completed\)/);
  });

  it('refuses an unknown format, naming the flag', async () => {
    const failed = await exec(process.execPath, [MLEBENCH_BIN, '--log-format', 'xml', ...PREPARE], { env: cliEnv().env }).catch(
      (e: { stderr: string; code: number }) => e,
    );
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain('log format "xml" is not one of json, pretty (--log-format');
  });
});

describe('logSettings', () => {
  it('a flag over MLEBENCH_LOG_FORMAT over the fallback over the terminal; the level follows the format unless set', () => {
    expect(logSettings({}, { terminal: true })).toEqual({ format: 'pretty', level: 'warn' });
    expect(logSettings({}, { terminal: false })).toEqual({ format: 'json', level: 'info' });
    expect(logSettings({}, { terminal: true, fallback: 'json' })).toEqual({ format: 'json', level: 'info' });
    expect(logSettings({ MLEBENCH_LOG_FORMAT: 'json' }, { terminal: true })).toEqual({ format: 'json', level: 'info' });
    expect(logSettings({ MLEBENCH_LOG_FORMAT: 'json' }, { terminal: true, requested: 'pretty' })).toEqual({
      format: 'pretty',
      level: 'warn',
    });
    expect(logSettings({ MLEBENCH_LOG_LEVEL: 'debug' }, { terminal: true })).toEqual({ format: 'pretty', level: 'debug' });
  });
});

describe('configureLogUnlessChosen (the SDK)', () => {
  it("keeps the entry point's choice (here the tests' setup's)", () => {
    const before = log.level;
    configureLogUnlessChosen({ format: 'pretty', level: 'fatal' });
    expect(log.level).toBe(before);
  });
});
