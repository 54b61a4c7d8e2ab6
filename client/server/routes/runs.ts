/**
 * The richer run endpoints (/v2: paging, progress, every run's record, files with sizes, failure
 * explanations) over the SDK and the run folders; the server keeps no state of its own. The
 * seed's own shapes of the same routes are routes/seed.ts.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { trustedGroupDir } from '../../../core/artifacts/containment';
import { listGroupFiles, MAX_LISTED_FILES, openGroupFile, readGroupRecords } from '../../../core/artifacts/groupFiles';
import type { HarnessPaths } from '../../../core/config';
import { llmTotals } from '../../../core/runs/llmTotals';
import { log } from '../../../core/log';
import { MAX_PAGE, type Client, type RunGroupStatus } from '../../sdk';
import type { FailureExplanation } from '../../failure';
import { authorizeCancel, type ApiUser } from '../access';
import type { GroupAdmissions } from '../limits';
import { createRunBody, runOptionsOf, seedRequestOf, type CreateRunBody } from '../payload';
import { contentTypeOf } from '../contentTypes';
import { apiStatus, runView } from '../seedViews';

export interface RunRoutesOptions {
  client: Client;
  paths: HarnessPaths;
  /** One per server: the seed's POST /runs and ours admit through the same per-user limits. */
  admissions: GroupAdmissions;
}

/** The group's folder, only when it is a folder of this server's runs folder (a memo can say anything). */
export async function servedGroupDir(g: RunGroupStatus, runsDir: string): Promise<string | null> {
  if (!g.groupDir) return null;
  try {
    return await trustedGroupDir(g.groupDir, runsDir, 'memo.groupDir');
  } catch (err) {
    log.warn({ runGroup: g.id, err: (err as Error).message }, 'a run group names a folder outside the runs folder: not served');
    return null;
  }
}

/** Starts the group a payload asks for, as the caller, with the seed's record of the request in its memo. */
export function startGroup(opts: RunRoutesOptions, user: ApiUser, body: CreateRunBody): Promise<string> {
  const { request } = seedRequestOf(body);
  return opts.admissions.start(user, (admit) => opts.client.run(runOptionsOf(body, opts.paths), { owner: user.name, admit, request }));
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function groupView(client: Client, g: RunGroupStatus) {
  const { status, detail } = apiStatus(g.status, g.progress);
  return {
    run_id: g.id,
    status,
    ...(detail ? { detail } : {}),
    owner: g.owner,
    temporal_status: g.status,
    agent_id: g.agentId,
    created_at: iso(g.startTime),
    finished_at: iso(g.closeTime),
    run_group_dir: g.groupDir,
    web_ui: client.webUiUrl(g.id),
  };
}

/** A failed group's root cause (`error`, as the summary always said it), its cause chain and what to do. */
function failureView(f: FailureExplanation) {
  return { error: f.message, cause: f.causes, hint: f.hint };
}

/** A refusal with its status (the error handler answers it as the API's error body). */
export class RequestError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Listing pages: Temporal's page token, signed by this server, so a caller cannot hand Temporal's
 * visibility store bytes of its own (a forged token makes the server retry and stall, measured).
 * A restart changes the key: an old token then asks for the first page again.
 */
const pageKey = randomBytes(32);
const pageMac = (raw: string) => createHmac('sha256', pageKey).update(raw).digest('base64url').slice(0, 32);
const signPageToken = (raw: string | null) => (raw === null ? null : `${raw}.${pageMac(raw)}`);
function openPageToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const dot = token.lastIndexOf('.');
  const raw = token.slice(0, Math.max(dot, 0));
  const mac = Buffer.from(token.slice(dot + 1));
  const want = Buffer.from(pageMac(raw));
  if (dot <= 0 || mac.length !== want.length || !timingSafeEqual(mac, want)) {
    throw new RequestError(400, 'page_token: not a page token of this server (it may have restarted): list from the first page again');
  }
  return raw;
}

const idParams = z.object({ id: z.string().min(1).max(200).describe('the run-group (workflow) id') });
const ok = z.looseObject({}).describe('see docs/rest-api.md: the seed system shapes');

export const runRoutes: FastifyPluginAsyncZod<RunRoutesOptions> = (app, opts) => {
  const { client, paths } = opts;
  const groupDirOf = (g: RunGroupStatus) => servedGroupDir(g, paths.runsDir);

  app.post(
    '/runs',
    {
      config: { access: 'run' },
      schema: { summary: 'start a run group', body: createRunBody, response: { 201: z.object({ run_id: z.string() }) } },
    },
    async (req, reply) => {
      return reply.code(201).send({ run_id: await startGroup(opts, req.user!, req.body) });
    },
  );

  app.post(
    '/runs/:id/cancel',
    {
      config: { access: 'run' },
      schema: {
        summary: 'cancel a run group (runners: their own; admins: any)',
        params: idParams,
        response: { 202: z.object({ run_id: z.string(), status: z.string() }) },
      },
    },
    async (req, reply) => {
      const g = await client.getRun(req.params.id, { progress: false });
      authorizeCancel(req.user!, g.id, g.owner);
      if (g.status !== 'RUNNING') throw new RequestError(409, `run group ${g.id} has already ended (${g.status.toLowerCase()})`);
      await client.cancel(g.id);
      return reply.code(202).send({ run_id: g.id, status: 'cancelling' });
    },
  );

  app.get(
    '/runs',
    {
      schema: {
        summary: 'run groups, newest first, a page at a time',
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
          agent_id: z.string().max(200).optional(),
          owner: z.string().max(64).optional().describe("only this user's groups"),
          page_token: z.string().max(4096).optional().describe("the previous page's next_page_token"),
        }),
        response: { 200: ok },
      },
    },
    async (req) => {
      const page = await client.listRunsPage({
        limit: req.query.limit,
        agentId: req.query.agent_id,
        owner: req.query.owner,
        pageToken: openPageToken(req.query.page_token),
        liveProgress: true,
      });
      return { runs: page.groups.map((g) => groupView(client, g)), next_page_token: signPageToken(page.nextPageToken) };
    },
  );

  app.get(
    '/runs/:id',
    { schema: { summary: "a run group's status and progress", params: idParams, response: { 200: ok } } },
    async (req) => {
      const g = await client.getRun(req.params.id);
      const p = g.progress;
      const failure = g.status === 'FAILED' ? await client.getFailure(g.id) : null;
      return {
        ...groupView(client, g),
        ...(failure ? failureView(failure) : {}),
        progress: p ? { total: p.total, done: p.done, running: p.running, medals: p.medals } : null,
        runs: (p?.runs ?? []).map(runView),
      };
    },
  );

  app.get(
    '/runs/:id/summary',
    { schema: { summary: "a run group's reports and every run's record so far", params: idParams, response: { 200: ok } } },
    async (req) => {
      const g = await client.getRun(req.params.id);
      const groupDir = await groupDirOf(g);
      const records = groupDir ? await readGroupRecords(groupDir) : null;
      const failure = g.status === 'FAILED' ? await client.getFailure(g.id) : null;
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
        ...(failure ? failureView(failure) : {}),
      };
    },
  );

  app.get(
    '/runs/:id/artifacts',
    {
      schema: {
        summary: "the files of a run group's folder (or of one of its runs)",
        params: idParams,
        querystring: z.strictObject({
          run_id: z.string().max(300).optional().describe("only this run's files"),
          limit: z.coerce
            .number()
            .int()
            .min(1)
            .max(MAX_LISTED_FILES)
            .default(MAX_LISTED_FILES)
            .describe('at most this many files (truncated says when there were more)'),
        }),
        response: { 200: ok },
      },
    },
    async (req) => {
      const g = await client.getRun(req.params.id, { progress: false });
      const groupDir = await groupDirOf(g);
      const records = groupDir ? await readGroupRecords(groupDir) : null;
      const { files, truncated } = groupDir
        ? await listGroupFiles(groupDir, records?.metadata ?? null, { runId: req.query.run_id, limit: req.query.limit })
        : { files: [], truncated: false };
      return {
        run_id: g.id,
        run_group_dir: g.groupDir,
        files: files.map((f) => ({ path: f.path, size: f.size, run_id: f.runId })),
        truncated,
      };
    },
  );

  app.get(
    '/runs/:id/artifacts/*',
    {
      schema: {
        summary: "one file of a run group's folder",
        params: z.object({ id: z.string().min(1).max(200), '*': z.string().min(1).max(4096).describe('the path in the group folder') }),
      },
    },
    async (req, reply) => {
      const g = await client.getRun(req.params.id, { progress: false });
      const groupDir = await groupDirOf(g);
      if (!groupDir) return reply.code(404).send({ error: { message: `run group ${g.id} has no folder here` } });
      const file = await openGroupFile(groupDir, req.params['*']);
      return reply.type(contentTypeOf(file.path)).header('content-length', file.size).send(file.handle.createReadStream());
    },
  );
  return Promise.resolve();
};
