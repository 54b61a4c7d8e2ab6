/**
 * A container walled as the harness walls an agent's (uid 1000, no network, read-only root with
 * tmpfs /tmp, /home/agent and /home/logs, no capabilities), `dataDir` read-only at /home/data,
 * running the image's entrypoint with `cmd`: its exit code, stdout and stderr.
 */
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';

export async function runWalled(
  docker: Docker,
  image: string,
  cmd: string[],
  dataDir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    User: '1000:1000',
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,mode=1777', '/home/agent': 'rw,uid=1000,gid=1000,mode=0700', '/home/logs': 'rw,uid=1000,gid=1000' },
      Mounts: [{ Type: 'bind', Source: dataDir, Target: '/home/data', ReadOnly: true }],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
    },
  });
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const [out, err] = [new PassThrough(), new PassThrough()];
    const outChunks: Buffer[] = [];
    const errChunks: Buffer[] = [];
    out.on('data', (c: Buffer) => outChunks.push(c));
    err.on('data', (c: Buffer) => errChunks.push(c));
    docker.modem.demuxStream(stream, out, err);
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    return { code: StatusCode, stdout: Buffer.concat(outChunks).toString(), stderr: Buffer.concat(errChunks).toString() };
  } finally {
    await container.remove({ force: true });
  }
}
