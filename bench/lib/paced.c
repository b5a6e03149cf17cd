/*
 * siphon-paced: open-loop, evenly paced HTTP/1.1 load (the wrk2 idea) in one epoll thread.
 *
 *   siphon-paced URL RATE DURATION_MS CONNECTIONS [DRAIN_MS [COALESCE_US]]
 *
 * Request i is due at t0 + i/RATE whatever happened to earlier ones; its latency is measured from that due time, so
 * a server that stalls is charged for every request it held back (no coordinated omission). Requests due while every
 * connection is busy wait in a FIFO (implicitly: the indices between `sent` and `due_count`) and are charged for the
 * wait; one that leaves more than 5 ms after its due time counts as a stall. Pacing sleeps until the next due time
 * of CLOCK_MONOTONIC with nanosecond timeouts (epoll_pwait2, or an absolute timerfd on kernels before 5.11) and a
 * 1 µs timer slack, so requests leave within microseconds of their due time rather than on millisecond ticks.
 * COALESCE_US (default 0) lets a wake-up also send what is due within that window: each sleep/wake costs ~10–20 µs of
 * CPU on a VM, so one per request at 10k/s is half a core; a request sent early is measured from when it left.
 *
 * Written in C because a Node generator burns most of a core at 10k req/s on a two-core machine, competing with the
 * proxy it measures. Prints one JSON line with the fields of PacedResult in bench/lib/paced.ts (plus reconnects and
 * the generator's own CPU time). Requests still unanswered DRAIN_MS (default 10 s) after the last one was due count
 * as errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define STALL_NS 5000000LL
#define RETRY_NS 10000000LL /* reconnect back-off after a failed connect */
#define MAX_HEAD 65536      /* status line + headers (and chunk trailers) larger than this: protocol error */
#define LINE_KEEP 256       /* bytes of each header line kept: enough for the names and values we look at */
#define TIMER_TAG UINT32_MAX

enum cstate { C_DOWN, C_CONNECTING, C_IDLE, C_BUSY };
/* Line states parse CRLF-terminated lines (status, headers, chunk sizes, chunk CRLF, trailers); BODY_LEN and
 * CHUNK_DATA skip counted bytes; BODY_EOF is a body that ends when the server closes. */
enum pstate { P_STATUS, P_HEADER, P_CHUNK_SIZE, P_CHUNK_CRLF, P_TRAILER, P_BODY_LEN, P_CHUNK_DATA, P_BODY_EOF };

struct conn {
  int fd;
  enum cstate state;
  int in_idle;        /* on the idle stack (entries are checked lazily when popped) */
  uint32_t events;    /* epoll mask registered for fd (skips a syscall per request when unchanged) */
  int64_t since;      /* latency origin of the request in flight: its due time, or its send time if it left early */
  int64_t retry_at;   /* C_DOWN: when to connect again */
  size_t wdone;       /* bytes of the request written (a partial write waits for EPOLLOUT) */
  enum pstate p;
  int status, chunked, close_after;
  int64_t content_length, remaining;
  size_t head_bytes, line_len;
  char line[LINE_KEEP];
};

static struct conn *conns;
static int nconns, ep, tfd = -1, *idle, nidle;
static struct sockaddr_storage addr;
static socklen_t addrlen;
static char request[2048];
static size_t request_len;
static double rate;
static int64_t coalesce_ns; /* a wake-up also sends what is due within this window (see main) */
static int64_t start, total, sent, due_count, completed, errors, non2xx, stalls, reconnects, inflight, finished_at;
static double *latencies;
static char rbuf[65536];

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t due_ns(int64_t i) { return start + (int64_t)((double)i * 1e9 / rate); }

static void die(const char *what) { perror(what); exit(2); }

static void parser_reset(struct conn *c) {
  c->p = P_STATUS; c->status = 0; c->chunked = 0; c->close_after = 0;
  c->content_length = -1; c->remaining = 0; c->head_bytes = 0; c->line_len = 0;
}

static void push_idle(int i) {
  if (!conns[i].in_idle) { conns[i].in_idle = 1; idle[nidle++] = i; }
}

static void start_connect(int i, int64_t now) {
  struct conn *c = &conns[i];
  c->fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) die("socket");
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(c->fd, (struct sockaddr *)&addr, addrlen) < 0 && errno != EINPROGRESS) {
    close(c->fd); c->fd = -1; c->state = C_DOWN; c->retry_at = now + RETRY_NS; errors++;
    return;
  }
  struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = (uint32_t)i };
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
  c->events = EPOLLOUT;
  c->state = C_CONNECTING;
}

/* Closes a connection and opens it again (at once: a server that closed a keep-alive connection is normal). */
static void reconnect(int i, int64_t now) {
  struct conn *c = &conns[i];
  if (c->fd >= 0) close(c->fd); /* close() also removes it from the epoll set */
  c->fd = -1;
  reconnects++;
  start_connect(i, now);
}

/* The request in flight on connection i failed (read/write error, early close, malformed answer). */
static void fail(int i, int64_t now) {
  if (conns[i].state == C_BUSY) { inflight--; finished_at = now; }
  errors++;
  reconnect(i, now);
}

static int has_token(const char *v, const char *tok) { return strcasestr(v, tok) != NULL; }

/* A complete line (CR stripped, maybe truncated to LINE_KEEP) in state c->p. Returns -1 on a protocol error,
 * 1 when the response is complete, 0 otherwise. */
static int on_line(struct conn *c) {
  char *l = c->line;
  switch (c->p) {
  case P_STATUS:
    if (c->line_len < 12 || strncmp(l, "HTTP/1.", 7) != 0 || l[8] != ' ') return -1;
    c->status = atoi(l + 9);
    if (c->status < 100 || c->status > 999) return -1;
    c->p = P_HEADER;
    return 0;
  case P_HEADER: {
    if (c->line_len == 0) { /* end of the head: decide how the body ends (RFC 9112 §6.3) */
      if (c->status >= 100 && c->status < 200 && c->status != 101) { int cl = c->close_after; parser_reset(c); c->close_after = cl; return 0; }
      if (c->status == 204 || c->status == 304 || c->status == 101) return 1;
      if (c->chunked) { c->p = P_CHUNK_SIZE; return 0; }
      if (c->content_length == 0) return 1;
      if (c->content_length > 0) { c->p = P_BODY_LEN; c->remaining = c->content_length; return 0; }
      c->p = P_BODY_EOF; c->close_after = 1;
      return 0;
    }
    char *colon = strchr(l, ':');
    if (!colon) return -1;
    *colon = 0;
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t') v++;
    if (strcasecmp(l, "content-length") == 0) {
      char *end;
      long long n = strtoll(v, &end, 10);
      if (end == v || n < 0) return -1;
      c->content_length = n;
    } else if (strcasecmp(l, "transfer-encoding") == 0) {
      if (has_token(v, "chunked")) c->chunked = 1;
    } else if (strcasecmp(l, "connection") == 0) {
      if (has_token(v, "close")) c->close_after = 1;
    }
    return 0;
  }
  case P_CHUNK_SIZE: {
    char *end;
    long long n = strtoll(l, &end, 16); /* chunk extensions after ';' are ignored */
    if (end == l || n < 0) return -1;
    if (n == 0) { c->p = P_TRAILER; return 0; }
    c->p = P_CHUNK_DATA; c->remaining = n;
    return 0;
  }
  case P_CHUNK_CRLF:
    if (c->line_len != 0) return -1;
    c->p = P_CHUNK_SIZE;
    return 0;
  case P_TRAILER:
    return c->line_len == 0 ? 1 : 0;
  default:
    return -1;
  }
}

/* Feeds n bytes of the answer. Returns -1 on a protocol error (including bytes after the end of the response: one
 * request per connection at a time, so there must be none), 1 when the response ended exactly here, 0 for more. */
static int feed(struct conn *c, const char *p, size_t n) {
  size_t k = 0;
  while (k < n) {
    if (c->p == P_BODY_EOF) return 0;
    if (c->p == P_BODY_LEN || c->p == P_CHUNK_DATA) {
      size_t take = (size_t)c->remaining < n - k ? (size_t)c->remaining : n - k;
      c->remaining -= (int64_t)take; k += take;
      if (c->remaining > 0) return 0;
      if (c->p == P_BODY_LEN) return k == n ? 1 : -1;
      c->p = P_CHUNK_CRLF;
      continue;
    }
    char ch = p[k++];
    if (++c->head_bytes > MAX_HEAD) return -1;
    if (ch == '\n') {
      if (c->line_len > 0 && c->line_len <= LINE_KEEP - 1 && c->line[c->line_len - 1] == '\r') c->line_len--;
      if (c->line_len > LINE_KEEP - 1) c->line_len = LINE_KEEP - 1;
      c->line[c->line_len] = 0;
      int r = on_line(c);
      c->line_len = 0;
      if (r < 0) return -1;
      if (r == 1) return k == n ? 1 : -1;
      if (c->p == P_BODY_LEN || c->p == P_CHUNK_DATA) c->head_bytes = 0;
    } else if (c->line_len < LINE_KEEP - 1) {
      c->line[c->line_len++] = ch;
    } else {
      c->line_len = LINE_KEEP; /* truncated; the CR of an overlong line is cut with the rest */
    }
  }
  return 0;
}

static void want(int i, uint32_t events) {
  if (conns[i].events == events) return;
  struct epoll_event ev = { .events = events, .data.u32 = (uint32_t)i };
  if (epoll_ctl(ep, EPOLL_CTL_MOD, conns[i].fd, &ev) < 0) die("epoll_ctl");
  conns[i].events = events;
}

static void complete(int i, int64_t now) {
  struct conn *c = &conns[i];
  latencies[completed++] = (double)(now - c->since) / 1e6;
  if (c->status < 200 || c->status >= 300) non2xx++;
  inflight--; finished_at = now;
  if (c->close_after) { c->state = C_IDLE; reconnect(i, now); return; }
  c->state = C_IDLE;
  want(i, EPOLLIN); /* an answer before the request was fully written must not leave EPOLLOUT firing on idle */
  push_idle(i);
}

static void write_more(int i, int64_t now) {
  struct conn *c = &conns[i];
  ssize_t w = send(c->fd, request + c->wdone, request_len - c->wdone, MSG_NOSIGNAL);
  if (w < 0 && (errno == EAGAIN || errno == EINTR)) w = 0;
  if (w < 0) { fail(i, now); return; }
  c->wdone += (size_t)w;
  want(i, c->wdone < request_len ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

/* Sends every due request that has an idle connection, oldest first. */
static void dispatch(int64_t now) {
  while (due_count < total && due_ns(due_count) <= now + coalesce_ns) due_count++;
  while (sent < due_count && nidle > 0) {
    int i = idle[--nidle];
    struct conn *c = &conns[i];
    c->in_idle = 0;
    if (c->state != C_IDLE) continue;
    int64_t due = due_ns(sent++);
    if (now - due > STALL_NS) stalls++;
    /* Late: measured from the due time (the wait is charged). Early (coalesced): from the send time, never less
     * than what the server really took. */
    c->since = due < now ? due : now;
    c->state = C_BUSY; c->wdone = 0; inflight++;
    parser_reset(c);
    write_more(i, now);
  }
}

static void on_event(int i, uint32_t events, int64_t now) {
  struct conn *c = &conns[i];
  if (c->state == C_CONNECTING) {
    int err = 0; socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) { close(c->fd); c->fd = -1; c->state = C_DOWN; c->retry_at = now + RETRY_NS; errors++; return; }
    c->state = C_IDLE;
    want(i, EPOLLIN); /* an idle connection still listens, to notice the server closing it */
    push_idle(i);
    return;
  }
  if ((events & EPOLLOUT) && c->state == C_BUSY && c->wdone < request_len) {
    write_more(i, now);
    if (c->state != C_BUSY) return; /* the write failed: the connection is being replaced */
  }
  if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
  ssize_t r = read(c->fd, rbuf, sizeof rbuf);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (c->state != C_BUSY) { /* idle: a close is normal keep-alive expiry; bytes nobody asked for are not */
    if (r > 0) { errors++; }
    reconnect(i, now);
    return;
  }
  if (r == 0 && c->p == P_BODY_EOF) { complete(i, now); return; } /* close_after is set: complete() reconnects */
  if (r <= 0) { fail(i, now); return; }
  int f = feed(c, rbuf, (size_t)r);
  if (f < 0) fail(i, now);
  else if (f == 1) complete(i, now);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void print_ms(const char *name, double v, const char *sep) {
  if (isnan(v)) printf("\"%s\":null%s", name, sep); else printf("\"%s\":%.4f%s", name, v, sep);
}

static double quantile(double q) {
  if (completed == 0) return NAN;
  int64_t k = (int64_t)(q * (double)completed) /* non-negative: truncation is floor */;
  return latencies[k < completed - 1 ? k : completed - 1];
}

/* http://host[:port]/path → address, request text. */
static void parse_url(const char *url) {
  if (strncmp(url, "http://", 7) != 0) { fprintf(stderr, "siphon-paced: only http:// URLs\n"); exit(2); }
  const char *h = url + 7, *slash = strchr(h, '/');
  char authority[512], host[512], port[16] = "80";
  size_t alen = slash ? (size_t)(slash - h) : strlen(h);
  if (alen == 0 || alen >= sizeof authority) { fprintf(stderr, "siphon-paced: bad URL\n"); exit(2); }
  memcpy(authority, h, alen); authority[alen] = 0;
  strcpy(host, authority);
  char *close_br = host[0] == '[' ? strchr(host, ']') : NULL;
  char *colon = close_br ? (close_br[1] == ':' ? close_br + 1 : NULL) : strrchr(host, ':');
  if (colon) { snprintf(port, sizeof port, "%s", colon + 1); *colon = 0; }
  if (close_br) { *close_br = 0; memmove(host, host + 1, strlen(host)); }
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *pick;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0) { fprintf(stderr, "siphon-paced: %s: %s\n", host, gai_strerror(rc)); exit(2); }
  for (pick = res; pick && pick->ai_family != AF_INET; pick = pick->ai_next) {}
  if (!pick) pick = res; /* IPv4 first: local test servers usually listen on 127.0.0.1 */
  memcpy(&addr, pick->ai_addr, pick->ai_addrlen); addrlen = pick->ai_addrlen;
  freeaddrinfo(res);
  int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", slash ? slash : "/", authority);
  if (n < 0 || (size_t)n >= sizeof request) { fprintf(stderr, "siphon-paced: URL too long\n"); exit(2); }
  request_len = (size_t)n;
}

/* Waits for events until the absolute time `wake` with nanosecond resolution: epoll_pwait2 (Linux 5.11+) takes a
 * timespec, one syscall per wake-up; on older kernels an absolute timerfd in the epoll set does the same job. */
static int64_t armed;
static int wait_until(struct epoll_event *evs, int max, int64_t wake, int64_t now) {
  int64_t d = wake > now ? wake - now : 0;
#ifdef SYS_epoll_pwait2
  static int no_pwait2;
  if (!no_pwait2) {
    struct timespec ts = { .tv_sec = d / 1000000000LL, .tv_nsec = d % 1000000000LL };
    long n = syscall(SYS_epoll_pwait2, ep, evs, max, &ts, NULL, 0);
    if (n >= 0) return (int)n;
    if (errno == EINTR) return 0;
    if (errno != ENOSYS) die("epoll_pwait2");
    no_pwait2 = 1;
  }
#endif
  if (tfd < 0) {
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct epoll_event tev = { .events = EPOLLIN, .data.u32 = TIMER_TAG };
    if (tfd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev) < 0) die("timerfd");
  }
  if (wake != armed) {
    struct itimerspec its = { .it_value = { .tv_sec = wake / 1000000000LL, .tv_nsec = wake % 1000000000LL } };
    if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0) die("timerfd_settime");
    armed = wake;
  }
  int n = epoll_wait(ep, evs, max, -1);
  if (n < 0 && errno != EINTR) die("epoll_wait");
  return n < 0 ? 0 : n;
}

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: %s URL RATE DURATION_MS CONNECTIONS [DRAIN_MS [COALESCE_US]]\n", argv[0]); return 2; }
  parse_url(argv[1]);
  rate = atof(argv[2]);
  double duration_ms = atof(argv[3]);
  nconns = atoi(argv[4]);
  int64_t drain_ns = (int64_t)((argc > 5 ? atof(argv[5]) : 10000.0) * 1e6);
  coalesce_ns = (int64_t)((argc > 6 ? atof(argv[6]) : 0.0) * 1e3);
  if (rate <= 0 || duration_ms <= 0 || nconns <= 0) { fprintf(stderr, "siphon-paced: RATE, DURATION_MS, CONNECTIONS must be > 0\n"); return 2; }
  total = (int64_t)(rate * duration_ms / 1000.0); /* truncation = floor, as in paced.ts; no libm needed */
  latencies = malloc(sizeof(double) * (size_t)(total > 0 ? total : 1));
  conns = calloc((size_t)nconns, sizeof *conns);
  idle = malloc(sizeof(int) * (size_t)nconns);
  if (!latencies || !conns || !idle) die("malloc");
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  prctl(PR_SET_TIMERSLACK, 1000UL); /* wake-ups within ~1 µs of the due time, not the default 50 µs slack */

  /* Connect everything before t0 so the first requests do not pay for the handshakes (up to 2 s). */
  int64_t t = now_ns();
  for (int i = 0; i < nconns; i++) { conns[i].fd = -1; start_connect(i, t); }
  struct epoll_event evs[256];
  for (int64_t until = t + 2000000000LL; now_ns() < until;) {
    int pending = 0;
    for (int i = 0; i < nconns; i++) pending += conns[i].state == C_CONNECTING;
    if (pending == 0) break;
    int n = epoll_wait(ep, evs, 256, 10);
    for (int k = 0; k < n; k++) on_event((int)evs[k].data.u32, evs[k].events, now_ns());
  }
  reconnects = 0;
  start = now_ns();
  finished_at = start;
  int64_t last_due = due_ns(total > 0 ? total - 1 : 0);

  for (;;) {
    int64_t now = now_ns();
    for (int i = 0; i < nconns; i++) if (conns[i].state == C_DOWN && conns[i].retry_at <= now) start_connect(i, now);
    dispatch(now);
    if (sent == total && inflight == 0) break;
    if (now > last_due + drain_ns) { errors += total - sent + inflight; break; } /* unanswered: counted as errors */
    /* Next wake-up: the next request's due time (only when none is waiting: a waiting one leaves as soon as a
     * connection frees up), a reconnect, or the drain deadline. */
    int64_t wake = last_due + drain_ns + 1;
    if (sent == due_count && due_count < total) wake = due_ns(due_count);
    for (int i = 0; i < nconns; i++) if (conns[i].state == C_DOWN && conns[i].retry_at < wake) wake = conns[i].retry_at;
    int n = wait_until(evs, 256, wake, now);
    now = now_ns();
    for (int k = 0; k < n; k++) {
      if (evs[k].data.u32 == TIMER_TAG) { uint64_t x; if (read(tfd, &x, sizeof x) < 0) { /* already read */ } armed = 0; }
      else on_event((int)evs[k].data.u32, evs[k].events, now);
    }
  }

  qsort(latencies, (size_t)completed, sizeof(double), cmp_double);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  double elapsed_s = (double)(finished_at - start) / 1e9;
  printf("{\"rate\":%g,\"sent\":%lld,\"completed\":%lld,\"errors\":%lld,\"non2xx\":%lld,\"stalls\":%lld,\"reconnects\":%lld,",
         rate, (long long)sent, (long long)completed, (long long)errors, (long long)non2xx, (long long)stalls, (long long)reconnects);
  print_ms("achievedRps", elapsed_s > 0 ? (double)completed / elapsed_s : NAN, ",");
  print_ms("p50Ms", quantile(0.5), ","); print_ms("p90Ms", quantile(0.9), ","); print_ms("p99Ms", quantile(0.99), ",");
  print_ms("p999Ms", quantile(0.999), ",");
  print_ms("maxMs", completed ? latencies[completed - 1] : NAN, ",");
  print_ms("cpuMs", cpu_ms, "}\n");
  return 0;
}
