/**
 * The seed system's routes in its exact shapes (shared/seed-api.md, docs/rest-api.md): a client
 * written for the seed's server works unchanged. Each route is authorised like its richer /v2
 * twin (routes/runs.ts, routes/catalog.ts); paths are relative to the project (seedViews.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { trustedGroupDir } from '../../../core/artifacts/containment';
import { GroupFileNotFoundError, listGroupFiles, openGroupFile, readGroupRecords } from '../../../core/artifacts/groupFiles';
import { competitionCatalog, techniqueCatalog } from '../../catalog';
import { MAX_PAGE, type RunGroupStatus } from '../../sdk';
import { contentTypeOf } from '../contentTypes';
import { createRunBody } from '../payload';
import { apiStatus, ARTIFACT_KINDS, projectFile, projectPath, REPORT_FILES, seedArtifacts, seedRecord } from '../seedViews';
import { RequestError, servedGroupDir, startGroup, type RunRoutesOptions } from './runs';

const idParams = z.object({ id: z.string().min(1).max(200).describe('the run-group (workflow) id') });
const record = z.looseObject({
  run_id: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  created_at: z.number(),
  updated_at: z.number(),
  request: z.looseObject({}),
  message: z.string().nullable(),
  run_group: z.string().nullable(),
  run_dir: z.string().nullable(),
  logs: z.array(z.looseObject({})),
});
const paths = z.array(z.string());
/** What the summary and the artifacts both begin with. */
const groupShape = { run_id: z.string(), run_group: z.string().nullable(), run_dir: z.string().nullable() };

export const seedRoutes: FastifyPluginAsyncZod<RunRoutesOptions> = (app, opts) => {
  const { client } = opts;
  const runsDir = opts.paths.runsDir;

  /** A group that has completed, with its (trusted) folder; 409 while it has not. */
  const completedGroup = async (id: string): Promise<{ g: RunGroupStatus; groupDir: string | null }> => {
    const g = await client.getRun(id);
    const { status } = apiStatus(g.status, g.progress);
    if (status !== 'completed')
      throw new RequestError(409, `run group ${g.id} is ${status}, not completed: ask again once it has completed`);
    return { g, groupDir: await servedGroupDir(g, runsDir) };
  };
  const groupKeys = (id: string, groupDir: string | null) => ({
    run_id: id,
    run_group: groupDir ? path.basename(groupDir) : null,
    run_dir: groupDir ? projectPath(runsDir, groupDir) : null,
  });

  app.post(
    '/runs',
    {
      config: { access: 'run', seed: true },
      schema: {
        summary: 'start a run group (the seed: 200, queued)',
        body: createRunBody,
        response: { 200: z.object({ run_id: z.string(), status: z.literal('queued') }) },
      },
    },
    async (req) => ({ run_id: await startGroup(opts, req.user!, req.body), status: 'queued' as const }),
  );

  app.get(
    '/runs',
    {
      config: { seed: true },
      schema: {
        summary: 'the run records, newest first (the newest 1000; /v2/runs pages through all)',
        response: { 200: z.array(record) },
      },
    },
    async () => {
      const { groups } = await client.listRunsPage({ limit: MAX_PAGE, liveProgress: true });
      return Promise.all(groups.map(async (g) => seedRecord(g, await servedGroupDir(g, runsDir), runsDir, null)));
    },
  );

  app.get(
    '/runs/:id',
    { config: { seed: true }, schema: { summary: "a run group's record", params: idParams, response: { 200: record } } },
    async (req) => {
      const g = await client.getRun(req.params.id);
      const failure = g.status === 'FAILED' ? await client.getFailure(g.id) : null;
      return seedRecord(g, await servedGroupDir(g, runsDir), runsDir, failure?.message ?? null);
    },
  );

  app.get(
    '/runs/:id/summary',
    {
      config: { seed: true },
      schema: {
        summary: "a completed group's grading-report paths (409 before)",
        params: idParams,
        response: {
          200: z.looseObject({
            run_id: z.string(),
            run_group: z.string().nullable(),
            run_dir: z.string().nullable(),
            grading_reports: paths,
          }),
        },
      },
    },
    async (req) => {
      const { g, groupDir } = await completedGroup(req.params.id);
      const present = groupDir
        ? await Promise.all(
            REPORT_FILES.map(async (f) => ((await fs.lstat(path.join(groupDir, f)).catch(() => null))?.isFile() ? f : null)),
          )
        : [];
      return {
        ...groupKeys(g.id, groupDir),
        grading_reports: present.filter((f): f is string => f !== null).map((f) => projectPath(runsDir, groupDir!, f)),
      };
    },
  );

  app.get(
    '/runs/:id/artifacts',
    {
      config: { seed: true },
      schema: {
        summary: "a completed group's files by kind (409 before)",
        params: idParams,
        response: {
          200: z.looseObject({ ...groupShape, ...Object.fromEntries(ARTIFACT_KINDS.map((k) => [k, paths])) }),
        },
      },
    },
    async (req) => {
      const { g, groupDir } = await completedGroup(req.params.id);
      if (!groupDir) return { ...groupKeys(g.id, null), ...seedArtifacts([], '', runsDir), truncated: false };
      const { metadata } = await readGroupRecords(groupDir);
      const { files, truncated } = await listGroupFiles(groupDir, metadata);
      return { ...groupKeys(g.id, groupDir), ...seedArtifacts(files, groupDir, runsDir), truncated };
    },
  );

  app.get(
    '/files/*',
    {
      config: { seed: true },
      schema: {
        summary: 'one file of a run group, by the path the records give (runs/<group>/...), as a download',
        params: z.object({
          '*': z.string().min(1).max(4096).describe('a path relative to the project, e.g. runs/<group>/grading_report.json'),
        }),
      },
    },
    async (req, reply) => {
      const wanted = req.params['*'];
      const at = projectFile(runsDir, wanted);
      const groupDir = at ? await trustedGroupDir(path.join(runsDir, at.group), runsDir, 'path').catch(() => null) : null;
      if (!at || !groupDir) throw new GroupFileNotFoundError(`no file "${wanted.slice(0, 300)}" in the runs folder`);
      const file = await openGroupFile(groupDir, at.rel);
      return reply
        .type(contentTypeOf(file.path))
        .header('content-length', file.size)
        .header('content-disposition', `attachment; filename="${path.basename(file.path).replace(/[^\w.-]/g, '_')}"`)
        .send(file.handle.createReadStream());
    },
  );

  app.get(
    '/competitions',
    {
      config: { seed: true },
      schema: { summary: 'the competition ids (/v2/competitions: each with its details)', response: { 200: z.array(z.string()) } },
    },
    async () => (await competitionCatalog(opts.paths)).map((c) => c.id),
  );

  app.get(
    '/technique-tasks',
    {
      config: { seed: true },
      schema: {
        summary: 'the technique task ids, a line on each, and the competitions each applies to',
        response: { 200: z.looseObject({ available: z.array(z.string()), descriptions: z.record(z.string(), z.string()) }) },
      },
    },
    async () => {
      const tasks = await techniqueCatalog();
      return {
        available: tasks.map((t) => t.id),
        descriptions: Object.fromEntries(tasks.map((t) => [t.id, t.description])),
        applies_to: Object.fromEntries(tasks.map((t) => [t.id, t.applies_to])),
      };
    },
  );
  return Promise.resolve();
};
