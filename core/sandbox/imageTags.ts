/**
 * Content-addressed image tags: a tag names the exact files an image was built from, so a build
 * is skipped when its tag exists and redone when anything that goes into it changed. Pure file
 * hashing, no Docker, so the agents registry can name images without a daemon.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, environment, mlebenchEnvSource, type Env } from '../config';
import { PermanentError } from '../errors';
import { MLEBENCH_REPO_ENV, configuredCheckoutPath } from '../mlebench/checkout';

export const IMAGES_DIR = path.join(REPO_ROOT, 'images');
export const BASE_IMAGE_REPO = 'mlebench-base';
const ROOTFS_IMAGE_REPO = 'mlebench-base-rootfs';
/** The files that define the Debian root filesystem; the rest of images/ only finishes it. */
const ROOTFS_FILES = ['packages.txt', 'Dockerfile', 'build-offline.sh'];
const HASH_CHARS = 12;

/** Relative paths (POSIX separators) of the regular files and symlinks under `dir`, sorted. */
export function listTreeFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() || entry.isSymbolicLink()) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/**
 * sha256 over each file's path, executable bit and content (a symlink's target), plus `extra`:
 * everything a `COPY` of the folder carries into an image.
 */
export function hashFiles(dir: string, files: readonly string[], extra: readonly string[] = []): string {
  const hash = createHash('sha256');
  for (const rel of [...files].sort()) {
    const abs = path.join(dir, rel);
    const stat = lstatSync(abs);
    const body = stat.isSymbolicLink() ? Buffer.from(`symlink:${readlinkSync(abs)}`) : readFileSync(abs);
    hash.update(`${rel}\0${stat.mode & 0o111 ? 'x' : '-'}\0${body.length}\0`);
    hash.update(body);
  }
  for (const e of extra) hash.update(`extra\0${e}\0`);
  return hash.digest('hex').slice(0, HASH_CHARS);
}

/** images/mlebench-env/: the compatibility image MLE-bench's agents build on, not part of the base image. */
export const MLEBENCH_ENV_SUBDIR = 'mlebench-env';
export const MLEBENCH_ENV_DIR = path.join(IMAGES_DIR, MLEBENCH_ENV_SUBDIR);
/** What MLE-bench's agent Dockerfiles start `FROM`. */
export const MLEBENCH_ENV_REPO = 'mlebench-env';

/** The files of images/ that make the base image (all but mlebench-env/). */
export function baseImageFiles(imagesDir: string = IMAGES_DIR): string[] {
  return listTreeFiles(imagesDir).filter((f) => !f.startsWith(`${MLEBENCH_ENV_SUBDIR}/`));
}

/** The base image's tag: every file of images/ that goes into it. */
export function baseImageTag(imagesDir: string = IMAGES_DIR): string {
  return `${BASE_IMAGE_REPO}:${hashFiles(imagesDir, baseImageFiles(imagesDir))}`;
}

/**
 * Our layer on an image built from MLE-bench's environment/Dockerfile (MLEBENCH_ENV_SOURCE=checkout):
 * its Dockerfile and the files it copies, relative to images/ (the build's context).
 */
export const MLEBENCH_ENV_CHECKOUT_DOCKERFILE = `${MLEBENCH_ENV_SUBDIR}/checkout.Dockerfile`;
export const MLEBENCH_ENV_CHECKOUT_LAYER_FILES = [
  MLEBENCH_ENV_CHECKOUT_DOCKERFILE,
  ...['entrypoint.sh', 'validation_server.py', 'validate_submission.sh', 'instructions.txt', 'curl'].map(
    (f) => `${MLEBENCH_ENV_SUBDIR}/${f}`,
  ),
  'validate-submission.py',
];

/** The MLE-bench checkout whose environment/Dockerfile mlebench-env is built from, when MLEBENCH_ENV_SOURCE=checkout. */
export function mlebenchEnvCheckout(env: Env = environment()): { root: string; dockerfile: string } | undefined {
  if (mlebenchEnvSource(env) !== 'checkout') return undefined;
  const root = configuredCheckoutPath(undefined, env);
  if (!root)
    throw new PermanentError(
      `MLEBENCH_ENV_SOURCE=checkout builds mlebench-env from an MLE-bench checkout's environment/Dockerfile, but ${MLEBENCH_REPO_ENV} is not set: ` +
        `set it to the checkout, or MLEBENCH_ENV_SOURCE=compat for the offline compatibility image`,
    );
  const dockerfile = path.join(root, 'environment', 'Dockerfile');
  if (!existsSync(dockerfile))
    throw new PermanentError(
      `MLEBENCH_ENV_SOURCE=checkout: ${dockerfile} does not exist (${MLEBENCH_REPO_ENV}=${root} is not a checkout of MLE-bench with its environment/)`,
    );
  return { root, dockerfile };
}

/**
 * `mlebench-env:<hash>`: with MLEBENCH_ENV_SOURCE=compat (the default) of images/mlebench-env/ and
 * the base image tag; with `checkout` of the checkout's environment/ folder and our layer's files
 * (the rest of the checkout, which its Dockerfile copies too, is not covered).
 */
export function mlebenchEnvImageTag(baseTag?: string, env: Env = environment()): string {
  const checkout = mlebenchEnvCheckout(env);
  if (checkout) {
    const envDir = path.dirname(checkout.dockerfile);
    const layer = hashFiles(IMAGES_DIR, MLEBENCH_ENV_CHECKOUT_LAYER_FILES);
    return `${MLEBENCH_ENV_REPO}:${hashFiles(envDir, listTreeFiles(envDir), ['checkout', layer])}`;
  }
  return `${MLEBENCH_ENV_REPO}:${hashFiles(MLEBENCH_ENV_DIR, listTreeFiles(MLEBENCH_ENV_DIR), [baseTag ?? baseImageTag()])}`;
}

/**
 * The layer the harness adds on an MLE-bench agent's own image: its AGENT_DIR kept at
 * /opt/mlebench/agent, because /home/agent is the run's tmpfs and mlebench-env's entrypoint fills
 * it from there (as root, whatever USER the agent's Dockerfile left).
 */
export function mlebenchFinishDockerfile(fromTag: string): string {
  return [
    `FROM ${fromTag}`,
    'USER root',
    'RUN rm -rf /opt/mlebench/agent && if [ -d /home/agent ]; then cp -a /home/agent /opt/mlebench/agent; fi',
    '',
  ].join('\n');
}

/** `mlebench-agent-<name>:<hash of the build folder, its Dockerfile's name, mlebench-env's tag and our finishing layer>`. */
export function mlebenchAgentImageTag(
  name: string,
  contextDir: string,
  dockerfile: string,
  envTag: string = mlebenchEnvImageTag(),
): string {
  return `mlebench-agent-${name}:${hashFiles(contextDir, listTreeFiles(contextDir), [envTag, dockerfile, mlebenchFinishDockerfile('-')])}`;
}

/**
 * The Debian root filesystem under the base image, tagged separately so that changing only
 * base.Dockerfile or the validator rebuilds a thin layer in seconds, not the whole Debian tree.
 */
export function rootfsImageTag(imagesDir: string = IMAGES_DIR): string {
  return `${ROOTFS_IMAGE_REPO}:${hashFiles(imagesDir, ROOTFS_FILES)}`;
}

/**
 * The files of an agent folder that make its image: all but config.yaml, which the harness reads
 * and the image never sees, so editing a variant's env does not rebuild anything.
 */
export function agentBuildFiles(agentDir: string): string[] {
  return listTreeFiles(agentDir).filter((f) => f !== 'config.yaml');
}

/** `mlebench-agent-<name>:<hash of the agent's build files + the base image tag>`. */
export function agentImageTag(name: string, agentDir: string, baseTag: string = baseImageTag()): string {
  return `mlebench-agent-${name}:${hashFiles(agentDir, agentBuildFiles(agentDir), [baseTag])}`;
}
