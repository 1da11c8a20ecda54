import { metricUnit } from '../../service/metric-catalogue.js';

const MIB = 2 ** 20;
const GIB = 2 ** 30;

function short(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

/** Thousands as k, millions as M, keeping about 4 significant digits. */
function scaled(x: number): string {
  const abs = Math.abs(x);
  if (abs >= 1e6) return `${short(x / 1e6)}M`;
  if (abs >= 1e4) return `${short(x / 1e3)}k`;
  return short(x);
}

/**
 * A measured value with its unit, for tables: bytes in MiB (GiB from 1 GiB), latencies in their own
 * ns/us/ms, throughput in ops/s; the unit comes from the metric catalogue (or the name's suffix).
 */
export function metricValueText(x: number | undefined, metric: string): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  const unit = metricUnit(metric);
  switch (unit) {
    case 'bytes':
      return Math.abs(x) >= GIB ? `${(x / GIB).toFixed(2)} GiB` : `${(x / MIB).toFixed(1)} MiB`;
    case 'ratio':
    case undefined:
      return scaled(x);
    case '%':
      return `${short(x)}%`;
    case 'count':
      return scaled(x);
    default:
      return `${scaled(x)} ${unit}`;
  }
}

/** An interval with the unit once, at the end: `61.9..63.7 MiB`, `-` without both ends. */
export function intervalText(low: number | undefined, high: number | undefined, metric: string): string {
  const a = metricValueText(low, metric);
  const b = metricValueText(high, metric);
  if (a === '-' || b === '-') return '-';
  const unitA = a.slice(a.indexOf(' ') + 1);
  const unitB = b.slice(b.indexOf(' ') + 1);
  // Same unit at both ends: state it once.
  return a.includes(' ') && b.includes(' ') && unitA === unitB ? `${a.slice(0, a.indexOf(' '))}..${b}` : `${a}..${b}`;
}
