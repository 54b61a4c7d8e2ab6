/**
 * The worker's LLM gateway, started from the environment: OPENAI_API_KEY (the upstream key: it
 * stays in this process), OPENAI_BASE_URL (any OpenAI-compatible server; the OpenAI API when
 * unset), MLEBENCH_GATEWAY_CONFIG (aliases and prices; default gateway.yaml at the repository's
 * root), MLEBENCH_GATEWAY_PORT (the host-only listener, 127.0.0.1; any free port by default).
 * Without a key there is no gateway, and an LLM agent's run ends saying how to give it one.
 */
import path from 'node:path';
import { REPO_ROOT } from '../core/config';
import { loadGatewayConfig, startGateway, type Gateway } from '../core/gateway';
import { log } from '../core/log';

export const DEFAULT_GATEWAY_CONFIG = path.join(REPO_ROOT, 'gateway.yaml');

export async function startGatewayFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Gateway | undefined> {
  if (!env.OPENAI_API_KEY) {
    log.info({ event: 'gateway.off' }, 'no OPENAI_API_KEY: no LLM gateway (LLM agents such as aide cannot run on this worker)');
    return undefined;
  }
  const port = env.MLEBENCH_GATEWAY_PORT ? Number(env.MLEBENCH_GATEWAY_PORT) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`MLEBENCH_GATEWAY_PORT must be a port number, not "${env.MLEBENCH_GATEWAY_PORT}"`);
  const config = await loadGatewayConfig(env.MLEBENCH_GATEWAY_CONFIG || DEFAULT_GATEWAY_CONFIG);
  return startGateway({ config, apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL || undefined, port });
}
