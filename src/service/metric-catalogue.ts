import type { WorkloadSpec } from '../core/trial-job.js';
import { REDIS_DATA_TYPES, REDIS_MIX_TESTS } from '../core/redis-command-mix.js';
import { REPLAY_CALL_KINDS } from '../core/replay-result.js';
import { workloadLabel } from '../core/trial-job.js';
import { WORKLOAD_KINDS } from '../core/workload-kinds.js';

/** Which way a metric improves; absent for metrics that describe the workload rather than judge it. */
export type MetricBetter = 'lower' | 'higher';

/**
 * One metric (or family of metrics) a runner reports. `name` is the metric's name, or a pattern in
 * which `<N>` stands for a snapshot offset in ms, `<name>` for a name the worker config chooses,
 * `<type>` for a Redis data type of a command mix (or `capture`) and `<test>` for a mix's test.
 */
export interface MetricEntry {
  kind: WorkloadSpec['kind'];
  name: string;
  unit: string;
  meaning: string;
  better?: MetricBetter;
  /** When the runner reports it; absent: always. */
  when?: string;
  /**
   * The trace metric that measures the same quantity in a replay of this workload's recorded
   * allocations (a trace standing in for it, explore_with), when the two are named differently.
   */
  replayed_as?: string;
  /**
   * The machine-checkable part of `when`: why a workload as specified will not report the metric
   * (the field that decides, as the request spells it), or undefined when it will or cannot tell.
   */
  missingWith?: (w: WorkloadSpec) => { field: string; reason: string } | undefined;
}

type Row = Omit<MetricEntry, 'kind'>;

const LATENCY_QUANTILES: readonly { suffix: string; what: string }[] = [
  { suffix: 'p50', what: 'median' },
  { suffix: 'p99', what: '99th percentile' },
  { suffix: 'p999', what: '99.9th percentile' },
  { suffix: 'max', what: 'maximum' },
];

const REDIS_LATENCY_QUANTILES: readonly { suffix: string; what: string }[] = [
  { suffix: 'p50', what: 'median' },
  { suffix: 'p90', what: '90th percentile' },
  ...LATENCY_QUANTILES.slice(1, 3),
  { suffix: 'max', what: 'maximum' },
  { suffix: 'mean', what: 'mean' },
];

const SAMPLED = 'latency sampling is on (sample-every > 0, the default)';

/** A harness argument given explicitly as 0 turns latency sampling off. */
function unsampled(w: WorkloadSpec): { field: string; reason: string } | undefined {
  return w.kind === 'harness' && w.args['sample-every'] === 0 ? { field: 'args.sample-every', reason: 'sample-every is 0 (latency sampling off)' } : undefined;
}

/** A Redis phase switched off by the request. */
function redisPhaseOff(phase: 'throughput' | 'latency'): (w: WorkloadSpec) => { field: string; reason: string } | undefined {
  return (w) => (w.kind === 'redis' && !w.options[phase].enabled ? { field: `options.${phase}.enabled`, reason: `the ${phase} phase is off` } : undefined);
}

/** Workloads that free everything before the end, so there are no live bytes to divide by. */
const NO_LIVE_BYTES_AT_END: readonly string[] = ['size-sweep', 'cache-scratch'];

function harnessLatency(call: 'malloc' | 'free'): Row[] {
  return LATENCY_QUANTILES.map(({ suffix, what }) => ({
    name: `${call}_${suffix}_ns`,
    unit: 'ns',
    meaning: `${what} of one ${call}() call (sampled, HDR histogram)`,
    better: 'lower' as const,
    when: SAMPLED,
    missingWith: unsampled,
  }));
}

const AFTER_FREE = 'the workload is fragmentation: one per snapshot-ms offset';

const MIX_LOAD = 'options.mix has a load stream of that type, or options.capture is set (type capture)';
const MIX_DELETE = 'options.mix has a delete stream of that type';
const MIX_MEASURED = 'options.mix has a stream of <test> with phase measured';
const CAPTURED = 'options.capture is set';

/** A Redis workload that replays no capture. */
function noCapture(w: WorkloadSpec): { field: string; reason: string } | undefined {
  return w.kind === 'redis' && w.options.capture === undefined ? { field: 'options.capture', reason: 'no capture is replayed' } : undefined;
}

/** Memory per type of load of the Redis workload's command mix (workers/runners/redis/mix-metrics.ts). */
const REDIS_MIX_ROWS: readonly Row[] = [
  { name: 'used_memory_delta_bytes_<type>', unit: 'bytes', meaning: 'change of used_memory over the load streams of <type> (sum; INFO memory before and after each stream)', better: 'lower', when: MIX_LOAD },
  { name: 'allocator_active_delta_bytes_<type>', unit: 'bytes', meaning: 'change of allocator_active (pages in use by the allocator) over the load streams of <type>', better: 'lower', when: MIX_LOAD },
  { name: 'rss_delta_bytes_<type>', unit: 'bytes', meaning: 'change of RSS (used_memory_rss) over the load streams of <type>', better: 'lower', when: MIX_LOAD },
  { name: 'allocator_frag_ratio_after_<type>', unit: 'ratio', meaning: 'allocator active / allocated bytes after the last load stream of <type>', better: 'lower', when: MIX_LOAD },
  { name: 'mem_fragmentation_ratio_after_<type>', unit: 'ratio', meaning: 'RSS / used_memory after the last load stream of <type>', better: 'lower', when: MIX_LOAD },
  { name: 'used_memory_freed_bytes_<type>', unit: 'bytes', meaning: 'used_memory the delete streams of <type> gave back', when: MIX_DELETE },
  { name: 'rss_freed_bytes_<type>', unit: 'bytes', meaning: 'RSS the delete streams of <type> gave back to the OS by the time they returned', better: 'higher', when: MIX_DELETE },
  { name: 'deleted_keys_<type>', unit: 'count', meaning: 'keys of <type> the delete streams removed (whole, or emptied)', when: MIX_DELETE },
  { name: 'deleted_elements_<type>', unit: 'count', meaning: 'elements (fields, members, list and stream entries) of <type> the delete streams removed', when: MIX_DELETE },
  { name: 'mix_<test>_ops_per_s', unit: 'ops/s', meaning: 'throughput of a measured-phase stream of the mix (redis-benchmark)', better: 'higher', when: MIX_MEASURED },
  { name: 'capture_replies', unit: 'count', meaning: 'replies to the replayed capture (redis-cli --pipe)', when: CAPTURED, missingWith: noCapture },
  { name: 'capture_errors', unit: 'count', meaning: 'error replies to the replayed capture: commands that failed on replay', better: 'lower', when: CAPTURED, missingWith: noCapture },
  { name: 'capture_ms', unit: 'ms', meaning: 'time the capture took to replay', when: CAPTURED, missingWith: noCapture },
];


function replayLatency(call: (typeof REPLAY_CALL_KINDS)[number]): Row[] {
  const what = call === 'aligned' ? 'posix_memalign/aligned_alloc/memalign/valloc/pvalloc' : `${call}()`;
  return LATENCY_QUANTILES.map(({ suffix, what: q }) => ({
    name: `${call}_${suffix}_ns`,
    unit: 'ns',
    meaning: `${q} of one replayed ${what} call (sampled, HDR histogram)`,
    better: 'lower' as const,
    when: `the trace holds ${call === 'aligned' ? 'aligned allocations' : `${call}() calls`} and sampling is on`,
  }));
}

/**
 * Every metric each runner reports (workers/runners/*: harness-runner.ts from native/harness's JSON,
 * redis-runner.ts, command-runner.ts from native/runstat, trace-runner.ts from native/replay), with unit and meaning. Order is the order
 * of the README table and of `alloctune metrics`. test/service/metric-catalogue.test.ts runs the real
 * runners and fails when one reports a metric missing here, or when an entry is never reported.
 */
const ROWS: Record<WorkloadSpec['kind'], readonly Row[]> = {
  harness: [
    { name: 'ops_per_s', unit: 'ops/s', meaning: 'malloc+free calls per second of wall time in the measured phase', better: 'higher' },
    { name: 'ops_per_cpu_s', unit: 'ops/CPU-s', meaning: 'malloc+free calls per CPU-second of the workload threads (robust to other load)', better: 'higher' },
    { name: 'ops', unit: 'count', meaning: 'malloc+free calls in the measured phase' },
    { name: 'run_ms', unit: 'ms', meaning: 'length of the measured phase (fragmentation: its waits excluded)' },
    ...harnessLatency('malloc'),
    ...harnessLatency('free'),
    { name: 'peak_rss_bytes', unit: 'bytes', meaning: 'peak resident set size of the harness process (VmHWM)', better: 'lower' },
    { name: 'live_requested_bytes', unit: 'bytes', meaning: 'bytes the workload holds (requested sizes) at the end' },
    {
      name: 'fragmentation_ratio',
      unit: 'ratio',
      meaning: 'RSS / live requested bytes at the end',
      better: 'lower',
      when: 'the workload holds live bytes at the end (not size-sweep or cache-scratch)',
      missingWith: (w) => (w.kind === 'harness' && NO_LIVE_BYTES_AT_END.includes(w.workload) ? { field: 'workload', reason: `${w.workload} holds no live bytes at the end` } : undefined),
    },
    { name: 'rss_bytes_at_<N>ms', unit: 'bytes', meaning: 'RSS <N> ms after the free burst', better: 'lower', when: AFTER_FREE },
    { name: 'fragmentation_ratio_at_<N>ms', unit: 'ratio', meaning: 'RSS / live requested bytes <N> ms after the free burst', better: 'lower', when: AFTER_FREE },
    {
      name: 'rss_mean_bytes_after_free',
      unit: 'bytes',
      meaning: 'time-weighted mean RSS between the first and the last snapshot after the free burst',
      better: 'lower',
      when: 'the workload is fragmentation with two or more snapshot-ms offsets',
    },
    { name: 'minor_faults', unit: 'count', meaning: 'minor page faults over the run', better: 'lower' },
    { name: 'user_ms', unit: 'ms', meaning: 'user CPU time over the run', better: 'lower' },
    { name: 'sys_ms', unit: 'ms', meaning: 'system CPU time over the run', better: 'lower' },
  ],
  redis: [
    { name: 'get_ops_per_s', unit: 'ops/s', meaning: 'pipelined GET throughput (redis-benchmark)', better: 'higher', when: 'the throughput phase is enabled', missingWith: redisPhaseOff('throughput') },
    { name: 'set_ops_per_s', unit: 'ops/s', meaning: 'pipelined SET throughput (redis-benchmark)', better: 'higher', when: 'the throughput phase is enabled', missingWith: redisPhaseOff('throughput') },
    ...REDIS_LATENCY_QUANTILES.map(
      ({ suffix, what }): Row => ({ name: `${suffix}_us`, unit: 'us', meaning: `${what} round-trip time of one SET or GET (rttprobe, one request at a time)`, better: 'lower', when: 'the latency phase is enabled', missingWith: redisPhaseOff('latency') }),
    ),
    { name: 'rtt_errors', unit: 'count', meaning: 'requests of the latency phase answered with an error', better: 'lower', when: 'the latency phase is enabled', missingWith: redisPhaseOff('latency') },
    { name: 'rss_bytes_at_<N>ms', unit: 'bytes', meaning: 'redis-server RSS (INFO memory used_memory_rss) <N> ms after the delete (one per snapshot_offsets_ms offset)', better: 'lower' },
    { name: 'rss_anon_bytes_at_<N>ms', unit: 'bytes', meaning: 'anonymous part of the RSS (/proc RssAnon) <N> ms after the delete (one per snapshot_offsets_ms offset)', better: 'lower' },
    { name: 'rss_file_bytes_at_<N>ms', unit: 'bytes', meaning: 'file-backed part of the RSS (/proc RssFile) <N> ms after the delete (one per snapshot_offsets_ms offset)' },
    { name: 'used_memory_bytes_at_<N>ms', unit: 'bytes', meaning: 'bytes Redis has allocated (INFO used_memory) <N> ms after the delete (one per snapshot_offsets_ms offset)' },
    { name: 'mem_fragmentation_ratio_at_<N>ms', unit: 'ratio', meaning: 'RSS / used_memory <N> ms after the delete (one per snapshot_offsets_ms offset)', better: 'lower' },
    { name: 'allocator_frag_ratio_at_<N>ms', unit: 'ratio', meaning: 'allocator active / allocated bytes <N> ms after the delete (one per snapshot_offsets_ms offset)', better: 'lower' },
    { name: 'allocator_rss_ratio_at_<N>ms', unit: 'ratio', meaning: 'allocator resident / active bytes <N> ms after the delete (one per snapshot_offsets_ms offset)', better: 'lower' },
    { name: 'rss_overhead_ratio_at_<N>ms', unit: 'ratio', meaning: 'RSS / allocator resident bytes <N> ms after the delete (one per snapshot_offsets_ms offset)', better: 'lower' },
    { name: 'used_memory_bytes_after_load', unit: 'bytes', meaning: 'used_memory after the load phase' },
    { name: 'rss_bytes_after_load', unit: 'bytes', meaning: 'RSS after the load phase', better: 'lower' },
    { name: 'mem_fragmentation_ratio_after_load', unit: 'ratio', meaning: 'RSS / used_memory after the load phase', better: 'lower' },
    { name: 'allocator_frag_ratio_after_load', unit: 'ratio', meaning: 'allocator active / allocated bytes after the load phase', better: 'lower' },
    { name: 'keys_after_load', unit: 'count', meaning: 'keys in the database after the load phase' },
    { name: 'keys_deleted', unit: 'count', meaning: 'keys removed by the scattered delete' },
    { name: 'start_ms', unit: 'ms', meaning: 'time from spawning redis-server to its first answer' },
    { name: 'load_ms', unit: 'ms', meaning: 'length of the load phase' },
    { name: 'delete_ms', unit: 'ms', meaning: 'length of the scattered delete (Lua script)' },
    { name: 'stop_ms', unit: 'ms', meaning: 'time redis-server took to shut down' },
    ...REDIS_MIX_ROWS,
  ],
  trace: [
    { name: 'ops_per_s', unit: 'ops/s', meaning: 'replayed calls per second of wall time (recorded pacing: the program\'s own rate)', better: 'higher' },
    { name: 'ops_per_cpu_s', unit: 'ops/CPU-s', meaning: 'replayed calls per CPU-second of the replay threads (waits for other threads excluded)', better: 'higher' },
    { name: 'ops', unit: 'count', meaning: 'calls issued to the allocator (recorded failures are not re-issued)' },
    { name: 'run_ms', unit: 'ms', meaning: 'wall time from the first replayed call to the last' },
    ...REPLAY_CALL_KINDS.flatMap(replayLatency),
    { name: 'peak_rss_bytes', unit: 'bytes', meaning: 'peak resident set size of the replayer during the replay (VmHWM reset after loading the trace)', better: 'lower' },
    { name: 'baseline_rss_bytes', unit: 'bytes', meaning: "RSS before the first replayed call: the replayer's own tables and the allocator's start-up" },
    { name: 'peak_rss_above_baseline_bytes', unit: 'bytes', meaning: 'peak RSS minus the baseline: what the replayed calls made resident', better: 'lower' },
    {
      name: 'peak_rss_minus_replayer_bytes',
      unit: 'bytes',
      meaning: "peak of RSS minus the replayer's own resident tables (mincore of its own mappings): the largest of the readings (every snapshot_every_ms, the end, the offsets) and VmHWM minus the tables at the end, a lower bound of the true peak",
      better: 'lower',
    },
    { name: 'peak_live_bytes', unit: 'bytes', meaning: 'peak of the requested bytes live, in the program\'s order (equal to the recording\'s)' },
    { name: 'peak_fragmentation_ratio', unit: 'ratio', meaning: 'peak RSS / peak live requested bytes', better: 'lower', when: 'the trace allocates' },
    { name: 'live_requested_bytes', unit: 'bytes', meaning: 'requested bytes the trace leaves live at its end' },
    { name: 'fragmentation_ratio', unit: 'ratio', meaning: 'RSS / live requested bytes at the end of the replay', better: 'lower', when: 'the trace leaves live bytes at its end' },
    { name: 'rss_bytes_at_<N>ms', unit: 'bytes', meaning: 'RSS <N> ms after the last replayed call, the leftovers still live (one per snapshot_offsets_ms offset)', better: 'lower' },
    { name: 'rss_above_baseline_bytes_at_<N>ms', unit: 'bytes', meaning: "RSS <N> ms after the last replayed call minus baseline_rss_bytes: net of the replayer's own tables, but of the allocator's start-up too (its arenas and huge pages made resident before the first call)", better: 'lower' },
    {
      name: 'rss_minus_replayer_bytes_at_<N>ms',
      unit: 'bytes',
      meaning: "RSS <N> ms after the last replayed call minus the replayer's own tables resident at that moment (mincore of its own mappings): the program's share, the allocator's start-up included",
      better: 'lower',
    },
    {
      name: 'peak_rss_vs_original_ratio',
      unit: 'ratio',
      meaning: "peak RSS of the replay / peak RSS of the traced recording (the trace's sidecar; tracer included), same allocator only when it was recorded under it (peak_rss_vs_reference_ratio compares with the untraced original under the trial's allocator)",
      when: "the trace's sidecar NAME.json records the program's peak RSS",
    },
    {
      name: 'peak_rss_vs_reference_ratio',
      unit: 'ratio',
      meaning: 'peak RSS of the replay / peak RSS of the untraced original program under the same allocator (the sidecar\'s reference run)',
      when: 'the sidecar has a reference run under the trial\'s allocator (trace record --reference-allocators)',
    },
    {
      name: 'run_ms_vs_reference_wall_ratio',
      unit: 'ratio',
      meaning: 'replayed calls\' wall time (run_ms) / wall time of the untraced original under the same allocator (its whole run)',
      when: 'the sidecar has a reference run under the trial\'s allocator',
    },
    {
      name: 'cpu_ms_vs_reference_cpu_ratio',
      unit: 'ratio',
      meaning: 'CPU time of the replayed calls / CPU time (user + sys) of the untraced original under the same allocator',
      when: 'the sidecar has a reference run under the trial\'s allocator',
    },
    { name: 'cross_thread_waits', unit: 'count', meaning: 'calls that waited for another replay thread (a free or realloc of its object)' },
    { name: 'minor_faults', unit: 'count', meaning: 'minor page faults over the replay', better: 'lower' },
    { name: 'user_ms', unit: 'ms', meaning: 'user CPU time over the replay', better: 'lower' },
    { name: 'sys_ms', unit: 'ms', meaning: 'system CPU time over the replay', better: 'lower' },
  ],
  command: [
    { name: 'wall_ms', unit: 'ms', meaning: 'wall time of the command (runstat)', better: 'lower' },
    { name: 'user_ms', unit: 'ms', meaning: 'user CPU time of the command and its children', better: 'lower' },
    { name: 'sys_ms', unit: 'ms', meaning: 'system CPU time of the command and its children', better: 'lower' },
    { name: 'max_rss_bytes', unit: 'bytes', meaning: 'peak RSS of the largest process (rusage ru_maxrss)', better: 'lower', replayed_as: 'peak_rss_bytes' },
    { name: 'minor_faults', unit: 'count', meaning: 'minor page faults', better: 'lower' },
    { name: 'major_faults', unit: 'count', meaning: 'major page faults (read from disk)', better: 'lower' },
    { name: 'involuntary_ctx', unit: 'count', meaning: 'involuntary context switches (preemptions)', better: 'lower' },
    {
      name: '<name>',
      unit: 'as the command prints it',
      meaning: "the number the worker config's commands.<command>.metric reads from stdout or stderr (JSON path or regex)",
      when: 'the worker config defines a metric for the command',
    },
  ],
};

/**
 * Which part of a Redis command mix an entry's family follows: the types of its load streams (and
 * `capture`), the types of its delete streams, or the tests of its measured streams; undefined for
 * entries that are not such a family.
 */
export function mixFamily(entry: Pick<MetricEntry, 'kind' | 'when'>): 'load' | 'delete' | 'measured' | undefined {
  if (entry.kind !== 'redis') return undefined;
  if (entry.when === MIX_LOAD) return 'load';
  if (entry.when === MIX_DELETE) return 'delete';
  return entry.when === MIX_MEASURED ? 'measured' : undefined;
}

/** The whole catalogue, one entry per metric or metric family, grouped by workload kind. */
export const METRIC_CATALOGUE: readonly MetricEntry[] = (Object.keys(ROWS) as WorkloadSpec['kind'][]).flatMap((kind) => ROWS[kind].map((row) => ({ kind, ...row })));

/** An entry as documented (API, `alloctune metrics --json`): its data, without the condition's check, which is code. */
export type DocumentedMetric = Omit<MetricEntry, 'missingWith'>;

export function documentedMetric({ missingWith: _check, ...documented }: MetricEntry): DocumentedMetric {
  return documented;
}

/** Names a worker config may give a command's own metric (worker-config.ts validates the same shape). */
const CONFIGURED_NAME = '[a-z][a-z0-9_]{0,63}';

/** What each placeholder of an entry's name matches. */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  '<N>': '\\d+',
  '<name>': CONFIGURED_NAME,
  '<type>': `(?:${[...REDIS_DATA_TYPES, 'capture'].join('|')})`,
  '<test>': `(?:${Object.keys(REDIS_MIX_TESTS).join('|')})`,
};

/** The regular expression an entry's name stands for: `<N>` an offset in ms, `<name>` a configured name, `<type>`, `<test>`. */
export function entryPattern(entry: Pick<MetricEntry, 'name'>): RegExp {
  const source = entry.name
    .split(/(<N>|<name>|<type>|<test>)/)
    .map((part) => PLACEHOLDERS[part] ?? part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('');
  return new RegExp(`^${source}$`);
}

const PATTERNS = METRIC_CATALOGUE.map((entry) => ({ entry, pattern: entryPattern(entry) }));

/**
 * The catalogue entry a metric `name` of a `kind` workload falls under: an exact name first, then a
 * family (`rss_bytes_at_<N>ms`), then (commands) the configured metric.
 */
export function catalogueEntry(kind: WorkloadSpec['kind'], name: string): MetricEntry | undefined {
  const ofKind = PATTERNS.filter((p) => p.entry.kind === kind);
  const exact = ofKind.find((p) => p.entry.name === name);
  if (exact) return exact.entry;
  return ofKind.find((p) => p.entry.name !== '<name>' && p.pattern.test(name))?.entry ?? ofKind.find((p) => p.pattern.test(name))?.entry;
}

/** True when `name` of a `kind` workload is the one the worker config chooses (a command's own output), not one the runner measures. */
export function isConfiguredMetric(kind: WorkloadSpec['kind'], name: string): boolean {
  return catalogueEntry(kind, name)?.name === '<name>';
}

/** True when a workload of `kind` can report a metric called `name`. */
export function workloadReports(kind: WorkloadSpec['kind'], name: string): boolean {
  return catalogueEntry(kind, name) !== undefined;
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

const KINDS = WORKLOAD_KINDS;
const SUFFIX_UNITS: Readonly<Record<string, string>> = { bytes: 'bytes', ns: 'ns', us: 'us', ms: 'ms', per_s: 'ops/s', pct: '%', ratio: 'ratio' };

/**
 * The unit of a metric name or summary key (`<label>.<name>`): the catalogue's for a catalogued
 * name, else the unit its suffix names (`_bytes`, `_ns`, `_us`, `_ms`, `_per_s`, as a command's own
 * metric should be named), else undefined.
 */
export function metricUnit(metric: string): string | undefined {
  const name = metric.slice(metric.lastIndexOf('.') + 1);
  for (const kind of KINDS) {
    const entry = catalogueEntry(kind, name);
    if (entry !== undefined && entry.name !== '<name>') return entry.unit;
  }
  const suffix = /_(bytes|ns|us|ms|per_s|pct|ratio)$/.exec(name)?.[1];
  return suffix === undefined ? undefined : SUFFIX_UNITS[suffix];
}
