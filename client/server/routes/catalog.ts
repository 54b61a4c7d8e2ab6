/** What can be run (the richer catalogue, /v2), and whether the server can reach Temporal. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HarnessPaths } from '../../../core/config';
import { competitionCatalog, techniqueCatalog } from '../../catalog';
import type { Client } from '../../sdk';

export interface CatalogRoutesOptions {
  client: Client;
  paths: HarnessPaths;
  version: string;
}

/** `GET /health`, the seed's shape with ours beside it (the Temporal server, the harness's version). */
export const healthRoute: FastifyPluginAsyncZod<Pick<CatalogRoutesOptions, 'client' | 'version'>> = (app, { client, version }) => {
  app.get(
    '/health',
    {
      config: { access: 'public', seed: true },
      schema: { summary: 'the server and its Temporal connection', response: { 200: z.looseObject({ status: z.literal('ok') }) } },
    },
    async () => {
      // Answers only once Temporal does: a health check that passes without it would lie.
      const connection = await client.connection();
      await connection.workflowService.getSystemInfo({});
      return { status: 'ok' as const, temporal: { address: client.address, namespace: client.namespace }, version };
    },
  );
  return Promise.resolve();
};

export const catalogRoutes: FastifyPluginAsyncZod<CatalogRoutesOptions> = (app, { paths }) => {
  app.get(
    '/competitions',
    { schema: { summary: 'the competitions, and whether each is prepared', response: { 200: z.looseObject({}) } } },
    async () => ({
      competitions: await competitionCatalog(paths),
    }),
  );

  app.get(
    '/technique-tasks',
    { schema: { summary: 'the technique tasks and the competitions each applies to', response: { 200: z.looseObject({}) } } },
    async () => ({
      technique_tasks: await techniqueCatalog(),
    }),
  );
  return Promise.resolve();
};
