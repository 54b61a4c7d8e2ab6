/**
 * Which Temporal to talk to: TEMPORAL_ADDRESS when set; else whatever answers on localhost:7233;
 * else (when allowed) an embedded dev server started for this process. One place decides, so
 * `mlebench run`, `worker`, `status` and the SDK agree.
 */
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { isPortOpen, startDevServer, type DevServer } from './devServer';
import { SEARCH_ATTRIBUTES } from '../workflows/ids';
import { log } from '../core/log';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** The Web UI's base URL, when known. */
  uiUrl: string | null;
  /** Set when this process started the server (and so must stop it). */
  devServer?: DevServer;
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

export async function resolveTemporal(opts: { startIfMissing: boolean }): Promise<TemporalTarget> {
  const target = configuredTarget();
  if (process.env.TEMPORAL_ADDRESS) return target;
  if (await isPortOpen(7233)) return target;
  if (!opts.startIfMissing) {
    throw new Error(
      'no Temporal server answers on localhost:7233 and TEMPORAL_ADDRESS is unset: start one with "mlebench server", or use "mlebench run" (which starts an embedded one)',
    );
  }
  log.info({ event: 'temporal.dev_server.starting' }, 'starting an embedded Temporal dev server');
  const devServer = await startDevServer();
  return { ...target, address: devServer.address, uiUrl: devServer.uiUrl, devServer };
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
