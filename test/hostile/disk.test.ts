/**
 * Disk (issue 15, item 6): an agent cannot put more than its quota into the runs folder by a
 * route around the scratch filesystem's size: a 15 TB sparse file and hard links (which the copy
 * out would write in full), or a flood of stdout (which the harness's agent.log would keep).
 * Measured with du on the real run folder.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIB, fact, hostileSuite } from './setup';

const suite = hostileSuite('disk');

/** Bytes the folder really takes on disk (du, blocks allocated). */
const du = (dir: string) => Number(execFileSync('du', ['-s', '-B1', dir], { encoding: 'utf8' }).split('\t')[0]);

describe('past the disk quota without filling the disk', () => {
  it('a 15 TB sparse file, a file hard-linked 100 times and 20 000 links to an empty file are copied out only up to the quota, the submission first', async () => {
    const quota = 512 * MIB;
    const run = await suite.runHostile('sparse', 'sparse', { limits: { diskBytes: quota, files: 5000 } });
    expect(run.result.exitCode, run.agentLog.slice(-2000)).toBe(0);
    const sparse = fact<{ size: number; allocated: number }>(run, 'sparse');
    expect(sparse.size).toBe(15 * 1024 ** 4);
    expect(sparse.allocated).toBeLessThan(MIB);
    const links = fact<{ real: number; empty: number; used_bytes: number }>(run, 'links');
    expect(links.empty).toBe(20_000);
    expect(links.used_bytes).toBeLessThan(64 * MIB); // what the agent really wrote

    const used = du(run.req.runDir);
    console.log(
      `sparse + links: the agent wrote ${links.used_bytes} bytes, ~1.6 GB + 15 TB apparent; the run folder takes ${used} bytes (quota ${quota})`,
    );
    expect(used).toBeLessThan(quota + 16 * MIB);
    expect(readFileSync(path.join(run.req.runDir, 'submission', 'submission.csv'), 'utf8')).toBe('id,label\n');
    expect(statSync(path.join(run.req.runDir, 'code', 'real.bin')).size).toBe(16 * MIB);
    const notCopied = run.result.notCopied ?? [];
    expect(notCopied).toContainEqual(
      expect.stringMatching(/^code\/huge\.bin: 16492674416640 bytes \(apparent size\), over the run's disk quota: \d+ of \d+ bytes left/),
    );
    expect(notCopied.some((l) => /^code\/links\/real-\d+\.bin: 16777216 bytes \(apparent size\), over the run's disk quota/.test(l))).toBe(
      true,
    );
    expect(notCopied.some((l) => /^code\/empty-links\/\d+: over the run's file quota \(\d+ files and folders/.test(l))).toBe(true);
    expect(notCopied.at(-1)).toMatch(/^\.\.\. and \d+ more$/);
    expect(readFileSync(path.join(run.req.runDir, 'logs', 'copy-out.log'), 'utf8')).toMatch(
      /code\/huge\.bin: 16492674416640 bytes \(apparent size\), over the run's disk quota/,
    );
  });
});

describe('a flood of stdout', () => {
  it('agent.log keeps its head and its tail past MLEBENCH_AGENT_LOG_MAX, says how much it dropped, and the run folder stays small', async () => {
    const cap = 4 * MIB;
    const flood = 100 * MIB;
    const run = await suite.runHostile('stdout', 'stdout', {
      limits: { logBytes: cap },
      agent: { ...suite.hostile(), env: { HOSTILE: 'stdout', HOSTILE_FLOOD_BYTES: String(flood) } },
    });
    expect(run.result.exitCode).toBe(0);
    const file = path.join(run.req.runDir, 'logs', 'agent.log');
    const size = statSync(file).size;
    const text = readFileSync(file, 'latin1');
    console.log(`stdout flood of ${flood} bytes: agent.log ${size} bytes (cap ${cap}), ${run.result.agentLogDroppedBytes} bytes dropped`);
    expect(text.startsWith('flood-start\n000000000 xxx')).toBe(true);
    const end = /flood-end (\d+)\n$/.exec(text);
    expect(end, text.slice(-200)).not.toBeNull();
    const marker =
      /\n\[mlebench: (\d+) bytes of the agent's output dropped here; agent\.log keeps its first (\d+) and last (\d+) bytes \(cap (\d+) bytes, MLEBENCH_AGENT_LOG_MAX\)\]\n/.exec(
        text,
      );
    expect(marker).not.toBeNull();
    const [dropped, head, tail, capped] = marker!.slice(1).map(Number) as [number, number, number, number];
    expect([head, tail, capped]).toEqual([cap / 2, cap / 2, cap]);
    expect(run.result.agentLogDroppedBytes).toBe(dropped);
    expect(size).toBe(head + tail + marker![0].length);
    // Everything printed is either kept or counted as dropped (Docker keeps the whole flood here: its 4 × 50 MB json-file logs).
    expect(head + tail + dropped).toBe(Number(end![1]) + 'flood-start\n'.length + `flood-end ${end![1]}\n`.length);
    expect(text.indexOf(marker![0])).toBe(head);
    expect(du(run.req.runDir)).toBeLessThan(cap + 2 * MIB);
  });
});
