/** A stable key for a point; coordinates rounded so snapped duplicates compare equal. */
export function pointKey(v: readonly number[]): string {
  return v.map((x) => x.toFixed(9)).join(',');
}
