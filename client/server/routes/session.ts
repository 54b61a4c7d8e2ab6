/**
 * The results page's sign-in: a token given once becomes an HttpOnly, SameSite=Strict cookie, so
 * the page's links (artifacts, downloads) carry it and no script of the page can read it.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authenticate, TOKEN_COOKIE, type AccessPolicy } from '../access';

export interface SessionRoutesOptions {
  policy: AccessPolicy;
}

const COOKIE_MAX_AGE_SECS = 7 * 24 * 3600;

export const sessionRoutes: FastifyPluginAsyncZod<SessionRoutesOptions> = (app, { policy }) => {
  app.get(
    '/session',
    {
      schema: {
        summary: 'who the caller is: user, role, and whether this server asks for tokens',
        response: { 200: z.object({ user: z.string(), role: z.string(), tokens: z.boolean() }) },
      },
    },
    (req) => ({ user: req.user!.name, role: req.user!.role, tokens: policy.users !== null }),
  );

  app.post(
    '/session',
    {
      config: { access: 'public' },
      schema: {
        summary: "sign the results page in: the token becomes this browser's cookie",
        body: z.strictObject({ token: z.string().min(1).max(512) }),
        response: { 200: z.object({ user: z.string(), role: z.string() }) },
      },
    },
    async (req, reply) => {
      const user = authenticate(policy, req.body.token);
      // Behind a TLS-terminating proxy the request is http here: its header says how the browser came (a forged one only adds Secure).
      const secure = req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
      void reply.header(
        'set-cookie',
        `${TOKEN_COOKIE}=${encodeURIComponent(req.body.token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${COOKIE_MAX_AGE_SECS}${secure}`,
      );
      return { user: user.name, role: user.role };
    },
  );

  app.delete(
    '/session',
    {
      config: { access: 'public' },
      schema: { summary: 'sign the results page out', response: { 200: z.object({ signed_out: z.literal(true) }) } },
    },
    async (_req, reply) => {
      void reply.header('set-cookie', `${TOKEN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
      return reply.send({ signed_out: true as const });
    },
  );
  return Promise.resolve();
};
