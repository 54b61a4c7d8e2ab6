/**
 * `mlebench export` and `mlebench query` on synthetic run folders (no Temporal server): the tables
 * read back with pyarrow and pandas match the run folders; filters; secrets redacted in every
 * table; symlinks, binary and huge files; hostile SQL refused by the database itself.
 */
import { execFile } from 'node:child_process';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../client/sdk';
import { exportDataset, queryGroups, QueryError, runsFolderGroups } from '../../core/dataset';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';
import { PLANTED_KEY, PLANTED_TOKEN, plantRunFiles, writeTechniqueGroupFolder } from '../helpers/datasetFolders';
import { writeGroupFolder } from '../helpers/groupFolders';
import { runPython } from '../helpers/python';

const exec = promisify(execFile);
let env: NodeJS.ProcessEnv;
let runsDir: string;
let compGroup: string;
let techGroup: string;
const recent = new Date(Date.now() - 3 * 86_400_000).toISOString();
const HUGE = 600 * 1024;

const mlebench = async (args: string[]) =>
  stripVTControlCharacters((await exec(process.execPath, [MLEBENCH_BIN, ...args], { env, maxBuffer: 1 << 26 })).stdout);
const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-export-'));

beforeAll(async () => {
  ({ env } = cliEnv());
  runsDir = env.MLEBENCH_RUNS_DIR!;
  compGroup = await writeGroupFolder(runsDir, 'exp-a', 'aide/dev', [
    { competitionId: 'c1', seed: 1, score: 0.5 },
    { competitionId: 'c1', seed: 2, score: 0.9, medal: 'silver', normalized: 0.75 },
    { competitionId: 'c2', seed: 1, score: null, outcome: 'invalid_submission' },
  ]);
  plantRunFiles(path.join(compGroup, 'c1_seed-2'), { hugeLogBytes: HUGE });
  techGroup = await writeTechniqueGroupFolder(runsDir, 'exp-t', 'dummy', recent);
});

/** Reads each table of an export with pyarrow (and pandas), printing rows as JSON. */
async function readParquet(dir: string) {
  const script = path.join(dir, 'read.py');
  writeFileSync(
    script,
    [
      'import json, sys, pyarrow.parquet as pq',
      'out = {}',
      "for t in ['runs', 'llm_calls', 'files']:",
      "    table = pq.read_table(f'" + dir + "/{t}.parquet')",
      '    df = table.to_pandas()',
      "    out[t] = {'n': len(df), 'columns': list(df.columns), 'types': {f.name: str(f.type) for f in table.schema}, 'rows': json.loads(df.to_json(orient='records', date_format='iso'))}",
      'print(json.dumps(out))',
    ].join('\n'),
  );
  const r = await runPython(script, {});
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<
    string,
    { n: number; columns: string[]; types: Record<string, string>; rows: Record<string, unknown>[] }
  >;
}

describe('mlebench export', () => {
  it('writes parquet that pyarrow and pandas read back as the run folders say, secrets redacted, no symlink followed', async () => {
    const out = await tmp();
    const printed = JSON.parse(await mlebench(['export', 'exp-a', techGroup, '--out', out, '--json'])) as { rows: Record<string, number> };
    expect(printed.rows).toEqual({ runs: 5, llm_calls: 2, files: 4 });
    const t = await readParquet(out);
    expect(t.runs!.n).toBe(5);
    const silver = t.runs!.rows.find((r) => r.run_id === 'exp-a/c1/seed-2')!;
    const run = JSON.parse(readFileSync(path.join(compGroup, 'c1_seed-2', 'run.json'), 'utf8')) as { score: number; medal: string };
    expect(silver).toMatchObject({
      agent: 'aide',
      variant: 'dev',
      competition_id: 'c1',
      seed: 2,
      score: run.score,
      medal: run.medal,
      normalized_score: 0.75,
      context_source: null,
      outcome: 'succeeded',
      attempts: 1,
    });
    expect(t.runs!.types.started_at).toMatch(/^timestamp/);
    const tech = t.runs!.rows.filter((r) => r.kind === 'technique');
    expect(tech.map((r) => [r.task, r.arm, r.technique_grade, r.context_source, r.context_text])).toEqual([
      ['imbalance', 'injected', 0.95, 'hint.md', 'Weight the rare class.'],
      ['imbalance', 'plain', 0.4, null, null],
    ]);
    expect(JSON.parse(tech[0]!.technique_criteria as string)).toEqual([
      { name: 'minority_fraction', weight: 1, score: 0.95, detail: 'planted' },
    ]);
    // The two calls, in order; the checkpoint and the torn last line are no calls.
    expect(t.llm_calls!.rows.map((c) => [c.seq, c.model_alias, c.upstream_model, c.total_tokens, c.response_text])).toEqual([
      [0, 'gpt-test', 'upstream-model-1', 11, 'answer 1'],
      [2, 'gpt-test', 'upstream-model-1', 22, 'answer 2'],
    ]);
    // Code and logs as text; the binary file and both symlinks (a file, a folder out to /etc) left out.
    const files: Record<string, Record<string, unknown>> = Object.fromEntries(t.files!.rows.map((f) => [String(f.path), f]));
    expect(Object.keys(files).sort()).toEqual(['code/main.py', 'logs/agent.log', 'submission/imbalance_analysis.json']);
    expect(files['logs/agent.log']).toMatchObject({ truncated: true, size: HUGE + 7 + PLANTED_TOKEN.length });
    expect((files['logs/agent.log']!.text as string).length).toBe(256 * 1024);
    const everything = JSON.stringify(t);
    expect(everything).not.toContain(PLANTED_TOKEN);
    expect(everything).not.toContain(PLANTED_KEY);
    expect(everything).not.toContain('root:x:0');
    expect(everything).toContain('[REDACTED:gateway-token]');
    expect(files['code/main.py']!.text).toContain('KEY = "[REDACTED:api-key]"');
    const card = readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(card).toMatch(/schema version: 1/);
    expect(card).toMatch(/groups: exp-a, exp-t/);
    expect(card).toMatch(/rows: runs 5, llm_calls 2, files 4/);
    expect(card).toMatch(/filters: none/);
  });

  it('writes jsonl, one file per table, with the filters applied and stated', async () => {
    const out = await tmp();
    const r = await exportDataset([compGroup, techGroup], out, { format: 'jsonl', filters: { minMedal: 'silver' } });
    expect(r.rows).toEqual({ runs: 1, llm_calls: 2, files: 2 });
    const read = (t: string) =>
      readFileSync(path.join(out, `${t}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(read('runs').map((x) => x.run_id)).toEqual(['exp-a/c1/seed-2']);
    expect(read('llm_calls')).toHaveLength(2);
    const raw = ['runs', 'llm_calls', 'files'].map((t) => readFileSync(path.join(out, `${t}.jsonl`), 'utf8')).join('');
    expect(raw).not.toContain(PLANTED_TOKEN);
    expect(readFileSync(path.join(out, 'README.md'), 'utf8')).toMatch(/filters: medal silver or better/);
    const count = async (filters: Parameters<typeof exportDataset>[2]) =>
      (await exportDataset([compGroup, techGroup], await tmp(), { format: 'jsonl', ...filters })).rows.runs;
    expect(await count({ filters: { outcomes: ['invalid_submission'] } })).toBe(1);
    expect(await count({ filters: { validOnly: true } })).toBe(4);
    expect(await count({ filters: { competitions: ['c1'] } })).toBe(2);
    expect(await count({ filters: { tasks: ['imbalance'] } })).toBe(2);
    expect(await count({ filters: { minTechniqueGrade: 0.9 } })).toBe(1);
    expect(await count({ filters: { minMedal: 'gold' } })).toBe(0);
    // A cap on all the files' text together: each file keeps its row, the text stops at the cap.
    const capped = await tmp();
    await exportDataset([compGroup], capped, { format: 'jsonl', caps: { perFileBytes: 1 << 20, perRunBytes: 1 << 22, totalBytes: 40 } });
    const texts = readFileSync(path.join(capped, 'files.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string; truncated: boolean });
    expect(texts).toHaveLength(2);
    expect(texts.reduce((n, f) => n + Buffer.byteLength(f.text), 0)).toBe(40);
    expect(texts.every((f) => f.truncated)).toBe(true);
    expect(readFileSync(path.join(capped, 'README.md'), 'utf8')).toMatch(/and 40 in all/);
  });

  it('refuses a group argument that is a folder but no run group, and an unknown id, writing nothing', async () => {
    const out = path.join(await tmp(), 'never');
    await expect(mlebench(['export', '/etc', '--out', out])).rejects.toThrow(/\/etc: no metadata\.json: not a run group's folder/);
    await expect(mlebench(['export', '../../etc/passwd', '--out', out])).rejects.toThrow(/no run group "\.\.\/\.\.\/etc\/passwd"/);
    await expect(mlebench(['export', 'exp-a', '--out', out, '--outcome', 'bogus'])).rejects.toThrow(
      /invalid filter: outcomes\.0: Invalid option/,
    );
    await expect(fs.stat(out)).rejects.toThrow(/ENOENT/);
  });
});

describe('a context from an export (--context-from EXPORT)', () => {
  it('is the same context as from the run folders, in either format; a folder that is no export is refused by name', async () => {
    const fromGroup = await mlebench(['context', 'build', techGroup, '--out', path.join(await tmp(), 'g.md')]);
    expect(fromGroup).toMatch(/bytes from technique runs >= 0.9/);
    const expected = readFileSync(fromGroup.split(':')[0]!, 'utf8');
    expect(expected).toContain('"minority_fraction":0.95');
    expect(expected).not.toContain('"minority_fraction":0.4'); // graded 0.4: below the minimum
    for (const format of ['parquet', 'jsonl']) {
      const out = await tmp();
      await mlebench(['export', techGroup, '--out', out, '--format', format]);
      const file = path.join(out, 'context.md');
      await mlebench(['context', 'build', out, '--out', file]);
      expect(readFileSync(file, 'utf8'), format).toBe(expected);
    }
    const notExport = await tmp();
    await expect(mlebench(['context', 'build', notExport, '--out', path.join(notExport, 'c.md')])).rejects.toThrow(
      /neither a run group \(no metadata\.json\) nor a dataset export/,
    );
  });
});

describe('the SDK', () => {
  it('exports and queries with the same filters, checked, and no Temporal server', async () => {
    const client = new Client();
    const out = await tmp();
    const r = await client.exportDataset([techGroup], out, { format: 'jsonl', filters: { minTechniqueGrade: 0.9 } });
    expect(r.rows).toEqual({ runs: 1, llm_calls: 0, files: 1 }); // the kept technique run's analysis
    const q = await client.query('SELECT run_id, technique_grade FROM runs ORDER BY 1', {
      groups: [techGroup],
      filters: { tasks: ['imbalance'] },
    });
    expect(q.rows).toEqual([
      { run_id: 'exp-t/imbalance/spambase/seed-1', technique_grade: 0.95 },
      { run_id: 'exp-t/imbalance/spambase/seed-2', technique_grade: 0.4 },
    ]);
    await expect(client.exportDataset([techGroup], out, { filters: { minMedal: 'platinum' as 'gold' } })).rejects.toThrow(/minMedal/);
  });
});

describe('mlebench query', () => {
  it('answers "mean score by competition over the last month" in one line over every group of the runs folder', async () => {
    const sql =
      'SELECT agent, competition_id, avg(score) AS mean FROM runs WHERE started_at > now() - INTERVAL 1 MONTH GROUP BY ALL ORDER BY 1';
    const r = JSON.parse(await mlebench(['query', sql, '--json'])) as { rows: unknown[]; groups: string[] };
    expect(r.groups.sort()).toEqual(['exp-a', 'exp-t']);
    expect(r.rows).toEqual([{ agent: 'dummy', competition_id: 'spambase', mean: 0.675 }]);
    const table = await mlebench(['query', 'SELECT count(*) AS n FROM llm_calls']);
    expect(table).toMatch(/│ 2 +│/);
  });

  it('runs every example of docs/datasets.md', async () => {
    const groups = await runsFolderGroups(runsDir);
    const examples = [
      ...readFileSync(path.join(__dirname, '..', '..', 'docs', 'datasets.md'), 'utf8').matchAll(/^mlebench query "(.*)"$/gm),
    ].map((m) => m[1]!);
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const sql of examples) expect((await queryGroups(groups, sql)).columns.length, sql).toBeGreaterThan(1);
    const arms = (
      await queryGroups(
        groups,
        examples.find((e) => e.includes('arm IS NOT NULL'))!,
      )
    ).rows;
    expect(arms).toEqual([
      { competition_id: 'spambase', arm: 'injected', runs: 1, mean: 0.95 },
      { competition_id: 'spambase', arm: 'plain', runs: 1, mean: 0.4 },
    ]);
    const [criteria] = (await queryGroups(groups, examples[3]!)).rows;
    expect(criteria).toMatchObject({ task: 'imbalance', criterion: 'minority_fraction' });
  });

  it('refuses files, writes, attachments and extensions, and bounds rows and time', async () => {
    const groups = await runsFolderGroups(runsDir);
    const refused = async (sql: string) =>
      queryGroups(groups, sql).then(
        () => 'ran',
        (e: Error) => e,
      );
    for (const sql of [
      "SELECT * FROM read_csv('/etc/passwd')",
      "SELECT * FROM read_text('/etc/passwd')",
      `SELECT * FROM read_json('${path.join(compGroup, 'metadata.json')}')`,
      "COPY runs TO '/tmp/mlebench-query-leak.csv'",
      "ATTACH '/tmp/mlebench-query-leak.db' AS x",
      'INSTALL httpfs',
      'LOAD httpfs',
      'SET enable_external_access = true',
    ]) {
      const err = await refused(sql);
      expect(err, sql).toBeInstanceOf(QueryError);
      expect((err as Error).message, sql).toMatch(/disabled by configuration|configuration has been locked|Permission Error/);
    }
    await expect(fs.stat('/tmp/mlebench-query-leak.csv')).rejects.toThrow(/ENOENT/);
    await expect(queryGroups(groups, 'SELECT 1; SELECT 2')).rejects.toThrow(/one SQL statement, please \(got 2\)/);
    const big = await queryGroups(groups, 'SELECT * FROM range(100)', { limits: { maxRows: 10 } });
    expect([big.rows.length, big.truncated]).toEqual([10, true]);
    await expect(queryGroups(groups, 'SELECT count(*) FROM range(1000000000000) a', { limits: { timeoutMs: 300 } })).rejects.toThrow(
      /longer than 300 ms/,
    );
    // Only the groups given are in the tables.
    const one = await queryGroups([techGroup], 'SELECT DISTINCT group_id FROM runs');
    expect(one.rows).toEqual([{ group_id: 'exp-t' }]);
  });
});
