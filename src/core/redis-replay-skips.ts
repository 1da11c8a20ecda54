/**
 * Commands a captured Redis command file must not replay, with why: they would stop, reconfigure or
 * wipe the benchmark server, touch its files, load code, block the replay connection, or only make
 * sense on the connection that sent them. Keys are upper-case command names; `flush` marks the ones
 * `trace redis-import --keep-flush` replays.
 */
export const REPLAY_SKIPS: Readonly<Record<string, { reason: string; flush?: true }>> = {
  MONITOR: { reason: 'the capture tool itself' },
  SHUTDOWN: { reason: 'stops the server' },
  CONFIG: { reason: 'reconfigures the server (the workload sets its own config)' },
  DEBUG: { reason: 'debugging commands can crash, block or rewrite the server' },
  FLUSHALL: { reason: 'wipes every database', flush: true },
  FLUSHDB: { reason: 'wipes a database', flush: true },
  SCRIPT: { reason: 'loads or kills scripts server-wide' },
  FUNCTION: { reason: 'loads, deletes or restores function libraries server-wide' },
  MODULE: { reason: 'loads native code' },
  REPLICAOF: { reason: 'turns the server into a replica' },
  SLAVEOF: { reason: 'turns the server into a replica' },
  FAILOVER: { reason: 'replication control' },
  SYNC: { reason: 'replication stream' },
  PSYNC: { reason: 'replication stream' },
  REPLCONF: { reason: 'replication stream' },
  SAVE: { reason: 'writes the dataset to disk' },
  BGSAVE: { reason: 'writes the dataset to disk' },
  BGREWRITEAOF: { reason: 'writes the append-only file' },
  ACL: { reason: 'changes users and permissions' },
  AUTH: { reason: 'credentials of the recorded connection (MONITOR redacts them)' },
  HELLO: { reason: 'protocol and credentials of the recorded connection' },
  CLIENT: { reason: 'controls connections (CLIENT KILL, PAUSE, REPLY ...) of the recording, not of the replay' },
  SELECT: { reason: 'the replay selects the database each line was run in (its [db ...] field)' },
  QUIT: { reason: 'closes the replay connection' },
  RESET: { reason: 'resets the replay connection' },
  CLUSTER: { reason: 'cluster control' },
  READONLY: { reason: 'cluster connection state' },
  READWRITE: { reason: 'cluster connection state' },
  WAIT: { reason: 'waits for replicas that the benchmark server does not have' },
  SUBSCRIBE: { reason: 'turns the replay connection into a subscriber' },
  PSUBSCRIBE: { reason: 'turns the replay connection into a subscriber' },
  SSUBSCRIBE: { reason: 'turns the replay connection into a subscriber' },
  BLPOP: { reason: 'blocks the replay connection' },
  BRPOP: { reason: 'blocks the replay connection' },
  BLMOVE: { reason: 'blocks the replay connection' },
  BRPOPLPUSH: { reason: 'blocks the replay connection' },
  BLMPOP: { reason: 'blocks the replay connection' },
  BZPOPMIN: { reason: 'blocks the replay connection' },
  BZPOPMAX: { reason: 'blocks the replay connection' },
  BZMPOP: { reason: 'blocks the replay connection' },
  XREAD: { reason: 'may block the replay connection (BLOCK)' },
  XREADGROUP: { reason: 'may block the replay connection (BLOCK)' },
  LATENCY: { reason: 'server diagnostics' },
  SLOWLOG: { reason: 'server diagnostics' },
  MIGRATE: { reason: 'connects to another server' },
  SWAPDB: { reason: 'swaps whole databases' },
};

/** Lines a script ran: replaying the EVAL/FCALL that the capture also holds runs them again. */
export const SCRIPT_SOURCE_SKIP = 'run inside a script (source lua): the EVAL/FCALL line replays it';
