/**
 * An LLM agent's network: one internal Docker network per run (shared by its retries), where the
 * only thing that answers is the harness's gateway, listening on the host side of the bridge
 * (firewall.ts drops the rest). Per run, so agents cannot reach each other; labelled like the
 * run's container, so `mlebench reap` and the worker's start-up sweep remove it.
 */
import path from 'node:path';
import type Docker from 'dockerode';
import { log } from '../log';
import { LABELS, RUNS_DIR_LABEL, dockerClient } from './docker';
import { InfraError, dockerCall, dockerStatus } from './errors';
import { bridgeInterfaceOf, bridgeInterfaceOfId, hostAddressOf } from './bridge';
import { allowOnlyGateway, removeBridgeRules } from './firewall';
import { containerName } from './spec';

export interface RunNetwork {
  id: string;
  name: string;
  /** The host's interface for it: what the firewall matches on. */
  bridge: string;
  /** The host's address on it: where the gateway listens for this run. */
  gatewayIp: string;
}

export interface RunNetworkRequest {
  runId: string;
  groupId: string;
  runDir: string;
}

export function runNetworkName(runId: string): string {
  return containerName(runId).replace(/^mlebench-/, 'mlebench-llm-');
}

function describe(info: Docker.NetworkInspectInfo): RunNetwork {
  const gatewayIp = hostAddressOf(info);
  if (!gatewayIp) {
    throw new InfraError(
      `docker network ${info.Name} tells no host address (no IPAM gateway, no IPv4 address on its bridge, no IPv4 subnet): ${JSON.stringify(info.IPAM?.Config ?? [])}`,
    );
  }
  return { id: info.Id, name: info.Name, bridge: bridgeInterfaceOf(info), gatewayIp };
}

async function inspectNetwork(docker: Docker, name: string): Promise<Docker.NetworkInspectInfo | undefined> {
  try {
    return await docker.getNetwork(name).inspect();
  } catch (err) {
    if (dockerStatus(err) === 404) return undefined;
    throw new InfraError(`docker: inspect network ${name}: ${(err as Error).message}`, { cause: err });
  }
}

/** The run's network: found (a re-attach, a retry) or created. */
export async function ensureRunNetwork(req: RunNetworkRequest, docker: Docker = dockerClient()): Promise<RunNetwork> {
  const name = runNetworkName(req.runId);
  const found = await inspectNetwork(docker, name);
  if (found) {
    if (found.Labels?.[LABELS.run] !== req.runId)
      throw new InfraError(`docker network ${name} belongs to run "${found.Labels?.[LABELS.run] ?? '?'}", not "${req.runId}"`);
    return describe(found);
  }
  try {
    await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      Internal: true,
      CheckDuplicate: true,
      Labels: { [LABELS.run]: req.runId, [LABELS.group]: req.groupId, [RUNS_DIR_LABEL]: path.resolve(req.runDir, '..', '..') },
    });
  } catch (err) {
    if (dockerStatus(err) !== 409) throw new InfraError(`docker: create network ${name}: ${(err as Error).message}`, { cause: err });
  }
  const created = await inspectNetwork(docker, name);
  if (!created) throw new InfraError(`docker network ${name} vanished right after it was created`);
  const described = describe(created);
  log.info({ runId: req.runId, network: name, gatewayIp: described.gatewayIp }, 'LLM network created');
  return described;
}

/** Lets the run's network reach the gateway's port on its host address, and nothing else. */
export async function restrictToGateway(net: RunNetwork, port: number): Promise<void> {
  await allowOnlyGateway(net.bridge, net.gatewayIp, port);
}

/** Removes the run's network and its firewall rules (after its container is gone). Idempotent. */
export async function removeRunNetwork(runId: string, docker: Docker = dockerClient()): Promise<void> {
  const name = runNetworkName(runId);
  const found = await inspectNetwork(docker, name);
  if (!found) return;
  await removeNetworkAndRules(docker, found.Id);
}

/** Removes one network by id, and its bridge's firewall rules; a network already gone is fine. */
export async function removeNetworkAndRules(docker: Docker, id: string): Promise<void> {
  await dockerCall(`remove network ${id}`, async () => {
    try {
      await docker.getNetwork(id).remove();
    } catch (err) {
      if (dockerStatus(err) !== 404) throw err;
    }
  });
  await removeBridgeRules(bridgeInterfaceOfId(id));
}
