import { z } from 'zod';

/**
 * The form of an allocator name: the base name of its definition file (`search-spaces/NAME.json` or
 * a file in an extra spaces directory). Which names exist is the registry's business
 * (src/spaces/allocator-registry.ts); core holds no list of allocators.
 */
export const AllocatorNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'an allocator name: a-z, 0-9 and -, starting with a letter (max 32)');
export type AllocatorName = z.infer<typeof AllocatorNameSchema>;
