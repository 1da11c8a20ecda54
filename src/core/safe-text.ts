import { z } from 'zod';

/** Identifiers used in keys, job ids and file names: no separators that Redis or a path would read. */
export const IdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, _ and - only (max 64), starting with a letter or digit');

/** An environment variable name. */
export const EnvNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name');

/**
 * An environment variable value: printable ASCII without quotes, backslashes, `;`, `$`, backticks or
 * spaces. Nothing goes through a shell, but the same values end up in exported systemd/env files.
 */
export const EnvValueSchema = z.string().max(4096).regex(/^[A-Za-z0-9_.,:=/+@%-]*$/, 'only letters, digits and _ . , : = / + @ % -');

/** An environment map built from the two schemas above. */
export const EnvMapSchema = z.record(mapKey(EnvNameSchema), EnvValueSchema);
export type EnvMap = z.infer<typeof EnvMapSchema>;

/**
 * Characters free text (campaign names, metric names, settings quoted back in errors) may not hold:
 * C0 and C1 controls (U+0085 NEL among them) and DEL, line and paragraph separators (U+2028/U+2029),
 * which YAML 1.1 readers such as PyYAML and JavaScript treat as line breaks, bidirectional and
 * zero-width format characters that make text read differently from what it is, and lone surrogates.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cs}\u2028\u2029\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/u;

/** True when `text` holds none of the characters free text may not hold (see {@link printableText}). */
export function isPrintableText(text: string): boolean {
  return !UNPRINTABLE.test(text);
}

/** Free text of 1 to `maxChars` printable characters; the message never quotes the input. */
export function printableText(maxChars: number) {
  return z
    .string()
    .min(1)
    .max(maxChars)
    .refine(isPrintableText, 'printable characters only: no control characters (C0, C1 such as U+0085), line or paragraph separators (U+2028, U+2029), bidirectional or zero-width format characters');
}

/** `text` with every character {@link printableText} refuses replaced by `\u{...}`, for output that must stay on one line. */
export function escapeUnprintable(text: string): string {
  return text.replace(new RegExp(UNPRINTABLE.source, 'gu'), (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
}

/**
 * True for the names of Object.prototype members (`constructor`, `toString`, `__proto__`,
 * `hasOwnProperty` ...): a plain-object lookup or `in` finds them on every map, and a JSON
 * `__proto__` key is dropped when copied, so they are never accepted as keys of a user-supplied map.
 */
export function isPrototypeMemberName(key: string): boolean {
  return key in Object.prototype;
}

/** `schema` for the keys of a user-supplied map, refusing {@link isPrototypeMemberName} names. */
export function mapKey(schema: z.ZodString = z.string()): z.ZodString {
  return schema.refine((k) => !isPrototypeMemberName(k), 'not a key here (a name of an Object.prototype member)');
}

/** Longest piece of an input quoted back in an error message. */
export const MAX_QUOTED_CHARS = 200;

/** `text` cut to `maxChars` with a note of how long it was, so an error never echoes a huge input. */
export function truncateForMessage(text: string, maxChars = MAX_QUOTED_CHARS): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}... (${text.length} chars)`;
}
