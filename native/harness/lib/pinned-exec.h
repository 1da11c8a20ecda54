/* Start the allocator under the CPUs a tool is pinned to: pin, then execute this program again. */
#ifndef ALLOCBENCH_PINNED_EXEC_H
#define ALLOCBENCH_PINNED_EXEC_H

/* Set to the process's pid across the one exec of exec_pinned. */
#define PINNED_EXEC_MARK "ALLOCTUNE_PINNED_EXEC"

/* Pins the process to `cpus` and executes /proc/self/exe with `argv` again, unless it already runs on
 * exactly those CPUs or is the program this call executed (the mark holds its pid). Returns when it did
 * not exec: then the process is pinned if it could be, the mark is gone from its environment. */
void exec_pinned(char **argv, const int *cpus, int count);

#endif
