import { canonicalJson } from '../core/definition-snapshot.js';
import type { InputProblem } from '../core/input-problems-error.js';
import { isPrintableText } from '../core/safe-text.js';
import type { SearchSpace, SpaceFile } from '../core/search-space.js';

/**
 * The rule for a definition that did not come from a file on the host judging it (one posted with
 * a campaign, or the copy a trial job carries): it must be a *view* over a definition that host
 * loads itself, its *base*:
 *
 * - `load`, `identity` and `encoding` are the base's, exactly: the library comes from the base (and
 *   the worker finds its file itself), so a request can name no file, no directory and no
 *   `path_variable` to read a path from; identity and encoding are facts of that library.
 * - `readback` is the base's, or `none` / `env-echo`: a `function` read-back calls a symbol by name
 *   inside the target, so a request may not choose it.
 * - every knob (`parameters`, `extras`) is one the base documents: ranges, choices, defaults,
 *   conditions and which knobs are searched are the request's to choose, the variables and
 *   MALLOC_CONF / GLIBC_TUNABLES keys are not (jemalloc's `prof_prefix` writes files, `glibc.rtld.*`
 *   tunes the loader).
 * - each `complaints` entry is one of the base's: the patterns run on the worker, and a posted
 *   regular expression could backtrack for minutes.
 * - a knob that becomes an environment variable also passes {@link envVariableProblem}, whatever
 *   the base says (a second lock on the same door).
 *
 * Values stay data: typed numbers and `[A-Za-z0-9_]` tokens that cannot carry a separator.
 */
export interface ViewOutcome {
  /** The registered definition the view is over (with problems: the one it comes closest to); undefined when it loads a library none of them loads. */
  base?: SearchSpace;
  /** Every problem, under the definition's own field path (`parameters.2.name`); empty when it is a view (only then may it run). */
  problems: InputProblem[];
}

/** Variables no allocator knob may be, whatever its definition says: loader, locale and shell variables that load code or read files. */
const FORBIDDEN_VARIABLES = new Set(['GLIBC_TUNABLES', 'MALLOC_CONF', 'PATH', 'HOME', 'TMPDIR', 'GCONV_PATH', 'LOCPATH', 'NLSPATH', 'HOSTALIASES', 'RES_OPTIONS', 'LOCALDOMAIN', 'IFS', 'ENV', 'BASH_ENV', 'SHELL', 'NODE_OPTIONS', 'PYTHONPATH', 'PERL5LIB', 'MALLOC_TRACE']);

/**
 * Why `name` may not be an environment variable an `env`-encoded view sets, or undefined: upper
 * case letters, digits and `_`; never `LD_*` nor a variable of {@link FORBIDDEN_VARIABLES}; with the
 * base's `key_prefix` when it has one.
 */
export function envVariableProblem(name: string, base: Pick<SpaceFile, 'encoding'>): string | undefined {
  if (!/^[A-Z][A-Z0-9_]{0,127}$/.test(name)) return `'${name.slice(0, 64)}' is not an environment variable name (A-Z, 0-9 and _)`;
  if (name.startsWith('LD_')) return `${name} is a dynamic loader variable: it would load code into the target`;
  if (FORBIDDEN_VARIABLES.has(name)) return `${name} is not an allocator knob: it steers the C library, the loader or a shell`;
  const prefix = base.encoding.key_prefix;
  if (prefix !== '' && !name.startsWith(prefix)) return `${name} does not start with ${prefix}, the prefix of the base definition's variables`;
  return undefined;
}

const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/** Longest free text (a description, a note) a posted definition may hold. */
const MAX_TEXT_CHARS = 2000;

/** The free text of a definition (shown in the UI, quoted in exports) that is not printable or too long. */
function textProblems(view: SpaceFile): InputProblem[] {
  const texts: [string, string][] = [['library', view.library]];
  view.notes.forEach((n, i) => texts.push([`notes.${i}`, n]));
  view.target_overrides.forEach((o, i) => texts.push([`target_overrides.${i}.why`, o.why]));
  for (const list of ['parameters', 'extras'] as const) {
    view[list].forEach((p, i) => {
      texts.push([`${list}.${i}.description`, p.description]);
      p.notes.forEach((n, j) => texts.push([`${list}.${i}.notes.${j}`, n]));
      p.traps.forEach((t, j) => texts.push([`${list}.${i}.traps.${j}.message`, t.message]));
    });
  }
  return texts
    .filter(([, text]) => text.length > MAX_TEXT_CHARS || !isPrintableText(text))
    .map(([path, text]) => ({ path, message: text.length > MAX_TEXT_CHARS ? `at most ${MAX_TEXT_CHARS} characters (${text.length})` : 'printable characters only: no control, line separator, bidirectional or zero-width characters' }));
}

/** The problems of `view` against one candidate base. */
function problemsAgainst(view: SpaceFile, base: SearchSpace): InputProblem[] {
  const problems: InputProblem[] = [];
  const add = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  const basis = `the base definition ${base.allocator} (${base.file})`;
  if (!same(view.load, base.load)) {
    add('load', `must be the load section of ${basis}, exactly: a definition sent over the network cannot choose a library, a directory or a variable to read a path from (workers find the library themselves)`);
  }
  if (!same(view.identity, base.identity)) add('identity', `must be the identity of ${basis}: it is a fact of the library`);
  if (!same(view.encoding, base.encoding)) add('encoding', `must be the encoding of ${basis}: it is a fact of the library`);
  if (!same(view.readback, base.readback) && view.readback.kind !== 'none' && view.readback.kind !== 'env-echo') {
    add('readback', `must be the read-back of ${basis}, or none or env-echo: a read-back that calls a symbol is chosen by the definition files on the host only`);
  }
  const documented = new Set([...base.parameters, ...base.extras].map((p) => p.name));
  for (const list of ['parameters', 'extras'] as const) {
    view[list].forEach((p, i) => {
      if (!documented.has(p.name)) add(`${list}.${i}.name`, `'${p.name.slice(0, 64)}' is not a knob of ${basis} (a posted definition may narrow, re-default or drop its knobs, not add new ones)`);
      else if (view.encoding.format === 'env') {
        const problem = envVariableProblem(p.name, base);
        if (problem !== undefined) add(`${list}.${i}.name`, problem);
      }
    });
  }
  view.complaints.forEach((c, i) => {
    if (!base.complaints.some((b) => same(b, c))) add(`complaints.${i}`, `must be one of the complaint patterns of ${basis}: patterns run on the workers`);
  });
  return problems;
}

/**
 * Checks that `view` is a view over one of `definitions` (see {@link ViewOutcome}): the definition
 * of the same name first, then those whose `load` section it repeats, by name; the first that fits
 * is its base. (A worker whose file of that name was edited down still runs a job's snapshot as a
 * view over the library's own definition: either way only facts the host holds reach a process.)
 * The problems are those against the closest candidate.
 */
export function definitionViewOf(view: SpaceFile, definitions: ReadonlyMap<string, SearchSpace>): ViewOutcome {
  const outcome = baseOf(view, definitions);
  return { ...outcome, problems: [...outcome.problems, ...textProblems(view)] };
}

function baseOf(view: SpaceFile, definitions: ReadonlyMap<string, SearchSpace>): ViewOutcome {
  const named = definitions.get(view.allocator);
  const sameLoad = [...definitions.values()].filter((d) => d !== named && same(d.load, view.load)).sort((a, b) => (a.allocator < b.allocator ? -1 : 1));
  const candidates = [...(named ? [named] : []), ...sameLoad];
  let closest: ViewOutcome | undefined;
  for (const base of candidates) {
    const problems = problemsAgainst(view, base);
    if (problems.length === 0) return { base, problems };
    if (closest === undefined || problems.length < closest.problems.length) closest = { base, problems };
  }
  if (closest) return closest;
  // A library no definition here loads: never a view. Its other fields are judged against the
  // definition they come closest to, so that one answer names every bad field.
  const all = [...definitions.values()].sort((a, b) => (a.allocator < b.allocator ? -1 : 1));
  const nearest = all
    .map((d) => problemsAgainst(view, d).filter((p) => p.path !== 'load'))
    .reduce<InputProblem[] | undefined>((best, p) => (best === undefined || p.length < best.length ? p : best), undefined);
  const load: InputProblem = {
    path: 'load',
    message: `must be the load section of a definition this host loads (${all.map((d) => d.allocator).join(', ')}), copied exactly: a definition sent over the network cannot choose a library, a directory or a variable to read a path from`,
  };
  return { problems: [load, ...(nearest ?? [])] };
}
