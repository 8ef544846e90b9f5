/** Forecast error measures, on accesses per horizon. */
export function meanAbsoluteError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  if (actual.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(actual[i]! - predicted[i]!);
  return sum / actual.length;
}

/** Σ|error| / Σ actual: the error as a share of the accesses that happened; null if none did. */
export function weightedMape(actual: ArrayLike<number>, predicted: ArrayLike<number>): number | null {
  let error = 0;
  let total = 0;
  for (let i = 0; i < actual.length; i++) {
    error += Math.abs(actual[i]! - predicted[i]!);
    total += Math.abs(actual[i]!);
  }
  return total === 0 ? null : error / total;
}
