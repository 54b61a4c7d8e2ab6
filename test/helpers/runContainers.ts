/** Docker-side helpers of the failure tests: a run's container events, its run folder, its labelled leftovers. */
import Docker from 'dockerode';
import type { Readable } from 'node:stream';

export interface ContainerEvent {
  action: string;
  id: string;
  name: string;
  attributes: Record<string, string>;
}

/** Container start/die events of one run group, as they come; `next(pred)` awaits the first match (past or future). */
export async function watchGroupEvents(groupId: string) {
  const docker = new Docker();
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['create', 'start', 'die', 'destroy'], label: [`mlebench.group=${groupId}`] },
  })) as Readable;
  const events: ContainerEvent[] = [];
  const waiters: { pred: (e: ContainerEvent) => boolean; resolve: (e: ContainerEvent) => void }[] = [];
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      const raw = JSON.parse(line) as { Action?: string; status?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
      const attributes = raw.Actor?.Attributes ?? {};
      const event = { action: raw.Action ?? raw.status ?? '', id: raw.Actor?.ID ?? '', name: attributes.name ?? '', attributes };
      events.push(event);
      for (const w of waiters.filter((w) => w.pred(event))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  return {
    events,
    next(pred: (e: ContainerEvent) => boolean): Promise<ContainerEvent> {
      const past = events.find(pred);
      if (past) return Promise.resolve(past);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    stop: () => stream.destroy(),
  };
}

/** The host folder mounted at /home/submission of a container: its run's submission folder. */
export async function submissionDirOf(containerId: string): Promise<string> {
  const info = await new Docker().getContainer(containerId).inspect();
  const mount = info.Mounts.find((m) => m.Destination === '/home/submission');
  if (!mount) throw new Error(`container ${containerId} has no /home/submission mount`);
  return mount.Source;
}

/** Polls `condition` every 100 ms until it holds or `ms` pass. */
export async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Containers, networks and volumes carrying a label (e.g. `mlebench.group=<id>`). */
export async function labelled(label: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const docker = new Docker();
  const filters = { label: [label] };
  return {
    containers: (await docker.listContainers({ all: true, filters })).map((c) => c.Names[0] ?? c.Id),
    networks: (await docker.listNetworks({ filters })).map((n) => n.Name),
    volumes: ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name),
  };
}
