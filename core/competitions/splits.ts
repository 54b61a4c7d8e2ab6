/**
 * The split file format, read in one place: a named list of competitions, one id a line, `#`
 * starts a comment, blank lines are skipped. Which splits there are and how a run names one is
 * core/runs/splits.ts's; MLE-bench's checkout (core/mlebench/checkout.ts) and the Kaggle catalogue
 * (core/kaggle/competitions.ts) read their split files with this too.
 */
import { readPlainFile } from '../plainFile';

/** A split lists competitions, one a line: anything bigger is not a split file. */
export const MAX_SPLIT_BYTES = 1024 * 1024;

export interface SplitEntry {
  /** As written (not checked against any pattern). */
  id: string;
  /** 1-based, for messages about a bad line. */
  line: number;
}

/** The entries of a split file's text, in order. */
export function splitEntries(text: string): SplitEntry[] {
  const entries: SplitEntry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const id = line.replace(/#.*/, '').trim();
    if (id) entries.push({ id, line: i + 1 });
  });
  return entries;
}

/**
 * A split file's text: a regular file (never through a symlink) of at most `maxBytes`; undefined
 * when absent. Anything else throws PlainFileError (core/plainFile.ts) naming the file.
 */
export function readSplitText(file: string, maxBytes = MAX_SPLIT_BYTES): Promise<string | undefined> {
  return readPlainFile(file, { maxBytes });
}
