/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for core/lib/cni-frame.c and cni-protocol.c: frames round
 * trip over a real socketpair (empty, small, the largest allowed, sent
 * and received in pieces); a length above the limit, a connection closed
 * in a header or a payload or before any frame, and a silent peer are
 * refused with their own errors; requests and responses survive encoding,
 * and malformed or foreign messages are refused with the right CNI code.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cni-env.h"
#include "cni-error.h"
#include "cni-frame.h"
#include "cni-protocol.h"
#include "cni.pb-c.h"
#include "event-loop.h"

TestSuite(cni_frame, .timeout = 30);
TestSuite(cni_protocol, .timeout = 30);

/* A generous deadline for things that should be immediate. */
static long long
soon(void)
{
    return time_msec() + 10000;
}

/* Creates a connected stream socketpair. */
static void
make_pair(int fds[2])
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0, "%s",
                 strerror(errno));
}

/* Writes all 'size' bytes at 'data' to 'fd'. */
static void
write_all(int fd, const void *data, size_t size)
{
    cr_assert_eq(write(fd, data, size), (ssize_t) size);
}

Test(cni_frame, round_trip_small_and_empty)
{
    int fds[2];
    char *msg = NULL;
    uint8_t *payload;
    size_t size;

    make_pair(fds);
    cr_assert_eq(cni_frame_write(fds[0], soon(), "hello", 5, &msg), 0);
    cr_assert_eq(cni_frame_write(fds[0], soon(), NULL, 0, &msg), 0);

    cr_assert_eq(cni_frame_read(fds[1], soon(), &payload, &size, &msg), 0);
    cr_assert_eq(size, 5);
    cr_assert_eq(memcmp(payload, "hello", 5), 0);
    free(payload);

    cr_assert_eq(cni_frame_read(fds[1], soon(), &payload, &size, &msg), 0);
    cr_assert_eq(size, 0);
    cr_assert_not_null(payload);
    free(payload);

    close(fds[0]);
    close(fds[1]);
}

Test(cni_frame, header_is_big_endian_length)
{
    int fds[2];
    char *msg = NULL;
    uint8_t buf[8];

    make_pair(fds);
    cr_assert_eq(cni_frame_write(fds[0], soon(), "abc", 3, &msg), 0);
    cr_assert_eq(read(fds[1], buf, sizeof buf), 7);
    cr_assert_eq(memcmp(buf, "\0\0\0\3abc", 7), 0);
    close(fds[0]);
    close(fds[1]);
}

/* A thread that writes one frame of 'size' bytes. */
struct writer_arg {
    int fd;                     /* where */
    const uint8_t *data;        /* what */
    size_t size;                /* how much */
    int error;                  /* the result */
};

/* The body of a frame-writing thread. */
static void *
writer_thread(void *arg_)
{
    struct writer_arg *arg = arg_;
    char *msg = NULL;

    arg->error = cni_frame_write(arg->fd, soon(), arg->data, arg->size,
                                 &msg);
    free(msg);
    return NULL;
}

Test(cni_frame, largest_frame_crosses_socket_buffers)
{
    /* 1 MiB is far more than a socket buffer: both sides must take turns
     * with partial sends and receives. */
    int fds[2];
    uint8_t *data = malloc(CNI_FRAME_MAX_SIZE);
    for (size_t i = 0; i < CNI_FRAME_MAX_SIZE; i++) {
        data[i] = i * 7 + (i >> 10);
    }

    make_pair(fds);
    struct writer_arg arg = { .fd = fds[0], .data = data,
                              .size = CNI_FRAME_MAX_SIZE };
    pthread_t thread;
    cr_assert_eq(pthread_create(&thread, NULL, writer_thread, &arg), 0);

    uint8_t *payload;
    size_t size;
    char *msg = NULL;
    cr_assert_eq(cni_frame_read(fds[1], soon(), &payload, &size, &msg), 0,
                 "%s", msg);
    pthread_join(thread, NULL);
    cr_assert_eq(arg.error, 0);
    cr_assert_eq(size, CNI_FRAME_MAX_SIZE);
    cr_assert_eq(memcmp(payload, data, size), 0);
    free(payload);
    free(data);
    close(fds[0]);
    close(fds[1]);
}

Test(cni_frame, reader_takes_bytes_one_at_a_time)
{
    int fds[2];
    struct cni_frame_reader reader;
    char *msg = NULL;
    const uint8_t frame[] = { 0, 0, 0, 4, 'a', 'b', 'c', 'd', 0, 0, 0, 1 };

    make_pair(fds);
    cni_frame_reader_init(&reader);
    cr_assert_eq(cni_frame_reader_receive(&reader, fds[1], &msg), EAGAIN);
    for (size_t i = 0; i < 8; i++) {
        write_all(fds[0], &frame[i], 1);
        int error = cni_frame_reader_receive(&reader, fds[1], &msg);
        cr_assert_eq(error, i < 7 ? EAGAIN : 0, "byte %zu: %d", i, error);
    }

    size_t size;
    uint8_t *payload = cni_frame_reader_take(&reader, &size);
    cr_assert_eq(size, 4);
    cr_assert_eq(memcmp(payload, "abcd", 4), 0);
    free(payload);

    /* The reader never read past its frame: the next one is intact. */
    write_all(fds[0], &frame[8], 4);
    write_all(fds[0], "z", 1);
    cr_assert_eq(cni_frame_reader_receive(&reader, fds[1], &msg), 0);
    payload = cni_frame_reader_take(&reader, &size);
    cr_assert_eq(size, 1);
    cr_assert_eq(payload[0], 'z');
    free(payload);
    cni_frame_reader_destroy(&reader);
    close(fds[0]);
    close(fds[1]);
}

/* Reads a frame from 'fd' and asserts it fails with 'expected' and a
 * message containing 'text'. */
static void
expect_read_error(int fd, long long deadline, int expected, const char *text)
{
    uint8_t *payload;
    size_t size;
    char *msg = NULL;

    int error = cni_frame_read(fd, deadline, &payload, &size, &msg);
    cr_assert_eq(error, expected, "got %d (%s), expected %d", error,
                 msg ? msg : "", expected);
    cr_assert_null(payload);
    cr_assert(strstr(msg, text), "message \"%s\" lacks \"%s\"", msg, text);
    free(msg);
}

Test(cni_frame, oversized_length_is_refused_before_allocating)
{
    int fds[2];

    make_pair(fds);
    write_all(fds[0], "\x00\x10\x00\x01", 4);       /* 1 MiB + 1 */
    expect_read_error(fds[1], soon(), EMSGSIZE,
                      "frame of 1048577 bytes exceeds the limit of 1048576 "
                      "bytes");
    write_all(fds[0], "\xff\xff\xff\xff", 4);
    expect_read_error(fds[1], soon(), EMSGSIZE, "4294967295 bytes");
    close(fds[0]);
    close(fds[1]);
}

Test(cni_frame, short_header)
{
    int fds[2];

    make_pair(fds);
    write_all(fds[0], "\x00\x00", 2);
    close(fds[0]);
    expect_read_error(fds[1], soon(), EPROTO,
                      "connection closed after 2 of the 4 bytes of a frame "
                      "header");
    close(fds[1]);
}

Test(cni_frame, short_payload)
{
    int fds[2];

    make_pair(fds);
    write_all(fds[0], "\x00\x00\x00\x0a" "abc", 7);
    close(fds[0]);
    expect_read_error(fds[1], soon(), EPROTO,
                      "connection closed after 3 of the 10 bytes of a "
                      "frame");
    close(fds[1]);
}

Test(cni_frame, closed_before_a_frame)
{
    int fds[2];

    make_pair(fds);
    close(fds[0]);
    expect_read_error(fds[1], soon(), ECONNRESET,
                      "connection closed before a frame");
    close(fds[1]);
}

Test(cni_frame, silent_peer_times_out)
{
    int fds[2];

    make_pair(fds);
    write_all(fds[0], "\x00\x00\x00\x05" "ab", 6);
    long long start = time_msec();
    expect_read_error(fds[1], start + 200, ETIMEDOUT,
                      "timed out waiting for a frame");
    long long elapsed = time_msec() - start;
    cr_assert_geq(elapsed, 200);
    cr_assert_lt(elapsed, 5000);
    close(fds[0]);
    close(fds[1]);
}

Test(cni_frame, oversized_payload_is_not_sent)
{
    int fds[2];
    char *msg = NULL;
    struct cni_frame_writer writer;
    uint8_t *big = calloc(1, CNI_FRAME_MAX_SIZE + 1);

    make_pair(fds);
    cr_assert_eq(cni_frame_write(fds[0], soon(), big, CNI_FRAME_MAX_SIZE + 1,
                                 &msg), EMSGSIZE);
    cr_assert(strstr(msg, "exceeds the frame limit"), "%s", msg);
    free(msg);
    msg = NULL;
    cr_assert_eq(cni_frame_writer_init(&writer, big, CNI_FRAME_MAX_SIZE + 1,
                                       &msg), EMSGSIZE);
    free(msg);
    cni_frame_writer_destroy(&writer);
    free(big);

    /* Nothing reached the peer. */
    close(fds[0]);
    expect_read_error(fds[1], soon(), ECONNRESET, "before a frame");
    close(fds[1]);
}

Test(cni_frame, send_to_closed_peer_is_an_error_not_a_signal)
{
    int fds[2];
    char *msg = NULL;

    make_pair(fds);
    close(fds[1]);
    cr_assert_eq(cni_frame_write(fds[0], soon(), "x", 1, &msg), EPIPE);
    cr_assert(strstr(msg, "sending a frame failed"), "%s", msg);
    free(msg);
    close(fds[0]);
}

/* The environment of a typical ADD. */
static void
make_env(struct cni_env *env)
{
    cni_env_init(env);
    env->command = CNI_CMD_ADD;
    env->container_id = strdup("c0ffee");
    env->netns = strdup("/var/run/netns/p1");
    env->ifname = strdup("eth0");
    env->args = strdup("K8S_POD_NAME=p1;K8S_POD_NAMESPACE=ns");
    env->path = strdup("/opt/cni/bin");
}

Test(cni_protocol, request_round_trip)
{
    struct cni_env env, back;
    struct cni_error error = CNI_ERROR_INITIALIZER;
    const char config[] = "{\"cniVersion\":\"1.0.0\"}";
    uint8_t *buf;
    size_t size;
    char *config_back;
    size_t config_size;

    make_env(&env);
    cni_protocol_encode_request(&env, config, strlen(config), &buf, &size);
    cni_env_init(&back);
    cr_assert_eq(cni_protocol_decode_request(buf, size, &back, &config_back,
                                             &config_size, &error), 0,
                 "%s", error.msg);
    cr_assert_eq(back.command, CNI_CMD_ADD);
    cr_assert_str_eq(back.container_id, "c0ffee");
    cr_assert_str_eq(back.netns, "/var/run/netns/p1");
    cr_assert_str_eq(back.ifname, "eth0");
    cr_assert_str_eq(back.args, "K8S_POD_NAME=p1;K8S_POD_NAMESPACE=ns");
    cr_assert_str_eq(back.path, "/opt/cni/bin");
    cr_assert_eq(config_size, strlen(config));
    cr_assert_str_eq(config_back, config);

    /* Antrea's field numbers: CniRequest.request (3) holds CniCmdRequest,
     * whose cni_args (1) holds container_id (1) ... network_configuration
     * (6). */
    AntreaCni__CniRequest *m = antrea_cni__cni_request__unpack(NULL, size,
                                                               buf);
    cr_assert_not_null(m);
    cr_assert_str_eq(m->api_version, CNI_PROTOCOL_VERSION);
    cr_assert_eq(m->command, ANTREA_CNI__CNI_COMMAND__ADD);
    cr_assert_str_eq(m->request->cni_args->container_id, "c0ffee");
    antrea_cni__cni_request__free_unpacked(m, NULL);

    free(buf);
    free(config_back);
    cni_env_destroy(&env);
    cni_env_destroy(&back);
}

Test(cni_protocol, absent_variables_stay_absent)
{
    struct cni_env env, back;
    struct cni_error error = CNI_ERROR_INITIALIZER;
    uint8_t *buf;
    size_t size;
    char *config;
    size_t config_size;

    cni_env_init(&env);
    env.command = CNI_CMD_STATUS;
    cni_protocol_encode_request(&env, "", 0, &buf, &size);
    cni_env_init(&back);
    cr_assert_eq(cni_protocol_decode_request(buf, size, &back, &config,
                                             &config_size, &error), 0);
    cr_assert_eq(back.command, CNI_CMD_STATUS);
    cr_assert_null(back.container_id);
    cr_assert_null(back.netns);
    cr_assert_eq(config_size, 0);
    cr_assert_str_eq(config, "");
    free(buf);
    free(config);
    cni_env_destroy(&back);
}

/* Decodes the 'size' bytes at 'buf' as a request and asserts failure with
 * 'code' and a message containing 'text'. */
static void
expect_bad_request(const uint8_t *buf, size_t size, int code,
                   const char *text)
{
    struct cni_env env;
    struct cni_error error = CNI_ERROR_INITIALIZER;
    char *config;
    size_t config_size;

    cni_env_init(&env);
    cr_assert_eq(cni_protocol_decode_request(buf, size, &env, &config,
                                             &config_size, &error), code,
                 "%s", error.msg ? error.msg : "accepted");
    cr_assert(strstr(error.msg, text), "\"%s\" lacks \"%s\"", error.msg,
              text);
    cr_assert_null(config);
    cni_error_destroy(&error);
    cni_env_destroy(&env);
}

/* Packs 'm' into a new buffer. */
static uint8_t *
pack(const AntreaCni__CniRequest *m, size_t *sizep)
{
    *sizep = antrea_cni__cni_request__get_packed_size(m);
    uint8_t *buf = malloc(*sizep + 1);
    antrea_cni__cni_request__pack(m, buf);
    return buf;
}

Test(cni_protocol, bad_requests)
{
    expect_bad_request((const uint8_t *) "\xff\xff\xff", 3,
                       CNI_ERR_DECODING_FAILURE,
                       "cannot decode the 3-byte request as a CniRequest");

    AntreaCni__CniCmdArgs args = ANTREA_CNI__CNI_CMD_ARGS__INIT;
    AntreaCni__CniCmdRequest request = ANTREA_CNI__CNI_CMD_REQUEST__INIT;
    AntreaCni__CniRequest m = ANTREA_CNI__CNI_REQUEST__INIT;
    request.cni_args = &args;
    m.request = &request;
    m.command = ANTREA_CNI__CNI_COMMAND__ADD;
    size_t size;
    uint8_t *buf;

    m.api_version = "antrea-c.cni/2";
    buf = pack(&m, &size);
    expect_bad_request(buf, size, CNI_ERR_INCOMPATIBLE_API_VERSION,
                       "the request is for protocol version "
                       "\"antrea-c.cni/2\"");
    free(buf);

    m.api_version = CNI_PROTOCOL_VERSION;
    m.command = 9;
    buf = pack(&m, &size);
    expect_bad_request(buf, size, CNI_ERR_INCOMPATIBLE_API_VERSION,
                       "command number 9");
    free(buf);

    m.command = ANTREA_CNI__CNI_COMMAND__COMMAND_UNSPECIFIED;
    buf = pack(&m, &size);
    expect_bad_request(buf, size, CNI_ERR_INCOMPATIBLE_API_VERSION,
                       "command number 0");
    free(buf);

    m.command = ANTREA_CNI__CNI_COMMAND__DEL;
    m.request = NULL;
    buf = pack(&m, &size);
    expect_bad_request(buf, size, CNI_ERR_DECODING_FAILURE,
                       "carries no CniCmdArgs");
    free(buf);
}

Test(cni_protocol, responses)
{
    uint8_t *buf;
    size_t size;
    char *result;
    size_t result_size;
    struct cni_error error = CNI_ERROR_INITIALIZER;

    /* A result. */
    cni_protocol_encode_response("{\"x\":1}", 7, NULL, &buf, &size);
    cr_assert(cni_protocol_decode_response(buf, size, &result, &result_size,
                                           &error));
    cr_assert_str_eq(result, "{\"x\":1}");
    cr_assert_eq(result_size, 7);
    free(result);
    free(buf);

    /* An empty success (DEL). */
    cni_protocol_encode_response(NULL, 0, NULL, &buf, &size);
    cr_assert_eq(size, 0, "an empty response is an empty message");
    cr_assert(cni_protocol_decode_response(buf, size, &result, &result_size,
                                           &error));
    cr_assert_eq(result_size, 0);
    free(result);
    free(buf);

    /* An error, details included. */
    struct cni_error in = CNI_ERROR_INITIALIZER;
    cni_error_set(&in, CNI_ERR_IPAM_FAILURE, "pool empty", "no IP for %s",
                  "c1");
    cni_protocol_encode_response("ignored", 7, &in, &buf, &size);
    cr_assert_not(cni_protocol_decode_response(buf, size, &result,
                                               &result_size, &error));
    cr_assert_null(result);
    cr_assert_eq(error.code, 101);
    cr_assert_str_eq(error.msg, "no IP for c1");
    cr_assert_str_eq(error.details, "pool empty");
    free(buf);

    /* An error with code 0 (UNKNOWN) is still an error. */
    cni_error_set(&in, CNI_ERR_UNKNOWN, NULL, "mystery");
    cni_protocol_encode_response(NULL, 0, &in, &buf, &size);
    cr_assert_not(cni_protocol_decode_response(buf, size, &result,
                                               &result_size, &error));
    cr_assert_eq(error.code, 0);
    cr_assert_str_eq(error.msg, "mystery");
    free(buf);
    cni_error_destroy(&in);

    /* Garbage. */
    cr_assert_not(cni_protocol_decode_response(
                      (const uint8_t *) "\x0a\xff", 2, &result,
                      &result_size, &error));
    cr_assert_eq(error.code, CNI_ERR_UNKNOWN_RPC_ERROR);
    cr_assert(strstr(error.msg, "cannot decode antrea-agent's 2-byte "
                     "reply"), "%s", error.msg);
    cni_error_destroy(&error);
}
