/* Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
 *
 * The same two routes as //http:bench_server on h2o's evloop (Debian libh2o-evloop-dev), to
 * compare the two candidate HTTP fronts on one workload (tools/bench/http_fronts.sh). Single
 * event loop; prints the port once serving.
 */
#include <h2o.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static h2o_globalconf_t config;
static h2o_context_t ctx;
static h2o_accept_ctx_t accept_ctx;

static int on_healthz(h2o_handler_t *self, h2o_req_t *req) {
  (void)self;
  req->res.status = 200;
  req->res.reason = "OK";
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                 H2O_STRLIT("application/json"));
  h2o_send_inline(req, H2O_STRLIT("{\"status\":\"SERVING\"}"));
  return 0;
}

static int on_echo(h2o_handler_t *self, h2o_req_t *req) {
  (void)self;
  req->res.status = 200;
  req->res.reason = "OK";
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                 H2O_STRLIT("application/json"));
  h2o_send_inline(req, req->entity.base, req->entity.len);
  return 0;
}

static void add(h2o_hostconf_t *host, const char *path, int (*fn)(h2o_handler_t *, h2o_req_t *)) {
  h2o_pathconf_t *pc = h2o_config_register_path(host, path, 0);
  h2o_handler_t *h = h2o_create_handler(pc, sizeof(*h));
  h->on_req = fn;
}

static void on_accept(h2o_socket_t *listener, const char *err) {
  h2o_socket_t *sock;
  if (err != NULL) return;
  if ((sock = h2o_evloop_socket_accept(listener)) == NULL) return;
  h2o_accept(&accept_ctx, sock);
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  signal(SIGPIPE, SIG_IGN);
  h2o_config_init(&config);
  h2o_hostconf_t *host = h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
  add(host, "/healthz", on_healthz);
  add(host, "/echo", on_echo);
  h2o_context_init(&ctx, h2o_evloop_create(), &config);
  accept_ctx.ctx = &ctx;
  accept_ctx.hosts = config.hosts;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(0x7f000001);
  addr.sin_port = htons((unsigned short)port);
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  socklen_t len = sizeof(addr);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 1024) != 0 ||
      getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
    perror("listen");
    return 1;
  }
  h2o_socket_t *sock = h2o_evloop_socket_create(ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
  h2o_socket_read_start(sock, on_accept);
  printf("%d\n", ntohs(addr.sin_port));
  fflush(stdout);
  while (h2o_evloop_run(ctx.loop, INT32_MAX) == 0) {
  }
  return 0;
}
