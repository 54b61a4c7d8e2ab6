/**
 * What every hostile-agent test file shares: the hostile image (test/hostile/images/hostile/,
 * built from the base image with the project's image builder; HOSTILE chooses the attack), a
 * synthetic competition, and runHostile, which runs the image through runAgentContainer and
 * reads back the `key <json>` facts it printed. Containers are labelled with the file's own
 * group and removed after it.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect } from 'vitest';
import { resolveAgent } from '../../core/agents';
import type { AgentSpec } from '../../core/agents/types';
import { prepareCompetition } from '../../core/competitions';
import type { PreparedCompetition } from '../../core/competitions/types';
import {
  listScratchMounts,
  removeGroupContainers,
  runAgentContainer,
  type AgentContainerRequest,
  type AgentContainerResult,
  type RunAgentContainerOptions,
} from '../../core/sandbox';
import { buildImages } from '../../core/sandbox/images';
import { writeSyntheticCompetition } from '../helpers/syntheticCompetition';

export const IMAGES = path.join(__dirname, 'images');
export const COMPETITION = 'hostile-labels';
export const MIB = 1024 ** 2;

export interface HostileRun {
  req: AgentContainerRequest;
  result: AgentContainerResult;
  agentLog: string;
  /** The `key <json>` lines the agent printed, by key. */
  facts: Map<string, unknown[]>;
  /** `docker inspect` of the container, taken while it ran. */
  inspected?: Docker.ContainerInspectInfo;
}

export interface HostileSuite {
  docker: Docker;
  group: string;
  tmp(): string;
  dirs(): { competitionsDir: string; dataDir: string };
  prepared(): PreparedCompetition;
  hostile(): AgentSpec;
  /** A request for the hostile image in `mode`, in its own run folder. */
  request(name: string, mode: string, overrides?: Partial<AgentContainerRequest>): AgentContainerRequest;
  runHostile(name: string, mode: string, overrides?: Partial<AgentContainerRequest>, opts?: RunAgentContainerOptions): Promise<HostileRun>;
}

/** Registers the suite's beforeAll/afterAll in the calling test file. */
export function hostileSuite(name: string): HostileSuite {
  const docker = new Docker();
  const group = `hostile-${name}-${process.pid}-${Date.now()}`;
  let tmp = '';
  let dirs: { competitionsDir: string; dataDir: string };
  let prepared: PreparedCompetition;
  let hostile: AgentSpec;

  beforeAll(async () => {
    const started = Date.now();
    const built = await buildImages({ agentsDir: IMAGES });
    console.log(
      `hostile image ${built.agents[0]?.image}: ${built.agents[0]?.built ? `built in ${built.agents[0].secs.toFixed(1)} s` : 'up to date'} (${Date.now() - started} ms)`,
    );
    hostile = await resolveAgent('hostile', { agentsDir: IMAGES });
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), `hostile-${name}-`));
    dirs = { competitionsDir: path.join(tmp, 'competitions'), dataDir: path.join(tmp, 'data') };
    await writeSyntheticCompetition(dirs.competitionsDir, {
      id: COMPETITION,
      metric: 'accuracy',
      targetColumn: 'label',
      options: { task: 'labels', rows: 200, classes: 3 },
    });
    prepared = await prepareCompetition(COMPETITION, dirs);
  }, 600_000);

  afterAll(async () => {
    await removeGroupContainers(group);
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  const request = (runName: string, mode: string, overrides: Partial<AgentContainerRequest> = {}): AgentContainerRequest => ({
    runId: `${group}/${runName}`,
    groupId: group,
    agent: { ...hostile, env: { HOSTILE: mode } },
    competitionId: COMPETITION,
    seed: 1,
    timeLimitSecs: 60,
    publicDataDir: prepared.publicDir,
    runDir: path.join(tmp, 'runs', runName),
    ...overrides,
    limits: { diskBytes: 512 * MIB, files: 5000, ...overrides.limits },
  });

  const runHostile = async (
    runName: string,
    mode: string,
    overrides: Partial<AgentContainerRequest> = {},
    opts: RunAgentContainerOptions = {},
  ): Promise<HostileRun> => {
    const req = request(runName, mode, overrides);
    let inspecting: Promise<Docker.ContainerInspectInfo | undefined> | undefined;
    const result = await runAgentContainer(req, {
      ...opts,
      onProgress: (p) => {
        inspecting ??= docker
          .getContainer(p.containerId)
          .inspect()
          .catch(() => undefined);
        opts.onProgress?.(p);
      },
    });
    const agentLog = readFileSync(path.join(req.runDir, 'logs', 'agent.log'), 'utf8');
    // Whatever happened, the scratch space is copied out, unmounted and deleted.
    expect(await listScratchMounts()).not.toContain(path.join(req.runDir, '.scratch'));
    expect(existsSync(path.join(req.runDir, '.scratch.img'))).toBe(false);
    return { req, result, agentLog, facts: parseFacts(agentLog), inspected: await inspecting };
  };

  return {
    docker,
    group,
    tmp: () => tmp,
    dirs: () => dirs,
    prepared: () => prepared,
    hostile: () => hostile,
    request,
    runHostile,
  };
}

/** The `key <json>` lines of an agent's output, by key. */
export function parseFacts(agentLog: string): Map<string, unknown[]> {
  const facts = new Map<string, unknown[]>();
  for (const line of agentLog.split('\n')) {
    const m = /^([a-z_0-9]+) (.*)$/.exec(line);
    if (!m) continue;
    try {
      facts.set(m[1]!, [...(facts.get(m[1]!) ?? []), JSON.parse(m[2]!)]);
    } catch {
      // not one of ours
    }
  }
  return facts;
}

export const fact = <T>(run: HostileRun, key: string): T => {
  const v = run.facts.get(key);
  expect(v, `the agent reported ${key}:\n${run.agentLog.slice(-3000)}`).toBeDefined();
  return v![0] as T;
};
export const factsOf = <T>(run: HostileRun, key: string): T[] => (run.facts.get(key) ?? []) as T[];
