/* liballoctune-identity.so: preloaded after the allocator into a command or redis-server, it records
 * which shared object serves malloc() in that very process (the dladdr check of the harness probe,
 * for programs alloctune did not write). At load time it appends one JSON line to the file named by
 * ALLOCTUNE_IDENTITY_FILE:
 *   {"pid":123,"exe":"/usr/bin/redis-server","path":"/usr/lib/.../libjemalloc.so.2","symbols":["mallctl"]}
 * `symbols` are those of ALLOCTUNE_IDENTITY_SYMBOLS (comma-separated) that the serving object itself
 * defines. Every process of the command that inherits LD_PRELOAD writes its line. The library defines
 * no allocation function and allocates nothing itself. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Appends `text` JSON-escaped (paths may hold quotes or backslashes). */
static size_t put_json_string(char *out, size_t at, size_t cap, const char *text) {
  if (at < cap) out[at++] = '"';
  for (const char *c = text; *c && at + 7 < cap; c++) {
    unsigned char ch = (unsigned char)*c;
    if (ch == '"' || ch == '\\') {
      out[at++] = '\\';
      out[at++] = (char)ch;
    } else if (ch < 0x20) {
      at += (size_t)snprintf(out + at, cap - at, "\\u%04x", ch);
    } else {
      out[at++] = (char)ch;
    }
  }
  if (at < cap) out[at++] = '"';
  return at;
}

#if defined(__x86_64__)
/* True when `code` is a PLT stub (optional endbr64, optional bnd prefix, then jmp *disp32(%rip)).
 * A non-PIE program that takes malloc's address (Debian's python3.11) carries a canonical PLT entry
 * for it, which dlsym(RTLD_DEFAULT) returns: the program then looks like it serves malloc() itself. */
static int is_plt_stub(const unsigned char *code) {
  if (code[0] == 0xf3 && code[1] == 0x0f && code[2] == 0x1e && code[3] == 0xfa) code += 4;
  if (code[0] == 0xf2) code++;
  return code[0] == 0xff && code[1] == 0x25;
}
#else
static int is_plt_stub(const unsigned char *code) {
  (void)code;
  return 0;
}
#endif

struct first_definer {
  const char *path;
  void *addr;
};

/* dl_iterate_phdr walks the objects in link-map order, the order symbol lookup searches them: the
 * first (after the program) whose own malloc is defined is the one the PLT stub jumps to. */
static int find_definer(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct first_definer *found = data;
  if (found->path != NULL || info->dlpi_name == NULL || info->dlpi_name[0] == '\0') return found->path != NULL;
  void *handle = dlopen(info->dlpi_name, RTLD_NOLOAD | RTLD_LAZY);
  if (handle == NULL) return 0;
  void *addr = dlsym(handle, "malloc");
  Dl_info where;
  if (addr && dladdr(addr, &where) && where.dli_fname && strcmp(where.dli_fname, info->dlpi_name) == 0) {
    found->path = info->dlpi_name;
    found->addr = addr;
  }
  dlclose(handle);
  return found->path != NULL;
}

__attribute__((constructor)) static void record_identity(void) {
  const char *file = getenv("ALLOCTUNE_IDENTITY_FILE");
  if (file == NULL || file[0] != '/') return;
  char exe[1024];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';
  Dl_info info;
  void *malloc_sym = dlsym(RTLD_DEFAULT, "malloc");
  const char *path = malloc_sym && dladdr(malloc_sym, &info) && info.dli_fname ? info.dli_fname : NULL;
  static char real[4096];
  /* dladdr names the program as it was started (/usr/bin/python3), /proc/self/exe its target (python3.11). */
  if (path != NULL && realpath(path, real) != NULL && strcmp(real, exe) == 0 && is_plt_stub((const unsigned char *)malloc_sym)) {
    struct first_definer found = {NULL, NULL};
    dl_iterate_phdr(find_definer, &found);
    if (found.path != NULL) path = found.path;
  }
  static char line[8192];
  size_t at = (size_t)snprintf(line, sizeof line, "{\"pid\":%d,\"exe\":", (int)getpid());
  at = put_json_string(line, at, sizeof line, exe);
  at += (size_t)snprintf(line + at, sizeof line - at, ",\"path\":");
  if (path) at = put_json_string(line, at, sizeof line, path);
  else at += (size_t)snprintf(line + at, sizeof line - at, "null");
  at += (size_t)snprintf(line + at, sizeof line - at, ",\"symbols\":[");
  const char *wanted = getenv("ALLOCTUNE_IDENTITY_SYMBOLS");
  void *handle = path ? dlopen(path, RTLD_NOLOAD | RTLD_LAZY) : NULL;
  int first = 1;
  char sym[128];
  for (const char *s = wanted; handle && s && *s && at + 200 < sizeof line;) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    if (len > 0 && len < sizeof sym) {
      memcpy(sym, s, len);
      sym[len] = '\0';
      void *addr = dlsym(handle, sym);
      Dl_info where;
      /* dlsym on a handle also searches its dependencies: count only the serving object's own. */
      if (addr && dladdr(addr, &where) && where.dli_fname && strcmp(where.dli_fname, path) == 0) {
        if (!first) line[at++] = ',';
        at = put_json_string(line, at, sizeof line, sym);
        first = 0;
      }
    }
    s = comma ? comma + 1 : s + len;
  }
  if (handle) dlclose(handle);
  at += (size_t)snprintf(line + at, sizeof line - at, "]}\n");
  int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  (void)!write(fd, line, at < sizeof line ? at : sizeof line - 1);
  close(fd);
}
