/**
 * The process's environment reaches core/ only through useEnvironment (core/config.ts): what an
 * entry point hands over is what paths and settings follow, by reference; before
 * anything is handed over every setting is at its default.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { environment, harnessPaths, REPO_ROOT, temporalCliPath, useEnvironment } from '../../core/config';
import { defaultSandboxLimits } from '../../core/sandbox/spec';
import { configuredCheckoutPath } from '../../core/mlebench/checkout';

afterEach(() => {
  // The tests' setup handed over process.env; give it back.
  useEnvironment(process.env);
});

describe('the process environment', () => {
  it('is what paths and settings follow', () => {
    useEnvironment({
      MLEBENCH_HOME: '/h',
      MLEBENCH_DATA_DIR: '/d',
      MLEBENCH_AGENT_PIDS: '64',
      MLEBENCH_REPO: '/m',
    });
    expect(harnessPaths()).toMatchObject({ home: '/h', dataDir: '/d', runsDir: path.join(REPO_ROOT, 'runs') });
    expect(temporalCliPath()).toBe('/h/bin/temporal');
    expect(defaultSandboxLimits().pidsLimit).toBe(64);
    expect(configuredCheckoutPath()).toBe('/m');
  });

  it('is kept by reference: a variable set later is seen', () => {
    const env: Record<string, string | undefined> = {};
    useEnvironment(env);
    expect(configuredCheckoutPath()).toBeUndefined();
    env.MLEBENCH_REPO = '/later';
    expect(configuredCheckoutPath()).toBe('/later');
    expect(environment()).toBe(env);
  });

  it('empty, every setting is at its default', () => {
    useEnvironment({});
    expect(harnessPaths()).toMatchObject({
      home: path.join(REPO_ROOT, '.mlebench'),
      dataDir: path.join(REPO_ROOT, '.mlebench', 'data'),
      competitionsDir: path.join(REPO_ROOT, 'competitions'),
    });
    expect(defaultSandboxLimits().pidsLimit).toBe(1024);
  });
});
