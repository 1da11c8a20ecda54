/* global window */
// Knob importance for one judged metric (GET /v1/campaigns/:id/importance): horizontal bars of the
// total-effect share, most important on top, with the bootstrap interval drawn as a whisker.

const BAR = 'rgba(37, 99, 235, 0.75)';
const WHISKER = 'rgba(17, 24, 39, 0.9)';

/** Draws `[low, high]` of each bar (dataset option `intervals`) as a horizontal whisker with end caps. */
const whiskers = {
  id: 'importanceWhiskers',
  afterDatasetsDraw(chart) {
    const dataset = chart.data.datasets[0];
    if (!dataset?.intervals) return;
    const meta = chart.getDatasetMeta(0);
    const { ctx, scales } = chart;
    ctx.save();
    ctx.strokeStyle = WHISKER;
    ctx.lineWidth = 1.5;
    dataset.intervals.forEach(([low, high], i) => {
      const bar = meta.data[i];
      if (!bar) return;
      const [x1, x2, yc] = [scales.x.getPixelForValue(low), scales.x.getPixelForValue(high), bar.y];
      ctx.beginPath();
      ctx.moveTo(x1, yc);
      ctx.lineTo(x2, yc);
      ctx.moveTo(x1, yc - 4);
      ctx.lineTo(x1, yc + 4);
      ctx.moveTo(x2, yc - 4);
      ctx.lineTo(x2, yc + 4);
      ctx.stroke();
    });
    ctx.restore();
  },
};

/** Bars for `entry` (one element of the response's `metrics`), largest total share first. */
export function importanceBars(entry) {
  const knobs = [...entry.knobs].sort((a, b) => b.total - a.total);
  return {
    labels: knobs.map((k) => k.name),
    values: knobs.map((k) => k.total),
    intervals: knobs.map((k) => [k.total_low, k.total_high]),
  };
}

/** Draw (or redraw) the importance bars of `entry` on `canvas`. */
export function drawImportance(canvas, entry) {
  const Chart = window.Chart;
  const bars = importanceBars(entry);
  const pct = (v) => `${Math.round(100 * v)}%`;
  const config = {
    type: 'bar',
    data: { labels: bars.labels, datasets: [{ label: 'total-effect share', data: bars.values, intervals: bars.intervals, backgroundColor: BAR, barPercentage: 0.7 }] },
    options: {
      indexAxis: 'y',
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { min: 0, max: 1, title: { display: true, font: { size: 11 }, text: `total-effect share (whiskers: ${Math.round(100 * entry.level)}% interval)` }, ticks: { callback: pct } },
        y: { ticks: { autoSkip: false } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => `${pct(item.raw)} [${pct(bars.intervals[item.dataIndex][0])}, ${pct(bars.intervals[item.dataIndex][1])}]` } },
      },
    },
    plugins: [whiskers],
  };
  const existing = Chart.getChart(canvas);
  if (!existing) return new Chart(canvas, config);
  existing.data = config.data;
  existing.options = config.options;
  existing.update('none');
  return existing;
}
