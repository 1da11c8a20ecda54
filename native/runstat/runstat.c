/*
 * runstat: run a program pinned to a CPU list and report its resource usage as JSON.
 *
 * Usage: runstat [--cpus LIST] --out FILE -- PROGRAM [ARGS...]
 *
 *   --cpus LIST  CPU list in taskset syntax ("1", "0,2", "0-3"); the child is pinned with
 *                sched_setaffinity() before exec. Absent: the inherited affinity is kept.
 *   --out FILE   where the JSON document is written once the child has ended (the child's own
 *                stdout and stderr are passed through untouched, so its output can be parsed).
 *
 * The document: {"schema":"alloctune.runstat/1","exit_code":N|null,"signal":N|null,
 * "wall_ms":F,"user_ms":F,"sys_ms":F,"max_rss_bytes":N,"minor_faults":N,"major_faults":N,
 * "voluntary_ctx":N,"involuntary_ctx":N}. Figures come from wait4(), so they cover the child
 * only (and descendants it waited for), not this wrapper.
 *
 * The child gets PR_SET_PDEATHSIG=SIGKILL so that it never outlives runstat (which itself runs
 * under spawn-guard). SIGTERM/SIGINT/SIGHUP received by runstat are forwarded to the child.
 * Exit codes: 2 usage error, 125 setup error, 127 exec failure, otherwise 0 (the child's status
 * is in the document).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t child_pid = -1;

static void usage(void) {
    fprintf(stderr, "usage: runstat [--cpus LIST] --out FILE -- PROGRAM [ARGS...]\n");
    exit(2);
}

/* Parses "0-3,5" into set; returns 0 on success, -1 on a malformed list. */
static int parse_cpu_list(const char *list, cpu_set_t *set) {
    CPU_ZERO(set);
    const char *p = list;
    if (*p == '\0') return -1;
    while (*p != '\0') {
        char *end = NULL;
        errno = 0;
        long lo = strtol(p, &end, 10);
        if (end == p || errno != 0 || lo < 0 || lo >= CPU_SETSIZE) return -1;
        long hi = lo;
        p = end;
        if (*p == '-') {
            p++;
            hi = strtol(p, &end, 10);
            if (end == p || errno != 0 || hi < lo || hi >= CPU_SETSIZE) return -1;
            p = end;
        }
        for (long c = lo; c <= hi; c++) CPU_SET((int)c, set);
        if (*p == ',') {
            p++;
            if (*p == '\0') return -1;
        } else if (*p != '\0') {
            return -1;
        }
    }
    return 0;
}

static void forward(int sig) {
    if (child_pid > 0) kill(child_pid, sig);
}

static double tv_ms(struct timeval tv) { return (double)tv.tv_sec * 1e3 + (double)tv.tv_usec / 1e3; }

int main(int argc, char **argv) {
    const char *cpus = NULL;
    const char *out = NULL;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        if (strcmp(argv[i], "--cpus") == 0 && i + 1 < argc) cpus = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) out = argv[++i];
        else usage();
    }
    if (out == NULL || i >= argc) usage();
    cpu_set_t set;
    if (cpus != NULL && parse_cpu_list(cpus, &set) != 0) {
        fprintf(stderr, "runstat: bad CPU list '%s'\n", cpus);
        usage();
    }
    FILE *doc = fopen(out, "w");
    if (doc == NULL) {
        fprintf(stderr, "runstat: cannot open %s: %s\n", out, strerror(errno));
        return 125;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    pid_t self = getpid();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "runstat: fork: %s\n", strerror(errno));
        return 125;
    }
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != self) _exit(125);
        if (cpus != NULL && sched_setaffinity(0, sizeof set, &set) != 0) {
            fprintf(stderr, "runstat: sched_setaffinity(%s): %s\n", cpus, strerror(errno));
            _exit(125);
        }
        fclose(doc);
        execvp(argv[i], &argv[i]);
        fprintf(stderr, "runstat: cannot exec %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    child_pid = pid;
    int status = 0;
    struct rusage ru;
    pid_t got;
    do {
        got = wait4(pid, &status, 0, &ru);
    } while (got < 0 && errno == EINTR);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (got < 0) {
        fprintf(stderr, "runstat: wait4: %s\n", strerror(errno));
        return 125;
    }
    double wall_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    char exit_code[16] = "null";
    char term_sig[16] = "null";
    if (WIFEXITED(status)) snprintf(exit_code, sizeof exit_code, "%d", WEXITSTATUS(status));
    if (WIFSIGNALED(status)) snprintf(term_sig, sizeof term_sig, "%d", WTERMSIG(status));
    /* ru_maxrss is in KiB on Linux. */
    fprintf(doc,
            "{\"schema\":\"alloctune.runstat/1\",\"exit_code\":%s,\"signal\":%s,\"wall_ms\":%.3f,"
            "\"user_ms\":%.3f,\"sys_ms\":%.3f,\"max_rss_bytes\":%ld,\"minor_faults\":%ld,"
            "\"major_faults\":%ld,\"voluntary_ctx\":%ld,\"involuntary_ctx\":%ld}\n",
            exit_code, term_sig, wall_ms, tv_ms(ru.ru_utime), tv_ms(ru.ru_stime), ru.ru_maxrss * 1024L,
            ru.ru_minflt, ru.ru_majflt, ru.ru_nvcsw, ru.ru_nivcsw);
    if (fclose(doc) != 0) {
        fprintf(stderr, "runstat: writing %s: %s\n", out, strerror(errno));
        return 125;
    }
    return 0;
}
