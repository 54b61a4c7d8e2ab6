/**
 * The compose profile `postgres` with mutual TLS (issue 15, item 5): MLEBENCH_TEMPORAL_TLS_DIR
 * names a folder of certificates made here (openssl), scripts/compose.sh adds
 * docker-compose.tls.yml, and Temporal's own server then takes only TLS connections that present
 * a client certificate from the CA. The REST server (not root: it reads the client key through
 * its group) and the worker connect with the Temporal CLI's variables; a group posted to the REST
 * API runs on the worker; from the host, a plain connection and one without the client
 * certificate are refused, and one with it is served.
 */
import { chmodSync, chownSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalConnectionOptions } from '../../temporal/connection';
import { SEARCH_ATTRIBUTES } from '../../temporal/contract';
import { makeCertificates, type TestCertificates } from '../helpers/tlsProxy';
import { answers, newStack, type Stack } from './stack';

let stack: Stack;
let certs: TestCertificates;

beforeAll(async () => {
  certs = makeCertificates({ serverName: 'temporal', serverAlsoClient: true });
  // The REST server runs as 10001:10001: the folder searchable, the client's key readable by its group.
  chmodSync(certs.dir, 0o755);
  for (const f of [certs.ca, certs.clientCert]) chmodSync(f, 0o644);
  chownSync(certs.clientKey, 0, 10001);
  chmodSync(certs.clientKey, 0o640);
  stack = await newStack('postgres', 'compose-pgtls');
  stack.env.MLEBENCH_TEMPORAL_TLS_DIR = certs.dir;
  await stack.compose(['up']);
}, 1_500_000);

afterAll(async () => {
  await stack?.destroy();
}, 180_000);

describe('docker-compose, profile postgres, mutual TLS', () => {
  it('serves only TLS with a client certificate from the CA; the REST server and the worker run a group through it', async () => {
    const address = `127.0.0.1:${stack.ports.temporal}`;
    const tlsEnv = {
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal',
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
    };
    // Refused: plain TCP, and TLS without the client certificate.
    await expect(Connection.connect({ address, connectTimeout: 3000 })).rejects.toThrow();
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _c, TEMPORAL_TLS_CLIENT_KEY_PATH: _k, ...serverOnly } = tlsEnv;
    await expect(Connection.connect({ ...temporalConnectionOptions(address, serverOnly), connectTimeout: 3000 })).rejects.toThrow();
    // Served with it: the search attributes the server's set-up registered over TLS too.
    const connection = await Connection.connect(temporalConnectionOptions(address, tlsEnv));
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.values(SEARCH_ATTRIBUTES).map((a) => a.name)));
    } finally {
      await connection.close();
    }

    // The REST server answers healthy only once it reached Temporal (with its client certificate).
    await answers(`${stack.api}/health`, (j) => j.status === 'ok', 60_000);
    const id = await stack.postGroup({ agent_id: 'dummy', competitions: ['spam-assassin'], n_seeds: 1 });
    const last = await stack.groupEnded(id);
    expect(last).toMatchObject({ status: 'completed', runs: [expect.objectContaining({ outcome: 'succeeded' })] });
  }, 600_000);
});
