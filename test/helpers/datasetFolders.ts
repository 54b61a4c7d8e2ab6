/** Run folders with what the dataset export reads: a rollout, code and logs (with planted secrets and hostile files), a technique group. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeRunRecord } from '../../core/artifacts/records';
import type { TechniqueRunResult } from '../../core/runs/types';

/** A gateway token of the gateway's shape (mlb- and 43 base64url characters) and an OpenAI-style key, planted to be redacted. */
export const PLANTED_TOKEN = `mlb-${'A1b2C3d4E5'.repeat(4)}xyz`;
export const PLANTED_KEY = 'sk-proj-PLANTEDsecretKEY0123456789';

/** Gives a competition run folder a rollout of two calls and a checkpoint, code, logs, a binary file and symlinks out. */
export function plantRunFiles(runDir: string, opts: { hugeLogBytes: number }): void {
  mkdirSync(path.join(runDir, 'logs', 'llm'), { recursive: true });
  mkdirSync(path.join(runDir, 'code'), { recursive: true });
  const call = (i: number, content: string) => ({
    ts: `2026-01-01T00:00:0${i}Z`,
    runId: 'x',
    request: { model: 'gpt-test', messages: [{ role: 'user', content }] },
    response: { choices: [{ message: { role: 'assistant', content: `answer ${i}` } }] },
    usage: { promptTokens: 10 * i, completionTokens: i, totalTokens: 11 * i },
    costUsd: 0.001 * i,
    latencyMs: 100 * i,
    admitted: true,
    upstreamModel: 'upstream-model-1',
    attempts: 1,
  });
  const lines = [
    call(1, `my key is ${PLANTED_TOKEN}, use Authorization: Bearer ${PLANTED_TOKEN}`),
    {
      ts: '2026-01-01T00:00:05Z',
      runId: 'x',
      checkpoint: { requests: 1, promptTokens: 10, completionTokens: 1, totalTokens: 11, costUsd: 0.001, unansweredLines: 0 },
    },
    call(2, 'hello'),
  ];
  writeFileSync(path.join(runDir, 'logs', 'llm', 'rollout.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"torn`);
  writeFileSync(path.join(runDir, 'code', 'main.py'), `import os\nKEY = "${PLANTED_KEY}"\nprint("train")\n`);
  writeFileSync(path.join(runDir, 'logs', 'agent.log'), `start ${PLANTED_TOKEN}\n${'x'.repeat(opts.hugeLogBytes)}`);
  writeFileSync(path.join(runDir, 'code', 'model.bin'), Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00]));
  symlinkSync('/etc/passwd', path.join(runDir, 'code', 'passwd'));
  symlinkSync('/etc', path.join(runDir, 'logs', 'etc'));
}

/** A technique group `<runsDir>/<name>` of two runs on one task: graded 0.95 (arm injected) and 0.4 (arm plain), started `startedAt`. */
export async function writeTechniqueGroupFolder(runsDir: string, id: string, agentId: string, startedAt: string): Promise<string> {
  const groupDir = path.join(runsDir, `2026-02-01T00-00-00-UTC_run-group_${id}`);
  const runs = [0.95, 0.4].map((grade, i): TechniqueRunResult => {
    const seed = i + 1;
    const runDir = path.join(groupDir, `imbalance_spambase_seed-${seed}`);
    mkdirSync(path.join(runDir, 'submission'), { recursive: true });
    // What a context is built from (core/context): the run's analysis beside its submission.
    writeFileSync(path.join(runDir, 'submission', 'imbalance_analysis.json'), JSON.stringify({ minority_fraction: grade, seed }));
    return {
      kind: 'technique',
      task: 'imbalance',
      runId: `${id}/imbalance/spambase/seed-${seed}`,
      groupId: id,
      agentId,
      competitionId: 'spambase',
      seed,
      runDir,
      outcome: 'succeeded',
      arm: i === 0 ? 'injected' : 'plain',
      ...(i === 0 ? { context: { text: 'Weight the rare class.', source: 'hint.md' } } : {}),
      score: grade,
      timings: { startedAt, finishedAt: startedAt, agentSecs: 30 },
      container: null,
      techniqueGrade: {
        task: 'imbalance',
        competition_id: 'spambase',
        seed,
        score: grade,
        criteria: [{ name: 'minority_fraction', weight: 1, score: grade, detail: 'planted' }],
        submission_exists: true,
        valid_submission: true,
        analysis_exists: true,
        valid_analysis: true,
        submission_path: '',
        analysis_path: '',
        created_at: startedAt,
      },
    };
  });
  for (const r of runs) await writeRunRecord(r);
  const metadata = {
    run_group_id: id,
    agent_id: agentId,
    status: 'completed',
    runs: runs.map((r) => ({
      run_id: r.runId,
      competition_id: r.competitionId,
      task: r.task,
      seed: r.seed,
      dir: path.basename(r.runDir),
      status: 'finished',
    })),
  };
  writeFileSync(path.join(groupDir, 'metadata.json'), JSON.stringify(metadata));
  return groupDir;
}
