/** Watches the Docker engine's container events of one run group: what was created, started, died, how many at once. */
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { dockerEventLines, LABELS } from '../../core/sandbox/docker';

export interface ContainerEvent {
  action: string;
  id: string;
  name: string;
  /** The container's `mlebench.run` label. */
  run: string;
  attributes: Record<string, string>;
  /** When the watcher saw it (ms since the epoch). */
  at: number;
}

export interface GroupEvents {
  events: ContainerEvent[];
  /** Resolves with the first event matching (an action, or a predicate), already seen or coming. */
  next(match: string | ((e: ContainerEvent) => boolean)): Promise<ContainerEvent>;
  count(action: string): number;
  stop(): void;
}

/** Docker's create/start/die/destroy events of a group's containers, from now on. */
export async function watchGroupEvents(groupId: string, onEvent?: (e: ContainerEvent) => void): Promise<GroupEvents> {
  const stream = (await new Docker().getEvents({
    filters: { type: ['container'], event: ['create', 'start', 'die', 'destroy'], label: [`${LABELS.group}=${groupId}`] },
  })) as Readable;
  const events: ContainerEvent[] = [];
  const waiters: { pred: (e: ContainerEvent) => boolean; resolve: (e: ContainerEvent) => void }[] = [];
  // A stream that fails ends the watch: the events seen stay, waiters wait on (the test's time-out says it).
  void dockerEventLines(stream, (e) => {
    const event: ContainerEvent = { ...e, name: e.attributes.name ?? '', run: e.attributes[LABELS.run] ?? '', at: Date.now() };
    events.push(event);
    onEvent?.(event);
    for (const w of waiters.filter((w) => w.pred(event))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(event);
    }
  }).catch(() => undefined);
  return {
    events,
    next(match) {
      const pred = typeof match === 'string' ? (e: ContainerEvent) => e.action === match : match;
      const past = events.find(pred);
      return past ? Promise.resolve(past) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    count: (action) => events.filter((e) => e.action === action).length,
    stop: () => stream.destroy(),
  };
}

export interface GroupContainerWatch {
  maxConcurrent: number;
  starts: number;
  /** Resolves once `n` containers of the group have started. */
  waitForStarts(n: number): Promise<void>;
  stop(): void;
}

/** How many of a group's containers started, and the most that ran at once. */
export async function watchGroupContainers(groupId: string): Promise<GroupContainerWatch> {
  let running = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const watch: GroupContainerWatch = {
    maxConcurrent: 0,
    starts: 0,
    waitForStarts(n) {
      if (watch.starts >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    stop: () => undefined,
  };
  const events = await watchGroupEvents(groupId, (event) => {
    if (event.action === 'start') {
      running++;
      watch.starts++;
      watch.maxConcurrent = Math.max(watch.maxConcurrent, running);
      for (const w of waiters.filter((w) => watch.starts >= w.n)) w.resolve();
    } else if (event.action === 'die') running--;
  });
  watch.stop = () => events.stop();
  return watch;
}

export async function groupContainers(groupId: string): Promise<Docker.ContainerInfo[]> {
  return new Docker().listContainers({ all: true, filters: { label: [`${LABELS.group}=${groupId}`] } });
}
