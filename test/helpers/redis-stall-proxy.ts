import { createServer, connect, type Server, type Socket } from 'node:net';

/** One command as a client sent it: its arguments as text (command name first). */
export type RedisCommand = readonly string[];

/**
 * A TCP proxy in front of a real Redis that passes every client's commands through one at a time
 * and can freeze them at an exact command: once a command matches the armed test, neither it nor
 * anything after it from any connection open then reaches Redis (replies already sent still
 * arrive). A service behind it that is then killed has done exactly what came before that command,
 * with no fault hook in the code under test. Connections opened later pass freely.
 */
export interface StallProxy {
  /** `redis://127.0.0.1:<port>` of the proxy. */
  url: string;
  /** Arm: the next command (on any connection) for which `matches` is true is held; resolves with it. */
  stallOn(matches: (command: RedisCommand) => boolean): Promise<RedisCommand>;
  close(): Promise<void>;
}

/** The command at the head of `buffer` and where it ends, or undefined while it is incomplete. */
function parseCommand(buffer: Buffer): { command: string[]; end: number } | undefined {
  const lineEnd = (from: number): number => buffer.indexOf('\r\n', from);
  if (buffer.length === 0) return undefined;
  if (buffer[0] !== 0x2a /* '*' */) {
    // An inline command (redis-cli style): one line.
    const end = lineEnd(0);
    return end < 0 ? undefined : { command: buffer.subarray(0, end).toString().split(' '), end: end + 2 };
  }
  let at = lineEnd(0);
  if (at < 0) return undefined;
  const count = Number(buffer.subarray(1, at).toString());
  at += 2;
  const command: string[] = [];
  for (let i = 0; i < count; i++) {
    const end = lineEnd(at);
    if (end < 0) return undefined;
    const length = Number(buffer.subarray(at + 1, end).toString());
    const start = end + 2;
    if (buffer.length < start + length + 2) return undefined;
    command.push(buffer.subarray(start, start + length).toString());
    at = start + length + 2;
  }
  return { command, end: at };
}

export async function startStallProxy(upstreamPort: number): Promise<StallProxy> {
  let armed: { matches: (command: RedisCommand) => boolean; resolve: (command: RedisCommand) => void } | undefined;
  const open = new Set<{ client: Socket; frozen: boolean }>();
  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    const link = { client, frozen: false };
    open.add(link);
    let pending = Buffer.alloc(0);
    upstream.on('data', (chunk) => client.write(chunk));
    const drop = (): void => {
      open.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (link.frozen) return;
        const next = parseCommand(pending);
        if (!next) return;
        if (armed?.matches(next.command)) {
          const { resolve } = armed;
          armed = undefined;
          for (const l of open) l.frozen = true;
          resolve(next.command);
          return;
        }
        upstream.write(pending.subarray(0, next.end));
        pending = pending.subarray(next.end);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  return {
    url: `redis://127.0.0.1:${address.port}`,
    stallOn: (matches) => new Promise((resolve) => (armed = { matches, resolve })),
    close: async () => {
      for (const l of open) l.client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
