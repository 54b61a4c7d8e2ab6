/**
 * The host firewall of LLM agents' networks. Docker's `internal` networks stop traffic *through*
 * the host (FORWARD), not *to* it (INPUT): without these rules an agent could reach any service
 * the host serves on any address. Traffic coming in from such a network's bridge is dropped,
 * except TCP to the gateway's own address and port. Rules live in one chain, MLEBENCH-LLM,
 * jumped to from INPUT (and ip6tables' INPUT, where link-local IPv6 could otherwise reach the host).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InfraError } from './errors';

const run = promisify(execFile);
export const FIREWALL_CHAIN = 'MLEBENCH-LLM';
type Tool = 'iptables' | 'ip6tables';

async function tables(tool: Tool, args: string[]): Promise<string> {
  try {
    // -w: wait for the xtables lock rather than fail when Docker (or another worker) holds it.
    const { stdout } = await run(tool, ['-w', ...args], { timeout: 30_000 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: string | number };
    if (e.code === 'ENOENT')
      throw new InfraError(`${tool} not found: the LLM gateway's firewall needs it (apt-get install iptables)`, { cause: err });
    throw new InfraError(
      `${tool} ${args.join(' ')}: ${(e.stderr || e.message).trim()} (the LLM gateway's firewall needs root, or CAP_NET_ADMIN)`,
      { cause: err },
    );
  }
}

async function ruleExists(tool: Tool, args: string[]): Promise<boolean> {
  try {
    await run(tool, ['-w', '-C', ...args], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

async function ensureChain(tool: Tool): Promise<void> {
  const chains = await tables(tool, ['-S']);
  if (!chains.split('\n').includes(`-N ${FIREWALL_CHAIN}`)) {
    try {
      await tables(tool, ['-N', FIREWALL_CHAIN]);
    } catch (err) {
      // Another worker made it between our look and now.
      if (!(await tables(tool, ['-S'])).split('\n').includes(`-N ${FIREWALL_CHAIN}`)) throw err;
    }
  }
  if (!(await ruleExists(tool, ['INPUT', '-j', FIREWALL_CHAIN]))) await tables(tool, ['-I', 'INPUT', '1', '-j', FIREWALL_CHAIN]);
}

/** Drops everything from `bridge` to the host but TCP to gatewayIp:port. Idempotent. */
export async function allowOnlyGateway(bridge: string, gatewayIp: string, port: number): Promise<void> {
  for (const tool of ['iptables', 'ip6tables'] as const) {
    await ensureChain(tool);
    const drop = [FIREWALL_CHAIN, '-i', bridge, '-j', 'DROP'];
    if (!(await ruleExists(tool, drop))) await tables(tool, ['-A', ...drop]);
  }
  const accept = [FIREWALL_CHAIN, '-i', bridge, '-d', gatewayIp, '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT'];
  // Before the bridge's DROP: the first match wins.
  if (!(await ruleExists('iptables', accept))) await tables('iptables', ['-I', FIREWALL_CHAIN, '1', ...accept.slice(1)]);
}

/** Removes every rule about `bridge` (the network is gone or going). Idempotent. */
export async function removeBridgeRules(bridge: string): Promise<void> {
  for (const tool of ['iptables', 'ip6tables'] as const) {
    let listing: string;
    try {
      listing = await tables(tool, ['-S', FIREWALL_CHAIN]);
    } catch {
      continue; // no chain: nothing of ours
    }
    for (const line of listing.split('\n')) {
      const words = line.trim().split(/\s+/);
      if (words[0] !== '-A' || !line.includes(` -i ${bridge} `)) continue;
      await tables(tool, ['-D', ...words.slice(1)]);
    }
  }
}

/** The rules of the chain, for tests and `mlebench reap`'s report. */
export async function listRules(tool: Tool = 'iptables'): Promise<string[]> {
  try {
    return (await tables(tool, ['-S', FIREWALL_CHAIN])).split('\n').filter((l) => l.startsWith('-A '));
  } catch {
    return [];
  }
}
