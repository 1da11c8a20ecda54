import { z } from 'zod';
import { WorkloadSpecSchema, type WorkloadSpec } from './trial-job.js';

/** Every workload kind, in the order of WorkloadSpecSchema's union (the one place kinds are listed). */
export const WORKLOAD_KINDS = WorkloadSpecSchema.options.map((o) => o.shape.kind.value) as readonly WorkloadSpec['kind'][];

/** The kinds as a zod enum, for records that name a kind (measurements, catalogue entries). */
export const WorkloadKindSchema = z.enum(WORKLOAD_KINDS as [WorkloadSpec['kind'], ...WorkloadSpec['kind'][]]);
