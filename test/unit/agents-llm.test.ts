/** Agent configs for LLM agents: `llm`, `llmBudget` (merged field by field into variants) and the env the harness reserves for itself. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentConfigError, listAgents, resolveAgent } from '../../core/agents';
import { RESERVED_ENV } from '../../core/agents/config';

describe('LLM agent configs', () => {
  let dir: string;
  const agent = (name: string, config: string) => {
    mkdirSync(path.join(dir, name), { recursive: true });
    writeFileSync(path.join(dir, name, 'config.yaml'), config);
    writeFileSync(path.join(dir, name, 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n');
    return path.join(dir, name, 'config.yaml');
  };
  const rejection = async (id: string) => {
    const err = await resolveAgent(id, { agentsDir: dir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, id).toBeInstanceOf(AgentConfigError);
    return (err as Error).message;
  };
  const specs = async () => Object.fromEntries((await listAgents({ agentsDir: dir })).map((s) => [s.id, s]));

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'agents-llm-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('marks every variant of an `llm: true` agent, and no variant of one without it', async () => {
    agent('talker', 'description: x\nllm: true\nvariants:\n  v: { env: { A: 1 } }\n');
    agent('plain', 'description: x\nvariants:\n  v: { env: { A: 1 } }\n');
    agent('quiet', 'description: x\nllm: false\n');
    const s = await specs();
    expect(s.talker!.llm).toBe(true);
    expect(s['talker/v']!.llm).toBe(true);
    for (const id of ['plain', 'plain/v', 'quiet']) {
      expect(s[id], id).not.toHaveProperty('llm');
      expect(s[id], id).not.toHaveProperty('llmBudget');
    }
  });

  it('rejects an `llm` that is not a boolean, naming the file and field', async () => {
    const file = agent('bad', 'description: x\nllm: "yes"\n');
    const message = await rejection('bad');
    expect(message.startsWith(`${file}: llm: `)).toBe(true);
  });

  it('gives every variant the agent’s llmBudget, and merges a variant’s budget over it field by field', async () => {
    agent(
      'spender',
      [
        'description: x',
        'llm: true',
        'llmBudget: { maxTokens: 100000, maxRequests: 50 }',
        'variants:',
        '  cheap:',
        '    llmBudget: { maxRequests: 5, maxDollars: 0.5 }',
        '  same:',
        '    env: { A: 1 }',
        '  empty:',
        '    llmBudget: {}',
        '',
      ].join('\n'),
    );
    const s = await specs();
    expect(s.spender!.llmBudget).toEqual({ maxTokens: 100000, maxRequests: 50 });
    expect(s['spender/cheap']!.llmBudget).toEqual({ maxTokens: 100000, maxRequests: 5, maxDollars: 0.5 });
    expect(s['spender/same']!.llmBudget).toEqual({ maxTokens: 100000, maxRequests: 50 });
    expect(s['spender/empty']!.llmBudget).toEqual({ maxTokens: 100000, maxRequests: 50 });
    // A variant's budget is a copy: changing one spec's budget does not change another's.
    expect(s['spender/cheap']!.llmBudget).not.toBe(s.spender!.llmBudget);
  });

  it('gives a variant its own llmBudget when the agent has none, and the default variant none', async () => {
    agent('partial', 'description: x\nllm: true\nvariants:\n  capped:\n    llmBudget: { maxDollars: 2 }\n  free: { env: { A: 1 } }\n');
    const s = await specs();
    expect(s['partial/capped']!.llmBudget).toEqual({ maxDollars: 2 });
    expect(s.partial).not.toHaveProperty('llmBudget');
    expect(s['partial/free']).not.toHaveProperty('llmBudget');
  });

  it('rejects a bad llmBudget with the file, the field path and the reason', async () => {
    const cases: [string, string, RegExp][] = [
      ['zero', 'llmBudget: { maxTokens: 0 }', /: llmBudget\.maxTokens: at least 1 token$/],
      ['fraction', 'llmBudget: { maxRequests: 2.5 }', /: llmBudget\.maxRequests: /],
      ['free', 'llmBudget: { maxDollars: 0 }', /: llmBudget\.maxDollars: more than 0 dollars$/],
      ['negative', 'llmBudget: { maxDollars: -1 }', /: llmBudget\.maxDollars: more than 0 dollars$/],
      ['text', 'llmBudget: { maxTokens: "lots" }', /: llmBudget\.maxTokens: /],
      ['typo', 'llmBudget: { maxToken: 10 }', /: llmBudget: Unrecognized key: "maxToken"$/],
      ['notobject', 'llmBudget: 10', /: llmBudget: /],
      ['variant', 'variants:\n  v:\n    llmBudget: { maxRequests: 0 }', /: variants\.v\.llmBudget\.maxRequests: at least 1 request$/],
    ];
    for (const [name, yaml, reason] of cases) {
      const file = agent(name, `description: x\nllm: true\n${yaml}\n`);
      const message = await rejection(name);
      expect(message.startsWith(`${file}: `), name).toBe(true);
      expect(message, name).toMatch(reason);
    }
  });

  it('reserves the harness’s variables, LLM and technique ones included', () => {
    expect([...RESERVED_ENV]).toEqual(
      expect.arrayContaining([
        'COMPETITION_ID',
        'TIME_LIMIT_SECS',
        'SEED',
        'TECHNIQUE_TASK',
        'STEP_LIMIT',
        'OPENAI_API_KEY',
        'OPENAI_BASE_URL',
      ]),
    );
  });

  it('rejects an agent or variant env that sets a reserved variable, naming the file and field', async () => {
    for (const key of ['TECHNIQUE_TASK', 'STEP_LIMIT', 'OPENAI_API_KEY', 'OPENAI_BASE_URL']) {
      const name = `top-${key.toLowerCase().replace(/_/g, '-')}`;
      const file = agent(name, `description: x\nllm: true\nenv: { ${key}: "x" }\n`);
      expect(await rejection(name)).toBe(`${file}: env.${key}: ${key} is set by the harness and cannot be overridden`);

      const vname = `var-${key.toLowerCase().replace(/_/g, '-')}`;
      const vfile = agent(vname, `description: x\nllm: true\nvariants:\n  v:\n    env: { ${key}: "x" }\n`);
      expect(await rejection(`${vname}/v`)).toBe(`${vfile}: variants.v.env.${key}: ${key} is set by the harness and cannot be overridden`);
    }
  });

  it('names every reserved variable an env sets, not only the first', async () => {
    const file = agent('many', 'description: x\nenv: { OPENAI_API_KEY: a, OPENAI_BASE_URL: b, STEP_LIMIT: 3 }\n');
    const message = await rejection('many');
    expect(message.startsWith(`${file}: `)).toBe(true);
    for (const key of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'STEP_LIMIT'])
      expect(message).toContain(`env.${key}: ${key} is set by the harness`);
  });

  it('still allows variables that only look like reserved ones', async () => {
    agent('lookalike', 'description: x\nllm: true\nenv: { OPENAI_MODEL: gpt, STEP_LIMITS: 2, openai_api_key: lower }\n');
    expect((await resolveAgent('lookalike', { agentsDir: dir })).env).toEqual({
      OPENAI_MODEL: 'gpt',
      STEP_LIMITS: '2',
      openai_api_key: 'lower',
    });
  });
});
