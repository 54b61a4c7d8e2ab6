/**
 * A Docker bridge network as the host sees it: its interface, and the host's address on it (what
 * a container on that network dials to reach a service of the host). Engines differ in what they
 * report: Debian's docker.io 20.10 gives the default bridge a subnet but no `Gateway`, so the
 * address is looked for in three places, most authoritative first.
 */
import os from 'node:os';
import type Docker from 'dockerode';

/** The subset of `docker network inspect` this needs. */
export type BridgeNetworkInfo = Pick<Docker.NetworkInspectInfo, 'Id' | 'Name' | 'IPAM' | 'Options'>;

export type InterfaceAddresses = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

/** The host's interface for a bridge network: its configured name, docker0 for the default bridge, else br-<id12>. */
export function bridgeInterfaceOf(info: Pick<BridgeNetworkInfo, 'Id' | 'Name' | 'Options'>): string {
  const configured = info.Options?.['com.docker.network.bridge.name'];
  if (configured) return configured;
  if (info.Name === 'bridge') return 'docker0';
  return bridgeInterfaceOfId(info.Id);
}

/** The interface Docker names after a user-defined network's id. */
export function bridgeInterfaceOfId(networkId: string): string {
  return `br-${networkId.slice(0, 12)}`;
}

/** The first IPv4 subnet of the network, e.g. "172.17.0.0/16". */
function ipv4Subnet(info: BridgeNetworkInfo): string | undefined {
  return info.IPAM?.Config?.map((c) => c.Subnet).find((s): s is string => typeof s === 'string' && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s));
}

const toInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** "172.17.0.0/16" → "172.17.0.1": what Docker's default IPAM gives the bridge when it names no gateway. */
export function firstHostOf(cidr: string): string {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!base || !Number.isInteger(bits) || bits < 0 || bits > 30) throw new Error(`"${cidr}" is not an IPv4 subnet with room for hosts`);
  const size = 2 ** (32 - bits);
  return toIp(Math.floor(toInt(base) / size) * size + 1);
}

const inSubnet = (ip: string, cidr: string) => {
  const [base, bitsText] = cidr.split('/');
  const size = 2 ** (32 - Number(bitsText));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base!) / size);
};

/**
 * The host's address on a bridge network: the network's IPAM gateway; else the IPv4 address of
 * its bridge interface on this host (in the subnet, when one is known); else the subnet's first
 * host. Undefined only when the network tells none of these.
 */
export function hostAddressOf(info: BridgeNetworkInfo, interfaces: InterfaceAddresses = os.networkInterfaces()): string | undefined {
  const gateway = info.IPAM?.Config?.map((c) => c.Gateway).find((g): g is string => typeof g === 'string' && g.length > 0);
  if (gateway) return gateway;
  const subnet = ipv4Subnet(info);
  const onBridge = (interfaces[bridgeInterfaceOf(info)] ?? []).filter(
    (a) => a.family === 'IPv4' && (!subnet || inSubnet(a.address, subnet)),
  );
  if (onBridge[0]) return onBridge[0].address;
  return subnet ? firstHostOf(subnet) : undefined;
}
