/** Docker-side helpers of the failure tests: a run's folder, its labelled leftovers (its events: dockerEvents.ts). */
import Docker from 'dockerode';

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
