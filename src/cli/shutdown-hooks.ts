/**
 * Run `cleanup` once on SIGINT/SIGTERM (then exit with 128+signal) or when `cleanup` is called
 * directly. Returns the idempotent cleanup function.
 */
export function onShutdown(cleanup: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = (): Promise<void> => (running ??= cleanup());
  const handler = (signal: NodeJS.Signals): void => {
    const code = signal === 'SIGINT' ? 130 : 143;
    void once().finally(() => process.exit(code));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return once;
}
