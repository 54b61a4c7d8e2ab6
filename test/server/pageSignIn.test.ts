/**
 * The results page on a server that asks for tokens, in headless Chromium: it asks for a token,
 * refuses a wrong one with the server's reason, and once signed in shows the run groups; the token
 * lives in an HttpOnly cookie no script of the page can read, and signing out forgets it.
 */
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccessPolicy } from '../../client/server/access';
import { buildServer } from '../../client/server/app';
import { startHarnessTestEnv, type HarnessTestEnv } from '../helpers/temporalEnv';

const TOKEN = `page-viewer-${'p'.repeat(24)}`;
let h: HarnessTestEnv;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let groupId: string;

beforeAll(async () => {
  h = await startHarnessTestEnv();
  app = await buildServer({
    client: h.client,
    paths: h.paths,
    access: await loadAccessPolicy('127.0.0.1', { MLEBENCH_API_TOKENS: `vera:viewer:${TOKEN}` }),
  });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  // A group to list (no worker runs it: it stays queued).
  groupId = await h.client.run({ agentId: 'dummy', competitions: ['spam-assassin'] });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await h?.teardown();
});

describe('the results page with tokens', () => {
  it('asks for a token, refuses a wrong one, shows the groups once signed in, and forgets the token on sign-out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.locator('body[data-state="signin"]').waitFor();
    await page.getByRole('alert').getByText('needs a token').waitFor();

    await page.getByLabel('API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').getByText("the token is not one of this server's").waitFor();

    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('body[data-state="ready"]').waitFor();
    await page.getByText(groupId).first().waitFor();

    // The cookie carries it, out of the page's scripts' reach.
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'mlebench_token', httpOnly: true, sameSite: 'Strict' });

    // A reload stays signed in; after signing out the page asks again.
    await page.reload();
    await page.locator('body[data-state="ready"]').waitFor();
    expect((await page.request.delete(`${base}/session`)).status()).toBe(200);
    await page.reload();
    await page.locator('body[data-state="signin"]').waitFor();
    await context.close();
  });
});
