/*
 * spinprobe: a fixed spin loop timed on the target CPU, the worker's interference gate
 * (workers/interference-gate.ts). Any co-tenant runnable on that CPU (another process, an IRQ
 * storm, a noisy neighbour the hypervisor does not count as steal) takes time slices from the loop,
 * so its wall time grows with the share of the CPU someone else has.
 *
 * Usage: spinprobe [--cpus LIST] [--iterations N] [--rounds R]
 *   --cpus LIST      CPU list in taskset syntax ("1", "0,2", "0-3"); pinned with sched_setaffinity().
 *                    Absent: the inherited affinity.
 *   --iterations N   iterations of the loop per round (default 2000000, about 2-4 ms on this VM).
 *   --rounds R       rounds (default 5), timed one by one with CLOCK_MONOTONIC.
 * Output: one JSON document on stdout:
 *   {"schema":"alloctune.spinprobe/1","iterations":N,"rounds":R,"total_ns":T,"min_round_ns":M,"round_ns":[...]}
 * Exit status: 0, 1 on a system error (message on stderr), 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ROUNDS 100

static int usage(const char *why) {
    fprintf(stderr, "spinprobe: %s\nusage: spinprobe [--cpus LIST] [--iterations N] [--rounds R]\n", why);
    return 2;
}

static int parse_cpu_list(const char *list, cpu_set_t *set) {
    CPU_ZERO(set);
    const char *p = list;
    while (*p) {
        char *end;
        long a = strtol(p, &end, 10);
        if (end == p || a < 0 || a >= CPU_SETSIZE) return -1;
        long b = a;
        if (*end == '-') {
            p = end + 1;
            b = strtol(p, &end, 10);
            if (end == p || b < a || b >= CPU_SETSIZE) return -1;
        }
        for (long c = a; c <= b; c++) CPU_SET((int)c, set);
        if (*end == ',') end++;
        else if (*end != '\0') return -1;
        p = end;
    }
    return CPU_COUNT(set) > 0 ? 0 : -1;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long positive(const char *text) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    return (errno || *end != '\0' || v < 1) ? -1 : v;
}

int main(int argc, char **argv) {
    const char *cpus = NULL;
    long iterations = 2000000;
    long rounds = 5;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) return usage("every option takes a value");
        if (strcmp(argv[i], "--cpus") == 0) cpus = argv[++i];
        else if (strcmp(argv[i], "--iterations") == 0) iterations = positive(argv[++i]);
        else if (strcmp(argv[i], "--rounds") == 0) rounds = positive(argv[++i]);
        else return usage("unknown option");
    }
    if (iterations < 1) return usage("--iterations must be a positive integer");
    if (rounds < 1 || rounds > MAX_ROUNDS) return usage("--rounds must be 1..100");
    if (cpus) {
        cpu_set_t set;
        if (parse_cpu_list(cpus, &set) != 0) return usage("bad --cpus list");
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
            fprintf(stderr, "spinprobe: sched_setaffinity(%s): %s\n", cpus, strerror(errno));
            return 1;
        }
    }
    int64_t round_ns[MAX_ROUNDS];
    int64_t total = 0, min_round = INT64_MAX;
    /* A dependency chain through a volatile: the compiler can neither drop nor vectorise the loop. */
    volatile uint64_t x = 88172645463325252ull;
    for (long r = 0; r < rounds; r++) {
        int64_t start = now_ns();
        for (long i = 0; i < iterations; i++) {
            uint64_t v = x;
            v ^= v << 13;
            v ^= v >> 7;
            v ^= v << 17;
            x = v;
        }
        round_ns[r] = now_ns() - start;
        total += round_ns[r];
        if (round_ns[r] < min_round) min_round = round_ns[r];
    }
    printf("{\"schema\":\"alloctune.spinprobe/1\",\"iterations\":%ld,\"rounds\":%ld,\"total_ns\":%lld,\"min_round_ns\":%lld,\"round_ns\":[",
           iterations, rounds, (long long)total, (long long)min_round);
    for (long r = 0; r < rounds; r++) printf("%s%lld", r ? "," : "", (long long)round_ns[r]);
    printf("]}\n");
    return 0;
}
