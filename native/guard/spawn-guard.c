/*
 * spawn-guard: exec a program that dies with its parent.
 *
 * Usage: spawn-guard --parent PID [--signal TERM|KILL|INT] -- PROGRAM [ARGS...]
 *
 * Sets PR_SET_PDEATHSIG so that PROGRAM receives SIGNAL when the process that spawned the guard
 * exits for any reason, SIGKILL included. The setting survives execve() for ordinary binaries, so
 * redis-server, redis-benchmark and the harness need no change. If the parent is already gone by
 * the time the guard runs (getppid() no longer equals PID) the guard exits with 125 instead of
 * starting an orphan. Exit codes: 125 usage or setup error, 127 exec failure, otherwise PROGRAM's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static void usage(void) {
    fprintf(stderr, "usage: spawn-guard --parent PID [--signal TERM|KILL|INT] -- PROGRAM [ARGS...]\n");
    exit(125);
}

static int parse_signal(const char *name) {
    if (strcmp(name, "TERM") == 0) return SIGTERM;
    if (strcmp(name, "KILL") == 0) return SIGKILL;
    if (strcmp(name, "INT") == 0) return SIGINT;
    return -1;
}

int main(int argc, char **argv) {
    long parent = -1;
    int sig = SIGKILL;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        if (strcmp(argv[i], "--parent") == 0 && i + 1 < argc) {
            char *end = NULL;
            parent = strtol(argv[++i], &end, 10);
            if (end == NULL || *end != '\0' || parent <= 0) usage();
        } else if (strcmp(argv[i], "--signal") == 0 && i + 1 < argc) {
            sig = parse_signal(argv[++i]);
            if (sig < 0) usage();
        } else {
            usage();
        }
    }
    if (parent <= 0 || i >= argc) usage();
    if (prctl(PR_SET_PDEATHSIG, sig) != 0) {
        fprintf(stderr, "spawn-guard: prctl: %s\n", strerror(errno));
        return 125;
    }
    /* The parent may have died between fork() and prctl(): then nobody would signal us. */
    if ((long)getppid() != parent) {
        fprintf(stderr, "spawn-guard: parent %ld is gone\n", parent);
        return 125;
    }
    execvp(argv[i], &argv[i]);
    fprintf(stderr, "spawn-guard: cannot exec %s: %s\n", argv[i], strerror(errno));
    return 127;
}
