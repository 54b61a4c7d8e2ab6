/**
 * An agent's image is built without network (its wheels come in the build context): a RUN step
 * sees only the loopback interface. What a repository's Dockerfile runs (an agent from git) reaches nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAgentImage, imageExists } from '../../core/sandbox/images';
import { dockerClient } from '../../core/sandbox/docker';
import { agentImageTag, baseImageTag } from '../../core/sandbox/imageTags';

const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'agent-build-')), 'netcheck');
const docker = dockerClient();
let image = '';

afterAll(async () => {
  if (image && (await imageExists(image, docker))) await docker.getImage(image).remove({ force: true });
  rmSync(path.dirname(dir), { recursive: true, force: true });
});

describe('an agent image build', () => {
  it('has no network: its RUN steps see only the loopback interface', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'Dockerfile'),
      // A fresh RUN line each time: a cached layer would answer without running it.
      `ARG BASE_IMAGE\nFROM \${BASE_IMAGE}\nRUN echo ${randomBytes(8).toString('hex')} && ls /sys/class/net > /opt/interfaces\nRUN test "$(cat /opt/interfaces)" = lo\n`,
    );
    const base = baseImageTag();
    image = agentImageTag('netcheck', dir, base);
    const lines: string[] = [];
    const built = await buildAgentImage({ name: 'netcheck', dir, image }, base, { docker, onLog: (l) => lines.push(l) });
    expect(built.built).toBe(true);
    expect(await imageExists(image, docker)).toBe(true);
  });
});
