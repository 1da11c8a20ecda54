/* An allocator sizes itself by the CPUs it may run on when it initializes, and jemalloc does that in a
 * constructor, before main: 4 arenas per CPU of the affinity mask (1 for a single CPU), percpu_arena
 * one per CPU. A tool given --cpus that pinned itself only in main would measure an allocator sized
 * by the whole machine, while the program it stands for (a command runstat starts pinned, redis-server
 * under taskset) sees the worker's CPUs. So allocbench and tracereplay pin themselves and run
 * themselves again, once, before their allocator exists: every target of a worker starts already
 * pinned. glibc computes its arena limit (8 per CPU) lazily, when a thread first needs an arena past
 * arena_test, and mimalloc and gperftools' tcmalloc size nothing by the affinity mask, so for them the
 * exec changes nothing.
 *
 * The mark carries the pid across the exec (execve keeps it): the executed program finds its own pid
 * and does not exec again even when the kernel narrowed the CPU list (a cpuset), so the mask still
 * differs from --cpus. A mark with another pid was inherited, not set by this call, and is ignored.
 * If a step fails the program carries on, pinned if it could be, as it did before the exec existed. */
#include "pinned-exec.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void exec_pinned(char **argv, const int *cpus, int count) {
  char pid_text[32];
  snprintf(pid_text, sizeof pid_text, "%d", (int)getpid());
  const char *seen = getenv(PINNED_EXEC_MARK);
  int executed_here = seen != NULL && strcmp(seen, pid_text) == 0;
  unsetenv(PINNED_EXEC_MARK);
  if (executed_here) return;
  cpu_set_t want, have;
  CPU_ZERO(&want);
  for (int i = 0; i < count; i++) CPU_SET(cpus[i], &want);
  if (sched_getaffinity(0, sizeof have, &have) != 0 || CPU_EQUAL(&want, &have)) return;
  if (sched_setaffinity(0, sizeof want, &want) != 0) return;
  if (setenv(PINNED_EXEC_MARK, pid_text, 1) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv(PINNED_EXEC_MARK);
}
