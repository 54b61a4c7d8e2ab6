/**
 * The competitions registry: every folder `competitions/<id>/` with a config.yaml is a
 * competition. Read from disk on each call (a handful of small files), so edits show at once.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { harnessPaths } from '../config';
import { COMPETITION_ID_PATTERN, loadCompetitionConfig } from './config';
import type { Competition } from './types';
import { PermanentError } from '../errors';

export interface RegistryOptions {
  /** Where competition folders live; defaults to the repository's competitions/. */
  competitionsDir?: string;
}

/**
 * An id that names no competition: permanent, and its name is the failure type clients see.
 */
export class UnknownCompetitionError extends PermanentError {
  override readonly name = 'UnknownCompetitionError';
  constructor(
    readonly competitionId: string,
    readonly knownIds: string[],
    /** Where it was looked for, when more than the registry (core/competitions/source.ts). */
    readonly lookedIn?: string,
  ) {
    super(
      `unknown competition "${competitionId}" (known: ${knownIds.length > 0 ? knownIds.join(', ') : 'none'})${lookedIn ? `; ${lookedIn}` : ''}`,
    );
  }
}

export function competitionsDirOf(options: RegistryOptions): string {
  return options.competitionsDir ?? harnessPaths().competitionsDir;
}

/** Ids of the folders that hold a config.yaml, sorted. */
export async function listCompetitionIds(options: RegistryOptions = {}): Promise<string[]> {
  const dir = competitionsDirOf(options);
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const ids: string[] = [];
  for (const name of entries.sort()) {
    if (!COMPETITION_ID_PATTERN.test(name)) continue;
    try {
      if ((await fs.stat(path.join(dir, name, 'config.yaml'))).isFile()) ids.push(name);
    } catch {
      // A folder without config.yaml is not a competition.
    }
  }
  return ids;
}

/** All competitions; a malformed config fails the listing with its file, field and reason. */
export async function listCompetitions(options: RegistryOptions = {}): Promise<Competition[]> {
  const ids = await listCompetitionIds(options);
  return Promise.all(ids.map((id) => loadCompetition(id, options)));
}

export async function loadCompetition(id: string, options: RegistryOptions = {}): Promise<Competition> {
  const known = await listCompetitionIds(options);
  // Checking against the listing first also keeps ids like "../x" away from the file system.
  if (!known.includes(id)) throw new UnknownCompetitionError(id, known);
  const dir = path.join(competitionsDirOf(options), id);
  const config = await loadCompetitionConfig(path.join(dir, 'config.yaml'), id);
  return {
    id,
    name: config.name,
    dir,
    descriptionPath: path.join(dir, config.description),
    leaderboardPath: path.join(dir, config.leaderboard),
    metric: config.metric,
    modality: config.modality,
    lite: config.lite,
    config,
  };
}
