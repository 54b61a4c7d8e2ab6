/**
 * The user's Kaggle API credentials, found where the official `kaggle` CLI finds them:
 * KAGGLE_USERNAME and KAGGLE_KEY in the environment, else kaggle.json in KAGGLE_CONFIG_DIR or
 * ~/.kaggle. Nothing is cached or copied: the key is read when a download needs it.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KAGGLE_TOKEN_HELP, KaggleCredentialsError } from './errors';
import { environment, type Env } from '../config';

export interface KaggleCredentials {
  username: string;
  key: string;
  /** Where they came from: "KAGGLE_USERNAME/KAGGLE_KEY" or the kaggle.json path. */
  source: string;
  /** E.g. a kaggle.json readable by other users. */
  warnings: string[];
}

/** The kaggle.json the CLI would read: `$KAGGLE_CONFIG_DIR/kaggle.json`, else `~/.kaggle/kaggle.json`. */
export function kaggleJsonPath(env: Env = environment()): string {
  const dir = env.KAGGLE_CONFIG_DIR?.trim() || path.join(env.HOME?.trim() || os.homedir(), '.kaggle');
  return path.join(path.resolve(dir), 'kaggle.json');
}

function missingMessage(file: string): string {
  return (
    `no Kaggle credentials: KAGGLE_USERNAME and KAGGLE_KEY are not set and ${file} does not exist. ` +
    `To download Kaggle competitions, ${KAGGLE_TOKEN_HELP}; save it as ${file} (chmod 600 ${file}), ` +
    'or set KAGGLE_USERNAME and KAGGLE_KEY to the "username" and "key" it holds.'
  );
}

/** Reads the credentials, or throws KaggleCredentialsError saying what is missing or malformed and how to fix it. */
export async function loadKaggleCredentials(env: Env = environment()): Promise<KaggleCredentials> {
  const envUser = env.KAGGLE_USERNAME?.trim();
  const envKey = env.KAGGLE_KEY?.trim();
  if (envUser && envKey) return { username: envUser, key: envKey, source: 'KAGGLE_USERNAME/KAGGLE_KEY', warnings: [] };
  if (envUser || envKey) {
    const [set, unset] = envUser ? ['KAGGLE_USERNAME', 'KAGGLE_KEY'] : ['KAGGLE_KEY', 'KAGGLE_USERNAME'];
    throw new KaggleCredentialsError(
      `${set} is set but ${unset} is not: set both (from your kaggle.json's "username" and "key"), or neither to use ${kaggleJsonPath(env)}`,
    );
  }

  const file = kaggleJsonPath(env);
  let text: string;
  let mode: number;
  try {
    const handle = await fs.open(file, 'r');
    try {
      mode = (await handle.stat()).mode;
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KaggleCredentialsError(missingMessage(file));
    if (code === 'EISDIR') throw new KaggleCredentialsError(`${file} is a folder, not the kaggle.json file; ${KAGGLE_TOKEN_HELP}`);
    throw new KaggleCredentialsError(`cannot read ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new KaggleCredentialsError(
      `${file} is not valid JSON (${(err as Error).message}); it should be {"username": "...", "key": "..."} as Kaggle gives it: ${KAGGLE_TOKEN_HELP}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new KaggleCredentialsError(`${file} should hold a JSON object {"username": "...", "key": "..."}; ${KAGGLE_TOKEN_HELP}`);
  }
  const record = parsed as Record<string, unknown>;
  const fields: Record<'username' | 'key', string> = { username: '', key: '' };
  for (const field of ['username', 'key'] as const) {
    const value = record[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new KaggleCredentialsError(
        `${file} has no "${field}" ${value === undefined ? 'field' : 'string'}; it should be {"username": "...", "key": "..."} as Kaggle gives it: ${KAGGLE_TOKEN_HELP}`,
      );
    }
    fields[field] = value.trim();
  }

  const warnings: string[] = [];
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    warnings.push(`your Kaggle API key in ${file} is readable by other users of this machine; run "chmod 600 ${file}"`);
  }
  return { ...fields, source: file, warnings };
}

/** Whether credentials would be found, and where (or why not), without throwing: for `mlebench list`. */
export async function describeKaggleCredentials(env: Env = environment()): Promise<{ found: boolean; detail: string }> {
  try {
    const creds = await loadKaggleCredentials(env);
    return { found: true, detail: `credentials found (${creds.source})` };
  } catch (err) {
    if (!(err instanceof KaggleCredentialsError)) throw err;
    const file = kaggleJsonPath(env);
    const missing = err.message.startsWith('no Kaggle credentials');
    return {
      found: false,
      detail: missing ? `credentials missing: no ${file} nor KAGGLE_USERNAME/KAGGLE_KEY` : `credentials unusable: ${err.message}`,
    };
  }
}
