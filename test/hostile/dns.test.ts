/**
 * DNS (issue 15, item 9): an LLM agent's network gives it no resolver that forwards outside.
 * Proved from inside the container, with traffic only on its own loopback and its run's network:
 * resolv.conf names only Docker's embedded resolver; a lookup, and a query straight to that
 * resolver, fail; a server the agent runs on its own loopback receives what the resolver
 * forwards (the control: forwarding goes there, inside the container's namespace, and nowhere
 * else); and a packet sniffer on every interface of the host (python3, AF_PACKET) sees no
 * packet carrying the queried names while the container runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { removeGroupContainers } from '../../core/sandbox';
import { ensureRunNetwork, removeRunNetwork, restrictToGateway } from '../../core/sandbox/llmNetwork';
import { fact, hostileSuite } from './setup';

const suite = hostileSuite('dns');
const networks: string[] = [];

afterAll(async () => {
  await removeGroupContainers(suite.group);
  for (const runId of networks) await removeRunNetwork(runId);
});

/** Every frame on every interface of the host (lo and the run's bridge included), matched against `needle`. */
const SNIFFER = `
import socket, sys
needle = sys.argv[1].encode()
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
print("ready", flush=True)
while True:
    frame, addr = s.recvfrom(65535)
    at = frame.find(needle)
    if at >= 0:
        after = frame[at + len(needle):at + len(needle) + 24]
        print("seen", addr[0], "".join(chr(b) if 45 <= b < 123 else "." for b in after), flush=True)
`;

/**
 * The sniffer, ready and proved to see: a datagram carrying the needle sent to the host's own
 * loopback (port 9, discard) is seen before this resolves.
 */
async function startSniffer(needle: string): Promise<{ child: ChildProcess; seen: string[]; stop: () => Promise<void> }> {
  const child = spawn('python3', ['-c', SNIFFER, needle], { stdio: ['ignore', 'pipe', 'inherit'] });
  const seen: string[] = [];
  let onSeen = () => {};
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line === 'ready') resolve();
        else if (line.startsWith('seen')) {
          seen.push(line);
          onSeen();
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`the packet sniffer exited with ${code} before it was ready`)));
  });
  const checked = new Promise<void>((resolve) => (onSeen = resolve));
  const udp = createSocket('udp4');
  udp.send(`${needle}-sniffer-check`, 9, '127.0.0.1', () => udp.close());
  await checked;
  const stop = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { child, seen, stop };
}

describe('an LLM agent’s DNS', () => {
  it('resolv.conf names only the embedded resolver, which forwards only to the container’s own loopback: nothing leaves', async () => {
    const name = `mlebench-dns-${randomBytes(6).toString('hex')}`;
    const req = suite.request('dns', 'dns', {});
    networks.push(req.runId);
    const net = await ensureRunNetwork({ runId: req.runId, groupId: suite.group, runDir: req.runDir });
    await restrictToGateway(net, 9); // as a real run: the host answers only the gateway's port on this bridge
    const sniffer = await startSniffer(name);
    let run;
    try {
      run = await suite.runHostile('dns', 'dns', {
        agent: { ...suite.hostile(), env: { HOSTILE: 'dns', HOSTILE_DNS_NAME: name } },
        llm: { networkName: net.name, env: { OPENAI_API_KEY: 'not-a-key', OPENAI_BASE_URL: `http://${net.gatewayIp}:9/v1` } },
      });
    } finally {
      await sniffer.stop();
      await removeRunNetwork(req.runId);
    }
    expect(run.result.exitCode, run.agentLog.slice(-2000)).toBe(0);
    expect(run.inspected?.HostConfig.Dns).toEqual(['127.0.0.1']);

    const resolv = fact<string[]>(run, 'resolv_conf');
    console.log(
      `resolv.conf: ${JSON.stringify(resolv)}; lookup ${JSON.stringify(fact(run, 'lookup'))}; embedded ${JSON.stringify(fact(run, 'embedded'))}`,
    );
    expect(resolv.filter((l) => l.startsWith('nameserver'))).toEqual(['nameserver 127.0.0.11']);
    expect(resolv.filter((l) => l.startsWith('search'))).toEqual([]);
    expect(fact(run, 'lookup')).toMatchObject({ error: 'Temporary failure in name resolution' });
    // Straight to the embedded resolver: no answer (nothing answers where it forwards).
    expect(fact(run, 'embedded')).toMatchObject({ error: 'TimeoutError' });
    // The control: with a server of the agent's own on its loopback, the resolver forwards there, from inside the container.
    expect(fact(run, 'embedded_with_own_server')).toMatchObject({ rcode: 3, answers: 0 });
    expect(fact(run, 'own_server')).toEqual({ seen: [{ name: `${name}-control.example.com`, from: '127.0.0.1' }] });
    // And on the host, on every interface, no packet carried the names: only the sniffer's own check.
    expect(sniffer.seen.length).toBeGreaterThan(0);
    expect(sniffer.seen.filter((l) => !/ lo -sniffer-check$/.test(l))).toEqual([]);
  });
});
