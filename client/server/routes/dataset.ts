/**
 * `POST /v2/export` and `POST /v2/query`: the rollouts dataset (core/dataset/, docs/datasets.md)
 * over the REST API. A caller never names a server path: groups are named by id, each found
 * through Temporal and served only when its folder is in this server's runs folder; without ids a
 * query covers the caller's own groups. The export is written into a private scratch folder and
 * answered as a tar of it, removed once sent; a query's SQL is hostile by assumption (see
 * core/dataset/query.ts) and runs under tighter limits than the CLI's, at most a few at once.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HarnessPaths } from '../../../core/config';
import {
  DEFAULT_FILE_CAPS,
  datasetFiltersSchema,
  EXPORT_FORMATS,
  exportDataset,
  queryGroups,
  QueryError,
  type FileCaps,
  type QueryLimits,
} from '../../../core/dataset';
import { tarFiles } from '../../../core/dataset/tar';
import { MAX_PAGE, type Client } from '../../sdk';
import type { ApiUser } from '../access';
import { RequestError, servedGroupDir } from './runs';

export interface DatasetRoutesOptions {
  client: Client;
  paths: HarnessPaths;
}

/** A REST caller's query: a few seconds, a page of rows, a modest database. */
export const REST_QUERY_LIMITS: QueryLimits = { maxRows: 1000, maxBytes: 4 * 1024 * 1024, timeoutMs: 10_000, memory: '256MB', threads: 1 };
/** The files table's text of one REST export, or of one query, in all: what bounds the scratch folder and the memory. */
export const REST_FILE_CAPS: FileCaps = { ...DEFAULT_FILE_CAPS, totalBytes: 256 * 1024 * 1024 };
export const REST_QUERY_FILE_CAPS: FileCaps = { ...DEFAULT_FILE_CAPS, totalBytes: 64 * 1024 * 1024 };
/** Exports and queries running at once on one server; past it a caller is told to retry. */
export const MAX_DATASET_JOBS = 2;

const groupIds = z.array(z.string().min(1).max(200)).min(1).max(50);
const exportBody = z.strictObject({
  groups: groupIds.describe('run-group ids'),
  format: z.enum(EXPORT_FORMATS).default('parquet'),
  filters: datasetFiltersSchema.default({}),
});
const queryBody = z.strictObject({
  sql: z.string().min(1).max(20_000).describe('one SQL statement over the tables runs, llm_calls, files'),
  groups: groupIds.optional().describe("run-group ids; default: the caller's own groups"),
  filters: datasetFiltersSchema.default({}),
});

class BusyError extends Error {
  readonly statusCode = 429;
}

export const datasetRoutes: FastifyPluginAsyncZod<DatasetRoutesOptions> = (app, { client, paths }) => {
  let running = 0;
  const oneJob = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= MAX_DATASET_JOBS) throw new BusyError(`${MAX_DATASET_JOBS} exports or queries are running: retry in a moment`);
    running += 1;
    try {
      return await work();
    } finally {
      running -= 1;
    }
  };

  /** The folders of the groups named (each must be known here and have its folder in the runs folder), or the caller's own. */
  const scope = async (user: ApiUser, ids: string[] | undefined): Promise<string[]> => {
    if (ids) {
      return Promise.all(
        [...new Set(ids)].map(async (id) => {
          const dir = await servedGroupDir(await client.getRun(id, { progress: false }), paths.runsDir);
          if (!dir) throw new RequestError(404, `run group ${id} has no folder here`);
          return dir;
        }),
      );
    }
    const own = await client.listRuns({ owner: user.name, limit: MAX_PAGE });
    const dirs = await Promise.all(own.map((g) => servedGroupDir(g, paths.runsDir)));
    return dirs.filter((d): d is string => d !== null);
  };

  app.post(
    '/v2/export',
    {
      schema: {
        summary: 'run groups as a dataset (runs, llm_calls, files; parquet or jsonl and a dataset card), downloaded as a tar',
        body: exportBody,
      },
    },
    async (req, reply) => {
      const dirs = await scope(req.user!, req.body.groups);
      const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-export-'));
      try {
        const result = await oneJob(() =>
          exportDataset(dirs, path.join(scratch, 'dataset'), { format: req.body.format, filters: req.body.filters, caps: REST_FILE_CAPS }),
        );
        const tar = tarFiles(path.join(scratch, 'dataset'), result.files, 'dataset');
        const clean = () => void fs.rm(scratch, { recursive: true, force: true });
        tar.on('close', clean).on('error', clean);
        return reply.type('application/x-tar').header('content-disposition', 'attachment; filename="mlebench-dataset.tar"').send(tar);
      } catch (err) {
        await fs.rm(scratch, { recursive: true, force: true });
        throw err;
      }
    },
  );

  app.post(
    '/v2/query',
    {
      schema: {
        summary: "SQL over the dataset's tables of the groups named (default: the caller's own), bounded in rows, bytes and time",
        body: queryBody,
        response: { 200: z.looseObject({ columns: z.array(z.string()), rows: z.array(z.looseObject({})), truncated: z.boolean() }) },
      },
    },
    async (req) => {
      const dirs = await scope(req.user!, req.body.groups);
      try {
        return {
          ...(await oneJob(() =>
            queryGroups(dirs, req.body.sql, { filters: req.body.filters, limits: REST_QUERY_LIMITS, caps: REST_QUERY_FILE_CAPS }),
          )),
        };
      } catch (err) {
        if (err instanceof QueryError) throw new RequestError(400, err.message);
        throw err;
      }
    },
  );
  return Promise.resolve();
};
