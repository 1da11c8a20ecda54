import { z } from 'zod';

/** One allocator parameter value as chosen by a search space. */
export const ConfigValueSchema = z.union([z.number(), z.string(), z.boolean()]);
export type ConfigValue = z.infer<typeof ConfigValueSchema>;

/** A configuration: parameter name -> value, active parameters only. */
export const ConfigSchema = z.record(z.string(), ConfigValueSchema);
export type Config = z.infer<typeof ConfigSchema>;
