#!/usr/bin/env node
import { COMMANDS } from './command-registry.js';
import { EXIT_USAGE, reportError } from './report-error.js';
import { UsageError } from './usage-error.js';

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return `usage: alloctune <command> [options]    (alloctune <command> --help for its options)\n\ncommands:\n${lines.join('\n')}\n\n  --debug   with any command: print the stack trace of an error\n`;
}

async function main(argv: readonly string[], debug: boolean): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(usage());
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
    process.stdout.write(usage());
    return 0;
  }
  // `alloctune help campaign` is `alloctune campaign --help`.
  const [name, args] = first === 'help' ? [rest[0] as string, ['--help']] : [first, rest];
  const entry = COMMANDS[name];
  try {
    if (!entry) throw new UsageError('', 'command', `unknown command '${name}'`);
    const command = await entry.load();
    return await command.run(args);
  } catch (err) {
    return reportError(err, entry ? name : undefined, debug, (text) => process.stderr.write(text));
  }
}

const argv = process.argv.slice(2);
const end = argv.indexOf('--');
const debug = argv.slice(0, end < 0 ? undefined : end).includes('--debug');
main(debug ? argv.filter((a, i) => a !== '--debug' || (end >= 0 && i > end)) : argv, debug).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError(err, undefined, debug, (text) => process.stderr.write(text));
  },
);
