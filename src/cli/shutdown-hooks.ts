/**
 * Run `cleanup` once on SIGINT/SIGTERM (then exit with 128+signal) or when the returned function is
 * called. If cleanup hangs (e.g. a Redis that went away keeps a connection close waiting), the
 * process exits anyway after `graceMs`; a second signal exits at once.
 */
export function onShutdown(cleanup: () => Promise<void>, graceMs = 30_000): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = (): Promise<void> => (running ??= cleanup());
  const handler = (signal: NodeJS.Signals): void => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (running) process.exit(code);
    setTimeout(() => {
      process.stderr.write(`alloctune: cleanup did not finish within ${graceMs} ms; exiting\n`);
      process.exit(code);
    }, graceMs).unref();
    void once().finally(() => process.exit(code));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return once;
}
