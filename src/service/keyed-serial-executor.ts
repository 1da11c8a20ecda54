/**
 * Runs tasks one at a time per key, in the order they were submitted; tasks of different keys run
 * independently. A task that throws rejects its own promise only: the next task of the key still runs.
 */
export class KeyedSerialExecutor {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Run `task` after every task submitted earlier for `key` has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    // Forget an idle key so that the map holds only keys with work queued.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Settles once every task submitted so far (any key) has settled. */
  async drain(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
