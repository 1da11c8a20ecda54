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
export const EnvMapSchema = z.record(EnvNameSchema, EnvValueSchema);
export type EnvMap = z.infer<typeof EnvMapSchema>;
