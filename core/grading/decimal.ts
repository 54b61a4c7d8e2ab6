/**
 * Decimal text to a double, straight from bytes, correctly rounded: the grader reads ten million
 * numbers from a big submission, and a string per number (then `Number()`) was most of its time.
 *
 * Up to 15 significant digits the digits form an exact integer and a power of ten up to 1e22 is
 * exact, so one multiplication or division rounds once: the correctly rounded result (Clinger's
 * fast path). Floats printed in full (`0.12345678901234568`, 16 to 19 digits, as pandas and
 * Python write them) go through double-double arithmetic, accurate to about 2^-98; the result is
 * taken only when the values a little above and below that estimate round to the same double, so
 * it is the correct rounding of the exact value too (rounding is monotonic). What remains (more
 * digits, larger exponents, a near tie) returns undefined and the caller uses `Number()`.
 */

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** Splits a double into two 26-bit halves (Veltkamp), for an exact product. */
const SPLITTER = 134217729;
/** Far above the double-double error (2^-98 relative), far below half an ulp (2^-53). */
const MARGIN = 2 ** -80;

let productLow = 0;

/** a·b as productLow + the returned value, exactly (Dekker). */
function twoProduct(a: number, b: number): number {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  productLow = ah * bh - p + ah * bl + al * bh + al * bl;
  return p;
}

/** (hi·10^k + lo)·10^(scale-k), hi < 10^15, lo < 10^k, k ≤ 4; undefined when too close to a tie. */
function longDecimal(hi: number, lo: number, k: number, scale: number): number | undefined {
  const q = scale - k;
  if (scale > 22 || scale < -22 || q > 22 || q < -22) return undefined;
  let aHi: number;
  let aLo: number;
  if (scale >= 0) {
    aHi = twoProduct(hi, POW10[scale]!);
    aLo = productLow;
  } else {
    const p = POW10[-scale]!;
    aHi = hi / p;
    const ph = twoProduct(aHi, p);
    // hi - ph is exact (Sterbenz: ph is within a factor 2 of hi); the rest is the remainder's tail.
    aLo = (hi - ph - productLow) / p;
  }
  const t = aLo + (q >= 0 ? lo * POW10[q]! : lo / POW10[-q]!);
  const margin = Math.abs(aHi) * MARGIN;
  const up = aHi + (t + margin);
  const down = aHi + (t - margin);
  return up === down ? up : undefined;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d;
}

/**
 * Parses `bytes[start, end)` as `[+-]digits[.digits][(e|E)[+-]digits]` with blanks around it.
 * Returns NaN when the text is not such a number (no `inf`, `nan` or hex: Python reads them, a
 * grader should not guess), ±Infinity never (left to the caller's `Number()`), and undefined when
 * the caller must convert the text with `Number()` for an exact result.
 */
export function parseDecimal(bytes: Uint8Array, start: number, end: number): number | undefined {
  let s = start;
  let e = end;
  while (s < e && isBlank(bytes[s]!)) s += 1;
  while (e > s && isBlank(bytes[e - 1]!)) e -= 1;
  let p = s;
  let c = bytes[p];
  const negative = c === 0x2d;
  if (negative || c === 0x2b) p += 1;
  // hi: the first 15 significant digits; lo: the next 4; scale: the power of ten of hi's last digit.
  let hi = 0;
  let lo = 0;
  let significant = 0;
  let scale = 0;
  let digits = 0;
  let fraction = false;
  for (; p < e; p += 1) {
    c = bytes[p]!;
    if (c === 0x2e && !fraction) {
      fraction = true;
      continue;
    }
    if (c < 0x30 || c > 0x39) break;
    digits += 1;
    if (significant === 0 && c === 0x30) {
      if (fraction) scale -= 1;
      continue;
    }
    if (significant < 15) {
      hi = hi * 10 + (c - 0x30);
      if (fraction) scale -= 1;
    } else {
      if (significant < 19) lo = lo * 10 + (c - 0x30);
      if (!fraction) scale += 1;
    }
    significant += 1;
  }
  if (digits === 0) return Number.NaN;
  if (p < e && (bytes[p] === 0x65 || bytes[p] === 0x45)) {
    p += 1;
    let expNegative = false;
    if (bytes[p] === 0x2d || bytes[p] === 0x2b) {
      expNegative = bytes[p] === 0x2d;
      p += 1;
    }
    const expStart = p;
    let exponent = 0;
    for (; p < e && (c = bytes[p]!) >= 0x30 && c <= 0x39; p += 1) if (exponent < 1e6) exponent = exponent * 10 + (c - 0x30);
    if (p === expStart) return Number.NaN;
    scale += expNegative ? -exponent : exponent;
  }
  if (p !== e) return Number.NaN;
  if (significant === 0) return negative ? -0 : 0;
  let magnitude: number | undefined;
  if (significant <= 15) {
    if (scale >= -22 && scale <= 22) magnitude = scale >= 0 ? hi * POW10[scale]! : hi / POW10[-scale]!;
  } else if (significant <= 19) {
    magnitude = longDecimal(hi, lo, significant - 15, scale);
  }
  if (magnitude === undefined) return undefined;
  return negative ? -magnitude : magnitude;
}
