import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { InvalidCompetitionConfigError, listCompetitions, loadCompetition, UnknownCompetitionError } from '../../core/competitions';
import { harnessPaths } from '../../core/config';

const realDir = harnessPaths().competitionsDir;

describe('competitions registry', () => {
  it('loads the bundled sotu-authorship competition', async () => {
    const c = await loadCompetition('sotu-authorship');
    expect(c).toMatchObject({ id: 'sotu-authorship', metric: 'multiclass-log-loss', modality: 'text', lite: true });
    expect(c.dir).toBe(path.join(realDir, 'sotu-authorship'));
    expect(c.descriptionPath).toBe(path.join(c.dir, 'description.md'));
    expect(c.leaderboardPath).toBe(path.join(c.dir, 'leaderboard.csv'));
    expect(c.config.dataset).toEqual({
      answers: 'private/answers.csv',
      sample_submission: 'public/sample_submission.csv',
      id_column: 'id',
      target_column: 'author',
    });
    // Defaults of the step's options are filled in when the config is loaded.
    expect(c.config.prepare.options).toMatchObject({ min_words: 5, test_fraction: 0.2 });
  });

  it('lists every competition folder with a config', async () => {
    const ids = (await listCompetitions()).map((c) => c.id);
    expect(ids).toContain('sotu-authorship');
  });

  it('rejects an unknown id with UnknownCompetitionError listing the known ids', async () => {
    const err = await loadCompetition('spooky-nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownCompetitionError);
    const e = err as UnknownCompetitionError;
    expect(e.name).toBe('UnknownCompetitionError');
    expect(e.constructor.name).toBe('UnknownCompetitionError');
    expect(e.knownIds).toContain('sotu-authorship');
    expect(e.message).toMatch(/unknown competition "spooky-nope".*sotu-authorship/);
  });

  it('never resolves an id outside the competitions folder', async () => {
    await expect(loadCompetition('../core')).rejects.toBeInstanceOf(UnknownCompetitionError);
    await expect(loadCompetition('')).rejects.toBeInstanceOf(UnknownCompetitionError);
  });
});

describe('malformed competition config', () => {
  let dir: string;
  let configFile: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-registry-'));
    await fs.cp(path.join(realDir, 'sotu-authorship'), path.join(dir, 'sotu-authorship'), { recursive: true });
    configFile = path.join(dir, 'sotu-authorship', 'config.yaml');
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function edit(change: (doc: Record<string, unknown>) => void): Promise<void> {
    const doc = YAML.parse(await fs.readFile(configFile, 'utf8')) as Record<string, unknown>;
    change(doc);
    await fs.writeFile(configFile, YAML.stringify(doc));
  }

  async function loadError(): Promise<InvalidCompetitionConfigError> {
    const err = await loadCompetition('sotu-authorship', { competitionsDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidCompetitionConfigError);
    const e = err as InvalidCompetitionConfigError;
    expect(e.file).toBe(configFile);
    expect(e.message).toContain(configFile);
    return e;
  }

  it('the unmodified copy loads (so each failure below is caused by its edit)', async () => {
    await expect(loadCompetition('sotu-authorship', { competitionsDir: dir })).resolves.toMatchObject({ id: 'sotu-authorship' });
  });

  it('names an unknown metric', async () => {
    await edit((d) => (d.metric = 'rmse-typo'));
    const e = await loadError();
    expect(e.issues).toEqual([{ field: 'metric', reason: expect.stringMatching(/must be one of: .*multiclass-log-loss/) as unknown }]);
    expect(e.message).toMatch(/metric: must be one of/);
  });

  it('names a missing required field', async () => {
    await edit((d) => delete d.name);
    const e = await loadError();
    expect(e.issues.map((i) => i.field)).toEqual(['name']);
    expect(e.issues[0]!.reason).toMatch(/expected string/);
  });

  it('names a nested field of the wrong type', async () => {
    await edit((d) => ((d.prepare as Record<string, unknown>).seed = 'forty-two'));
    const e = await loadError();
    expect(e.issues.map((i) => i.field)).toEqual(['prepare.seed']);
  });

  it("validates the prepare step's own options", async () => {
    await edit((d) => (((d.prepare as Record<string, unknown>).options as Record<string, unknown>).min_words = 'five'));
    const e = await loadError();
    expect(e.issues.map((i) => i.field)).toEqual(['prepare.options.min_words']);
  });

  it('refuses answers outside private/', async () => {
    await edit((d) => ((d.dataset as Record<string, unknown>).answers = 'public/answers.csv'));
    const e = await loadError();
    expect(e.issues).toEqual([{ field: 'dataset.answers', reason: expect.stringMatching(/under private\//) as unknown }]);
  });

  it('refuses paths that climb out of their folder', async () => {
    await edit((d) => (d.leaderboard = '../../etc/passwd'));
    const e = await loadError();
    expect(e.issues[0]).toMatchObject({ field: 'leaderboard', reason: expect.stringMatching(/relative path without/) as unknown });
  });

  it('names an unknown prepare step', async () => {
    await edit((d) => ((d.prepare as Record<string, unknown>).step = 'kaggle-download'));
    const e = await loadError();
    expect(e.issues).toEqual([{ field: 'prepare.step', reason: expect.stringMatching(/must be one of: sotu-authorship/) as unknown }]);
  });

  it('names an unrecognised key (a typo would otherwise be ignored)', async () => {
    await edit((d) => (d.metirc = 'accuracy'));
    const e = await loadError();
    expect(e.issues).toEqual([{ field: '(top level)', reason: expect.stringMatching(/metirc/) as unknown }]);
  });

  it('requires the id to match the folder name', async () => {
    await edit((d) => (d.id = 'other-id'));
    const e = await loadError();
    expect(e.issues).toEqual([{ field: 'id', reason: 'must equal the folder name "sotu-authorship"' }]);
  });

  it('names a referenced file that does not exist', async () => {
    await fs.rm(path.join(dir, 'sotu-authorship', 'leaderboard.csv'));
    const e = await loadError();
    expect(e.issues).toEqual([{ field: 'leaderboard', reason: expect.stringMatching(/file not found: .*leaderboard\.csv/) as unknown }]);
  });

  it('reports invalid YAML', async () => {
    await fs.writeFile(configFile, 'id: sotu-authorship\nname: [unclosed\n');
    const e = await loadError();
    expect(e.issues[0]!.field).toBe('(yaml)');
  });

  it('fails the whole listing, naming the bad file', async () => {
    await edit((d) => (d.modality = 'smell'));
    await expect(listCompetitions({ competitionsDir: dir })).rejects.toThrow(/config\.yaml: modality: /);
  });
});
