/**
 * Compensated (Neumaier) summation: means over many rows match numpy's pairwise sums to ~1 ulp,
 * not ~n ulp, so our metrics agree with scikit-learn's to far better than the tests' 1e-9.
 */
export class Accumulator {
  private sum = 0;
  private compensation = 0;

  add(v: number): void {
    const t = this.sum + v;
    this.compensation += Math.abs(this.sum) >= Math.abs(v) ? this.sum - t + v : v - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}

export function neumaierSum(values: ArrayLike<number>): number {
  const acc = new Accumulator();
  for (let i = 0; i < values.length; i += 1) acc.add(values[i]!);
  return acc.value;
}

/** Throws unless both sides have the same, non-zero number of rows; `what` names the metric. */
export function checkLengths(what: string, truth: number, predicted: number): void {
  if (truth === 0) throw new Error(`${what}: no rows`);
  if (truth !== predicted) throw new Error(`${what}: ${truth} true values but ${predicted} predictions`);
}
