/* trace-target: a small program for the tracer tests (test/trace/), built with -fno-builtin so that the
 * compiler keeps every call. It makes every traced call once or
 * more, and hands BLOCKS blocks allocated by a producer thread to a consumer thread that frees them
 * (cross-thread frees). Prints {"tids":[main,producer,consumer],"blocks":N,"forked_child":PID|-1,
 * "spawned_child":PID|-1,"loop_pairs":N,"handler_calls":N}.
 *
 * Usage: trace-target [--blocks N] [--pvalloc] [--fork] [--spawn] [--signals MS]
 *   --pvalloc     also call pvalloc (jemalloc 5.3 does not define it; glibc's would then own the block)
 *   --fork        fork a child that allocates and exits normally (waited for)
 *   --spawn       fork a child that executes this program again with --blocks 10 (waited for)
 *   --signals MS  for MS ms, malloc/free in a loop while a SIGALRM handler (every 50 us) mallocs and
 *                 frees too (allocating in a handler is not async-signal-safe in general; glibc and the
 *                 allocators here cope when the handler only interrupts this thread's own calls)
 *   --execl KIND  at the end (report printed), execute /bin/true with KIND = l (execl), lp (execlp "true")
 *                 or le (execle): without LD_PRELOAD, so that the new image does not load the tracer
 *   --raise SIG   at the end (report printed, 4 KiB still live), send itself signal SIG */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static void **blocks;
static long count = 1000;
static long tids[3];
static void *volatile sink;
static volatile long handler_calls;

static void on_alarm(int sig) {
  (void)sig;
  void *p = malloc(40);
  free(p);
  handler_calls++;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

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
  int use_pvalloc = 0, do_fork = 0, do_spawn = 0;
  long signal_ms = 0, raise_sig = 0;
  const char *execl_kind = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--blocks") == 0 && i + 1 < argc) count = atol(argv[++i]);
    else if (strcmp(argv[i], "--pvalloc") == 0) use_pvalloc = 1;
    else if (strcmp(argv[i], "--fork") == 0) do_fork = 1;
    else if (strcmp(argv[i], "--spawn") == 0) do_spawn = 1;
    else if (strcmp(argv[i], "--signals") == 0 && i + 1 < argc) signal_ms = atol(argv[++i]);
    else if (strcmp(argv[i], "--execl") == 0 && i + 1 < argc) execl_kind = argv[++i];
    else if (strcmp(argv[i], "--raise") == 0 && i + 1 < argc) raise_sig = atol(argv[++i]);
    else {
      fprintf(stderr, "usage: trace-target [--blocks N] [--pvalloc] [--fork] [--spawn] [--signals MS] [--execl l|lp|le] [--raise SIG]\n");
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
  long spawned = -1;
  if (do_spawn) {
    pid_t pid = fork();
    if (pid == 0) {
      char *again[] = {argv[0], "--blocks", "10", NULL};
      execv("/proc/self/exe", again);
      _exit(127);
    }
    waitpid(pid, NULL, 0);
    spawned = pid;
  }
  long loop_pairs = 0;
  if (signal_ms > 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every = {{0, 50}, {0, 50}};
    setitimer(ITIMER_REAL, &every, NULL);
    double end = now_ms() + (double)signal_ms;
    while (now_ms() < end) {
      sink = malloc((size_t)(8 + loop_pairs % 500));
      free(sink);
      loop_pairs++;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
  }
  free(blocks);
  void *kept = malloc(4096); /* live at exit */
  (void)kept;
  printf("{\"tids\":[%ld,%ld,%ld],\"blocks\":%ld,\"forked_child\":%ld,\"spawned_child\":%ld,\"loop_pairs\":%ld,\"handler_calls\":%ld}\n", tids[0],
         tids[1], tids[2], count, child, spawned, loop_pairs, (long)handler_calls);
  fflush(stdout);
  if (execl_kind != NULL) {
    static char *const no_preload[] = {"PATH=/usr/bin:/bin", NULL};
    unsetenv("LD_PRELOAD");
    if (strcmp(execl_kind, "l") == 0) execl("/bin/true", "true", (char *)NULL);
    else if (strcmp(execl_kind, "lp") == 0) execlp("true", "true", (char *)NULL);
    else if (strcmp(execl_kind, "le") == 0) execle("/bin/true", "true", (char *)NULL, no_preload);
    perror("trace-target: exec");
    return 126;
  }
  if (raise_sig > 0) kill(getpid(), (int)raise_sig);
  return 0;
}
