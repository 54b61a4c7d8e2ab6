/** Compensated (Neumaier) summation: means over many rows match numpy's to ~1 ulp, not ~n ulp. */
export function neumaierSum(values: readonly number[]): number {
  let sum = 0;
  let compensation = 0;
  for (const v of values) {
    const t = sum + v;
    compensation += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + compensation;
}
