/**
 * An agent image's build runs its Dockerfile's RUN steps without a network: the Dockerfile may be
 * anyone's (a git URL, an MLE-bench checkout), and what it needs is fetched on the host first.
 * The proof is the build step's own interfaces and routes, never a try at an outside address.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentImage, buildBaseImage, dockerBuild } from '../../core/sandbox/images';

const docker = new Docker();
const tags: string[] = [];
let context: string;
let baseImage: string;

// Fails the build when the step sees any interface but loopback, or any route. CASE keeps each
// build's step out of the layer cache (the network mode is not part of the cache key).
const DOCKERFILE = `ARG BASE_IMAGE
FROM \${BASE_IMAGE}
ARG CASE
RUN echo "case $CASE" && ls /sys/class/net > /build-interfaces \\
 && tail -n +2 /proc/net/route > /build-routes \\
 && cat /build-interfaces /build-routes \\
 && test "$(cat /build-interfaces)" = lo \\
 && test ! -s /build-routes
`;

beforeAll(async () => {
  baseImage = (await buildBaseImage({ docker })).image;
  context = mkdtempSync(path.join(os.tmpdir(), 'build-network-'));
});

afterAll(async () => {
  for (const tag of tags)
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
  rmSync(context, { recursive: true, force: true });
});

const build = (tag: string, network?: 'bridge') => {
  tags.push(tag);
  writeFileSync(path.join(context, 'Dockerfile'), DOCKERFILE);
  const lines: string[] = [];
  const done = dockerBuild(docker, {
    context,
    files: ['Dockerfile'],
    dockerfile: 'Dockerfile',
    tag,
    buildargs: { BASE_IMAGE: baseImage, CASE: tag },
    onLog: (line) => lines.push(line),
    ...(network ? { network } : {}),
  });
  return { done, lines };
};

describe('the image build', () => {
  it("gives an agent Dockerfile's RUN steps loopback only and no route", async () => {
    // An agent folder of just this Dockerfile, built as every agent's image is.
    const image = `mlebench-test-build-offline:${process.pid}`;
    tags.push(image);
    writeFileSync(path.join(context, 'Dockerfile'), DOCKERFILE.replace('$CASE', image));
    const lines: string[] = [];
    const built = await buildAgentImage({ name: 'netcheck', dir: context, image }, baseImage, { docker, onLog: (l) => lines.push(l) });
    expect(built.built).toBe(true);
    expect(lines.join('\n')).toMatch(/^\s*lo\s*$/m);
  });

  it('is what the check sees: the same Dockerfile on a bridge network fails it', async () => {
    const { done } = build(`mlebench-test-build-bridge:${process.pid}`, 'bridge');
    await expect(done).rejects.toThrow(/failed: The command .* returned a non-zero code/);
  });
});
