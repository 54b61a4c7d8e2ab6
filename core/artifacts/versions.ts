/** Versions recorded in a group's metadata.json, so a result can be traced to what produced it. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../config';

let cached: Record<string, string> | undefined;

export async function harnessVersions(): Promise<Record<string, string>> {
  if (cached) return cached;
  const readVersion = async (file: string): Promise<string> => {
    try {
      return (JSON.parse(await fs.readFile(file, 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  cached = {
    harness: await readVersion(path.join(REPO_ROOT, 'package.json')),
    node: process.version,
    temporal_sdk: await readVersion(path.join(REPO_ROOT, 'node_modules', '@temporalio', 'worker', 'package.json')),
  };
  return cached;
}
