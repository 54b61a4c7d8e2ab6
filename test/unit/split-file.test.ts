/** The split file format (core/competitions/splits.ts): ids one a line, comments and blank lines skipped, each with its line; the file read only as a plain, bounded file. */
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSplitText, splitEntries } from '../../core/competitions/splits';
import { PlainFileError } from '../../core/plainFile';

describe('split files', () => {
  it('lists the ids in order with their line numbers, without comments, blank lines or a CR', () => {
    expect(splitEntries('# the dev split\nspambase\n\n  sotu-authorship   # again\r\nAI4Code\r\n#\n')).toEqual([
      { id: 'spambase', line: 2 },
      { id: 'sotu-authorship', line: 4 },
      { id: 'AI4Code', line: 5 },
    ]);
    expect(splitEntries('')).toEqual([]);
  });

  it('keeps an entry as written, for the caller to check', () => {
    expect(splitEntries('../etc/passwd\nnot an id')).toEqual([
      { id: '../etc/passwd', line: 1 },
      { id: 'not an id', line: 2 },
    ]);
  });

  it('reads a plain file, nothing when absent, and refuses a link or a file over the bound', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'split-file-'));
    const file = path.join(dir, 'dev.txt');
    writeFileSync(file, 'spambase\n');
    symlinkSync(file, path.join(dir, 'link.txt'));
    expect(await readSplitText(file)).toBe('spambase\n');
    expect(await readSplitText(path.join(dir, 'missing.txt'))).toBeUndefined();
    await expect(readSplitText(path.join(dir, 'link.txt'))).rejects.toBeInstanceOf(PlainFileError);
    await expect(readSplitText(file, 4)).rejects.toBeInstanceOf(PlainFileError);
  });
});
