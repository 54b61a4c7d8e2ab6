/**
 * A test file's Temporal set-up, in one call at its top: before its tests, the agent images built
 * and a dev server of its own with a Client and temporary runs and data folders; after them, all of
 * it stopped. Workers come in two kinds:
 * - 'in-process': `newWorker()` makes a harness worker in the test's process (temporalEnv.ts), for
 *   tests of what the workflows do (`runWorker`: one runs for the whole file);
 * - 'processes': `mlebench worker` processes the test starts (crash.ts: `hostWorker`,
 *   `mlebenchWorker`) and may kill, on a server it may restart; stopped after the file.
 */
import { afterAll, beforeAll } from 'vitest';
import { Client } from '../../client/sdk';
import { buildImages } from '../../core/sandbox/images';
import type { DevServer } from '../../temporal/devServer';
import { crashHome, stopAll, type CrashHome } from './crash';
import type { HarnessWorker } from '../../worker/harnessWorker';
import { startHarnessTestEnv, type HarnessTestEnv } from './temporalEnv';

export interface ProcessSuite {
  home: CrashHome;
  /** The server now (a test that restarts it sets the new one here, so it is stopped after the file). */
  server: DevServer;
  client: Client;
}

export interface SuiteOptions {
  /** Build the agent images first (default true). */
  images?: boolean;
}

export interface InProcessOptions extends SuiteOptions {
  metricsPort?: number;
  /** A worker of its own runs from the set-up to the file's end (shut down before the server). */
  runWorker?: boolean;
}

export function temporalSuite(workers: 'in-process', opts?: InProcessOptions): HarnessTestEnv;
/** `env`: settings for every worker of the file (e.g. a shorter MLEBENCH_AGENT_HEARTBEAT_SECS). */
export function temporalSuite(workers: 'processes', opts?: SuiteOptions & { env?: NodeJS.ProcessEnv }): ProcessSuite;
export function temporalSuite(
  workers: 'in-process' | 'processes',
  opts: InProcessOptions & { env?: NodeJS.ProcessEnv } = {},
): HarnessTestEnv | ProcessSuite {
  return workers === 'in-process' ? inProcessSuite(opts) : suite(opts, () => startProcessSuite(opts.env), stopProcessSuite);
}

function inProcessSuite(opts: InProcessOptions): HarnessTestEnv {
  let running: { worker: HarnessWorker; done: Promise<void> } | undefined;
  const start = async () => {
    const h = await startHarnessTestEnv({ metricsPort: opts.metricsPort });
    if (opts.runWorker) {
      const worker = await h.newWorker();
      running = { worker, done: worker.run() };
    }
    return h;
  };
  const stop = async (h: HarnessTestEnv) => {
    if (running) {
      running.worker.shutdown();
      await running.done;
    }
    await h.teardown();
  };
  return suite(opts, start, stop);
}

async function startProcessSuite(env?: NodeJS.ProcessEnv): Promise<ProcessSuite> {
  const home = await crashHome(env);
  const server = await home.startServer();
  return { home, server, client: new Client({ address: home.env.TEMPORAL_ADDRESS, uiUrl: null }) };
}

async function stopProcessSuite(s: ProcessSuite): Promise<void> {
  await s.client.close();
  await stopAll();
  await s.server.stop();
}

/**
 * Registers the hooks; returns the set-up, whose fields exist from the file's beforeAll on (a
 * test, a hook or a function they call may read them; the file's top level may not).
 */
function suite<T extends object>(opts: SuiteOptions, start: () => Promise<T>, stop: (t: T) => Promise<void>): T {
  let current: T | undefined;
  beforeAll(async () => {
    // The images and the server do not wait for each other.
    const [images, started] = await Promise.allSettled([opts.images === false ? undefined : buildImages(), start()]);
    if (started.status === 'fulfilled') current = started.value;
    if (images.status === 'rejected') throw images.reason;
    if (started.status === 'rejected') throw started.reason;
  });
  afterAll(async () => {
    if (current) await stop(current);
  });
  return new Proxy({} as T, {
    get(_, key) {
      if (!current) throw new Error(`the Temporal suite is not set up yet: "${String(key)}" was read before the file's beforeAll`);
      return Reflect.get(current, key) as unknown;
    },
    set(_, key, value) {
      if (!current) throw new Error(`the Temporal suite is not set up yet: "${String(key)}" was set before the file's beforeAll`);
      return Reflect.set(current, key, value);
    },
  });
}
