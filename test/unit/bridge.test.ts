/**
 * The host's address on a Docker bridge network, from the descriptions engines really give:
 * Debian's docker.io 20.10 reports the default bridge with a subnet and no gateway.
 */
import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { bridgeInterfaceOf, firstHostOf, hostAddressOf, type BridgeNetworkInfo, type InterfaceAddresses } from '../../core/sandbox/bridge';

const v4 = (address: string, cidr: string): os.NetworkInterfaceInfo => ({
  address,
  cidr,
  family: 'IPv4',
  netmask: '255.255.0.0',
  mac: '02:42:00:00:00:00',
  internal: false,
});
const v6 = (address: string): os.NetworkInterfaceInfo => ({
  address,
  cidr: `${address}/64`,
  family: 'IPv6',
  netmask: 'ffff:ffff:ffff:ffff::',
  mac: '02:42:00:00:00:00',
  internal: false,
  scopeid: 0,
});

/** `docker network inspect bridge` on Debian's docker.io 20.10. */
const defaultBridgeNoGateway: BridgeNetworkInfo = {
  Id: '6f0e9d3c4b2a19e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4',
  Name: 'bridge',
  IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '172.17.0.0/16' }] } as unknown as BridgeNetworkInfo['IPAM'],
  Options: { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.name': 'docker0' },
};
/** A user-defined internal network (what the harness makes per LLM run). */
const userNetwork: BridgeNetworkInfo = {
  Id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
  Name: 'mlebench-llm-x',
  IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }] },
  Options: {},
};
const docker0: InterfaceAddresses = {
  lo: [v4('127.0.0.1', '127.0.0.1/8')],
  docker0: [v6('fe80::42:1'), v4('172.17.0.1', '172.17.0.1/16')],
};

describe('the host address on a bridge network', () => {
  it("is the network's IPAM gateway when it reports one", () => {
    expect(hostAddressOf(userNetwork, {})).toBe('172.18.0.1');
    expect(bridgeInterfaceOf(userNetwork)).toBe('br-a1b2c3d4e5f6');
  });

  it("without a gateway: the bridge interface's IPv4 address on this host", () => {
    expect(bridgeInterfaceOf(defaultBridgeNoGateway)).toBe('docker0');
    expect(hostAddressOf(defaultBridgeNoGateway, docker0)).toBe('172.17.0.1');
    // An engine configured with another address for the bridge (dockerd --bip): the interface says so.
    const bip = { ...defaultBridgeNoGateway, IPAM: { Driver: 'default', Config: [{ Subnet: '10.200.0.0/24' }] } };
    expect(hostAddressOf(bip, { docker0: [v4('10.200.0.254', '10.200.0.254/24')] })).toBe('10.200.0.254');
    // The default bridge named by its name alone (no options): docker0.
    expect(hostAddressOf({ ...defaultBridgeNoGateway, Options: {} }, { docker0: [v4('172.17.0.1', '172.17.0.1/16')] })).toBe('172.17.0.1');
  });

  it("an interface address outside the network's subnet is not taken for it", () => {
    expect(hostAddressOf(defaultBridgeNoGateway, { docker0: [v4('192.168.5.1', '192.168.5.1/24')] })).toBe('172.17.0.1');
  });

  it("without a gateway or an interface here (a remote engine): the subnet's first host", () => {
    expect(hostAddressOf(defaultBridgeNoGateway, {})).toBe('172.17.0.1');
    expect(firstHostOf('10.1.2.128/25')).toBe('10.1.2.129');
    expect(firstHostOf('10.1.2.77/24')).toBe('10.1.2.1');
  });

  it('nothing to go on: undefined, and a subnet with no room for hosts is refused', () => {
    expect(hostAddressOf({ Id: 'x', Name: 'none', IPAM: { Driver: 'default', Config: [] }, Options: {} }, docker0)).toBeUndefined();
    expect(
      hostAddressOf({ Id: 'x', Name: 'v6only', IPAM: { Driver: 'default', Config: [{ Subnet: 'fd00::/64' }] }, Options: {} }, {}),
    ).toBeUndefined();
    expect(() => firstHostOf('10.0.0.1/32')).toThrow(/no.*room for hosts|not an IPv4 subnet/);
  });
});
