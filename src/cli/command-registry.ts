/** A CLI sub-command: receives the arguments after its name, resolves to the exit code. */
export type CommandRun = (argv: string[]) => Promise<number>;

export interface CommandEntry {
  summary: string;
  load: () => Promise<{ run: CommandRun }>;
}

/** Every `alloctune <command>`; modules load lazily so `--help` stays fast. */
export const COMMANDS: Record<string, CommandEntry> = {
  demo: { summary: 'run the demo: embedded Redis, service, worker and a short real campaign', load: () => import('./commands/demo.js') },
  redis: { summary: 'run the embedded Redis in the foreground (for several local processes)', load: () => import('./commands/redis.js') },
};
