/**
 * The R data reader on the real files the tabular competitions use (fetched from Debian into the
 * harness cache, as prepare does), and on hand-made serializations for the edge cases.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decompress, sniffCompression } from '../../core/competitions/sources/compression';
import { DebianPackageError, debianPackagePath, unpackDebianPackage, type DebianPackage } from '../../core/competitions/sources/debian';
import { openLazyLoadDb } from '../../core/competitions/sources/lazyload';
import { RDataError, readRdaObjects, unserialize, type RValue } from '../../core/competitions/sources/rdata';
import { asDataFrame, NotADataFrameError, type RColumn, type RDataFrame } from '../../core/competitions/sources/rframe';

const KERNLAB: DebianPackage = { name: 'r-cran-kernlab', version: '0.9-32-1' };
const MLBENCH: DebianPackage = { name: 'r-cran-mlbench', version: '2.1-3-1' };
const MODELDATA: DebianPackage = { name: 'r-cran-modeldata', version: '1.1.0-1' };
const SITE = 'usr/lib/R/site-library';

async function rda(pkg: DebianPackage, file: string): Promise<{ bytes: Buffer; objects: Map<string, RValue> }> {
  const bytes = await fs.readFile(await debianPackagePath(pkg, `${SITE}/${file}`));
  return { bytes, objects: readRdaObjects(await decompress(bytes, file), file) };
}

function counts(column: RColumn): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of column.values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}

function row(frame: RDataFrame, i: number, names: string[]): unknown[] {
  return names.map((n) => frame.column(n).values[i]);
}

describe('R data files from Debian packages', () => {
  it('spam.rda (bzip2): UCI Spambase, 4601 x 58, factor target', async () => {
    const { bytes, objects } = await rda(KERNLAB, 'kernlab/data/spam.rda');
    expect(sniffCompression(bytes)).toBe('bzip2');
    expect([...objects.keys()]).toEqual(['spam']);
    const spam = asDataFrame(objects.get('spam')!, 'spam');
    expect([spam.nrow, spam.columns.length]).toEqual([4601, 58]);
    expect(spam.columns.slice(0, 3).map((c) => c.name)).toEqual(['make', 'address', 'all']);
    expect(spam.column('type')).toMatchObject({ kind: 'factor', levels: ['nonspam', 'spam'], ordered: false });
    expect(counts(spam.column('type'))).toEqual({ spam: 1813, nonspam: 2788 });
    // The first row of the UCI file: 0,0.64,0.64,... 3.756,61,278,1
    expect(row(spam, 0, ['make', 'address', 'all', 'capitalAve', 'capitalLong', 'capitalTotal', 'type'])).toEqual([
      0,
      0.64,
      0.64,
      3.756,
      61,
      278,
      'spam',
    ]);
    expect(spam.column('capitalAve').kind).toBe('double');
  });

  it('LetterRecognition.rda (xz): 20000 x 17, 26 letters', async () => {
    const { bytes, objects } = await rda(MLBENCH, 'mlbench/data/LetterRecognition.rda');
    expect(sniffCompression(bytes)).toBe('xz');
    const letters = asDataFrame(objects.get('LetterRecognition')!, 'LetterRecognition');
    expect([letters.nrow, letters.columns.length]).toEqual([20000, 17]);
    const target = letters.column('lettr');
    expect(target.kind === 'factor' && target.levels.join('')).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    expect(counts(target).A).toBe(789);
    // The first record of letter-recognition.data: T,2,8,3,5,1,8,13,0,6,6,10,8,0,8,0,8
    expect(letters.columns.map((c) => c.values[0])).toEqual(['T', 2, 8, 3, 5, 1, 8, 13, 0, 6, 6, 10, 8, 0, 8, 0, 8]);
  });

  it('the modeldata lazy-load database (raw LZMA2 chunks): ames and hpc_data', async () => {
    const rdb = await debianPackagePath(MODELDATA, `${SITE}/modeldata/data/Rdata.rdb`);
    const db = await openLazyLoadDb(rdb.slice(0, -'.rdb'.length));
    expect(db.names).toHaveLength(41);
    expect(db.names).toEqual(expect.arrayContaining(['ames', 'hpc_data', 'penguins', 'credit_data']));

    const ames = asDataFrame(await db.read('ames'), 'ames');
    expect([ames.nrow, ames.columns.length]).toEqual([2930, 74]);
    expect(row(ames, 0, ['Lot_Frontage', 'Lot_Area', 'Neighborhood', 'Year_Built', 'Sale_Price'])).toEqual([
      141,
      31770,
      'North_Ames',
      1960,
      215000,
    ]);
    expect(ames.column('Sale_Price').kind).toBe('integer');
    expect(ames.column('Neighborhood')).toMatchObject({ kind: 'factor' });
    const prices = ames.column('Sale_Price').values as number[];
    expect(prices.reduce((a, b) => a + b, 0) / prices.length).toBeCloseTo(180796.06, 2);

    const hpc = asDataFrame(await db.read('hpc_data'), 'hpc_data');
    expect([hpc.nrow, hpc.columns.map((c) => c.name)]).toEqual([
      4331,
      ['protocol', 'compounds', 'input_fields', 'iterations', 'num_pending', 'hour', 'day', 'class'],
    ]);
    expect(hpc.column('class')).toMatchObject({ kind: 'factor', levels: ['VF', 'F', 'M', 'L'] });
    expect(counts(hpc.column('class'))).toEqual({ VF: 2211, F: 1347, M: 514, L: 259 });
  });

  it('keeps NA apart in double, integer and factor columns (modeldata penguins)', async () => {
    const rdb = await debianPackagePath(MODELDATA, `${SITE}/modeldata/data/Rdata.rdb`);
    const penguins = asDataFrame(await (await openLazyLoadDb(rdb.slice(0, -4))).read('penguins'), 'penguins');
    expect([penguins.nrow, penguins.columns.length]).toEqual([344, 7]);
    const columns = ['species', 'bill_length_mm', 'flipper_length_mm', 'body_mass_g', 'sex'];
    expect(row(penguins, 0, columns)).toEqual(['Adelie', 39.1, 181, 3750, 'male']);
    expect(row(penguins, 3, columns)).toEqual(['Adelie', null, null, null, null]);
    expect(penguins.column('flipper_length_mm').kind).toBe('integer');
    expect(penguins.column('sex')).toMatchObject({ kind: 'factor', levels: ['female', 'male'] });
    const missing = Object.fromEntries(penguins.columns.map((c) => [c.name, c.values.filter((v) => v === null).length]));
    expect(missing).toMatchObject({ bill_length_mm: 2, flipper_length_mm: 2, body_mass_g: 2, sex: 11, species: 0 });
  });

  it('reads logical columns (mlbench Zoo)', async () => {
    const zoo = asDataFrame((await rda(MLBENCH, 'mlbench/data/Zoo.rda')).objects.get('Zoo')!, 'Zoo');
    expect(zoo.column('hair')).toMatchObject({ kind: 'logical' });
    expect(zoo.column('hair').values.slice(0, 3)).toEqual([true, true, false]);
  });
});

/** A tiny XDR serializer for hand-made inputs. */
class Xdr {
  private parts: Buffer[] = [Buffer.from('X\n'), int(3), int(0x040201), int(0x030500), int(5), Buffer.from('UTF-8')];
  int(...values: number[]): this {
    this.parts.push(...values.map(int));
    return this;
  }
  double(...values: number[]): this {
    for (const v of values) {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v);
      this.parts.push(b);
    }
    return this;
  }
  raw(bytes: Buffer): this {
    this.parts.push(bytes);
    return this;
  }
  string(s: string | null, latin1 = false): this {
    if (s === null) return this.int(9, -1);
    const bytes = Buffer.from(s, latin1 ? 'latin1' : 'utf8');
    return this.int(9 | ((latin1 ? 4 : 8) << 12), bytes.length).raw(bytes);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function int(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}

const NA_REAL = Buffer.from([0x7f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x07, 0xa2]);
const HAS_ATTR = 1 << 9;
const HAS_TAG = 1 << 10;

describe('unserialize (hand-made input)', () => {
  it('tells R NA from NaN, reads NA strings, latin1 strings and logical NA', () => {
    const list = new Xdr()
      .int(19, 4) // list of 4
      .int(14, 3)
      .raw(NA_REAL)
      .double(Number.NaN, 1.5)
      .int(16, 3)
      .string('é')
      .string(null)
      .string('caf\u00e9', true)
      .int(10, 3, 1, 0, -2147483648)
      .int(13, 2, -2147483648, 7)
      .bytes();
    const value = unserialize(list, 'hand-made');
    expect(value.type).toBe('list');
    const [dbl, str, lgl, integer] = (value as Extract<RValue, { type: 'list' }>).data;
    expect(dbl).toMatchObject({ type: 'double', data: [null, Number.NaN, 1.5] });
    expect(str).toMatchObject({ type: 'character', data: ['é', null, 'café'] });
    expect(lgl).toMatchObject({ type: 'logical', data: [true, false, null] });
    expect(integer).toMatchObject({ type: 'integer', data: [null, 7] });
  });

  it('expands compact integer sequences (ALTREP) and resolves references to symbols', () => {
    // A data.frame with one compact_intseq column 1..4; a later attribute's tag is a reference to the symbol `names`.
    const bytes = new Xdr()
      .int(19 | HAS_ATTR | (1 << 8), 1)
      .int(238) // ALTREP: info pairlist (class symbol, package symbol, type), state, attributes
      .int(2)
      .int(1)
      .string('compact_intseq')
      .int(2)
      .int(1)
      .string('base')
      .int(2)
      .int(13, 1, 13)
      .int(254)
      .int(14, 3)
      .double(4, 1, 1)
      .int(254)
      .int(2 | HAS_TAG)
      .int(1)
      .string('names')
      .int(16, 1)
      .string('a')
      .int(2 | HAS_TAG)
      .int(1)
      .string('row.names')
      .int(13, 2, -2147483648, -4)
      .int(2 | HAS_TAG)
      .int(1)
      .string('class')
      .int(16, 1)
      .string('data.frame')
      .int(2 | HAS_TAG)
      .int(255 | (3 << 8))
      .int(16, 1)
      .string('b') // tag: reference 3, the symbol "names" (names become "b")
      .int(254)
      .bytes();
    const value = unserialize(bytes, 'hand-made');
    const frame = asDataFrame(value, 'hand-made');
    expect(frame.nrow).toBe(4);
    expect(frame.columns).toEqual([{ name: 'b', kind: 'integer', values: [1, 2, 3, 4] }]);
  });

  it('fails with the source, the byte offset and the reason', () => {
    const cut = new Xdr().int(14, 10).double(1).bytes();
    expect(() => unserialize(cut, 'cut.rds')).toThrow(RDataError);
    expect(() => unserialize(cut, 'cut.rds')).toThrow(/^cut\.rds: not readable R data at byte \d+: unexpected end of data/);
    expect(() => unserialize(Buffer.from('A\n'), 'ascii.rds')).toThrow(/ascii\.rds: .*only binary XDR/);
    expect(() => readRdaObjects(Buffer.from('PK\x03\x04'), 'x.rda')).toThrow(/x\.rda: .*not an R data file/);
    const closure = new Xdr().int(21).bytes();
    expect(() => unserialize(closure, 'code.rds')).toThrow(/code\.rds: .*is code, not data/);
    expect(() => asDataFrame({ type: 'double', data: [1], attributes: new Map() }, 'x')).toThrow(NotADataFrameError);
  });
});

describe('Debian packages', () => {
  async function withCache<T>(fn: (cache: string) => Promise<T>): Promise<T> {
    const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'mlebench-debs-'));
    try {
      return await fn(cache);
    } finally {
      await fs.rm(cache, { recursive: true, force: true });
    }
  }

  it('says what is missing on a host without apt-get, and how to get the package', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const err = await withCache((cache) => unpackDebianPackage(KERNLAB, cache).catch((e: unknown) => e));
      expect(err).toBeInstanceOf(DebianPackageError);
      expect((err as Error).message).toMatch(
        /^Debian package r-cran-kernlab=0\.9-32-1: apt-get is not installed.*Prepare this competition on Debian/,
      );
      expect((err as Error).message).toContain('r-cran-kernlab_0.9-32-1_<arch>.deb');
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('names the package, version and apt-get update when apt does not know the version', async () => {
    const err = await withCache((cache) =>
      unpackDebianPackage({ name: 'r-cran-kernlab', version: '0.0-0-1' }, cache).catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(DebianPackageError);
    expect((err as Error).message).toMatch(/^Debian package r-cran-kernlab=0\.0-0-1: apt-get download failed: .*0\.0-0-1.*apt-get update/);
  });

  it('refuses a cached .deb whose sha256 differs from the pin', async () => {
    const err = await withCache(async (cache) => {
      await fs.writeFile(path.join(cache, 'r-cran-kernlab_0.9-32-1_amd64.deb'), 'not a package');
      return unpackDebianPackage({ ...KERNLAB, sha256: '0'.repeat(64) }, cache).catch((e: unknown) => e);
    });
    expect((err as Error).message).toMatch(
      /r-cran-kernlab_0\.9-32-1_amd64\.deb has sha256 [0-9a-f]{64}, the config pins 0{64}; delete the file/,
    );
  });
});
