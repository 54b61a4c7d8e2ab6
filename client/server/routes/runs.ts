/** The seed system's run endpoints over the SDK and the run folders; the server keeps no state of its own. */
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listGroupFiles, openGroupFile, readGroupRecords } from '../../../core/artifacts/groupFiles';
import type { HarnessPaths } from '../../../core/config';
import { llmTotals } from '../../../core/runs/llmTotals';
import type { GroupProgress } from '../../../core/runs/types';
import type { Client, RunGroupStatus } from '../../sdk';
import { createRunBody, runOptionsOf } from '../payload';
import { contentTypeOf } from '../contentTypes';

export interface RunRoutesOptions {
  client: Client;
  paths: HarnessPaths;
}

export type ApiStatus = 'queued' | 'running' | 'completed' | 'failed';

/**
 * The seed's four statuses from Temporal's and the group's progress: queued until a run has
 * begun; a cancelled, terminated or timed-out group is failed, with `detail` saying which.
 */
export function apiStatus(temporal: WorkflowExecutionStatusName, progress: GroupProgress | null): { status: ApiStatus; detail?: string } {
  if (temporal === 'RUNNING' || temporal === 'CONTINUED_AS_NEW') {
    const begun = progress !== null && progress.status !== 'planning' && progress.runs.some((r) => r.phase !== 'pending');
    return { status: begun ? 'running' : 'queued' };
  }
  if (temporal === 'COMPLETED') return progress?.status === 'cancelled' ? { status: 'failed', detail: 'cancelled' } : { status: 'completed' };
  return { status: 'failed', detail: temporal.toLowerCase() };
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function groupView(client: Client, g: RunGroupStatus) {
  const { status, detail } = apiStatus(g.status, g.progress);
  return {
    run_id: g.id,
    status,
    ...(detail ? { detail } : {}),
    temporal_status: g.status,
    agent_id: g.agentId,
    created_at: iso(g.startTime),
    finished_at: iso(g.closeTime),
    run_group_dir: g.groupDir,
    web_ui: client.webUiUrl(g.id),
  };
}

const idParams = z.object({ id: z.string().min(1).describe('the run-group (workflow) id') });
const ok = z.looseObject({}).describe('see the README: the seed system shapes');

export const runRoutes: FastifyPluginAsyncZod<RunRoutesOptions> = (app, { client, paths }) => {
  app.post('/runs', { schema: { summary: 'start a run group', body: createRunBody, response: { 201: z.object({ run_id: z.string() }) } } }, async (req, reply) => {
    const runId = await client.run(runOptionsOf(req.body, paths));
    return reply.code(201).send({ run_id: runId });
  });

  app.get(
    '/runs',
    {
      schema: {
        summary: 'run groups, newest first',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50), agent_id: z.string().optional() }),
        response: { 200: ok },
      },
    },
    async (req) => {
      const groups = await client.listRuns({ limit: req.query.limit, agentId: req.query.agent_id });
      return { runs: groups.map((g) => groupView(client, g)) };
    },
  );

  app.get('/runs/:id', { schema: { summary: "a run group's status and progress", params: idParams, response: { 200: ok } } }, async (req) => {
    const g = await client.getRun(req.params.id);
    const p = g.progress;
    return {
      ...groupView(client, g),
      progress: p ? { total: p.total, done: p.done, running: p.running, medals: p.medals } : null,
      runs: (p?.runs ?? []).map((r) => ({
        run_id: r.runId,
        competition_id: r.competitionId,
        task: r.task ?? null,
        seed: r.seed,
        phase: r.phase,
        outcome: r.outcome ?? null,
        score: r.score ?? null,
        medal: r.medal ?? null,
      })),
    };
  });

  app.get('/runs/:id/summary', { schema: { summary: "a run group's reports and every run's record so far", params: idParams, response: { 200: ok } } }, async (req) => {
    const g = await client.getRun(req.params.id);
    const records = g.groupDir ? await readGroupRecords(g.groupDir) : null;
    const error = g.status === 'FAILED' ? (await client.getRunSummary(g.id)).error : undefined;
    return {
      ...groupView(client, g),
      grading_report: records?.gradingReport ?? null,
      technique_grades: records?.techniqueGrades ?? null,
      llm_totals: llmTotals(records?.runs ?? []),
      runs: records?.runs ?? [],
      paths: {
        grading_report: records?.paths.gradingReport ?? null,
        technique_grades: records?.paths.techniqueGrades ?? null,
        metadata: records?.paths.metadata ?? null,
      },
      ...(error ? { error } : {}),
    };
  });

  app.get(
    '/runs/:id/artifacts',
    {
      schema: {
        summary: "the files of a run group's folder (or of one of its runs)",
        params: idParams,
        querystring: z.object({ run_id: z.string().optional().describe("only this run's files") }),
        response: { 200: ok },
      },
    },
    async (req) => {
    const g = await client.getRun(req.params.id);
    const records = g.groupDir ? await readGroupRecords(g.groupDir) : null;
    const all = g.groupDir ? await listGroupFiles(g.groupDir, records?.metadata ?? null) : [];
    const files = req.query.run_id === undefined ? all : all.filter((f) => f.runId === req.query.run_id);
    return { run_id: g.id, run_group_dir: g.groupDir, files: files.map((f) => ({ path: f.path, size: f.size, run_id: f.runId })) };
    },
  );

  app.get(
    '/runs/:id/artifacts/*',
    { schema: { summary: "one file of a run group's folder", params: z.object({ id: z.string().min(1), '*': z.string().min(1).describe('the path in the group folder') }) } },
    async (req, reply) => {
      const g = await client.getRun(req.params.id);
      if (!g.groupDir) return reply.code(404).send({ error: { message: `run group ${g.id} has no folder yet` } });
      const file = await openGroupFile(g.groupDir, req.params['*']);
      return reply.type(contentTypeOf(file.path)).header('content-length', file.size).send(file.handle.createReadStream());
    },
  );
  return Promise.resolve();
};
