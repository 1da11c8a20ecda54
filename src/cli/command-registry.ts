/** A CLI sub-command: receives the arguments after its name, resolves to the exit code. */
export type CommandRun = (argv: string[]) => Promise<number>;

export interface CommandEntry {
  summary: string;
  load: () => Promise<{ run: CommandRun }>;
}

/** Every `alloctune <command>`; modules load lazily so `--help` stays fast. */
export const COMMANDS: Record<string, CommandEntry> = {
  demo: { summary: 'run the demo: embedded Redis, service, worker and a short real campaign', load: () => import('./commands/demo.js') },
  serve: { summary: 'run the service: REST API, server-sent events, campaign controller', load: () => import('./commands/serve.js') },
  campaign: { summary: 'start, watch, export, list and cancel campaigns of a running service', load: () => import('./commands/campaign.js') },
  tournament: { summary: 'start, watch, show, export, list and cancel allocator tournaments (several allocators, thread sweeps)', load: () => import('./commands/tournament.js') },
  worker: { summary: 'take trials from the queue and measure them on this host (BullMQ worker)', load: () => import('./commands/worker.js') },
  trial: { summary: 'run one trial in the foreground without the queue and print its result', load: () => import('./commands/trial.js') },
  metrics: { summary: 'list every metric each workload kind reports, with unit and meaning', load: () => import('./commands/metrics.js') },
  space: { summary: 'list, show, encode and parse allocator search spaces', load: () => import('./commands/space.js') },
  redis: { summary: 'run the embedded Redis in the foreground (for several local processes)', load: () => import('./commands/redis.js') },
  trace: { summary: 'record a program\'s allocations into a trace, and describe a recorded trace', load: () => import('./commands/trace.js') },
  bench: { summary: 'offline benchmarks: replay optimizer campaigns against tables of real measurements', load: () => import('./commands/bench.js') },
};
