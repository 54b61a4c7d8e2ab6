/** Docker's event stream read line by line (core/sandbox/docker.ts): chunks split anywhere, errors said. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { dockerEventLines, type DockerEvent } from '../../core/sandbox/docker';

// timeNano is past 2^53, as Docker's: the milliseconds survive.
const line = (action: string, id: string, attributes: Record<string, string>, timeNano: number) =>
  JSON.stringify({ Type: 'container', Action: action, Actor: { ID: id, Attributes: attributes }, timeNano }) + '\n';

describe('dockerEventLines', () => {
  it('parses events split across chunks (mid-line, mid-character, several in one), in order, at Docker time', async () => {
    const stream = new PassThrough();
    const seen: DockerEvent[] = [];
    const done = dockerEventLines(stream, (e) => seen.push(e));
    const text =
      line('create', 'c1', { 'mlebench.run': 'g/ünïcode/seed-1' }, 1_700_000_000_123 * 1e6 + 456_789) +
      line('start', 'c1', {}, 1_700_000_001_000 * 1e6);
    const bytes = Buffer.from(text + '\n' + line('die', 'c1', {}, 1_700_000_002_000 * 1e6));
    // Cut inside the first line, inside the two-byte "ü", and across the second and third lines.
    const cuts = [10, bytes.indexOf('ü') + 1, text.length - 5, bytes.length];
    let from = 0;
    for (const cut of cuts) {
      stream.write(bytes.subarray(from, cut));
      if (from === 0) expect(seen).toEqual([]);
      from = cut;
    }
    stream.end();
    await done;

    expect(seen).toEqual([
      { action: 'create', id: 'c1', attributes: { 'mlebench.run': 'g/ünïcode/seed-1' }, at: 1_700_000_000_123 },
      { action: 'start', id: 'c1', attributes: {}, at: 1_700_000_001_000 },
      { action: 'die', id: 'c1', attributes: {}, at: 1_700_000_002_000 },
    ]);
  });

  it('reads the old field names (status, time) and resolves when the stream is destroyed', async () => {
    const stream = new PassThrough();
    const seen: DockerEvent[] = [];
    const done = dockerEventLines(stream, (e) => seen.push(e));
    stream.write(JSON.stringify({ status: 'start', time: 1_700_000_000, Actor: { ID: 'c2' } }) + '\n{"Action":"di');
    await new Promise((resolve) => setImmediate(resolve));
    stream.destroy();
    await done;
    expect(seen).toEqual([{ action: 'start', id: 'c2', attributes: {}, at: 1_700_000_000_000 }]);
  });

  it("rejects with the stream's error, and on a line that is not JSON", async () => {
    const failing = new PassThrough();
    const failed = dockerEventLines(failing, () => undefined);
    failing.destroy(new Error('socket hang up'));
    await expect(failed).rejects.toThrow('socket hang up');

    const garbled = new PassThrough();
    const seen: DockerEvent[] = [];
    const read = dockerEventLines(garbled, (e) => seen.push(e));
    garbled.write(line('create', 'c3', {}, 1) + 'not json\n' + line('start', 'c3', {}, 2));
    await expect(read).rejects.toThrow(/Docker's event stream sent a line that is not JSON .*: not json/);
    expect(seen.map((e) => e.action)).toEqual(['create']);
  });
});
