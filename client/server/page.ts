/**
 * The results page (issue 7): plain static files read from the source tree
 * (`client/server/page/`, found through REPO_ROOT, so `dist/` needs no copy of them) and chart.js
 * from node_modules (the machine may be offline: no CDN). Every page address answers
 * `index.html`; `app.js` (an ES module importing `lib/` and `views/`) routes on `location.pathname`
 * and reads the REST API of the same server.
 *
 *   GET /                                   the run groups
 *   GET /groups/<id>                        one group: its runs, chart, technique grades, LLM totals
 *   GET /groups/<id>/runs/<run id>          one run: record, artifacts, LLM transcript
 *   GET /compare?a=<id>&b=<id>              two groups compared (GET /v2/compare)
 *   GET /experiment?group=<id>              an experiment's effect of its context (GET /v2/experiment)
 *   GET /assets/…                           app.js, lib/*.js, views/*.js, style.css; /assets/vendor/chart.umd.js
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type {} from '@fastify/swagger'; // its `schema.hide`, which keeps these routes out of /openapi.json
import { REPO_ROOT } from '../../core/config';

/** index.html, style.css, app.js and the modules it imports (lib/, views/; no vendor/, which is chart.js's). */
export const PAGE_DIR = path.join(REPO_ROOT, 'client', 'server', 'page');

/** node_modules/chart.js/dist (the package's exports hide everything but its entry points). */
const CHART_DIST = path.dirname(require.resolve('chart.js'));
const CHART_FILES = new Set(['/chart.umd.js', '/chart.umd.js.map']);

/**
 * The page shows what agents wrote (logs, code, transcripts): its modules only ever put it into the
 * DOM as text, and this policy keeps anything that slipped through from running or loading.
 */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

async function sendIndex(reply: FastifyReply): Promise<FastifyReply> {
  const html = await fs.readFile(path.join(PAGE_DIR, 'index.html'), 'utf8');
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('content-security-policy', PAGE_CSP)
    .header('x-content-type-options', 'nosniff')
    .send(html);
}

const pagePlugin: FastifyPluginAsync = async (app) => {
  // The page's files hold no data (the data comes from the API, which asks for a token).
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, access: 'public' };
  });
  // Two static roots under one prefix: the more specific route (/assets/vendor/*) wins.
  await app.register(fastifyStatic, {
    root: CHART_DIST,
    prefix: '/assets/vendor/',
    decorateReply: false,
    index: false,
    allowedPath: (pathName) => CHART_FILES.has(pathName),
  });
  await app.register(fastifyStatic, {
    root: PAGE_DIR,
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    // index.html is served at the page addresses only (with its security policy).
    allowedPath: (pathName) => pathName !== '/index.html',
    setHeaders: (reply: FastifyReply) => {
      void reply.header('x-content-type-options', 'nosniff');
    },
  });
  app.get('/', { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  app.get('/groups', { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  app.get('/groups/*', { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  app.get('/compare', { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  app.get('/experiment', { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  app.get('/query', { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
};

/** Adds the results page and its assets to the API server (call it from buildServer, awaited). */
export async function registerPage(app: FastifyInstance): Promise<void> {
  await app.register(pagePlugin);
}
