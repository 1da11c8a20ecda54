import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../src/cli/commands/trace/redis-import.js';
import { MonitorConverter } from '../../src/core/redis-capture-import.js';
import { parseMonitorLine, respCommand } from '../../src/core/redis-monitor-line.js';

// MONITOR lines as Redis 7.0 prints them (sdscatrepr quoting), parsed byte for byte.

const args = (text: string): string[] => {
  const p = parseMonitorLine(text);
  assert.ok(p.ok, p.ok ? '' : p.reason);
  return p.line.args.map((a) => a.toString('hex'));
};
const hex = (...parts: (string | number[])[]): string => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))).toString('hex');

test('every escape of sdscatrepr decodes to its byte', () => {
  assert.deepEqual(args('1700000000.123456 [0 127.0.0.1:5555] "SET" "key" "value"'), [hex('SET'), hex('key'), hex('value')]);
  assert.deepEqual(args('1700000000.123456 [0 127.0.0.1:5555] "SET" "a\\"b\\\\c" "\\n\\r\\t\\a\\b"'), [hex('SET'), hex('a"b\\c'), hex([0x0a, 0x0d, 0x09, 0x07, 0x08])]);
  assert.deepEqual(args('1.000001 [3 127.0.0.1:1] "SET" "\\x00\\xff\\x7F" ""'), [hex('SET'), hex([0x00, 0xff, 0x7f]), '']);
  // Spaces, brackets and "] " inside an argument are data.
  assert.deepEqual(args('1.000001 [0 127.0.0.1:1] "ECHO" "a ] \\"b [0 x] \\"" "x y"'), [hex('ECHO'), hex('a ] "b [0 x] "'), hex('x y')]);
});

test('sources: TCP, IPv6, Unix socket and scripts; the database of each line', () => {
  const cases: [string, number, string][] = [
    ['1.5 [0 127.0.0.1:5555] "PING"', 0, '127.0.0.1:5555'],
    ['1.5 [12 [::1]:6000] "PING"', 12, '[::1]:6000'],
    ['1.5 [0 unix:/run/redis/redis.sock] "PING"', 0, 'unix:/run/redis/redis.sock'],
    ['1.5 [2 lua] "SET" "k" "v"', 2, 'lua'],
  ];
  for (const [text, db, source] of cases) {
    const p = parseMonitorLine(text);
    assert.ok(p.ok, text);
    assert.equal(p.line.db, db);
    assert.equal(p.line.source, source);
  }
});

test('lines that are not MONITOR lines say why', () => {
  const bad: [string, RegExp][] = [
    ['hello', /not a MONITOR line/],
    ['1.5 [0 127.0.0.1:1] "SET" "k', /no closing quote/],
    ['1.5 [0 127.0.0.1:1] "SET" "\\q"', /unknown escape \\q/],
    ['1.5 [0 127.0.0.1:1] "SET" "\\x4"', /unknown escape \\x/],
    ['1.5 [0 127.0.0.1:1] "SET""k"', /no space after argument 1/],
    ['1.5 [0 127.0.0.1:1] "SET" ', /trailing space/],
    ['1.5 [0 127.0.0.1:1] SET', /no "\] " before the first argument/],
  ];
  for (const [text, why] of bad) {
    const p = parseMonitorLine(text);
    assert.equal(p.ok, false, text);
    assert.match(p.ok ? '' : p.reason, why, text);
  }
});

test('RESP framing counts bytes, not characters', () => {
  assert.equal(respCommand([Buffer.from('SET'), Buffer.from([0xff, 0x0d, 0x0a])]).toString('latin1'), '*2\r\n$3\r\nSET\r\n$3\r\n\xff\r\n\r\n');
});

test('the converter skips what must not be replayed, selects databases and counts by command', () => {
  const lines = [
    'OK',
    '1.1 [0 127.0.0.1:1] "set" "a" "1"',
    '1.2 [0 127.0.0.1:1] "CONFIG" "SET" "maxmemory" "1"',
    '1.3 [0 127.0.0.1:1] "flushall"',
    '1.4 [0 127.0.0.1:1] "select" "5"',
    '1.5 [5 127.0.0.1:1] "SET" "b" "2"',
    '1.6 [5 127.0.0.1:1] "EVAL" "return redis.call(\'DEL\', KEYS[1])" "1" "b"',
    '1.7 [5 lua] "DEL" "b"',
    '1.8 [0 127.0.0.1:2] "SHUTDOWN"',
    '1.9 [0 127.0.0.1:2] "SET" "c"',
    'garbage',
    '',
  ];
  const c = new MonitorConverter({ keepFlush: false });
  const out = Buffer.concat(lines.map((l) => c.push(l) ?? Buffer.alloc(0))).toString('latin1');
  const r = c.report();
  assert.deepEqual(r.commands, { SET: 3, EVAL: 1 });
  assert.equal(r.commands_total, 4);
  assert.deepEqual(Object.fromEntries(Object.entries(r.skipped).map(([k, v]) => [k, v.count])), { CONFIG: 1, FLUSHALL: 1, SELECT: 1, 'DEL (in a script)': 1, SHUTDOWN: 1 });
  assert.match(r.skipped['FLUSHALL']?.reason ?? '', /wipes/);
  assert.deepEqual(r.malformed, { count: 1, first: [{ line: 11, reason: 'not a MONITOR line (expected "<seconds>.<micros> [<db> <client>] ...")' }] });
  assert.equal(r.selects_inserted, 2);
  assert.deepEqual(r.databases, [0, 5]);
  assert.equal(
    out,
    '*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n' +
      '*2\r\n$6\r\nSELECT\r\n$1\r\n5\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n' +
      "*4\r\n$4\r\nEVAL\r\n$33\r\nreturn redis.call('DEL', KEYS[1])\r\n$1\r\n1\r\n$1\r\nb\r\n" +
      '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$3\r\nSET\r\n$1\r\nc\r\n',
  );
  const keep = new MonitorConverter({ keepFlush: true });
  for (const l of lines) keep.push(l);
  assert.equal(keep.report().commands['FLUSHALL'], 1, '--keep-flush replays FLUSHALL');
  assert.equal(keep.report().skipped['CONFIG']?.count, 1, 'but never CONFIG');
});

test('trace redis-import: a missing name, a second name or a missing --from is a usage error naming it', async () => {
  await assert.rejects(run(['--from', 'm.txt']), /invalid NAME: the name of the capture is missing/);
  await assert.rejects(run(['a', 'b', '--from', 'm.txt']), /invalid NAME: one name, got also 'b'/);
  await assert.rejects(run(['shop']), /invalid --from: the MONITOR output file is missing/);
  await assert.rejects(run(['../shop', '--from', 'm.txt']), /invalid NAME: '\.\.\/shop' is not a trace name/);
  await assert.rejects(run(['shop', '--bogus']), /bogus/);
});
