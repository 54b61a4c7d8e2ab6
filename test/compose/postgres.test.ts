/**
 * The compose profile `postgres` (issue 9, item 3): Temporal's own server on PostgreSQL, every
 * image built here (the server, its SQL tool and the Web UI from their Go modules, PostgreSQL
 * from Debian's packages). A group posted to the REST API runs on the compose worker; after
 * `down` and `up` (the volumes kept) Temporal still knows it — its state is in PostgreSQL.
 */
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../workflows/ids';
import { until } from '../helpers/runContainers';
import { answers, answers200, newStack, projectLeftovers, type Stack } from './stack';

let stack: Stack;

beforeAll(async () => {
  stack = await newStack('postgres', 'compose-pg');
  // The first run builds Temporal from its Go modules: minutes; later runs reuse the images.
  await stack.compose(['up']);
}, 1_500_000);

afterAll(async () => {
  await stack?.destroy();
}, 180_000);

describe('docker-compose, profile postgres', () => {
  it('runs a group posted to the REST API, and keeps it across down and up', async () => {
    await answers(`${stack.api}/health`, (j) => j.status === 'ok', 60_000);
    // Healthy means registered: the harness's search attributes were created with the namespace.
    const connection = await Connection.connect({ address: `127.0.0.1:${stack.ports.temporal}` });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.values(SEARCH_ATTRIBUTES).map((a) => a.name)));
    } finally {
      await connection.close();
    }
    // The Web UI (ui-server, in the temporal container) on the same port as the dev server's.
    await answers200(`http://127.0.0.1:${stack.ports.ui}/`, 30_000);
    const services = await projectLeftovers(stack.project);
    expect(services.volumes.some((v) => v.endsWith('_postgres-data'))).toBe(true);

    const res = await fetch(`${stack.api}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...stack.auth() },
      body: JSON.stringify({ agent_id: 'dummy', competitions: ['spam-assassin'], n_seeds: 1 }),
    });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { run_id: string }).run_id;
    let last: Record<string, unknown> = {};
    await until(
      async () => {
        last = (await stack.getJson(`/runs/${encodeURIComponent(id)}`)).json;
        return last.status === 'completed' || last.status === 'failed';
      },
      300_000,
      `group ${id} to end`,
    );
    expect(last).toMatchObject({ status: 'completed', runs: [expect.objectContaining({ outcome: 'succeeded' })] });

    // Down and up again, the volumes kept: the group is still Temporal's.
    await stack.compose(['down']);
    await stack.compose(['up']);
    await answers(`${stack.api}/health`, (j) => j.status === 'ok', 120_000);
    expect((await stack.getJson(`/runs/${encodeURIComponent(id)}`)).json).toMatchObject({ run_id: id, status: 'completed' });
  }, 900_000);
});
