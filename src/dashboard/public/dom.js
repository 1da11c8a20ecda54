/* global document */
// Small DOM and formatting helpers. Text from the API only ever reaches the page through textContent.

/** Create an element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

/** Replace the rows of a table body. */
export function setRows(tbody, rows) {
  tbody.replaceChildren(...rows);
}

/** A number in 4 significant digits, without exponent noise for ordinary magnitudes. */
export function num(value) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e9 || abs < 1e-3) return value.toExponential(3);
  return Number(value.toPrecision(4)).toLocaleString('en', { maximumFractionDigits: 4 });
}

/** A metric value in its unit: bytes as MiB, the rest as numbers with the unit suffix the name carries. */
export function metricValue(metric, value) {
  if (value === undefined || value === null) return '–';
  if (/bytes/.test(metric)) return `${num(value / 1048576)} MiB`;
  return num(value);
}

/** Seconds or minutes since `ms` (epoch milliseconds). */
export function age(ms, now = Date.now()) {
  const s = Math.max(0, (now - ms) / 1000);
  return s < 90 ? `${s.toFixed(1)} s ago` : `${(s / 60).toFixed(1)} min ago`;
}

/** `key=value key2=value2` of a config or env map. */
export function pairs(map) {
  return Object.entries(map ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** The unit a metric's values are shown in (see {@link metricValue}), from the suffix its name carries. */
export function metricUnit(metric) {
  if (/bytes/.test(metric)) return 'MiB';
  if (/_ns$/.test(metric)) return 'ns';
  if (/_us$/.test(metric)) return 'µs';
  if (/_ms$|_ms_/.test(metric)) return 'ms';
  if (/ops_per_cpu_s$/.test(metric)) return 'ops per CPU-s';
  if (/ops_per_s$/.test(metric)) return 'ops/s';
  if (/_pct$/.test(metric)) return '%';
  if (/ratio/.test(metric)) return 'ratio';
  return 'count';
}

/** A value with its unit, for cells with no unit in their header (MiB is already in {@link metricValue}). */
export function metricText(metric, value) {
  const unit = metricUnit(metric);
  const text = metricValue(metric, value);
  return text === '–' || unit === 'MiB' || unit === 'count' || unit === 'ratio' ? text : `${text} ${unit}`;
}

/** An axis title: the metric without its workload prefix, its unit, and which way is better. */
export function axisLabel(metric, direction) {
  const name = metric.includes('.') ? metric.slice(metric.lastIndexOf('.') + 1) : metric;
  const better = direction === undefined ? '' : `, ${direction === 'min' ? 'lower' : 'higher'} is better`;
  return `${name} (${metricUnit(metric)}${better})`;
}
