/** A compose stack of the tests: scripts/compose.sh under a project name, folders and free ports of its own. */
import { freePort } from '../helpers/crash';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../core/config';
import { listScratchMounts } from '../../core/sandbox/scratch';
import { labelled, until } from '../helpers/runContainers';

const COMPOSE_SH = path.join(REPO_ROOT, 'scripts', 'compose.sh');

export interface Stack {
  project: string;
  root: string;
  runsDir: string;
  env: NodeJS.ProcessEnv;
  ports: { temporal: number; ui: number; api: number };
  api: string;
  /** The REST API's admin token, from the tokens file compose.sh made (after `up`). */
  token(): string;
  /** `authorization` for the REST API, with that token. */
  auth(): Record<string, string>;
  /** scripts/compose.sh with this stack's settings; rejects with its output's tail. */
  compose(args: string[]): Promise<string>;
  getJson(url: string): Promise<{ status: number; json: Record<string, unknown> }>;
  /** POSTs a run group to the REST API with the admin token; resolves with its id (expects 201). */
  postGroup(body: Record<string, unknown>): Promise<string>;
  /** Polls the group through the REST API until it is completed or failed; resolves with its record. */
  groupEnded(id: string): Promise<Record<string, unknown>>;
  /** `down -v`, then the stack's folder (unless a scratch filesystem is still mounted there). */
  destroy(): Promise<void>;
}

export async function newStack(variant: 'offline' | 'postgres', name: string): Promise<Stack> {
  const project = `mlebench-${name}-${process.pid}`;
  const root = mkdtempSync(path.join(os.tmpdir(), `mlebench-${name}-`));
  const ports = { temporal: await freePort(), ui: await freePort(), api: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COMPOSE_PROJECT_NAME: project,
    MLEBENCH_COMPOSE: variant,
    MLEBENCH_RUNS_DIR: path.join(root, 'runs'),
    MLEBENCH_DATA_DIR: path.join(root, 'data'),
    MLEBENCH_WORKER_TMPDIR: path.join(root, 'tmp'),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    MLEBENCH_API_PORT: String(ports.api),
    MLEBENCH_COMPOSE_WAIT_SECS: '240',
  };
  delete env.TEMPORAL_ADDRESS;
  const api = `http://127.0.0.1:${ports.api}`;
  const compose = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn('bash', [COMPOSE_SH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`compose.sh ${args.join(' ')} exited ${code}:\n${out.slice(-4000)}`)),
      );
    });
  // Where compose.sh makes the project's tokens file (the server is bound beyond its loopback).
  const tokensFile = path.join(env.MLEBENCH_HOME ?? path.join(REPO_ROOT, '.mlebench'), 'compose-api-tokens', `${project}.yaml`);
  const token = () => (parse(readFileSync(tokensFile, 'utf8')) as { users: { admin: { token: string } } }).users.admin.token;
  const auth = () => ({ authorization: `Bearer ${token()}` });
  const getJson = async (url: string) => {
    const res = await fetch(`${api}${url}`, { headers: auth(), signal: AbortSignal.timeout(5000) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  return {
    project,
    root,
    runsDir: path.join(root, 'runs'),
    env,
    ports,
    api,
    token,
    auth,
    compose,
    getJson,
    async postGroup(body) {
      const res = await fetch(`${api}/v2/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth() },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { run_id?: string };
      if (res.status !== 201 || !json.run_id) throw new Error(`POST /v2/runs answered ${res.status}: ${JSON.stringify(json)}`);
      return json.run_id;
    },
    async groupEnded(id) {
      let last: Record<string, unknown> = {};
      await until(
        async () => {
          last = (await getJson(`/v2/runs/${encodeURIComponent(id)}`)).json;
          return last.status === 'completed' || last.status === 'failed';
        },
        300_000,
        `group ${id} to end`,
      ).catch((err: Error) => {
        throw new Error(`${err.message} (last: ${JSON.stringify(last).slice(0, 500)})`);
      });
      return last;
    },
    async destroy() {
      try {
        await compose(['down', '-v']);
      } finally {
        if (!(await listScratchMounts()).some((m) => m.startsWith(root))) rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/** Polls until `url` answers 200 (every failure is a retry). */
export async function answers200(url: string, ms: number): Promise<void> {
  await until(
    async () => {
      try {
        return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status === 200;
      } catch {
        return false;
      }
    },
    ms,
    `${url} to answer 200`,
  );
}

/** Polls until `url` answers 200 with a JSON body that `ok` accepts (every failure is a retry). */
export async function answers(url: string, ok: (json: Record<string, unknown>) => boolean, ms: number): Promise<void> {
  await until(
    async () => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        return res.status === 200 && ok((await res.json()) as Record<string, unknown>);
      } catch {
        return false;
      }
    },
    ms,
    `${url} to answer`,
  );
}

/** Containers, networks and volumes of a compose project. */
export function projectLeftovers(project: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  return labelled(`com.docker.compose.project=${project}`);
}
