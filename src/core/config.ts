import { z } from 'zod';
import { mapKey } from './safe-text.js';

/** One allocator parameter value as chosen by a search space. */
export const ConfigValueSchema = z.union([z.number(), z.string().max(256), z.boolean()]);
export type ConfigValue = z.infer<typeof ConfigValueSchema>;

/** A configuration: parameter name -> value, active parameters only. */
export const ConfigSchema = z.record(mapKey(z.string().max(128)), ConfigValueSchema);
export type Config = z.infer<typeof ConfigSchema>;
