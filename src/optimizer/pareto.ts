/** One axis of the front: a metric and whether lower or higher is better. */
export interface ParetoAxis {
  metric: string;
  direction: 'min' | 'max';
}

/** A config with its metric means. */
export interface ParetoItem {
  id: string;
  metrics: Readonly<Record<string, number>>;
}

function dominates(a: ParetoItem, b: ParetoItem, axes: readonly ParetoAxis[]): boolean {
  let strictly = false;
  for (const axis of axes) {
    const s = axis.direction === 'min' ? 1 : -1;
    const va = s * (a.metrics[axis.metric] as number);
    const vb = s * (b.metrics[axis.metric] as number);
    if (va > vb) return false;
    if (va < vb) strictly = true;
  }
  return strictly;
}

/**
 * The non-dominated items over `axes` (e.g. p99_us and rss_bytes), in input order. Pass feasible
 * configs only; items missing a metric are left out.
 */
export function paretoFront<T extends ParetoItem>(items: readonly T[], axes: readonly ParetoAxis[]): T[] {
  const complete = items.filter((it) => axes.every((a) => Number.isFinite(it.metrics[a.metric])));
  return complete.filter((it) => !complete.some((other) => other !== it && dominates(other, it, axes)));
}
