/**
 * The compose profile `postgres` (issue 9, item 3): Temporal's own server on PostgreSQL, every
 * image built here (the server, its SQL tool and the Web UI from their Go modules, PostgreSQL
 * from Debian's packages). A group posted to the REST API runs on the compose worker; after
 * `down` and `up` (the volumes kept) Temporal still knows it — its state is in PostgreSQL.
 */
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../temporal/contract';
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

    const id = await stack.postGroup({ agent_id: 'dummy', competitions: ['spam-assassin'], n_seeds: 1 });
    const last = await stack.groupEnded(id);
    expect(last).toMatchObject({ status: 'completed', runs: [expect.objectContaining({ outcome: 'succeeded' })] });

    // Down and up again, the volumes kept: the group is still Temporal's.
    await stack.compose(['down']);
    await stack.compose(['up']);
    await answers(`${stack.api}/health`, (j) => j.status === 'ok', 120_000);
    expect((await stack.getJson(`/runs/${encodeURIComponent(id)}`)).json).toMatchObject({ run_id: id, status: 'completed' });
  }, 900_000);
});
