/**
 * Connecting to a secured Temporal (issue 15, item 5). The pinned CLI's dev server serves no TLS
 * (`temporal server start-dev` has no TLS flag), so a TLS terminator on loopback stands in front
 * of it (test/helpers/tlsProxy.ts): with the Temporal CLI's variables, the SDK's `Client`, a
 * harness worker (`connectWorker`, the Rust core's connection), the `mlebench` CLI and the REST
 * server connect through it — server TLS, and mutual TLS with a client certificate — and are
 * refused without the CA, without the server's name, without a client certificate or with one
 * from another CA. Bad values are refused before anything connects, naming the variable.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection, WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../client/sdk';
import { harnessPaths, REPO_ROOT, temporalCliPath } from '../../core/config';
import { TemporalConnectionConfigError, temporalConnectionOptions, temporalSecurity } from '../../temporal/connection';
import { SEARCH_ATTRIBUTES } from '../../temporal/contract';
import { connectWorker, createHarnessWorker } from '../../worker/worker';
import { cliEnv, MLEBENCH_BIN } from '../helpers/cli';
import { freePort } from '../helpers/crash';
import { until } from '../helpers/runContainers';
import { makeCertificates, SERVER_NAME, startTlsTerminator, type TestCertificates, type TlsTerminator } from '../helpers/tlsProxy';

const run = promisify(execFile);

let certs: TestCertificates;

/** Runs `fn` with `vars` in process.env (undefined: removed), restoring it after. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function refusal(env: NodeJS.ProcessEnv): TemporalConnectionConfigError {
  try {
    temporalSecurity(env);
  } catch (err) {
    expect(err).toBeInstanceOf(TemporalConnectionConfigError);
    return err as TemporalConnectionConfigError;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

beforeAll(() => {
  certs = makeCertificates();
});

describe('the connection variables (the Temporal CLI names)', () => {
  it('nothing set: plain TCP, no API key, as before', () => {
    expect(temporalConnectionOptions('127.0.0.1:7233', {})).toEqual({ address: '127.0.0.1:7233', tls: false });
    expect(temporalSecurity({ TEMPORAL_TLS: 'false' }).tls).toBe(false);
  });

  it('reads a CA, a client certificate and key, the server name and an API key into the options both connections take', () => {
    const options = temporalConnectionOptions('10.0.0.1:7233', {
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
      TEMPORAL_API_KEY: 'k-123',
    });
    expect(options).toEqual({
      address: '10.0.0.1:7233',
      tls: {
        serverRootCACertificate: readFileSync(certs.ca),
        clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) },
        serverNameOverride: SERVER_NAME,
      },
      apiKey: 'k-123',
    });
    // The CLI's older names and inline data are the same settings.
    const old = temporalSecurity({
      TEMPORAL_TLS_CA: certs.ca,
      TEMPORAL_TLS_CERT_DATA: readFileSync(certs.clientCert, 'utf8'),
      TEMPORAL_TLS_KEY: certs.clientKey,
    });
    expect(old.tls).toMatchObject({ serverRootCACertificate: readFileSync(certs.ca) });
    expect(old.summary).toMatch(/^TLS \(mutual\): CA .*ca\.pem, client certificate inline data/);
    // TLS on by itself with an API key or TEMPORAL_TLS (system CAs); TEMPORAL_TLS=false keeps a key in plain text.
    expect(temporalSecurity({ TEMPORAL_API_KEY: 'k' })).toEqual({ tls: {}, apiKey: 'k', summary: 'TLS (system CAs); API key' });
    expect(temporalSecurity({ TEMPORAL_TLS: 'true' }).tls).toEqual({});
    expect(temporalSecurity({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }).tls).toBe(false);
  });

  it('refuses bad values, naming the variable and the reason', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlebench-tls-bad-'));
    const notPem = path.join(dir, 'notes.txt');
    writeFileSync(notPem, 'not a certificate\n');
    mkdirSync(path.join(dir, 'folder'));
    const cases: [NodeJS.ProcessEnv, string, RegExp][] = [
      [
        { TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'missing.pem') },
        'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
        /cannot read .*missing\.pem: no such file/,
      ],
      [{ TEMPORAL_TLS_CA: path.join(dir, 'folder') }, 'TEMPORAL_TLS_CA', /is not a regular file/],
      [{ TEMPORAL_TLS_SERVER_CA_CERT_PATH: notPem }, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', /holds no PEM certificate/],
      [
        { TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey },
        'TEMPORAL_TLS_CLIENT_KEY_PATH',
        /a client key needs its certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH/,
      ],
      [
        { TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert },
        'TEMPORAL_TLS_CLIENT_CERT_PATH',
        /needs its private key: set TEMPORAL_TLS_CLIENT_KEY_PATH/,
      ],
      [
        { TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.strangerKey },
        'TEMPORAL_TLS_CLIENT_KEY_PATH',
        /does not belong to the certificate/,
      ],
      [
        { TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: notPem },
        'TEMPORAL_TLS_CLIENT_KEY_PATH',
        /not a usable PEM private key/,
      ],
      [
        { TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientKey, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey },
        'TEMPORAL_TLS_CLIENT_CERT_PATH',
        /holds no PEM certificate/,
      ],
      [
        {
          TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
          TEMPORAL_TLS_CLIENT_CERT_DATA: 'x',
          TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
        },
        'TEMPORAL_TLS_CLIENT_CERT_PATH',
        /give the file or the data, not both/,
      ],
      [
        { TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca, TEMPORAL_TLS_CA: certs.serverCert },
        'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
        /both set, to different values/,
      ],
      [
        { TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca },
        'TEMPORAL_TLS',
        /is false, but TEMPORAL_TLS_SERVER_CA_CERT_PATH is set/,
      ],
      [{ TEMPORAL_TLS: 'yes please' }, 'TEMPORAL_TLS', /is not a boolean/],
      [{ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }, 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION', /set TEMPORAL_TLS_SERVER_NAME/],
      [{ TEMPORAL_TLS_SERVER_NAME: 'a b' }, 'TEMPORAL_TLS_SERVER_NAME', /not a host name/],
      [{ TEMPORAL_API_KEY: 'abc\r\nx-evil: 1' }, 'TEMPORAL_API_KEY', /line break/],
    ];
    for (const [env, variable, reason] of cases) {
      const err = refusal(env);
      expect(err.variable, JSON.stringify(env)).toBe(variable);
      expect(err.message, JSON.stringify(env)).toMatch(new RegExp(`^${variable}: `));
      expect(err.message, JSON.stringify(env)).toMatch(reason);
    }
    // A secret never appears in a refusal or a summary.
    expect(refusal({ TEMPORAL_API_KEY: 'secret key' }).message).not.toContain('secret');
    expect(temporalSecurity({ TEMPORAL_API_KEY: 'secret-key' }).summary).not.toContain('secret-key');
    // An expired (or not yet valid) client certificate, seen from three days on.
    const later = new Date(Date.now() + 3 * 86_400_000);
    const expired = (() => {
      try {
        temporalSecurity({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey }, later);
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(expired?.message).toMatch(/^TEMPORAL_TLS_CLIENT_CERT_PATH: the certificate in .*client\.pem \(.*\) expired on/);
  });
});

describe('a secured Temporal: the dev server behind a TLS terminator', () => {
  let env: TestWorkflowEnvironment;
  let workflowCode: string;
  let serverTls: TlsTerminator;
  let mutualTls: TlsTerminator;
  const paths = { ...harnessPaths(), runsDir: path.join(os.tmpdir(), 'mlebench-tls-runs') };

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: temporalCliPath() }, searchAttributes: Object.values(SEARCH_ATTRIBUTES) },
    });
    serverTls = await startTlsTerminator(env.address, certs, { mutual: false });
    mutualTls = await startTlsTerminator(env.address, certs, { mutual: true });
    ({ code: workflowCode } = await bundleWorkflowCode({ workflowsPath: path.join(REPO_ROOT, 'workflows', 'index.ts'), logger: quiet }));
  });

  afterAll(async () => {
    await serverTls?.close();
    await mutualTls?.close();
    await env?.teardown();
  });

  /** A worker connected with the environment's variables runs a group the SDK starts: the group's bad input fails in the workflow, with the reason. */
  async function groupThroughWorker(address: string, vars: Record<string, string | undefined>, workflowId: string): Promise<void> {
    await withEnv({ TEMPORAL_ADDRESS: address, ...vars }, async () => {
      const client = new Client({ uiUrl: null });
      const connection = await connectWorker(address);
      try {
        const worker = await createHarnessWorker({ connection, paths, workflowBundle: { code: workflowCode } });
        const temporal = await client.workflowClient();
        const err = await worker.runUntil(
          temporal.workflow
            .execute('runGroup', { taskQueue: 'mlebench', workflowId, args: [{ agentId: 'dummy', competitions: ['no-such-competition'] }] })
            .then(
              () => undefined,
              (e: unknown) => e,
            ),
        );
        expect(err).toBeInstanceOf(WorkflowFailedError);
        const messages: string[] = [];
        for (let e: Error | undefined = err as Error; e; e = (e as { cause?: Error }).cause) messages.push(e.message);
        expect(messages.join(' | ')).toMatch(/competitions: .*no-such-competition/);
      } finally {
        await client.close();
        await connection.close();
      }
    });
  }

  /**
   * Both kinds of connection are refused with `vars`, at the TLS handshake (the terminator forwards
   * nothing); the worker's error says where and how, with the TLS library's reason when the
   * client is the one refusing (`worker`); `server`: the terminator's reason when it refuses.
   */
  async function refusedAtHandshake(
    terminator: TlsTerminator,
    vars: Record<string, string | undefined>,
    reason: { worker?: RegExp; server?: RegExp },
  ): Promise<void> {
    const accepted = terminator.accepted;
    const refused = terminator.refused.length;
    await withEnv({ TEMPORAL_ADDRESS: terminator.address, ...vars }, async () => {
      await expect(Connection.connect({ ...temporalConnectionOptions(), connectTimeout: 3000 })).rejects.toThrow();
      const err = await connectWorker(terminator.address).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(new RegExp(`^cannot connect to Temporal at ${terminator.address} with TLS`));
      if (reason.worker) expect(err?.message).toMatch(reason.worker);
    });
    expect(terminator.accepted).toBe(accepted);
    expect(terminator.refused.length).toBeGreaterThan(refused);
    if (reason.server) expect(terminator.refused.slice(refused).join('\n')).toMatch(reason.server);
  }

  const tlsVars = () => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME });
  const mutualVars = () => ({
    ...tlsVars(),
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
  });

  it('TLS: the SDK and a harness worker connect with the CA and the server name, and run a group', async () => {
    const before = serverTls.accepted;
    await groupThroughWorker(serverTls.address, tlsVars(), 'tls-server-auth');
    expect(serverTls.accepted).toBeGreaterThan(before);
  });

  it('TLS: refused without the CA, and without the server name (the certificate names temporal.test, not 127.0.0.1)', async () => {
    await refusedAtHandshake(serverTls, { TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_NAME: SERVER_NAME }, { worker: /UnknownIssuer/ });
    await refusedAtHandshake(serverTls, { TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca }, { worker: /NotValidForName/ });
  });

  it("mutual TLS: with the client certificate the SDK and a worker connect and run a group; without it, or with a stranger CA's, refused", async () => {
    const before = mutualTls.accepted;
    await groupThroughWorker(mutualTls.address, mutualVars(), 'tls-mutual');
    expect(mutualTls.accepted).toBeGreaterThan(before);
    await refusedAtHandshake(mutualTls, tlsVars(), { server: /peer did not return a certificate/ });
    await refusedAtHandshake(
      mutualTls,
      { ...tlsVars(), TEMPORAL_TLS_CLIENT_CERT_PATH: certs.strangerCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.strangerKey },
      {},
    );
  });

  it('the mlebench CLI and the REST server connect through mutual TLS; the CLI refuses a key without its certificate, naming the variable', async () => {
    const { env: base } = cliEnv({ TEMPORAL_ADDRESS: mutualTls.address, ...mutualVars() });
    const { stdout } = await run('node', [MLEBENCH_BIN, 'status', '--json'], { env: base, cwd: REPO_ROOT, timeout: 60_000 });
    expect((JSON.parse(stdout) as { id: string }[]).map((g) => g.id)).toContain('tls-mutual');

    const keyOnly = { ...base, TEMPORAL_TLS_CLIENT_CERT_PATH: '' };
    const failed = await run('node', [MLEBENCH_BIN, 'status', '--json'], { env: keyOnly, cwd: REPO_ROOT, timeout: 60_000 }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/TEMPORAL_TLS_CLIENT_KEY_PATH: a client key needs its certificate/);

    const port = await freePort();
    const server = spawn('node', [MLEBENCH_BIN, 'serve', '--no-worker', '--port', String(port)], {
      env: base,
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    server.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    try {
      let health: Record<string, unknown> = {};
      await until(
        async () => {
          if (server.exitCode !== null) throw new Error(`mlebench serve exited ${server.exitCode}: ${stderr}`);
          try {
            const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5000) });
            health = (await res.json()) as Record<string, unknown>;
            return res.status === 200;
          } catch {
            return false;
          }
        },
        60_000,
        'the REST server to answer /health through mutual TLS',
      );
      expect(health).toMatchObject({ status: 'ok', temporal: { address: mutualTls.address } });
      const runs = await fetch(`http://127.0.0.1:${port}/runs`);
      expect(runs.status).toBe(200);
      expect(JSON.stringify(await runs.json())).toContain('tls-mutual');
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
  });
});

const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};
