import { z } from 'zod';

/** Version tag of the document `allocbench --list` prints. */
export const HARNESS_LIST_SCHEMA_VERSION = 'alloctune.harness-list/1';

/** One integer parameter of the harness (`--name value`), or a comma-separated list of integers when `list`. */
export const HarnessParamSchema = z.object({
  name: z.string(),
  /** Default as the harness prints it; null where it depends on the workload. */
  default: z.string().nullable(),
  min: z.number(),
  max: z.number(),
  list: z.boolean(),
  help: z.string(),
});
export type HarnessParam = z.infer<typeof HarnessParamSchema>;

/** One workload the harness can run, with the parameters of its own. */
export const HarnessWorkloadSchema = z.object({
  name: z.string(),
  summary: z.string(),
  default_threads: z.number().int(),
  default_sample_every: z.number().int(),
  max_threads: z.number().int(),
  params: z.array(HarnessParamSchema),
});
export type HarnessWorkload = z.infer<typeof HarnessWorkloadSchema>;

/** The harness's description of itself: what `--workload` and each argument accept. */
export const HarnessListSchema = z.object({
  schema: z.literal(HARNESS_LIST_SCHEMA_VERSION),
  /** Parameters every workload takes (threads, duration-ms, ...). */
  generic_params: z.array(HarnessParamSchema),
  workloads: z.array(HarnessWorkloadSchema),
});
export type HarnessList = z.infer<typeof HarnessListSchema>;
