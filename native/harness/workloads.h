/* Registry of the workloads; each lives in its own folder next to this file. */
#ifndef ALLOCBENCH_WORKLOADS_H
#define ALLOCBENCH_WORKLOADS_H

#include "lib/bench.h"

extern const workload_def WORKLOAD_LARSON;
extern const workload_def WORKLOAD_THREADTEST;
extern const workload_def WORKLOAD_MSTRESS;
extern const workload_def WORKLOAD_CACHE_SCRATCH;
extern const workload_def WORKLOAD_REDIS_MIX;
extern const workload_def WORKLOAD_FRAGMENTATION;
extern const workload_def WORKLOAD_SIZE_SWEEP;

static const workload_def *const ALL_WORKLOADS[] = {
    &WORKLOAD_LARSON, &WORKLOAD_THREADTEST, &WORKLOAD_MSTRESS, &WORKLOAD_CACHE_SCRATCH,
    &WORKLOAD_REDIS_MIX, &WORKLOAD_FRAGMENTATION, &WORKLOAD_SIZE_SWEEP,
};
#define WORKLOAD_COUNT ((int)(sizeof ALL_WORKLOADS / sizeof ALL_WORKLOADS[0]))

#endif
