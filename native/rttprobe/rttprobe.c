/*
 * rttprobe: round-trip latency of a Redis server, one request at a time on one TCP connection.
 *
 * Every request is written, then its whole reply read, and the time between the two
 * (CLOCK_MONOTONIC) goes into the harness's log-linear histogram (native/harness/lib/histogram.h,
 * relative bucket width <= 1/128). CPU lists, pinning and the clock come from native/harness/lib/sysinfo.h.
 * Node's event loop is too coarse for microsecond percentiles, hence a native probe.
 *
 * Usage: rttprobe --port P [--host 127.0.0.1] [--requests 10000] [--warmup 1000]
 *                 [--value-bytes 256] [--keys 1000] [--op mixed|set|get] [--cpus LIST]
 *                 [--timeout-ms 5000]
 *   --op mixed   alternates SET rtt:<i> and GET rtt:<i> (the GET always hits); set / get only one kind
 *                (get first fills every key, unmeasured).
 *   --warmup     requests sent first and not recorded (connection, server caches, CPU frequency).
 *   --cpus       pin the probe to a CPU list (taskset syntax: "0", "0-1,3").
 * Output: one JSON document (schema alloctune.rttprobe/1), times in microseconds. Exit 0 on success,
 * 1 when the server cannot be reached or answers badly, 2 with a usage message on bad arguments.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../harness/lib/histogram.h"
#include "../harness/lib/sysinfo.h"

#define MAX_CPUS 1024

enum op_kind { OP_MIXED, OP_SET, OP_GET };

typedef struct {
    const char *host;
    const char *port;
    uint64_t requests;
    uint64_t warmup;
    uint64_t value_bytes;
    uint64_t keys;
    enum op_kind op;
    const char *cpus;
    uint64_t timeout_ms;
} options;

typedef struct {
    int fd;
    char buf[65536];
    size_t start;
    size_t end;
} conn;

typedef struct {
    histogram h;
    uint64_t min_ns;
} timings;

static timings all_hist, set_hist, get_hist;

static void timings_reset(timings *t) {
    hist_reset(&t->h);
    t->min_ns = UINT64_MAX;
}

static void timings_record(timings *t, uint64_t ns) {
    hist_record(&t->h, ns);
    if (ns < t->min_ns) t->min_ns = ns;
}

static void usage(const char *why) {
    fprintf(stderr,
            "rttprobe: %s\n"
            "usage: rttprobe --port P [--host 127.0.0.1] [--requests 10000] [--warmup 1000]\n"
            "                [--value-bytes 256] [--keys 1000] [--op mixed|set|get] [--cpus LIST]\n"
            "                [--timeout-ms 5000]\n",
            why);
    exit(2);
}

static int parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out) {
    char *end = NULL;
    if (text == NULL || *text == '\0' || *text == '-') return -1;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) return -1;
    *out = (uint64_t)v;
    return 0;
}

static void parse_args(int argc, char **argv, options *o) {
    o->host = "127.0.0.1";
    o->port = NULL;
    o->requests = 10000;
    o->warmup = 1000;
    o->value_bytes = 256;
    o->keys = 1000;
    o->op = OP_MIXED;
    o->cpus = NULL;
    o->timeout_ms = 5000;
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        if (strcmp(name, "--help") == 0) usage("help requested");
        if (i + 1 >= argc) usage("missing value after an option");
        const char *value = argv[++i];
        uint64_t port;
        if (strcmp(name, "--host") == 0) {
            /* Echoed into the JSON output: only characters of host names and IP literals. */
            if (*value == '\0' || strlen(value) > 253 || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-") != strlen(value))
                usage("--host must be a host name or an IP address");
            o->host = value;
        } else if (strcmp(name, "--port") == 0) {
            if (parse_u64(value, 1, 65535, &port) != 0) usage("--port must be 1..65535");
            o->port = value;
        } else if (strcmp(name, "--requests") == 0) {
            if (parse_u64(value, 1, 1000000000ULL, &o->requests) != 0) usage("--requests must be 1..1e9");
        } else if (strcmp(name, "--warmup") == 0) {
            if (parse_u64(value, 0, 1000000000ULL, &o->warmup) != 0) usage("--warmup must be 0..1e9");
        } else if (strcmp(name, "--value-bytes") == 0) {
            if (parse_u64(value, 1, 64ULL << 20, &o->value_bytes) != 0) usage("--value-bytes must be 1..64 MiB");
        } else if (strcmp(name, "--keys") == 0) {
            if (parse_u64(value, 1, 100000000ULL, &o->keys) != 0) usage("--keys must be 1..1e8");
        } else if (strcmp(name, "--op") == 0) {
            if (strcmp(value, "mixed") == 0) o->op = OP_MIXED;
            else if (strcmp(value, "set") == 0) o->op = OP_SET;
            else if (strcmp(value, "get") == 0) o->op = OP_GET;
            else usage("--op must be mixed, set or get");
        } else if (strcmp(name, "--cpus") == 0) {
            int cpus[MAX_CPUS];
            if (parse_cpu_list(value, cpus, MAX_CPUS) <= 0) usage("--cpus must be a CPU list such as 0 or 0-1,3");
            o->cpus = value;
        } else if (strcmp(name, "--timeout-ms") == 0) {
            if (parse_u64(value, 1, 3600000ULL, &o->timeout_ms) != 0) usage("--timeout-ms must be 1..3600000");
        } else {
            usage("unknown option");
        }
    }
    if (o->port == NULL) usage("--port is required");
}

static void fail(const char *what) {
    fprintf(stderr, "rttprobe: %s: %s\n", what, errno != 0 ? strerror(errno) : "unexpected reply");
    exit(1);
}

static void connect_to(conn *c, const options *o) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(o->host, o->port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "rttprobe: cannot resolve %s: %s\n", o->host, gai_strerror(rc));
        exit(1);
    }
    c->fd = -1;
    for (struct addrinfo *a = res; a != NULL && c->fd < 0; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) c->fd = fd;
        else close(fd);
    }
    freeaddrinfo(res);
    if (c->fd < 0) fail("connect");
    int one = 1;
    /* Without TCP_NODELAY a small request can wait for Nagle, adding tens of ms to the tail. */
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {.tv_sec = (time_t)(o->timeout_ms / 1000), .tv_usec = (suseconds_t)(o->timeout_ms % 1000) * 1000};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    c->start = c->end = 0;
}

static void send_all(conn *c, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("send");
        }
        data += n;
        len -= (size_t)n;
    }
}

static void fill(conn *c) {
    if (c->start > 0 && c->start == c->end) c->start = c->end = 0;
    if (c->end == sizeof c->buf) {
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    for (;;) {
        ssize_t n = recv(c->fd, c->buf + c->end, sizeof c->buf - c->end, 0);
        if (n > 0) {
            c->end += (size_t)n;
            return;
        }
        if (n == 0) {
            errno = ECONNRESET;
            fail("recv");
        }
        if (errno != EINTR) fail("recv");
    }
}

/* Reads one CRLF-terminated line into out (truncated to cap-1 bytes, CR LF removed). */
static void read_line(conn *c, char *out, size_t cap) {
    size_t copied = 0;
    for (;;) {
        while (c->start < c->end) {
            char ch = c->buf[c->start++];
            if (ch == '\n') {
                if (copied > 0 && out[copied - 1] == '\r') copied--;
                out[copied] = '\0';
                return;
            }
            if (copied + 1 < cap) out[copied++] = ch;
        }
        fill(c);
    }
}

static void skip_bytes(conn *c, uint64_t n) {
    while (n > 0) {
        if (c->start == c->end) fill(c);
        size_t avail = c->end - c->start;
        size_t take = avail < n ? avail : (size_t)n;
        c->start += take;
        n -= take;
    }
}

/* Reads one reply; returns 0 for a success reply, 1 for a RESP error reply. */
static int read_reply(conn *c) {
    char line[512];
    read_line(c, line, sizeof line);
    switch (line[0]) {
    case '+':
    case ':':
        return 0;
    case '-':
        return 1;
    case '$': {
        long long n = strtoll(line + 1, NULL, 10);
        if (n >= 0) skip_bytes(c, (uint64_t)n + 2);
        return 0;
    }
    default:
        errno = 0;
        fail("reply");
    }
    return 1;
}

/* Builds a RESP SET or GET for key rtt:<index> into req; returns its length. */
static size_t build_request(char *req, size_t cap, int is_set, uint64_t index, const options *o, const char *value) {
    char key[32];
    int klen = snprintf(key, sizeof key, "rtt:%llu", (unsigned long long)index);
    int n;
    if (is_set) {
        n = snprintf(req, cap, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%llu\r\n", klen, key, (unsigned long long)o->value_bytes);
        memcpy(req + n, value, o->value_bytes);
        memcpy(req + n + o->value_bytes, "\r\n", 2);
        return (size_t)n + o->value_bytes + 2;
    }
    n = snprintf(req, cap, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", klen, key);
    return (size_t)n;
}

static void print_stats(const timings *t) {
    const histogram *h = &t->h;
    printf("\"count\": %llu, \"min_us\": %.3f, \"mean_us\": %.3f, \"p50_us\": %.3f, \"p90_us\": %.3f, "
           "\"p99_us\": %.3f, \"p999_us\": %.3f, \"max_us\": %.3f",
           (unsigned long long)h->total, h->total ? (double)t->min_ns / 1000.0 : 0.0, hist_mean(h) / 1000.0,
           (double)hist_percentile(h, 50) / 1000.0, (double)hist_percentile(h, 90) / 1000.0,
           (double)hist_percentile(h, 99) / 1000.0, (double)hist_percentile(h, 99.9) / 1000.0,
           (double)h->max_ns / 1000.0);
}

int main(int argc, char **argv) {
    options o;
    parse_args(argc, argv, &o);
    if (o.cpus != NULL) {
        int cpus[MAX_CPUS];
        int count = parse_cpu_list(o.cpus, cpus, MAX_CPUS);
        errno = pin_self_to_cpus(cpus, count);
        if (errno != 0) fail("pinning to --cpus");
    }
    size_t cap = (size_t)o.value_bytes + 128;
    char *req = malloc(cap);
    char *value = malloc((size_t)o.value_bytes);
    if (req == NULL || value == NULL) fail("malloc");
    memset(value, 'x', (size_t)o.value_bytes);

    conn *c = malloc(sizeof *c);
    if (c == NULL) fail("malloc");
    connect_to(c, &o);
    timings_reset(&all_hist);
    timings_reset(&set_hist);
    timings_reset(&get_hist);

    if (o.op == OP_GET) {
        for (uint64_t k = 0; k < o.keys; k++) {
            send_all(c, req, build_request(req, cap, 1, k, &o, value));
            if (read_reply(c) != 0) fail("filling keys");
        }
    }
    uint64_t errors = 0;
    uint64_t began = 0;
    for (uint64_t i = 0; i < o.warmup + o.requests; i++) {
        int is_set = o.op == OP_SET || (o.op == OP_MIXED && i % 2 == 0);
        uint64_t key = (o.op == OP_MIXED ? i / 2 : i) % o.keys;
        size_t len = build_request(req, cap, is_set, key, &o, value);
        if (i == o.warmup) began = now_ns();
        uint64_t t0 = now_ns();
        send_all(c, req, len);
        int err = read_reply(c);
        uint64_t rtt_ns = now_ns() - t0;
        if (i < o.warmup) continue;
        if (err) {
            errors++;
            continue;
        }
        timings_record(&all_hist, rtt_ns);
        timings_record(is_set ? &set_hist : &get_hist, rtt_ns);
    }
    double duration_ms = (double)(now_ns() - began) / 1e6;
    close(c->fd);

    const char *op_name = o.op == OP_MIXED ? "mixed" : o.op == OP_SET ? "set" : "get";
    printf("{\"schema\": \"alloctune.rttprobe/1\", \"host\": \"%s\", \"port\": %s, \"op\": \"%s\", ", o.host, o.port, op_name);
    printf("\"requests\": %llu, \"warmup\": %llu, \"value_bytes\": %llu, \"keys\": %llu, \"errors\": %llu, "
           "\"duration_ms\": %.3f, ",
           (unsigned long long)o.requests, (unsigned long long)o.warmup, (unsigned long long)o.value_bytes,
           (unsigned long long)o.keys, (unsigned long long)errors, duration_ms);
    print_stats(&all_hist);
    printf(", \"by_op\": {\"set\": {");
    print_stats(&set_hist);
    printf("}, \"get\": {");
    print_stats(&get_hist);
    printf("}}}\n");
    free(req);
    free(value);
    free(c);
    return 0;
}
