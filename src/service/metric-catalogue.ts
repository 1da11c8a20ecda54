import type { WorkloadSpec } from '../core/trial-job.js';
import { workloadLabel } from '../core/trial-job.js';

const LATENCY = ['p50_ns', 'p99_ns', 'p999_ns', 'max_ns'];

/** Metric names each runner reports (see workers/runners/*): every one of them is a non-negative quantity. */
const FIXED: Record<WorkloadSpec['kind'], readonly string[]> = {
  harness: [
    'peak_rss_bytes', 'live_requested_bytes', 'minor_faults', 'rss_mean_bytes_after_free', 'user_ms', 'sys_ms', 'fragmentation_ratio', 'ops_per_s', 'ops_per_cpu_s', 'ops', 'run_ms',
    ...LATENCY.map((m) => `malloc_${m}`), ...LATENCY.map((m) => `free_${m}`),
  ],
  redis: [
    'start_ms', 'load_ms', 'delete_ms', 'stop_ms', 'keys_after_load', 'keys_deleted',
    'used_memory_bytes_after_load', 'rss_bytes_after_load', 'mem_fragmentation_ratio_after_load', 'allocator_frag_ratio_after_load',
    'set_ops_per_s', 'get_ops_per_s', 'p50_us', 'p90_us', 'p99_us', 'p999_us', 'max_us', 'mean_us', 'rtt_errors',
  ],
  command: ['wall_ms', 'user_ms', 'sys_ms', 'max_rss_bytes'],
};

/** Metrics named after a snapshot offset, e.g. `rss_bytes_at_1000ms`; commands may add metrics of their own. */
const PATTERNS: Record<WorkloadSpec['kind'], RegExp> = {
  harness: /^(rss_bytes|fragmentation_ratio)_at_\d+ms$/,
  redis: /^(used_memory_bytes|rss_bytes|rss_anon_bytes|rss_file_bytes|mem_fragmentation_ratio|allocator_frag_ratio|allocator_rss_ratio|rss_overhead_ratio)_at_\d+ms$/,
  command: /^[a-z][a-z0-9_]{0,63}$/,
};

/** True when a workload of `kind` can report a metric called `name`. */
export function workloadReports(kind: WorkloadSpec['kind'], name: string): boolean {
  return FIXED[kind].includes(name) || PATTERNS[kind].test(name);
}

/**
 * Why `metric` cannot refer to a metric of these workloads, or undefined when it can. Accepts
 * `<label>.<name>` and a bare `<name>` reported by exactly one workload.
 */
export function metricProblem(metric: string, workloads: readonly WorkloadSpec[]): string | undefined {
  const dot = metric.lastIndexOf('.');
  if (dot > 0) {
    const label = metric.slice(0, dot);
    const name = metric.slice(dot + 1);
    const workload = workloads.find((w) => workloadLabel(w) === label);
    if (!workload) return `no workload labelled '${label}' (labels: ${workloads.map(workloadLabel).join(', ')})`;
    return workloadReports(workload.kind, name) ? undefined : `workload '${label}' does not report '${name}'`;
  }
  const reporters = workloads.filter((w) => workloadReports(w.kind, metric));
  if (reporters.length === 0) return `no workload of this campaign reports '${metric}'`;
  if (reporters.length > 1) {
    return `'${metric}' is reported by ${reporters.map(workloadLabel).join(' and ')}; write it as <label>.${metric}`;
  }
  return undefined;
}
