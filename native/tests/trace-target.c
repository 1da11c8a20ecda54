/* trace-target: a small program for the tracer tests (test/trace/), built with -fno-builtin so that the
 * compiler keeps every call. It makes every traced call once or
 * more, and hands BLOCKS blocks allocated by a producer thread to a consumer thread that frees them
 * (cross-thread frees). Prints {"tids":[main,producer,consumer],"blocks":N,"forked_child":PID|null}.
 *
 * Usage: trace-target [--blocks N] [--pvalloc] [--fork]
 *   --pvalloc  also call pvalloc (jemalloc 5.3 does not define it; glibc's would then own the block)
 *   --fork     fork a child that allocates and exits normally (waited for) */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void **blocks;
static long count = 1000;
static long tids[3];
static void *volatile sink;

static void *producer(void *arg) {
  (void)arg;
  tids[1] = syscall(SYS_gettid);
  for (long i = 0; i < count; i++) {
    blocks[i] = malloc((size_t)(16 + (i * 37) % 2000));
    memset(blocks[i], 1, 16);
  }
  return NULL;
}

static void *consumer(void *arg) {
  (void)arg;
  tids[2] = syscall(SYS_gettid);
  for (long i = 0; i < count; i++) free(blocks[i]);
  return NULL;
}

int main(int argc, char **argv) {
  int use_pvalloc = 0, do_fork = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--blocks") == 0 && i + 1 < argc) count = atol(argv[++i]);
    else if (strcmp(argv[i], "--pvalloc") == 0) use_pvalloc = 1;
    else if (strcmp(argv[i], "--fork") == 0) do_fork = 1;
    else {
      fprintf(stderr, "usage: trace-target [--blocks N] [--pvalloc] [--fork]\n");
      return 2;
    }
  }
  tids[0] = syscall(SYS_gettid);
  blocks = calloc((size_t)count, sizeof *blocks);
  char *s = malloc(10);
  s = realloc(s, 5000);
  s = reallocarray(s, 100, 100);
  free(s);
  free(NULL);
  void *r = realloc(NULL, 64);
  void *z = realloc(r, 0); /* glibc and jemalloc free r and return NULL */
  free(z);
  void *pm = NULL;
  if (posix_memalign(&pm, 64, 100) != 0) return 1;
  void *aa = aligned_alloc(256, 512);
  void *ma = memalign(128, 300);
  void *va = valloc(1000);
  void *pv = use_pvalloc ? pvalloc(1000) : NULL;
  free(pm);
  free(aa);
  free(ma);
  free(va);
  free(pv);
  pthread_t a, b;
  pthread_create(&a, NULL, producer, NULL);
  pthread_join(a, NULL);
  pthread_create(&b, NULL, consumer, NULL);
  pthread_join(b, NULL);
  long child = -1;
  if (do_fork) {
    pid_t pid = fork();
    if (pid == 0) {
      for (int i = 0; i < 100; i++) {
        sink = malloc(24); /* through a volatile: the compiler may not drop the pair */
        free(sink);
      }
      exit(0);
    }
    waitpid(pid, NULL, 0);
    child = pid;
  }
  free(blocks);
  void *kept = malloc(4096); /* live at exit */
  (void)kept;
  if (child > 0) printf("{\"tids\":[%ld,%ld,%ld],\"blocks\":%ld,\"forked_child\":%ld}\n", tids[0], tids[1], tids[2], count, child);
  else printf("{\"tids\":[%ld,%ld,%ld],\"blocks\":%ld,\"forked_child\":null}\n", tids[0], tids[1], tids[2], count);
  return 0;
}
