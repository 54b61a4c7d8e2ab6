/**
 * Which Temporal to talk to: TEMPORAL_ADDRESS when set; else whatever answers on localhost:7233;
 * else (when allowed) an embedded dev server started for this process. And how: TLS, mutual TLS
 * and an API key from the Temporal CLI's variables (temporal/security.ts), in the options every
 * connection of the harness is made with (`temporalConnectionOptions`: the SDK's and the CLI's
 * `Connection.connect`, the worker's `NativeConnection.connect`). One place decides, so
 * `mlebench run`, `worker`, `serve`, `status` and the SDK agree.
 */
import { Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { isPortOpen, startDevServer, type DevServer } from './devServer';
import { SEARCH_ATTRIBUTES } from './contract';
import { log } from '../core/log';
import { TemporalConnectionConfigError, temporalSecurity, wantsSecurity } from './security';

export { TEMPORAL_SECURITY_ENV, TemporalConnectionConfigError, temporalSecurity } from './security';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** The Web UI's base URL, when known. */
  uiUrl: string | null;
  /** Set when this process started the server (and so must stop it). */
  devServer?: DevServer;
  /** How it is reached ("no TLS", "TLS (mutual): CA ..., client certificate ...; API key"): never a secret. */
  security?: string;
}

export const DEFAULT_ADDRESS = '127.0.0.1:7233';

export function configuredTarget(env: NodeJS.ProcessEnv = process.env): Omit<TemporalTarget, 'devServer'> {
  const address = env.TEMPORAL_ADDRESS ?? DEFAULT_ADDRESS;
  const local = !env.TEMPORAL_ADDRESS;
  return {
    address,
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    uiUrl: env.TEMPORAL_UI_URL ?? (local ? 'http://localhost:8233' : null),
  };
}

/**
 * What both `Connection.connect` (client) and `NativeConnection.connect` (worker) take: the
 * address, TLS (false, or the CA, client certificate and server name) and the API key. Bad
 * values throw TemporalConnectionConfigError naming the variable and why.
 */
export interface TemporalConnectionOptions {
  address: string;
  tls: TLSConfig | false;
  apiKey?: string;
}

export function temporalConnectionOptions(
  address: string = configuredTarget().address,
  env: NodeJS.ProcessEnv = process.env,
): TemporalConnectionOptions {
  const { tls, apiKey } = temporalSecurity(env);
  return { address, tls, ...(apiKey ? { apiKey } : {}) };
}

/** A client connection to `address` (default: the configured one) with the environment's TLS and API key. */
export function connectClient(address?: string, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const options = temporalConnectionOptions(address, env);
  return withConnectContext(Connection.connect(options), options.address, env);
}

/**
 * A failed connection says where to and how it was tried: the client's own error after a TLS
 * refusal is only "Failed to connect before the deadline".
 */
export function withConnectContext<T>(connecting: Promise<T>, address: string, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  return connecting.catch((err: unknown) => {
    const { summary } = temporalSecurity(env);
    const hint =
      summary === 'no TLS'
        ? ''
        : ' (if the server is up: check the CA, the server name and the client certificate against its certificate and what it asks for)';
    throw new Error(`cannot connect to Temporal at ${address} with ${summary}: ${(err as Error).message}${hint}`, { cause: err });
  });
}

export async function resolveTemporal(opts: { startIfMissing: boolean }): Promise<TemporalTarget> {
  const target = configuredTarget();
  // Bad TLS or API-key values fail here, before anything is started.
  const security = temporalSecurity();
  if (security.tls !== false || security.apiKey)
    log.info(
      { event: 'temporal.security', address: target.address, security: security.summary },
      `Temporal ${target.address}: ${security.summary}`,
    );
  if (process.env.TEMPORAL_ADDRESS) return { ...target, security: security.summary };
  if (await isPortOpen(7233)) return { ...target, security: security.summary };
  if (wantsSecurity(security)) {
    // The embedded dev server serves neither TLS nor API keys: never fall back to it silently.
    throw new TemporalConnectionConfigError(
      'TEMPORAL_ADDRESS',
      `unset, and nothing answers on localhost:7233, but TLS or an API key is configured (${security.summary}): set TEMPORAL_ADDRESS to the secured server (the embedded dev server serves neither)`,
    );
  }
  if (!opts.startIfMissing) {
    throw new Error(
      'no Temporal server answers on localhost:7233 and TEMPORAL_ADDRESS is unset: start one with "mlebench server", or use "mlebench run" (which starts an embedded one)',
    );
  }
  log.info({ event: 'temporal.dev_server.starting' }, 'starting an embedded Temporal dev server');
  const devServer = await startDevServer();
  return { ...target, address: devServer.address, uiUrl: devServer.uiUrl, devServer, security: security.summary };
}

/**
 * Registers our search attributes on a server that lacks them (any cluster reached through
 * TEMPORAL_ADDRESS); the embedded server gets them on its command line.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { IndexedValueType } = temporal.api.enums.v1;
  const types: Record<string, temporal.api.enums.v1.IndexedValueType> = {
    KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  };
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const have = new Set(Object.keys({ ...existing.customAttributes, ...existing.systemAttributes }));
  const missing = Object.values(SEARCH_ATTRIBUTES).filter((key) => !have.has(key.name));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, types[key.type]!])),
  });
  log.info({ event: 'temporal.search_attributes.added', names: missing.map((k) => k.name) }, 'registered search attributes');
}
