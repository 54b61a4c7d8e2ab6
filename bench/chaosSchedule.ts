/**
 * The chaos benchmark's fault schedule: a pure function of a seed and the window's length, so a
 * seed printed by one run replays the same faults (their times, targets, signals and outages).
 */

export type Fault =
  | { kind: 'worker'; at: number; host: number; signal: 'SIGKILL' | 'SIGTERM'; downMs: number }
  | { kind: 'server'; at: number; downMs: number }
  | { kind: 'docker'; at: number; downMs: number }
  | { kind: 'cancel'; at: number; pick: number };

export interface ScheduleOptions {
  seed: number;
  /** The window's length; every fault starts inside it. */
  durationMs: number;
  hosts: number;
  /** How long the Docker engine is paused. */
  dockerDownMs: number;
}

/** mulberry32: a small, good-enough PRNG whose whole state is the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Worker faults every 30-90 s (a host at random, SIGKILL or SIGTERM, down 5-45 s: longer than
 * the agent step's heartbeat time-out, shorter than a host's dead time), a server restart every
 * ~10 minutes (at least one; down 5-20 s), one Docker pause and one cancelled run, in time order.
 * The first fault waits 45 s, so the first containers have started.
 */
export function chaosSchedule(opts: ScheduleOptions): Fault[] {
  const rand = prng(opts.seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const D = opts.durationMs;
  const faults: Fault[] = [];
  for (let at = between(45_000, 75_000); at < D; at += between(30_000, 90_000)) {
    faults.push({
      kind: 'worker',
      at,
      host: 1 + Math.floor(rand() * opts.hosts),
      signal: rand() < 0.5 ? 'SIGKILL' : 'SIGTERM',
      downMs: between(5_000, 45_000),
    });
  }
  const servers = Math.max(1, Math.round(D / 600_000));
  for (let i = 0; i < servers; i++) {
    faults.push({ kind: 'server', at: between(((i + 0.2) * D) / servers, ((i + 0.8) * D) / servers), downMs: between(5_000, 20_000) });
  }
  faults.push({ kind: 'docker', at: between(0.3 * D, 0.7 * D), downMs: opts.dockerDownMs });
  faults.push({ kind: 'cancel', at: between(0.15 * D, 0.4 * D), pick: rand() });
  return faults.sort((a, b) => a.at - b.at);
}

export function describeFault(f: Fault, hostName: (i: number) => string): string {
  const down = 'downMs' in f ? ` (down ${(f.downMs / 1000).toFixed(1)} s)` : '';
  switch (f.kind) {
    case 'worker':
      return `${f.signal} the worker of ${hostName(f.host)}, restart it${down}`;
    case 'server':
      return `restart the Temporal server${down}`;
    case 'docker':
      return `pause the Docker engine${down}`;
    case 'cancel':
      return 'cancel one run (one whose agent is working)';
  }
}
