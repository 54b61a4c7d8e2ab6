/**
 * Builds the base image and every agent image, each under a content-addressed tag so that a
 * build whose tag exists is skipped: re-running after success takes seconds and changes nothing.
 *
 * The base image is a Debian root filesystem (from images/Dockerfile when an image registry
 * answers, from Debian packages via images/build-offline.sh when not) finished by
 * images/base.Dockerfile; agent images are agents/<name>/Dockerfile on top of it, with the wheels
 * of the agent's requirements.txt (downloaded on the host, core/sandbox/wheels.ts) in the context.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { listAgentDefinitions } from '../agents/registry';
import type { AgentSpec } from '../agents/types';
import { dockerClient, pingDocker } from './docker';
import { InfraError, dockerCall, dockerStatus } from './errors';
import { IMAGES_DIR, agentBuildFiles, baseImageFiles, baseImageTag, rootfsImageTag } from './imageTags';
import { ensureAgentWheels, stageAgentContext } from './wheels';
import { environment } from '../config';

export type BaseBuildMode = 'auto' | 'dockerfile' | 'offline';
export const BASE_BUILD_MODES: readonly BaseBuildMode[] = ['auto', 'dockerfile', 'offline'];
/** The image images/Dockerfile starts from; its local presence means the online path can build. */
const ONLINE_FROM = 'debian:bookworm-slim';

export interface BuildImagesOptions {
  /** How to build the base image's root filesystem when it is missing (default: auto). */
  mode?: BaseBuildMode;
  /** Progress lines (build steps, skips, timings). */
  onLog?: (line: string) => void;
  agentsDir?: string;
  docker?: Docker;
}

export interface ImageBuildResult {
  image: string;
  /** False when the tag already existed and nothing was done. */
  built: boolean;
  secs: number;
}

export interface BuildImagesResult {
  base: ImageBuildResult;
  agents: (ImageBuildResult & { agent: string })[];
}

export async function imageExists(tag: string, docker: Docker = dockerClient()): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (err) {
    if (dockerStatus(err) === 404) return false;
    throw new InfraError(`docker: inspect image ${tag}: ${(err as Error).message}`, { cause: err });
  }
}

/** Throws InfraError, saying how to fix it, when the agent's image has not been built. */
export async function ensureAgentImage(agent: Pick<AgentSpec, 'id' | 'image'>, docker: Docker = dockerClient()): Promise<void> {
  if (!(await imageExists(agent.image, docker))) {
    throw new InfraError(`image ${agent.image} of agent ${agent.id} not found: run "bash scripts/setup.sh" (or "mlebench images")`);
  }
}

function commandExists(cmd: string): boolean {
  return (environment().PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, cmd)));
}

/**
 * `auto`: MLEBENCH_BASE_BUILD when set; the Dockerfile when its FROM image is already local;
 * else offline when mmdebstrap exists (such a machine is never made to reach for a registry);
 * else the Dockerfile (which pulls).
 */
export async function resolveBaseBuildMode(
  mode: BaseBuildMode = 'auto',
  docker: Docker = dockerClient(),
): Promise<'dockerfile' | 'offline'> {
  if (mode !== 'auto') return mode;
  const fromEnv = environment().MLEBENCH_BASE_BUILD;
  if (fromEnv) {
    if (fromEnv === 'dockerfile' || fromEnv === 'offline') return fromEnv;
    throw new InfraError(`MLEBENCH_BASE_BUILD must be "dockerfile" or "offline", not "${fromEnv}"`);
  }
  if (await imageExists(ONLINE_FROM, docker)) return 'dockerfile';
  return commandExists('mmdebstrap') ? 'offline' : 'dockerfile';
}

interface DockerBuild {
  context: string;
  files: string[];
  dockerfile: string;
  tag: string;
  buildargs?: Record<string, string>;
  onLog: (line: string) => void;
  /**
   * The build's RUN steps have no network unless this says `bridge`: an agent's Dockerfile (from a
   * git URL, an MLE-bench checkout) is untrusted code, and what it needs is fetched on the host
   * (wheels.ts). Only the online root filesystem build, which installs Debian packages, and
   * MLEBENCH_ENV_SOURCE=checkout's build of MLE-bench's environment/Dockerfile (the operator's
   * opt-in) ask for it.
   */
  network?: 'bridge';
}

interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** `docker build` through the API (the legacy builder: no CLI plugin, and no pull of local FROM images). */
export async function dockerBuild(docker: Docker, b: DockerBuild): Promise<void> {
  const stream = await dockerCall(`build ${b.tag}`, () =>
    docker.buildImage(
      { context: b.context, src: b.files },
      { t: b.tag, dockerfile: b.dockerfile, buildargs: b.buildargs, rm: true, forcerm: true, networkmode: b.network ?? 'none' },
    ),
  );
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(new InfraError(`docker: build ${b.tag}: ${err.message}`)) : resolve()),
      (event: BuildEvent) => {
        if (event.error) failure = event.errorDetail?.message ?? event.error;
        for (const line of (event.stream ?? event.status ?? '').split('\n')) if (line.trim()) b.onLog(`  ${line.trimEnd()}`);
      },
    );
  });
  if (failure) throw new InfraError(`docker: build ${b.tag} from ${path.join(b.context, b.dockerfile)} failed: ${failure}`);
}

/** Runs images/build-offline.sh, passing its output on as progress lines. */
async function buildRootfsOffline(tag: string, onLog: (line: string) => void): Promise<void> {
  if (!commandExists('mmdebstrap'))
    throw new InfraError('the offline base build needs mmdebstrap: apt-get install mmdebstrap (scripts/setup.sh does, as root)');
  const script = path.join(IMAGES_DIR, 'build-offline.sh');
  const tail: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('bash', [script, tag], { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        onLog(`  ${line}`);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new InfraError(`${script} ${tag} failed (exit ${code}): ${tail.join(' | ')}`);
}

/** The base image: its Debian root filesystem first (the slow part, skipped when tagged), then base.Dockerfile. */
export async function buildBaseImage(opts: BuildImagesOptions = {}): Promise<ImageBuildResult> {
  const docker = opts.docker ?? dockerClient();
  const onLog = opts.onLog ?? (() => undefined);
  const image = baseImageTag();
  const started = Date.now();
  if (await imageExists(image, docker)) {
    onLog(`base image ${image}: up to date`);
    return { image, built: false, secs: 0 };
  }
  const rootfs = rootfsImageTag();
  if (await imageExists(rootfs, docker)) {
    onLog(`root filesystem ${rootfs}: up to date`);
  } else {
    const mode = await resolveBaseBuildMode(opts.mode, docker);
    onLog(
      `root filesystem ${rootfs}: building (${mode === 'offline' ? 'offline, from Debian packages with mmdebstrap' : `images/Dockerfile from ${ONLINE_FROM}`})`,
    );
    if (mode === 'offline') await buildRootfsOffline(rootfs, onLog);
    else
      await dockerBuild(docker, {
        context: IMAGES_DIR,
        files: baseImageFiles(IMAGES_DIR),
        dockerfile: 'Dockerfile',
        tag: rootfs,
        onLog,
        network: 'bridge',
      });
  }
  onLog(`base image ${image}: building`);
  await dockerBuild(docker, {
    context: IMAGES_DIR,
    files: baseImageFiles(IMAGES_DIR),
    dockerfile: 'base.Dockerfile',
    tag: image,
    buildargs: { ROOTFS: rootfs },
    onLog,
  });
  const secs = (Date.now() - started) / 1000;
  onLog(`base image ${image}: built in ${secs.toFixed(1)}s`);
  return { image, built: true, secs };
}

/** The base image, then one image per agent folder (its variants share it); each skipped when up to date. */
export async function buildImages(opts: BuildImagesOptions = {}): Promise<BuildImagesResult> {
  const docker = opts.docker ?? dockerClient();
  const onLog = opts.onLog ?? (() => undefined);
  await pingDocker(docker);
  const base = await buildBaseImage({ ...opts, docker });
  const agents: BuildImagesResult['agents'] = [];
  for (const def of await listAgentDefinitions({ agentsDir: opts.agentsDir, baseImage: base.image })) {
    agents.push({ agent: def.name, ...(await buildAgentImage(def, base.image, { docker, onLog })) });
  }
  return { base, agents };
}

/** One agent folder's image on the base image, skipped when its tag exists (a folder from git is built here too). */
export async function buildAgentImage(
  def: Pick<AgentSpec, 'name' | 'dir' | 'image'>,
  baseImage: string,
  opts: { docker: Docker; onLog: (line: string) => void },
): Promise<ImageBuildResult> {
  const { docker, onLog } = opts;
  const started = Date.now();
  if (await imageExists(def.image, docker)) {
    onLog(`agent image ${def.image}: up to date`);
    return { image: def.image, built: false, secs: 0 };
  }
  if (!(await imageExists(baseImage, docker))) {
    throw new InfraError(
      `agent image ${def.image}: its base image ${baseImage} is not built: run "mlebench images" (or "bash scripts/setup.sh")`,
    );
  }
  // Only an image that must be built needs its wheels: an up-to-date setup downloads nothing.
  const wheels = await ensureAgentWheels(def.name, def.dir, { onLog });
  const staged = wheels ? await stageAgentContext(def.dir, wheels) : { context: def.dir, files: agentBuildFiles(def.dir) };
  onLog(`agent image ${def.image}: building from ${def.dir}${wheels ? ` and the wheels in ${wheels}` : ''}`);
  try {
    await dockerBuild(docker, { ...staged, dockerfile: 'Dockerfile', tag: def.image, buildargs: { BASE_IMAGE: baseImage }, onLog });
  } finally {
    if (wheels) await fs.rm(staged.context, { recursive: true, force: true });
  }
  const secs = (Date.now() - started) / 1000;
  onLog(`agent image ${def.image}: built in ${secs.toFixed(1)}s`);
  return { image: def.image, built: true, secs };
}
