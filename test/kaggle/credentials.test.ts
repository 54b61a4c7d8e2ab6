/** Kaggle credentials found where the kaggle CLI finds them, and clear messages when they are not usable. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeKaggleCredentials, KaggleCredentialsError, kaggleJsonPath, loadKaggleCredentials } from '../../core/kaggle';

function home(json?: string, mode = 0o600): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kaggle-home-'));
  if (json !== undefined) {
    mkdirSync(path.join(dir, '.kaggle'));
    writeFileSync(path.join(dir, '.kaggle', 'kaggle.json'), json, { mode });
  }
  return dir;
}

const fail = (env: NodeJS.ProcessEnv) =>
  loadKaggleCredentials(env).then(
    () => expect.fail('should have thrown'),
    (e: unknown) => e as Error,
  );

describe('Kaggle credentials', () => {
  it('reads ~/.kaggle/kaggle.json, and KAGGLE_USERNAME/KAGGLE_KEY before it', async () => {
    const h = home('{"username":"alice","key":"abc123"}');
    expect(await loadKaggleCredentials({ HOME: h })).toEqual({
      username: 'alice',
      key: 'abc123',
      source: path.join(h, '.kaggle', 'kaggle.json'),
      warnings: [],
    });
    expect(await loadKaggleCredentials({ HOME: h, KAGGLE_USERNAME: 'bob', KAGGLE_KEY: 'xyz' })).toMatchObject({
      username: 'bob',
      key: 'xyz',
      source: 'KAGGLE_USERNAME/KAGGLE_KEY',
    });
  });

  it('reads KAGGLE_CONFIG_DIR/kaggle.json', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaggle-config-'));
    writeFileSync(path.join(dir, 'kaggle.json'), '{"username":"carol","key":"k"}', { mode: 0o600 });
    expect(kaggleJsonPath({ KAGGLE_CONFIG_DIR: dir, HOME: '/nowhere' })).toBe(path.join(dir, 'kaggle.json'));
    expect(await loadKaggleCredentials({ KAGGLE_CONFIG_DIR: dir, HOME: '/nowhere' })).toMatchObject({ username: 'carol' });
  });

  it('warns when kaggle.json is readable by others, as the kaggle CLI does', async () => {
    const h = home('{"username":"alice","key":"abc123"}', 0o644);
    const file = path.join(h, '.kaggle', 'kaggle.json');
    expect((await loadKaggleCredentials({ HOME: h })).warnings).toEqual([
      `your Kaggle API key in ${file} is readable by other users of this machine; run "chmod 600 ${file}"`,
    ]);
  });

  it('says where to put a token when none is found', async () => {
    const h = home();
    const err = await fail({ HOME: h });
    const file = path.join(h, '.kaggle', 'kaggle.json');
    expect(err).toBeInstanceOf(KaggleCredentialsError);
    expect(err.message).toBe(
      `no Kaggle credentials: KAGGLE_USERNAME and KAGGLE_KEY are not set and ${file} does not exist. To download Kaggle competitions, ` +
        'create an API token at https://www.kaggle.com/settings (section "API", "Create New Token"), which downloads kaggle.json; ' +
        `save it as ${file} (chmod 600 ${file}), or set KAGGLE_USERNAME and KAGGLE_KEY to the "username" and "key" it holds.`,
    );
    expect(await describeKaggleCredentials({ HOME: h })).toEqual({
      found: false,
      detail: `credentials missing: no ${file} nor KAGGLE_USERNAME/KAGGLE_KEY`,
    });
  });

  it('names the file and the field when kaggle.json is malformed', async () => {
    let h = home('{"username": "alice", key: oops}');
    expect((await fail({ HOME: h })).message).toMatch(
      new RegExp(
        `^${path.join(h, '.kaggle', 'kaggle.json')} is not valid JSON \\(.+\\); it should be \\{"username": "...", "key": "..."\\}`,
      ),
    );
    h = home('{"username":"alice"}');
    expect((await fail({ HOME: h })).message).toMatch(/kaggle\.json has no "key" field; it should be/);
    h = home('{"username":"","key":"k"}');
    expect((await fail({ HOME: h })).message).toMatch(/kaggle\.json has no "username" string/);
    h = home('[]');
    expect((await fail({ HOME: h })).message).toMatch(/kaggle\.json should hold a JSON object/);
    expect((await describeKaggleCredentials({ HOME: h })).detail).toMatch(
      /^credentials unusable: .+kaggle\.json should hold a JSON object/,
    );
  });

  it('refuses half of the environment pair', async () => {
    expect((await fail({ HOME: home(), KAGGLE_USERNAME: 'alice' })).message).toMatch(/^KAGGLE_USERNAME is set but KAGGLE_KEY is not/);
    expect((await fail({ HOME: home(), KAGGLE_KEY: 'k' })).message).toMatch(/^KAGGLE_KEY is set but KAGGLE_USERNAME is not/);
  });
});
