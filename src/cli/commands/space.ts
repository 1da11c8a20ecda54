import { parseArgs } from 'node:util';
import { AlloctuneError } from '../../core/alloctune-error.js';
import { ConfigSchema, type Config } from '../../core/config.js';
import type { Parameter, SearchSpace, SpaceOverridesInput } from '../../core/search-space.js';
import type { SpaceFileProblem } from '../../spaces/index.js';
import {
  completeConfig,
  createEmbedding,
  describeParameterDomain,
  encodeConfig,
  listSpaces,
  loadSpace,
  allocatorNames,
  parseConfigText,
} from '../../spaces/index.js';
import { UsageError } from '../usage-error.js';
import { SPACES_OPTION, SPACES_USAGE, applySpacesOption } from '../spaces-option.js';

const VERBS = ['list', 'show', 'encode', 'parse'] as const;


const USAGE = `usage: alloctune space list [--json]
       alloctune space show NAME [--overrides JSON] [--json]
       alloctune space encode NAME 'JSON config' [--overrides JSON] [--library PATH] [--abort-conf] [--json]
       alloctune space parse NAME 'MALLOC_CONF | GLIBC_TUNABLES | NAME=value ...' [--overrides JSON] [--json]
  NAME is an allocator definition (see space list). encode fills missing keys with defaults;
  --library names the shared object when the definition has no Debian library.
  --overrides takes {"add":[..],"drop":[..],"narrow":{..},"freeze":{..}}.
  ${SPACES_USAGE}
`;

function allocatorArg(name: string | undefined): string {
  const known = allocatorNames();
  if (name === undefined || !known.includes(name)) {
    throw new UsageError('space', 'NAME', `${name === undefined ? 'missing' : `'${name.slice(0, 64)}' is not an allocator`}: one of ${known.join(', ')}`);
  }
  return name;
}

function problemLines(problems: readonly SpaceFileProblem[]): string {
  return problems.map((p) => `skipped ${p.file}: ${p.path}: ${p.reason}\n`).join('');
}

function print(json: boolean, data: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : text);
}

function parameterLine(p: Parameter): string {
  const scale = (p.kind === 'integer' || p.kind === 'float') && p.log ? ' log' : '';
  const beyond = p.kind === 'integer' && p.beyond_max !== undefined ? ` (${p.beyond_max} = beyond max, embedded past ${p.max})` : '';
  const state = p.fixed !== undefined ? ` fixed=${String(p.fixed)}` : ` default=${String(p.default)}`;
  const when = p.when ? ` when ${Object.entries(p.when).map(([k, vs]) => `${k} in {${vs.map(String).join(',')}}`).join(' and ')}` : '';
  return `  ${p.name}  ${p.kind}${scale}: ${describeParameterDomain(p)}${beyond};${state}${when}\n      ${p.description}\n${p.notes.map((n) => `      note: ${n}\n`).join('')}`;
}

function showText(space: SearchSpace): string {
  return [
    `${space.allocator}: ${space.library}\nfile: ${space.file}\nencoding: ${space.encoding.format}; embedding dimension ${createEmbedding(space).dimension}\n`,
    ...space.notes.map((n) => `note: ${n}\n`),
    `\nparameters:\n`,
    ...space.parameters.map(parameterLine),
    `\nextras (add with overrides.add):\n`,
    ...space.extras.map(parameterLine),
  ].join('');
}

function parseJson(field: string, text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch (err) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field, reason: `not JSON: ${(err as Error).message}` });
  }
}

function parseJsonConfig(text: string | undefined): Config {
  const parsed = ConfigSchema.safeParse(parseJson('config', text));
  if (!parsed.success) throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'config', reason: 'expected a JSON object of numbers, strings and booleans' });
  return parsed.data;
}

/** `alloctune space list|show|encode|parse`: inspect search spaces and convert configs. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { ...SPACES_OPTION, json: { type: 'boolean', default: false }, library: { type: 'string' }, overrides: { type: 'string' }, 'abort-conf': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  applySpacesOption(values.spaces);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [verb, name, text] = positionals;
  if (verb === undefined || !(VERBS as readonly string[]).includes(verb)) {
    throw new UsageError('space', 'verb', `${verb === undefined ? 'missing' : `unknown '${verb}'`}: one of ${VERBS.join(', ')}`);
  }
  const json = values.json;
  // Validated by applyOverrides, which names the offending field.
  const overrides = values.overrides === undefined ? undefined : (parseJson('overrides', values.overrides) as SpaceOverridesInput);
  const space = (): SearchSpace => loadSpace(allocatorArg(name), overrides);
  switch (verb) {
    case 'list': {
      const { spaces, problems } = listSpaces();
      // A broken definition is named and skipped; the others are still listed.
      process.stderr.write(problemLines(problems));
      print(json, spaces, spaces.map((s) => `${s.allocator.padEnd(14)} ${String(s.parameter_count).padStart(3)} parameters, ${s.extra_count} extras  ${s.library}\n  ${s.file}\n`).join(''));
      return 0;
    }
    case 'show': {
      const loaded = space();
      print(json, loaded, showText(loaded));
      return 0;
    }
    case 'encode': {
      const loaded = space();
      const config = completeConfig(loaded, parseJsonConfig(text));
      const encoded = encodeConfig(loaded, config, { abortOnInvalidConf: values['abort-conf'], ...(values.library === undefined ? {} : { libraries: { [loaded.allocator]: values.library } }) });
      const lines = [...Object.entries(encoded.env).map(([k, v]) => `${k}=${v}`), ...(encoded.preload === undefined ? [] : [`LD_PRELOAD=${encoded.preload}`])];
      print(json, { allocator: loaded.allocator, config, ...encoded }, `${lines.join('\n')}\n`);
      return 0;
    }
    case 'parse': {
      const loaded = space();
      if (text === undefined) throw new UsageError('space', 'text', 'missing the setting to parse');
      const config = parseConfigText(loaded, text);
      const complete = completeConfig(loaded, config);
      print(json, { allocator: loaded.allocator, config, complete_config: complete }, `${JSON.stringify(config)}\n`);
      return 0;
    }
    default:
      throw new UsageError('space', 'verb', `unknown '${verb}'`);
  }
}
