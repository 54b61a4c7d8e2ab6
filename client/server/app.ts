/**
 * `mlebench serve`: the seed system's REST API in its exact shapes (routes/seed.ts), our richer
 * views of the same under /v2 (routes/runs.ts, routes/catalog.ts), and the results page, over the
 * SDK and the run folders. It keeps no state of its own — everything comes from Temporal and the
 * folders — so a restart loses nothing. Bad input gets a 422 (the seed's routes) or a 400 (/v2)
 * naming each field and why; an unknown group or file a 404.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { GroupFileNotFoundError } from '../../core/artifacts/groupFiles';
import { harnessVersions } from '../../core/artifacts/versions';
import type { HarnessPaths } from '../../core/config';
import { log } from '../../core/log';
import { InvalidRunOptionsError } from '../../core/options';
import type { Client } from '../sdk';
import {
  AccessRefusal,
  authenticate,
  authorize,
  hostName,
  loadAccessPolicy,
  requestToken,
  type Access,
  type AccessPolicy,
  type ApiUser,
} from './access';
import { registerPage } from './page';
import { PayloadError, payloadField } from './payload';
import { GroupAdmissions } from './limits';
import { catalogRoutes, healthRoute } from './routes/catalog';
import { compareRoutes } from './routes/compare';
import { datasetRoutes } from './routes/dataset';
import { runRoutes } from './routes/runs';
import { seedRoutes } from './routes/seed';
import { sessionRoutes } from './routes/session';
import { formatIssues } from '../../core/validation';

export interface ServerOptions {
  client: Client;
  paths: HarnessPaths;
  /** Who may do what (tokens, roles, limits, hosts); default: no tokens, served on loopback only. */
  access?: AccessPolicy;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller (set for every route that is not public). */
    user: ApiUser | null;
  }
  interface FastifyContextConfig {
    /** What the route needs; routes that do not say need to read. */
    access?: Access;
    /** A route of the seed's API: its refusals of bad input are 422s, with FastAPI's `detail` too. */
    seed?: boolean;
  }
}

/** The error body every route may answer (apiErrorOf), for the OpenAPI description. */
const ERROR_BODY = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message'],
      properties: {
        message: { type: 'string' },
        issues: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } } } },
      },
    },
  },
};
const ERROR_RESPONSES: Record<string, unknown> = {
  ...Object.fromEntries(
    Object.entries({
      400: 'invalid request: each field and why',
      401: "no token, or not one of this server's",
      403: 'the role or a limit does not allow it, or the Host is not served',
      404: 'no such run group or file',
      409: 'the run group is past what was asked (already ended)',
      413: 'the body is too large',
      414: 'a path segment is too long',
      415: 'not JSON',
      422: "invalid request (the seed's routes): each field and why",
      429: 'over a per-user limit (named)',
      500: 'the server failed',
    }).map(([code, description]) => [code, { description, content: { 'application/json': { schema: ERROR_BODY } } }]),
  ),
  // Node's HTTP parser answers this one itself, before the server sees the request.
  431: { description: 'the request headers are too large', content: { 'application/json': { schema: { type: 'object' } } } },
};

/** Where the richer views live (paging, progress, runs' records, files with sizes, failure explanations). */
export const RICH_PREFIX = '/v2';

/** Bodies are small JSON objects: a run request, a token. */
export const BODY_LIMIT_BYTES = 64 * 1024;

interface ApiError {
  status: number;
  message: string;
  issues?: { field: string; reason: string }[];
}

/** Any error a route throws, as the seed's error body. */
export function apiErrorOf(err: unknown): ApiError {
  if (err instanceof PayloadError) return { status: 400, message: err.message, issues: err.issues };
  if (err instanceof InvalidRunOptionsError) {
    const issues = err.issues.map((i) => ({ field: payloadField(i.field), reason: i.reason }));
    return { status: 400, message: `invalid run payload: ${formatIssues(issues)}`, issues };
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    // An unknown key is named by the key itself (the issue's path is its parent's).
    const issues = err.validation.flatMap((v) => {
      const at = v.instancePath.split('/').filter(Boolean);
      const keys = v.keyword === 'unrecognized_keys' ? ((v.params as { keys?: string[] }).keys ?? []) : [];
      const reason = v.keyword === 'unrecognized_keys' ? 'not a field of this request' : (v.message ?? 'invalid');
      return (keys.length ? keys.map((k) => [...at, k]) : [at]).map((p) => ({
        field: p.join('.') || `(${err.validationContext ?? 'request'})`,
        reason,
      }));
    });
    return {
      status: 400,
      message: `invalid ${err.validationContext ?? 'request'}: ${formatIssues(issues)}`,
      issues,
    };
  }
  if (err instanceof WorkflowNotFoundError) return { status: 404, message: `no run group "${err.workflowId}"` };
  if (err instanceof GroupFileNotFoundError) return { status: 404, message: err.message };
  const status = (err as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, message: (err as Error).message };
  return { status: 500, message: `server error: ${(err as Error).message}` };
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const policy = opts.access ?? (await loadAccessPolicy('127.0.0.1', {}));
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 256 },
    requestTimeout: 120_000,
    // The router's own refusals (a path segment too long, a malformed URL) in the API's error body too.
    frameworkErrors: (err, _req, reply) => {
      void (reply as FastifyReply).code(err.statusCode ?? 400).send({ error: { message: err.message.slice(0, 300) } });
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.decorateRequest('user', null);
  // Every request: a Host this server answers to (DNS rebinding), then who is asking and may they.
  app.addHook('onRequest', (req, _reply, done) => {
    try {
      const host = hostName(req.headers.host);
      if (!policy.allowedHosts.has(host)) {
        throw new AccessRefusal(
          403,
          `this server does not answer to the host name "${host.slice(0, 100)}": add it to MLEBENCH_API_ALLOWED_HOSTS if it is yours`,
        );
      }
      const access = req.routeOptions.config.access ?? 'read';
      if (access !== 'public') {
        req.user = authenticate(policy, requestToken(req.headers));
        authorize(req.user, access);
      }
      done();
    } catch (err) {
      done(err as Error);
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const version = (await harnessVersions()).harness ?? 'unknown';
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'MLE-bench Redux',
        version,
        description: "The seed system's REST API: run groups, their progress, reports and artifacts.",
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'a token of MLEBENCH_API_TOKENS_FILE (none needed on loopback without tokens)',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: (args) => {
      const out = jsonSchemaTransform(args);
      const schema = out.schema as { response?: Record<string, unknown>; security?: unknown[] };
      // Every operation may answer the API's error body; public ones need no token.
      schema.response = { ...ERROR_RESPONSES, ...schema.response };
      if (args.route.config?.access === 'public') schema.security = [];
      return out;
    },
  });
  app.setErrorHandler((err, req, reply) => {
    const e = apiErrorOf(err);
    if (e.status >= 500) log.error({ err, method: req.method, url: req.url }, 'request failed');
    const body = { error: { message: e.message, ...(e.issues ? { issues: e.issues } : {}) } };
    if (!req.routeOptions.config.seed) return void reply.code(e.status).send(body);
    // The seed (FastAPI) answers bad input 422 with `detail`: each field and why, or the message.
    const detail = e.issues?.map((i) => ({ loc: ['body', ...i.field.split('.')], msg: i.reason, type: 'value_error' })) ?? e.message;
    void reply.code(e.status === 400 ? 422 : e.status).send({ ...body, detail });
  });
  // Artifacts are the agents' files: never let a browser run or sniff them as a page.
  app.addHook('onSend', async (req, reply) => {
    if (req.url.includes('/artifacts/') || req.url.startsWith('/files/'))
      void reply.header('x-content-type-options', 'nosniff').header('content-security-policy', 'sandbox');
  });
  app.addHook('onResponse', async (req, reply) => {
    log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  const admissions = new GroupAdmissions(opts.client);
  await app.register(healthRoute, { client: opts.client, version });
  await app.register(seedRoutes, { client: opts.client, paths: opts.paths, admissions });
  // The richer views: one documented, versioned prefix (docs/rest-api.md).
  await app.register(
    async (v2) => {
      await v2.register(healthRoute, { client: opts.client, version });
      await v2.register(catalogRoutes, { client: opts.client, paths: opts.paths, version });
      await v2.register(runRoutes, { client: opts.client, paths: opts.paths, admissions });
    },
    { prefix: RICH_PREFIX },
  );
  // Register their own /v2 paths.
  await app.register(compareRoutes, { client: opts.client, paths: opts.paths });
  await app.register(datasetRoutes, { client: opts.client, paths: opts.paths });
  await app.register(sessionRoutes, { policy });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, () => app.swagger());
  await registerPage(app);
  return app;
}
