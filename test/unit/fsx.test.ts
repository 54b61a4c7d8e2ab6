/** The file-system predicates (core/fsx.ts): each tells a file, a folder, a link to one and nothing apart, and never throws. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exists, isDirectory, isFile, isNonEmptyDirectory } from '../../core/fsx';

const root = mkdtempSync(path.join(os.tmpdir(), 'fsx-'));
const file = path.join(root, 'train.csv');
const empty = path.join(root, 'empty');
const full = path.join(root, 'full');
const missing = path.join(root, 'missing');
writeFileSync(file, 'id\n1\n');
mkdirSync(empty);
mkdirSync(full);
writeFileSync(path.join(full, 'a.txt'), 'a');
symlinkSync(file, path.join(root, 'link-to-file'));
symlinkSync(missing, path.join(root, 'dangling'));

describe('file-system predicates', () => {
  it.each([
    ['a file', file, { exists: true, isFile: true, isDirectory: false, isNonEmptyDirectory: false }],
    ['an empty folder', empty, { exists: true, isFile: false, isDirectory: true, isNonEmptyDirectory: false }],
    ['a folder with a file', full, { exists: true, isFile: false, isDirectory: true, isNonEmptyDirectory: true }],
    [
      'a link to a file (followed)',
      path.join(root, 'link-to-file'),
      { exists: true, isFile: true, isDirectory: false, isNonEmptyDirectory: false },
    ],
    ['a dangling link', path.join(root, 'dangling'), { exists: false, isFile: false, isDirectory: false, isNonEmptyDirectory: false }],
    ['nothing', missing, { exists: false, isFile: false, isDirectory: false, isNonEmptyDirectory: false }],
    ['a path through a file', path.join(file, 'x'), { exists: false, isFile: false, isDirectory: false, isNonEmptyDirectory: false }],
  ])('%s', async (_what, p, expected) => {
    expect({
      exists: await exists(p),
      isFile: await isFile(p),
      isDirectory: await isDirectory(p),
      isNonEmptyDirectory: await isNonEmptyDirectory(p),
    }).toEqual(expected);
  });
});
