/** Watches the Docker engine's container events of one run group: what started, what died, and how many at once. */
import Docker from 'dockerode';
import type { Readable } from 'node:stream';

export interface GroupContainerWatch {
  maxConcurrent: number;
  starts: number;
  /** Resolves once `n` containers of the group have started. */
  waitForStarts(n: number): Promise<void>;
  stop(): void;
}

export async function watchGroupContainers(groupId: string): Promise<GroupContainerWatch> {
  const docker = new Docker();
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['start', 'die'], label: [`mlebench.group=${groupId}`] },
  })) as Readable;
  let running = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const watch: GroupContainerWatch = {
    maxConcurrent: 0,
    starts: 0,
    waitForStarts(n) {
      if (watch.starts >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    stop: () => stream.destroy(),
  };
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      const event = JSON.parse(line) as { status?: string; Action?: string };
      const action = event.Action ?? event.status;
      if (action === 'start') {
        running++;
        watch.starts++;
        watch.maxConcurrent = Math.max(watch.maxConcurrent, running);
        for (const w of waiters.filter((w) => watch.starts >= w.n)) w.resolve();
      } else if (action === 'die') running--;
    }
  });
  return watch;
}

export async function groupContainers(groupId: string): Promise<Docker.ContainerInfo[]> {
  return new Docker().listContainers({ all: true, filters: { label: [`mlebench.group=${groupId}`] } });
}
