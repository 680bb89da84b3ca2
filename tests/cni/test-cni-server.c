/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of core/lib/cni-server.c with the real client (cni-client.c) over
 * a real unix socket: the server runs in an event loop in the test's main
 * thread, clients call from threads.  The handler is the canned one of
 * cni-test-handler.h.  Covered: results in the requested version, errors
 * from the handler and from the server's own validation, per-container
 * serialisation (and concurrency across containers), abandoned requests,
 * clients that are silent or send garbage, an agent that never answers or
 * is not there, the socket file's handling, and destroying the server
 * with requests in flight.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cni-client.h"
#include "cni-config.h"
#include "cni-env.h"
#include "cni-error.h"
#include "cni-frame.h"
#include "cni-protocol.h"
#include "cni-result.h"
#include "cni-server.h"
#include "cni-test-handler.h"
#include "event-loop.h"

static void cleanup_dir(void);

TestSuite(cni_server, .timeout = 60, .fini = cleanup_dir);

/* Network configurations. */
#define CONF_100 "{\"cniVersion\":\"1.0.0\",\"name\":\"antrea\"," \
    "\"type\":\"antrea\"}"
#define CONF_031 "{\"cniVersion\":\"0.3.1\",\"name\":\"antrea\"," \
    "\"type\":\"antrea\"}"

/* A server with the test handler in a loop, in a temporary directory. */
struct fixture {
    char dir[64];               /* mkdtemp()'d */
    char socket_path[128];      /* dir/run/cni.sock */
    struct event_loop *loop;
    struct cni_server *server;
    struct cni_test_handler handler;
};

/* The loop task: the server's and the handler's run steps. */
static void
server_run(void *f_)
{
    struct fixture *f = f_;
    if (f->server) {
        cni_server_run(f->server);
    }
    cni_test_handler_run(&f->handler);
}

/* The loop task's wait step. */
static void
server_wait(void *f_)
{
    struct fixture *f = f_;
    if (f->server) {
        cni_server_wait(f->server);
    }
    cni_test_handler_wait(&f->handler);
    /* Wake now and then to check the test's conditions. */
    event_loop_timer_wait(f->loop, 5);
}

/* The current test's directory, removed even if the test fails. */
static char test_dir[64];

/* Removes what a test may leave in 'test_dir', and the directory. */
static void
cleanup_dir(void)
{
    char path[128];

    if (test_dir[0]) {
        snprintf(path, sizeof path, "%s/run/cni.sock", test_dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/run", test_dir);
        rmdir(path);
        rmdir(test_dir);
        test_dir[0] = '\0';
    }
}

/* Sets up 'f' without starting the server. */
static void
fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/atest-cni-%ld-XXXXXX",
             (long) getpid());
    cr_assert_not_null(mkdtemp(f->dir));
    strcpy(test_dir, f->dir);
    snprintf(f->socket_path, sizeof f->socket_path, "%s/run/cni.sock",
             f->dir);
    f->loop = event_loop_create();
    cni_test_handler_init(&f->handler, f->loop);
    event_loop_add_task(f->loop, "test", server_run, server_wait, f);
}

/* Starts 'f''s server with I/O timeout 'io_timeout_ms' (0: default) and
 * handler 'ops' (NULL: the test handler). */
static void
fixture_start(struct fixture *f, int io_timeout_ms,
              const struct cni_server_handler *ops)
{
    struct cni_server_options options = {
        .socket_path = f->socket_path,
        .io_timeout_ms = io_timeout_ms,
    };
    char *error = NULL;
    int retval = cni_server_create(f->loop, &options,
                                   ops ? ops : &cni_test_handler_ops,
                                   &f->handler, &f->server, &error);
    cr_assert_eq(retval, 0, "%s", error);
}

/* Tears 'f' down. */
static void
fixture_destroy(struct fixture *f)
{
    cni_server_destroy(f->server);
    f->server = NULL;
    cni_test_handler_destroy(&f->handler);
    event_loop_destroy(f->loop);
    cleanup_dir();
}

/* Runs 'f''s loop until '*flag' is nonzero or 'timeout_ms' pass.  Returns
 * true if the flag was seen. */
static bool
run_until(struct fixture *f, const int *flag, int timeout_ms)
{
    long long deadline = time_msec() + timeout_ms;

    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
        if (time_msec() >= deadline) {
            return false;
        }
        event_loop_run_once(f->loop);
    }
    return true;
}

/* Runs 'f''s loop for 'msec' milliseconds. */
static void
run_for(struct fixture *f, int msec)
{
    int never = 0;
    run_until(f, &never, msec);
}

/* One client call, made from a thread. */
struct call {
    char *socket_path;          /* where */
    struct cni_env env;         /* the command */
    char *config;               /* stdin */
    int timeout_ms;             /* the client's bound */
    pthread_t thread;           /* the caller */
    bool ok;                    /* the outcome */
    char *result;               /* result, if 'ok' */
    size_t result_size;         /* its length */
    struct cni_error error;     /* error, if not 'ok' */
    long long started;          /* time_msec() before the call */
    long long finished;         /* time_msec() after it */
    int done;                   /* set when finished */
};

/* The body of a call's thread. */
static void *
call_thread(void *call_)
{
    struct call *call = call_;

    call->ok = cni_client_call(call->socket_path, &call->env, call->config,
                               strlen(call->config), call->timeout_ms,
                               &call->result, &call->result_size,
                               &call->error);
    call->finished = time_msec();
    __atomic_store_n(&call->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Prepares a call of 'command' for container 'cid' (NULL for none) with
 * network configuration 'config' against 'socket_path', bounded by
 * 'timeout_ms'; call_begin() starts it.  The other variables are those of
 * a typical Pod. */
static struct call *
call_new(const char *socket_path, enum cni_command command,
         const char *cid, const char *config, int timeout_ms)
{
    struct call *call = calloc(1, sizeof *call);

    call->socket_path = strdup(socket_path);
    cni_env_init(&call->env);
    call->env.command = command;
    if (cid) {
        call->env.container_id = strdup(cid);
        call->env.ifname = strdup("eth0");
        call->env.netns = strdup("/var/run/netns/p1");
        call->env.args = strdup("IgnoreUnknown=1;K8S_POD_NAMESPACE=default;"
                                "K8S_POD_NAME=web-0");
    }
    call->env.path = strdup("/opt/cni/bin");
    call->config = strdup(config);
    call->timeout_ms = timeout_ms;
    cni_error_init(&call->error);
    return call;
}

/* Starts 'call' in its own thread and returns it. */
static struct call *
call_begin(struct call *call)
{
    call->started = time_msec();
    cr_assert_eq(pthread_create(&call->thread, NULL, call_thread, call), 0);
    return call;
}

/* call_new() and call_begin() in one. */
static struct call *
call_start(const char *socket_path, enum cni_command command,
           const char *cid, const char *config, int timeout_ms)
{
    return call_begin(call_new(socket_path, command, cid, config,
                               timeout_ms));
}

/* Runs 'f''s loop until 'call' is done (failing the test after 10 s),
 * joins its thread and returns it. */
static struct call *
call_finish(struct fixture *f, struct call *call)
{
    cr_assert(run_until(f, &call->done, 10000), "the call did not finish");
    pthread_join(call->thread, NULL);
    return call;
}

/* Frees 'call'. */
static void
call_free(struct call *call)
{
    free(call->socket_path);
    cni_env_destroy(&call->env);
    free(call->config);
    free(call->result);
    cni_error_destroy(&call->error);
    free(call);
}

/* Runs a call to completion and returns it. */
static struct call *
call_sync(struct fixture *f, enum cni_command command, const char *cid,
          const char *config)
{
    return call_finish(f, call_start(f->socket_path, command, cid, config,
                                     10000));
}

/* Asserts that 'call' failed with 'code' and a message containing
 * 'text'. */
static void
expect_call_error(const struct call *call, int code, const char *text)
{
    cr_assert_not(call->ok, "succeeded: %s", call->result);
    cr_assert_eq(call->error.code, code, "code %d (%s), expected %d",
                 call->error.code, call->error.msg, code);
    cr_assert(strstr(call->error.msg, text), "\"%s\" lacks \"%s\"",
              call->error.msg, text);
}

/* The canned result for container interface eth0 in /var/run/netns/p1,
 * in 'version'. */
static char *
canned_result(const char *version)
{
    struct cni_result r;
    cni_result_init(&r);
    cni_result_add_interface(&r, "antrea-test0", "aa:bb:cc:00:00:01", NULL);
    cni_result_add_interface(&r, "eth0", "aa:bb:cc:00:00:02",
                             "/var/run/netns/p1");
    cni_result_add_ip(&r, "10.10.1.5/24", "10.10.1.1", 1);
    cni_result_add_ip(&r, "fd00:10:10:1::5/64", "fd00:10:10:1::1", 1);
    cni_result_add_route(&r, "0.0.0.0/0", "10.10.1.1");
    cni_dns_add_nameserver(&r.dns, "10.96.0.10");
    char *s = cni_result_to_string(&r, version);
    cni_result_destroy(&r);
    return s;
}

Test(cni_server, add_result_in_requested_version)
{
    struct fixture f;
    fixture_init(&f);
    fixture_start(&f, 0, NULL);

    struct call *call = call_sync(&f, CNI_CMD_ADD, "c1", CONF_100);
    cr_assert(call->ok, "%s", call->error.msg);
    cr_assert_str_eq(call->result,
                     "{\"cniVersion\":\"1.0.0\",\"interfaces\":["
                     "{\"name\":\"antrea-test0\","
                     "\"mac\":\"aa:bb:cc:00:00:01\"},"
                     "{\"name\":\"eth0\",\"mac\":\"aa:bb:cc:00:00:02\","
                     "\"sandbox\":\"/var/run/netns/p1\"}],"
                     "\"ips\":[{\"interface\":1,"
                     "\"address\":\"10.10.1.5/24\","
                     "\"gateway\":\"10.10.1.1\"},"
                     "{\"interface\":1,\"address\":\"fd00:10:10:1::5/64\","
                     "\"gateway\":\"fd00:10:10:1::1\"}],"
                     "\"routes\":[{\"dst\":\"0.0.0.0/0\","
                     "\"gw\":\"10.10.1.1\"}],"
                     "\"dns\":{\"nameservers\":[\"10.96.0.10\"]}}");
    call_free(call);

    call = call_sync(&f, CNI_CMD_ADD, "c2", CONF_031);
    cr_assert(call->ok, "%s", call->error.msg);
    char *expected = canned_result("0.3.1");
    cr_assert_str_eq(call->result, expected);
    cr_assert(strstr(call->result, "\"version\":\"4\""));
    free(expected);
    call_free(call);

    /* The handler saw the parsed arguments. */
    cr_assert_eq(f.handler.n_events, 2);
    cr_assert_str_eq(f.handler.events[0].container_id, "c1");
    fixture_destroy(&f);
}

/* A handler callback that checks the arguments it gets. */
static void
check_args(void *aux, struct cni_request *req,
           const struct cni_request_args *args)
{
    int *checked = aux;

    cr_assert_eq(args->command, CNI_CMD_ADD);
    cr_assert_str_eq(args->container_id, "c1");
    cr_assert_str_eq(args->ifname, "eth0");
    cr_assert_str_eq(args->netns, "/var/run/netns/p1");
    cr_assert_str_eq(args->cni_path, "/opt/cni/bin");
    cr_assert_str_eq(args->k8s->pod_namespace, "default");
    cr_assert_str_eq(args->k8s->pod_name, "web-0");
    cr_assert_null(args->k8s->pod_uid);
    cr_assert_str_eq(args->conf->cni_version, "1.0.0");
    cr_assert_str_eq(args->network_config, CONF_100);
    cr_assert_eq(args->network_config_size, strlen(CONF_100));
    cr_assert_eq(cni_request_get_args(req), args);
    cr_assert_not(cni_request_is_abandoned(req));
    *checked = 1;
    cni_server_reply_json(req, "{\"cniVersion\":\"1.0.0\",\"raw\":true}");
}

Test(cni_server, handler_sees_parsed_arguments)
{
    struct fixture f;
    static const struct cni_server_handler ops = { .add = check_args };
    int checked = 0;

    fixture_init(&f);
    struct cni_server_options options = { .socket_path = f.socket_path };
    char *error = NULL;
    cr_assert_eq(cni_server_create(f.loop, &options, &ops, &checked,
                                   &f.server, &error), 0, "%s", error);

    struct call *call = call_sync(&f, CNI_CMD_ADD, "c1", CONF_100);
    cr_assert(checked);
    cr_assert(call->ok, "%s", call->error.msg);
    cr_assert_str_eq(call->result, "{\"cniVersion\":\"1.0.0\",\"raw\":true}");
    call_free(call);
    fixture_destroy(&f);
}

Test(cni_server, other_commands_print_nothing)
{
    struct fixture f;
    fixture_init(&f);
    fixture_start(&f, 0, NULL);

    static const struct {
        enum cni_command command;
        const char *cid;
        const char *config;
    } cases[] = {
        { CNI_CMD_DEL, "c1", CONF_031 },
        { CNI_CMD_CHECK, "c1",
          "{\"cniVersion\":\"0.4.0\",\"name\":\"a\",\"type\":\"antrea\","
          "\"prevResult\":{\"ips\":[{\"address\":\"10.10.1.5/24\"}]}}" },
        { CNI_CMD_STATUS, NULL,
          "{\"cniVersion\":\"1.1.0\",\"name\":\"a\",\"type\":\"antrea\"}" },
        { CNI_CMD_GC, NULL,
          "{\"cniVersion\":\"1.1.0\",\"name\":\"a\",\"type\":\"antrea\","
          "\"cni.dev/valid-attachments\":[{\"containerID\":\"c1\","
          "\"ifname\":\"eth0\"}]}" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct call *call = call_sync(&f, cases[i].command, cases[i].cid,
                                      cases[i].config);
        cr_assert(call->ok, "%s: %s", cni_command_name(cases[i].command),
                  call->error.msg);
        cr_assert_eq(call->result_size, 0);
        call_free(call);
    }
    cr_assert_eq(f.handler.n_events, 4);
    fixture_destroy(&f);
}

Test(cni_server, server_validates_requests_itself)
{
    struct fixture f;
    fixture_init(&f);
    fixture_start(&f, 0, NULL);

    /* The client library sends whatever it is given: the server must
     * check for itself. */
    struct call *call = call_new(f.socket_path, CNI_CMD_ADD, "c1",
                                 CONF_100, 10000);
    free(call->env.ifname);
    call->env.ifname = strdup("bad/name");
    call_finish(&f, call_begin(call));
    expect_call_error(call, CNI_ERR_INVALID_ENVIRONMENT_VARIABLES,
                      "CNI_IFNAME=\"bad/name\" is invalid");
    call_free(call);

    call = call_sync(&f, CNI_CMD_ADD, "c1", "{\"cniVersion\":");
    expect_call_error(call, CNI_ERR_DECODING_FAILURE, "not valid JSON");
    call_free(call);

    call = call_sync(&f, CNI_CMD_ADD, "c1",
                     "{\"cniVersion\":\"0.0.9\",\"name\":\"a\","
                     "\"type\":\"antrea\"}");
    expect_call_error(call, CNI_ERR_INCOMPATIBLE_CNI_VERSION,
                      "unsupported cniVersion \"0.0.9\"");
    call_free(call);

    call = call_sync(&f, CNI_CMD_CHECK, "c1", CONF_031);
    expect_call_error(call, CNI_ERR_INCOMPATIBLE_CNI_VERSION,
                      "CHECK needs cniVersion 0.4.0 or newer");
    call_free(call);

    call = call_new(f.socket_path, CNI_CMD_ADD, "c1", CONF_100, 10000);
    free(call->env.args);
    call->env.args = strdup("K8S_POD_NAME=x;BOGUS=1");
    call_finish(&f, call_begin(call));
    expect_call_error(call, CNI_ERR_INVALID_ENVIRONMENT_VARIABLES,
                      "item \"BOGUS=1\" has an unknown key");
    call_free(call);

    cr_assert_eq(f.handler.n_events, 0, "the handler saw a bad request");
    fixture_destroy(&f);
}

Test(cni_server, handler_error_reaches_client)
{
    struct fixture f;
    fixture_init(&f);
    fixture_start(&f, 0, NULL);

    struct call *call = call_sync(&f, CNI_CMD_ADD, "fail-1", CONF_100);
    expect_call_error(call, CNI_ERR_IPAM_FAILURE,
                      "no IP address left for container fail-1");
    cr_assert_str_eq(call->error.details, "range 10.10.1.0/24 is exhausted");
    call_free(call);
    fixture_destroy(&f);
}

Test(cni_server, same_container_serialised_others_concurrent)
{
    struct fixture f;
    fixture_init(&f);
    f.handler.delay_ms = 400;
    fixture_start(&f, 0, NULL);

    struct call *a = call_start(f.socket_path, CNI_CMD_ADD, "same", CONF_100,
                                10000);
    struct call *b = call_start(f.socket_path, CNI_CMD_ADD, "same", CONF_100,
                                10000);
    struct call *c = call_start(f.socket_path, CNI_CMD_ADD, "other",
                                CONF_100, 10000);
    call_finish(&f, a);
    call_finish(&f, b);
    call_finish(&f, c);
    cr_assert(a->ok && b->ok && c->ok);

    struct cni_test_event *same[2];
    struct cni_test_event *other = NULL;
    size_t n_same = 0;
    cr_assert_eq(f.handler.n_events, 3);
    for (size_t i = 0; i < 3; i++) {
        struct cni_test_event *e = &f.handler.events[i];
        if (!strcmp(e->container_id, "same")) {
            same[n_same++] = e;
        } else {
            other = e;
        }
    }
    cr_assert_eq(n_same, 2);
    cr_assert_not_null(other);

    /* One after the other for "same"... */
    cr_assert_geq(same[1]->started, same[0]->answered,
                  "the second call for a container started at %lld, before "
                  "the first was answered at %lld", same[1]->started,
                  same[0]->answered);
    /* ... while "other" overlapped the first of them. */
    cr_assert_lt(other->started, same[0]->answered,
                 "a call for another container waited");
    cr_assert_lt(same[0]->started, other->answered);

    call_free(a);
    call_free(b);
    call_free(c);
    fixture_destroy(&f);
}

Test(cni_server, never_answered_client_times_out)
{
    struct fixture f;
    fixture_init(&f);
    f.handler.never_reply = true;
    fixture_start(&f, 0, NULL);

    struct call *call = call_start(f.socket_path, CNI_CMD_ADD, "c1",
                                   CONF_100, 300);
    call_finish(&f, call);
    expect_call_error(call, CNI_ERR_TRY_AGAIN_LATER,
                      "antrea-agent did not answer ADD within 300 ms on ");
    long long elapsed = call->finished - call->started;
    cr_assert_geq(elapsed, 290);
    cr_assert_lt(elapsed, 3000);
    call_free(call);

    /* The server notices the client left; the request stays the
     * handler's, abandoned, and still holds its container's queue. */
    run_for(&f, 100);
    cr_assert_eq(cni_server_n_connections(f.server), 0);
    cr_assert_eq(cni_server_n_pending(f.server), 1);
    cr_assert_eq(f.handler.n_pending, 1);
    cr_assert(cni_request_is_abandoned(f.handler.pending[0].req));

    f.handler.never_reply = false;
    struct call *del = call_start(f.socket_path, CNI_CMD_DEL, "c1", CONF_100,
                                  10000);
    run_for(&f, 200);
    cr_assert_eq(f.handler.n_events, 1, "DEL ran alongside the ADD");
    cr_assert_not(__atomic_load_n(&del->done, __ATOMIC_ACQUIRE));

    /* Answering the abandoned ADD (the answer goes nowhere) lets DEL
     * through. */
    struct cni_request *req = f.handler.pending[0].req;
    f.handler.n_pending = 0;
    cni_server_reply_error(req, CNI_ERR_CONFIG_INTERFACE_FAILURE, NULL,
                           "late");
    call_finish(&f, del);
    cr_assert(del->ok, "%s", del->error.msg);
    cr_assert_eq(f.handler.n_events, 2);
    call_free(del);
    fixture_destroy(&f);
}

Test(cni_server, request_dropped_if_client_leaves_while_queued)
{
    struct fixture f;
    fixture_init(&f);
    f.handler.delay_ms = 600;
    fixture_start(&f, 0, NULL);

    struct call *first = call_start(f.socket_path, CNI_CMD_ADD, "c1",
                                    CONF_100, 10000);
    run_for(&f, 100);
    struct call *impatient = call_start(f.socket_path, CNI_CMD_ADD, "c1",
                                        CONF_100, 150);
    call_finish(&f, impatient);
    expect_call_error(impatient, CNI_ERR_TRY_AGAIN_LATER, "did not answer");
    call_finish(&f, first);
    cr_assert(first->ok);
    run_for(&f, 100);
    cr_assert_eq(f.handler.n_events, 1, "the abandoned request was handled");
    cr_assert_eq(cni_server_n_pending(f.server), 0);
    call_free(first);
    call_free(impatient);
    fixture_destroy(&f);
}

Test(cni_server, agent_not_listening_is_try_again_later)
{
    struct fixture f;
    fixture_init(&f);

    struct call *call = call_start(f.socket_path, CNI_CMD_ADD, "c1",
                                   CONF_100, 10000);
    call_finish(&f, call);
    expect_call_error(call, CNI_ERR_TRY_AGAIN_LATER,
                      "is antrea-agent running?");
    cr_assert_lt(call->finished - call->started, 1000);
    call_free(call);

    /* A socket file nobody listens on: refused, also quickly. */
    char run[128];
    snprintf(run, sizeof run, "%s/run", f.dir);
    mkdir(run, 0700);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    strcpy(sun.sun_path, f.socket_path);
    cr_assert_eq(bind(fd, (struct sockaddr *) &sun, sizeof sun), 0);
    close(fd);
    call = call_start(f.socket_path, CNI_CMD_ADD, "c1", CONF_100, 10000);
    call_finish(&f, call);
    expect_call_error(call, CNI_ERR_TRY_AGAIN_LATER, "Connection refused");
    cr_assert_lt(call->finished - call->started, 1000);
    call_free(call);
    unlink(f.socket_path);
    fixture_destroy(&f);
}

/* Connects to 'path' and returns the socket. */
static int
raw_connect(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    strcpy(sun.sun_path, path);
    cr_assert_eq(connect(fd, (struct sockaddr *) &sun, sizeof sun), 0,
                 "%s", strerror(errno));
    return fd;
}

Test(cni_server, silent_clients_do_not_block_others)
{
    struct fixture f;
    fixture_init(&f);
    fixture_start(&f, 1000, NULL);

    int silent = raw_connect(f.socket_path);
    int half = raw_connect(f.socket_path);
    cr_assert_eq(write(half, "\0\0\0\x20" "abc", 7), 7);

    struct call *call = call_sync(&f, CNI_CMD_ADD, "c1", CONF_100);
    cr_assert(call->ok, "%s", call->error.msg);
    cr_assert_lt(call->finished - call->started, 800,
                 "a silent client delayed another's request");
    call_free(call);
    cr_assert_eq(cni_server_n_connections(f.server), 2);

    /* Both are closed at their deadline. */
    run_for(&f, 1300);
    cr_assert_eq(cni_server_n_connections(f.server), 0);
    char c;
    cr_assert_eq(read(silent, &c, 1), 0);
    cr_assert_eq(read(half, &c, 1), 0);
    close(silent);
    close(half);
    fixture_destroy(&f);
}

/* A thread that reads one frame. */
struct reader_arg {
    int fd;                     /* from where */
    uint8_t *payload;           /* what */
    size_t size;                /* its size */
    int error;                  /* outcome */
    int done;                   /* set when finished */
};

/* The body of a frame-reading thread. */
static void *
reader_thread(void *arg_)
{
    struct reader_arg *arg = arg_;
    char *msg = NULL;

    arg->error = cni_frame_read(arg->fd, time_msec() + 10000, &arg->payload,
                                &arg->size, &msg);
    free(msg);
    __atomic_store_n(&arg->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Sends the 'size' bytes at 'data' raw to the server of 'f', and returns
 * the error its answer carries (the test fails if there is none). */
static void
expect_raw_error(struct fixture *f, const void *data, size_t size, int code,
                 const char *text)
{
    int fd = raw_connect(f->socket_path);
    cr_assert_eq(write(fd, data, size), (ssize_t) size);

    struct reader_arg arg = { .fd = fd };
    pthread_t thread;
    pthread_create(&thread, NULL, reader_thread, &arg);
    cr_assert(run_until(f, &arg.done, 10000));
    pthread_join(thread, NULL);
    cr_assert_eq(arg.error, 0);

    char *result;
    size_t result_size;
    struct cni_error error = CNI_ERROR_INITIALIZER;
    cr_assert_not(cni_protocol_decode_response(arg.payload, arg.size,
                                               &result, &result_size,
                                               &error));
    cr_assert_eq(error.code, code, "%s", error.msg);
    cr_assert(strstr(error.msg, text), "\"%s\" lacks \"%s\"", error.msg,
              text);
    cni_error_destroy(&error);
    free(arg.payload);
    close(fd);
}

Test(cni_server, garbage_and_oversized_frames)
{
    struct fixture f;
    fixture_init(&f);
    fixture_start(&f, 0, NULL);

    expect_raw_error(&f, "\0\0\0\x03\xff\xff\xff", 7,
                     CNI_ERR_DECODING_FAILURE,
                     "cannot decode the 3-byte request");
    expect_raw_error(&f, "\x7f\0\0\0", 4, CNI_ERR_DECODING_FAILURE,
                     "antrea-agent refused the request: frame of "
                     "2130706432 bytes exceeds the limit");
    cr_assert_eq(f.handler.n_events, 0);
    fixture_destroy(&f);
}

Test(cni_server, socket_file_handling)
{
    struct fixture f;
    struct stat st;
    char run[128];
    char *error = NULL;
    struct cni_server *second;
    struct cni_server_options options;

    fixture_init(&f);
    snprintf(run, sizeof run, "%s/run", f.dir);

    /* A regular file where the socket goes is not replaced. */
    mkdir(run, 0700);
    FILE *file = fopen(f.socket_path, "w");
    fclose(file);
    options = (struct cni_server_options) { .socket_path = f.socket_path };
    cr_assert_eq(cni_server_create(f.loop, &options, &cni_test_handler_ops,
                                   NULL, &second, &error), EEXIST);
    cr_assert(strstr(error, "exists and is not a socket"), "%s", error);
    free(error);
    unlink(f.socket_path);
    rmdir(run);

    /* The directory is created 0700, the socket 0600. */
    fixture_start(&f, 0, NULL);
    cr_assert_eq(stat(run, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0700);
    cr_assert_eq(stat(f.socket_path, &st), 0);
    cr_assert(S_ISSOCK(st.st_mode));
    cr_assert_eq(st.st_mode & 07777, 0600);
    cr_assert_str_eq(cni_server_socket_path(f.server), f.socket_path);

    /* A second server on a live socket is refused. */
    error = NULL;
    cr_assert_eq(cni_server_create(f.loop, &options, &cni_test_handler_ops,
                                   NULL, &second, &error), EADDRINUSE);
    cr_assert(strstr(error, "another process"), "%s", error);
    free(error);

    /* A stale socket (left by a killed agent) is replaced. */
    int listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    strcpy(sun.sun_path, f.socket_path);
    cni_server_destroy(f.server);
    f.server = NULL;
    cr_assert_eq(bind(listen_fd, (struct sockaddr *) &sun, sizeof sun), 0);
    close(listen_fd);
    fixture_start(&f, 0, NULL);
    struct call *call = call_sync(&f, CNI_CMD_ADD, "c1", CONF_100);
    cr_assert(call->ok, "%s", call->error.msg);
    call_free(call);

    /* Destroying removes the socket. */
    cni_server_destroy(f.server);
    f.server = NULL;
    cr_assert_neq(stat(f.socket_path, &st), 0);

    /* A path too long for a socket address. */
    char long_path[200];
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[0] = '/';
    long_path[sizeof long_path - 1] = '\0';
    options.socket_path = long_path;
    error = NULL;
    cr_assert_eq(cni_server_create(f.loop, &options, &cni_test_handler_ops,
                                   NULL, &second, &error), ENAMETOOLONG);
    free(error);
    fixture_destroy(&f);
}

Test(cni_server, destroy_with_requests_in_flight)
{
    struct fixture f;
    fixture_init(&f);
    f.handler.never_reply = true;
    fixture_start(&f, 0, NULL);

    struct call *a = call_start(f.socket_path, CNI_CMD_ADD, "c1", CONF_100,
                                10000);
    struct call *b = call_start(f.socket_path, CNI_CMD_ADD, "c1", CONF_100,
                                10000);
    run_for(&f, 300);
    cr_assert_eq(f.handler.n_pending, 1);

    /* Destroying drops the queued request and orphans the dispatched one,
     * which the handler can still answer. */
    cni_server_destroy(f.server);
    f.server = NULL;
    call_finish(&f, a);
    call_finish(&f, b);
    expect_call_error(a, CNI_ERR_TRY_AGAIN_LATER, "closed the connection");
    expect_call_error(b, CNI_ERR_TRY_AGAIN_LATER, "closed the connection");
    cr_assert(cni_request_is_abandoned(f.handler.pending[0].req));
    call_free(a);
    call_free(b);
    fixture_destroy(&f);    /* answers the orphan */
}

Test(cni_server, default_callbacks)
{
    struct fixture f;
    static const struct cni_server_handler none;

    fixture_init(&f);
    fixture_start(&f, 0, &none);

    struct call *call = call_sync(&f, CNI_CMD_ADD, "c1", CONF_100);
    expect_call_error(call, CNI_ERR_TRY_AGAIN_LATER,
                      "antrea-agent is not ready to handle ADD");
    call_free(call);
    call = call_sync(&f, CNI_CMD_STATUS, NULL,
                     "{\"cniVersion\":\"1.1.0\",\"name\":\"a\","
                     "\"type\":\"antrea\"}");
    cr_assert(call->ok, "%s", call->error.msg);
    call_free(call);
    fixture_destroy(&f);
}

Test(cni_server, many_concurrent_containers)
{
    enum { N = 40 };
    struct fixture f;
    struct call *calls[N];

    fixture_init(&f);
    f.handler.delay_ms = 50;
    fixture_start(&f, 0, NULL);
    for (int i = 0; i < N; i++) {
        char cid[16];
        snprintf(cid, sizeof cid, "pod%d", i % 20);
        calls[i] = call_start(f.socket_path, i % 3 ? CNI_CMD_ADD
                              : CNI_CMD_DEL, cid, CONF_100, 20000);
    }
    for (int i = 0; i < N; i++) {
        call_finish(&f, calls[i]);
        cr_assert(calls[i]->ok, "%d: %s", i, calls[i]->error.msg);
        call_free(calls[i]);
    }
    cr_assert_eq(f.handler.n_events, N);

    /* No two calls for one container overlapped. */
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < N; j++) {
            struct cni_test_event *a = &f.handler.events[i];
            struct cni_test_event *b = &f.handler.events[j];
            if (i != j && !strcmp(a->container_id, b->container_id)
                && a->started <= b->started) {
                cr_assert_geq(b->started, a->answered, "%s overlapped",
                              a->container_id);
            }
        }
    }
    run_for(&f, 50);
    cr_assert_eq(cni_server_n_connections(f.server), 0);
    cr_assert_eq(cni_server_n_pending(f.server), 0);
    fixture_destroy(&f);
}
