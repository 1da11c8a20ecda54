// Quoting of exported values for each consumer. Values were checked against the safe alphabet of
// src/core/safe-text.ts at campaign creation; quoting anyway keeps every export parseable even for a
// record written before a check existed.

/**
 * A double-quoted YAML scalar with everything outside printable ASCII escaped (`\uXXXX`,
 * `\UXXXXXXXX`): YAML 1.1 readers break lines at U+0085, U+2028 and U+2029, which JSON leaves raw.
 */
export function yamlString(value: string): string {
  const escaped = [...value].map((ch) => {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') return `\\${ch}`;
    if (code >= 0x20 && code < 0x7f) return ch;
    return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
  });
  return `"${escaped.join('')}"`;
}

/** Characters that mean nothing to a POSIX shell, so a word made of them needs no quotes. */
const SHELL_PLAIN = /^[A-Za-z0-9_.,:=/+@%-]+$/;

/**
 * A POSIX shell word for `value`: bare when every character is inert (so `docker --env-file`, which
 * does not unquote, reads the same value), else single-quoted with `'\''` for embedded quotes.
 */
export function shellWord(value: string): string {
  return SHELL_PLAIN.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A single-quoted POSIX shell word, also for values that need none (a script reads more plainly). */
export function shellQuoted(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * One systemd `Environment=` assignment, quoted as a whole (systemd.exec: quotes around the
 * assignment; C escapes inside; `%` starts a specifier, so it is doubled; `$` is literal there).
 */
export function systemdEnvironment(name: string, value: string): string {
  const escaped = `${name}=${value}`.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('%', '%%');
  return `Environment="${escaped}"`;
}
