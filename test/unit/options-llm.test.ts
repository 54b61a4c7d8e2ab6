/** Run options for LLM agents: `llmBudget` (a strict object of positive numbers) and `stepLimit`, bad fields named by path. */
import { describe, expect, it } from 'vitest';
import { InvalidRunOptionsError, parseRunOptions } from '../../core/options';

const base = { agentId: 'aide', competitions: ['spaceship-titanic'] };

function issuesOf(input: unknown): { field: string; reason: string }[] {
  try {
    parseRunOptions(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRunOptionsError);
    return (err as InvalidRunOptionsError).issues;
  }
  throw new Error(`accepted: ${JSON.stringify(input)}`);
}

describe('run option llmBudget', () => {
  it('is optional, and absent when not given', () => {
    expect(parseRunOptions(base).llmBudget).toBeUndefined();
  });

  it('keeps the fields given, and only those', () => {
    expect(parseRunOptions({ ...base, llmBudget: { maxTokens: 200_000, maxRequests: 30, maxDollars: 1.25 } }).llmBudget).toEqual({
      maxTokens: 200_000,
      maxRequests: 30,
      maxDollars: 1.25,
    });
    expect(parseRunOptions({ ...base, llmBudget: { maxRequests: 1 } }).llmBudget).toStrictEqual({ maxRequests: 1 });
    expect(parseRunOptions({ ...base, llmBudget: {} }).llmBudget).toStrictEqual({});
    expect(parseRunOptions({ ...base, llmBudget: { maxDollars: 0.0001 } }).llmBudget).toEqual({ maxDollars: 0.0001 });
  });

  it('rejects bad fields with their path and why', () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ maxTokens: 0 }, 'llmBudget.maxTokens', /at least 1 token/],
      [{ maxTokens: -5 }, 'llmBudget.maxTokens', /at least 1 token/],
      [{ maxTokens: 10.5 }, 'llmBudget.maxTokens', /\bint\b/i],
      [{ maxTokens: '1000' }, 'llmBudget.maxTokens', /number/i],
      [{ maxRequests: 0 }, 'llmBudget.maxRequests', /at least 1 request/],
      [{ maxRequests: 1.5 }, 'llmBudget.maxRequests', /\bint\b/i],
      [{ maxDollars: 0 }, 'llmBudget.maxDollars', /more than 0 dollars/],
      [{ maxDollars: -0.5 }, 'llmBudget.maxDollars', /more than 0 dollars/],
      [{ maxDollars: Infinity }, 'llmBudget.maxDollars', /./],
      [{ maxDollars: Number.NaN }, 'llmBudget.maxDollars', /./],
      [{ maxDollars: null }, 'llmBudget.maxDollars', /number/i],
    ];
    for (const [llmBudget, field, reason] of cases) {
      const issues = issuesOf({ ...base, llmBudget });
      expect(
        issues.map((i) => i.field),
        JSON.stringify(llmBudget),
      ).toEqual([field]);
      expect(issues[0]!.reason, JSON.stringify(llmBudget)).toMatch(reason);
    }
  });

  it('is strict: an unknown field is named', () => {
    const issues = issuesOf({ ...base, llmBudget: { maxTokens: 10, maxTokenz: 10 } });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.field).toBe('llmBudget');
    expect(issues[0]!.reason).toMatch(/maxTokenz/);
  });

  it('must be an object', () => {
    for (const llmBudget of [5, 'cheap', null, [1]]) {
      expect(
        issuesOf({ ...base, llmBudget }).map((i) => i.field),
        JSON.stringify(llmBudget),
      ).toEqual(['llmBudget']);
    }
  });

  it('names every bad field at once, with the other options’ errors', () => {
    let err: unknown;
    try {
      parseRunOptions({ ...base, nSeeds: 0, llmBudget: { maxTokens: 0, maxRequests: 0, maxDollars: 0 }, stepLimit: 0 }, 'request body');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidRunOptionsError);
    const fields = (err as InvalidRunOptionsError).issues.map((i) => i.field).sort();
    expect(fields).toEqual(['llmBudget.maxDollars', 'llmBudget.maxRequests', 'llmBudget.maxTokens', 'nSeeds', 'stepLimit']);
    expect((err as Error).message).toMatch(/^invalid request body: /);
    expect((err as Error).message).toContain('llmBudget.maxTokens: at least 1 token');
  });
});

describe('run option stepLimit', () => {
  it('is optional, and a whole number from 1 to 100000', () => {
    expect(parseRunOptions(base).stepLimit).toBeUndefined();
    expect(parseRunOptions({ ...base, stepLimit: 1 }).stepLimit).toBe(1);
    expect(parseRunOptions({ ...base, stepLimit: 100_000 }).stepLimit).toBe(100_000);
  });

  it('rejects anything else, naming stepLimit', () => {
    for (const stepLimit of [0, -1, 100_001, 2.5, '10', null, Number.NaN]) {
      const issues = issuesOf({ ...base, stepLimit });
      expect(
        issues.map((i) => i.field),
        String(stepLimit),
      ).toEqual(['stepLimit']);
    }
  });

  it('goes with llmBudget on the same run', () => {
    const o = parseRunOptions({ ...base, stepLimit: 20, llmBudget: { maxRequests: 100 } });
    expect(o).toMatchObject({ stepLimit: 20, llmBudget: { maxRequests: 100 }, agentId: 'aide' });
  });
});
