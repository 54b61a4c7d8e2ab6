/**
 * Images of agents in MLE-bench's format (core/agents/mlebench.ts), built when a run first needs
 * them: `mlebench-env` (images/mlebench-env/ on the base image, or MLEBENCH_ENV_SOURCE=checkout's
 * build of the checkout's environment/Dockerfile under our layer; tagged by content and also as
 * `mlebench-env:latest`, the name their Dockerfiles start FROM), then the agent's own folder with
 * MLE-bench's four build args, then our one finishing layer (imageTags.ts). Every step is skipped
 * when its content-addressed tag exists.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { MLEBENCH_AGENT_PATHS } from '../agents/mlebench';
import type { AgentSpec } from '../agents/types';
import { dockerClient } from './docker';
import { InfraError, dockerCall } from './errors';
import { buildBaseImage, dockerBuild, imageExists, type ImageBuildResult } from './images';
import {
  IMAGES_DIR,
  MLEBENCH_ENV_CHECKOUT_DOCKERFILE,
  MLEBENCH_ENV_CHECKOUT_LAYER_FILES,
  MLEBENCH_ENV_DIR,
  MLEBENCH_ENV_REPO,
  listTreeFiles,
  mlebenchEnvCheckout,
  mlebenchEnvImageTag,
  mlebenchFinishDockerfile,
} from './imageTags';
import { ensureAgentWheels, stageAgentContext } from './wheels';

export interface MlebenchBuildOptions {
  docker?: Docker;
  onLog?: (line: string) => void;
}

/**
 * mlebench-env, tagged by content and as `mlebench-env:latest`: from images/mlebench-env/ on the base
 * image (built first when missing), or with MLEBENCH_ENV_SOURCE=checkout from the MLE-bench
 * checkout's environment/Dockerfile with our layer on top.
 */
export async function buildMlebenchEnvImage(opts: MlebenchBuildOptions = {}): Promise<ImageBuildResult> {
  const docker = opts.docker ?? dockerClient();
  const onLog = opts.onLog ?? (() => undefined);
  const checkout = mlebenchEnvCheckout();
  const base = checkout ? undefined : await buildBaseImage({ docker, onLog });
  const image = mlebenchEnvImageTag(base?.image);
  const started = Date.now();
  let built = false;
  if (await imageExists(image, docker)) onLog(`mlebench-env image ${image}: up to date`);
  else {
    if (checkout) await buildFromCheckout(docker, image, checkout, onLog);
    else await buildCompat(docker, image, base!.image, onLog);
    built = true;
  }
  // Their Dockerfiles say `FROM mlebench-env`: the name must point at this build.
  const [repo, tag] = image.split(':');
  if (repo !== MLEBENCH_ENV_REPO || !tag) throw new InfraError(`unexpected mlebench-env tag ${image}`);
  await dockerCall(`tag ${image} as ${MLEBENCH_ENV_REPO}:latest`, () =>
    docker.getImage(image).tag({ repo: MLEBENCH_ENV_REPO, tag: 'latest' }),
  );
  return { image, built, secs: (Date.now() - started) / 1000 };
}

async function buildCompat(docker: Docker, image: string, baseImage: string, onLog: (line: string) => void): Promise<void> {
  const wheels = await ensureAgentWheels(MLEBENCH_ENV_REPO, MLEBENCH_ENV_DIR, { onLog });
  if (!wheels) throw new InfraError(`${MLEBENCH_ENV_DIR}/requirements.txt is missing (pip for the agent environment)`);
  const staged = await stageAgentContext(MLEBENCH_ENV_DIR, wheels);
  onLog(`mlebench-env image ${image}: building from ${MLEBENCH_ENV_DIR}`);
  try {
    await dockerBuild(docker, { ...staged, dockerfile: 'Dockerfile', tag: image, buildargs: { BASE_IMAGE: baseImage }, onLog });
  } finally {
    await fs.rm(staged.context, { recursive: true, force: true });
  }
}

/** As MLE-bench builds it (`docker build -f environment/Dockerfile .` at the checkout's root), then images/mlebench-env/checkout.Dockerfile. */
async function buildFromCheckout(
  docker: Docker,
  image: string,
  checkout: { root: string; dockerfile: string },
  onLog: (line: string) => void,
): Promise<void> {
  const source = `${image}-src`;
  onLog(`mlebench-env image ${image}: building ${checkout.dockerfile} (MLEBENCH_ENV_SOURCE=checkout)`);
  try {
    await dockerBuild(docker, {
      context: checkout.root,
      files: dockerContextFiles(checkout.root),
      dockerfile: 'environment/Dockerfile',
      tag: source,
      onLog,
      // The operator's opt-in (MLEBENCH_ENV_SOURCE=checkout): MLE-bench's Dockerfile installs Ubuntu
      // packages, Miniconda and pip packages, which only the network gives. Our layer has none.
      network: 'bridge',
    });
  } catch (err) {
    throw new InfraError(
      `mlebench-env: the build of ${checkout.dockerfile} (MLEBENCH_ENV_SOURCE=checkout) failed; it needs an image registry and the network ` +
        `(MLEBENCH_ENV_SOURCE=compat builds the offline compatibility image instead): ${(err as Error).message}`,
      { cause: err },
    );
  }
  try {
    await dockerBuild(docker, {
      context: IMAGES_DIR,
      files: [...MLEBENCH_ENV_CHECKOUT_LAYER_FILES],
      dockerfile: MLEBENCH_ENV_CHECKOUT_DOCKERFILE,
      tag: image,
      buildargs: { SOURCE_IMAGE: source },
      onLog,
    });
  } finally {
    await docker
      .getImage(source)
      .remove({ noprune: true })
      .catch((err: unknown) => onLog(`untag ${source}: ${(err as Error).message}`));
  }
}

/**
 * The checkout's files less what its .dockerignore leaves out, as `docker build` sends them (the
 * engine's API does not read .dockerignore). Patterns as MLE-bench's are (`/data/`, `/*runs/`):
 * `*` within a path segment, `**` across them, anchored at the root; `!` exceptions are not honoured.
 */
export function dockerContextFiles(root: string): string[] {
  const ignoreFile = path.join(root, '.dockerignore');
  const patterns = existsSync(ignoreFile)
    ? readFileSync(ignoreFile, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'))
        .map((l) => {
          const glob = l.replace(/^\/+|\/+$/g, '').replace(/^\.\//, '');
          const body = glob
            .split('**')
            .map((part) =>
              part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
            )
            .join('.*');
          return new RegExp(`^${body}(/|$)`);
        })
    : [];
  return listTreeFiles(root).filter((f) => !patterns.some((re) => re.test(f)));
}

/** This process's builds in flight by tag: the seeds of a group that start together share one build. */
const building = new Map<string, Promise<ImageBuildResult>>();

/** The agent's image (`agent.image`), built from its folder unchanged plus our finishing layer; nothing when it exists. */
export function ensureMlebenchAgentImage(
  agent: Pick<AgentSpec, 'id' | 'image' | 'dir' | 'mlebench'>,
  opts: MlebenchBuildOptions = {},
): Promise<ImageBuildResult> {
  const inFlight = building.get(agent.image);
  if (inFlight) return inFlight;
  const build = buildMlebenchAgentImage(agent, opts).finally(() => building.delete(agent.image));
  building.set(agent.image, build);
  return build;
}

async function buildMlebenchAgentImage(
  agent: Pick<AgentSpec, 'id' | 'image' | 'dir' | 'mlebench'>,
  opts: MlebenchBuildOptions,
): Promise<ImageBuildResult> {
  const docker = opts.docker ?? dockerClient();
  const onLog = opts.onLog ?? (() => undefined);
  if (!agent.mlebench) throw new InfraError(`agent ${agent.id} is not in MLE-bench's format`);
  if (await imageExists(agent.image, docker)) return { image: agent.image, built: false, secs: 0 };
  const started = Date.now();
  const env = await buildMlebenchEnvImage({ docker, onLog });
  if (mlebenchEnvImageTag() !== env.image)
    throw new InfraError(`mlebench-env ${env.image} is not the one agent ${agent.id}'s tag was computed for: images/ changed meanwhile`);
  const source = `${agent.image}-src`;
  onLog(`agent image ${agent.image}: building ${path.join(agent.dir, agent.mlebench.dockerfile)} (MLE-bench's format)`);
  await dockerBuild(docker, {
    context: agent.dir,
    files: listTreeFiles(agent.dir),
    dockerfile: agent.mlebench.dockerfile,
    tag: source,
    buildargs: { ...MLEBENCH_AGENT_PATHS },
    onLog,
  });
  const finish = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-finish-'));
  try {
    await fs.writeFile(path.join(finish, 'Dockerfile'), mlebenchFinishDockerfile(source));
    await dockerBuild(docker, { context: finish, files: ['Dockerfile'], dockerfile: 'Dockerfile', tag: agent.image, onLog });
  } finally {
    await fs.rm(finish, { recursive: true, force: true });
  }
  // Only the tag goes (the final image's layers keep it); another process's build of the same tag may have taken it already.
  await docker
    .getImage(source)
    .remove({ noprune: true })
    .catch((err: unknown) => onLog(`untag ${source}: ${(err as Error).message}`));
  const secs = (Date.now() - started) / 1000;
  onLog(`agent image ${agent.image}: built in ${secs.toFixed(1)}s`);
  return { image: agent.image, built: true, secs };
}
