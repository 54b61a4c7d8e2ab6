/**
 * `GET /v2/compare?a=<group id>&b=<group id>`: the paired comparison of two run groups
 * (core/stats/compare.ts, the same as `mlebench compare --json`), and `GET /v2/experiment?group=<id>`:
 * the effect of an experiment's context, its arms paired within the group (core/stats/experiment.ts,
 * the same as `mlebench experiment-report --json`), read from their folders. A read
 * route like the others: any caller who may read may compare; an unknown group is a 404, a group
 * whose folder is not in this server's runs folder is not served.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { trustedGroupDir } from '../../../core/artifacts/containment';
import type { HarnessPaths } from '../../../core/config';
import { compareGroups } from '../../../core/stats/compare';
import { readComparedGroup } from '../../../core/stats/groups';
import { experimentReport } from '../../../core/stats/experiment';
import type { Client } from '../../sdk';

export interface CompareRoutesOptions {
  client: Client;
  paths: HarnessPaths;
}

const groupId = z.string().min(1).max(200);
const query = z.strictObject({
  a: groupId.describe('run group A (the reference)'),
  b: groupId.describe('run group B: differences are B − A, B better positive'),
  top: z.coerce.number().int().min(0).max(100).default(5).describe('how many of the runs that differ most'),
});

class GroupNotHereError extends Error {
  readonly statusCode = 404;
}

class NotAnExperimentError extends Error {
  readonly statusCode = 422;
}

export const compareRoutes: FastifyPluginAsyncZod<CompareRoutesOptions> = (app, { client, paths }) => {
  const group = async (id: string) => {
    const g = await client.getRun(id, { progress: false });
    const dir = g.groupDir ? await trustedGroupDir(g.groupDir, paths.runsDir, 'memo.groupDir').catch(() => null) : null;
    if (!dir) throw new GroupNotHereError(`run group ${id} has no folder here`);
    return readComparedGroup(dir);
  };

  app.get(
    '/v2/compare',
    {
      schema: {
        summary: 'a paired comparison of two run groups on the same competitions and seeds (95% paired t intervals)',
        querystring: query,
        response: { 200: z.looseObject({}).describe('see docs/statistics.md') },
      },
    },
    async (req) => {
      const [a, b] = await Promise.all([group(req.query.a), group(req.query.b)]);
      return { ...compareGroups(a, b, { top: req.query.top }) };
    },
  );

  app.get(
    '/v2/experiment',
    {
      schema: {
        summary: "an experiment's effect of its context: arms injected − plain paired by competition and seed, per competition and overall",
        querystring: z.strictObject({
          group: groupId.describe('the experiment run group (options arms)'),
          top: query.shape.top,
        }),
        response: { 200: z.looseObject({}).describe('see docs/experiments.md') },
      },
    },
    async (req) => {
      const g = await group(req.query.group);
      if (!g.runs.some((r) => r.arm))
        throw new NotAnExperimentError(`run group ${req.query.group} is not an experiment: no run has an arm`);
      return { ...experimentReport(g, { top: req.query.top }) };
    },
  );
  return Promise.resolve();
};
