/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Helpers for the Kubernetes client's tests; see k8s-test-util.h.
 */

#include <config.h>
#include "k8s-test-util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event-loop.h"
#include "http-test-server.h"
#include "log.h"
#include "util.h"

/* Returns the directory of the recorded answers. */
static const char *
fixture_dir(void)
{
    const char *dir = getenv("ANTREA_K8S_FIXTURE_DIR");
#ifdef K8S_FIXTURE_DIR
    if (!dir || !dir[0]) {
        dir = K8S_FIXTURE_DIR;
    }
#endif
    if (!dir || !dir[0]) {
        fprintf(stderr, "ANTREA_K8S_FIXTURE_DIR is not set\n");
        abort();
    }
    return dir;
}

/* Returns the malloc'd path of fixture 'name'. */
char *
fixture_path(const char *name)
{
    return xasprintf("%s/%s", fixture_dir(), name);
}

/* Reads fixture 'name' into a malloc'd NUL-terminated buffer, its size in
 * '*sizep' (if not NULL).  Returns NULL if it does not exist; aborts on
 * other errors. */
char *
fixture_read(const char *name, size_t *sizep)
{
    char *path = fixture_path(name);
    FILE *stream = fopen(path, "rb");
    if (!stream) {
        if (errno == ENOENT) {
            free(path);
            return NULL;
        }
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        abort();
    }

    size_t size = 0, allocated = 65536;
    char *data = xmalloc(allocated);
    size_t n;
    while ((n = fread(data + size, 1, allocated - size - 1, stream)) > 0) {
        size += n;
        if (size + 1 == allocated) {
            data = x2nrealloc(data, &allocated, 1);
        }
    }
    fclose(stream);
    free(path);
    data[size] = '\0';
    if (sizep) {
        *sizep = size;
    }
    return data;
}

/* Parses the recorded head 'head' (HTTP/2 or HTTP/1.1, as curl -i
 * printed it): returns the status, and in '*headersp' a malloc'd copy of
 * its header lines without those that describe the framing
 * (content-length, transfer-encoding), each ending "\r\n". */
static int
parse_recorded_head(const char *head, char **headersp)
{
    int status = 0;
    if (sscanf(head, "HTTP/%*s %d", &status) != 1) {
        fprintf(stderr, "recorded head without a status line: %.40s\n",
                head);
        abort();
    }

    size_t allocated = strlen(head) + 1;
    char *headers = xmalloc(allocated);
    size_t n = 0;
    const char *line = strstr(head, "\n");
    line = line ? line + 1 : head + strlen(head);
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t length = end ? (size_t) (end - line) : strlen(line);
        size_t text = length;
        if (text && line[text - 1] == '\r') {
            text--;
        }
        if (text && strncasecmp(line, "content-length:", 15)
            && strncasecmp(line, "transfer-encoding:", 18)) {
            memcpy(headers + n, line, text);
            n += text;
            memcpy(headers + n, "\r\n", 2);
            n += 2;
        }
        line += length + (end ? 1 : 0);
    }
    headers[n] = '\0';
    *headersp = headers;
    return status;
}

/* Replays the recorded answer 'base' on 'conn': the head from
 * BASE.headers (if there is one; else 200 with a JSON content type) and
 * the body from BASE.json (sent with a Content-Length) or BASE.jsonl (a
 * watch: chunked, as 'options' say; NULL means one chunk per event and a
 * clean end).  Aborts if there is no such fixture.  Returns false if the
 * client went away. */
bool
replay_recorded(struct test_http_conn *conn, const char *base,
                const struct replay_options *options)
{
    static const struct replay_options defaults = { 0, REPLAY_END };
    char *name = xasprintf("%s.headers", base);
    char *head = fixture_read(name, NULL);
    free(name);

    char *headers;
    int status = 200;
    if (head) {
        status = parse_recorded_head(head, &headers);
        free(head);
    } else {
        headers = xstrdup("Content-Type: application/json\r\n");
    }

    size_t size;
    name = xasprintf("%s.json", base);
    char *body = fixture_read(name, &size);
    free(name);
    bool ok;
    if (body) {
        ok = test_http_send_response(conn, status, headers, body, size);
    } else {
        name = xasprintf("%s.jsonl", base);
        body = fixture_read(name, &size);
        if (!body) {
            fprintf(stderr, "no fixture %s.json or %s.jsonl\n", base, base);
            abort();
        }
        free(name);
        if (!options) {
            options = &defaults;
        }

        ok = test_http_send_chunked_head(conn, status, headers);
        for (size_t pos = 0; ok && pos < size; ) {
            size_t n;
            if (options->chunk_size) {
                n = size - pos < options->chunk_size ? size - pos
                                                     : options->chunk_size;
            } else {
                const char *nl = memchr(body + pos, '\n', size - pos);
                n = nl ? (size_t) (nl - (body + pos)) + 1 : size - pos;
            }
            ok = test_http_send_chunk(conn, body + pos, n);
            pos += n;
        }
        if (ok) {
            switch (options->ending) {
            case REPLAY_END:
                ok = test_http_end_chunks(conn);
                break;
            case REPLAY_HOLD:
                test_http_wait_closed(conn, GENEROUS_MSEC);
                test_http_close_after(conn);
                break;
            case REPLAY_CUT:
                test_http_close_after(conn);
                break;
            }
        }
    }
    free(body);
    free(headers);
    return ok;
}

/* Answers a watch with a head and no event, and holds it open until the
 * client goes away (bounded).  Returns false if the client went away
 * before the head was sent. */
bool
replay_hold_empty_watch(struct test_http_conn *conn)
{
    if (!test_http_send_chunked_head(conn, 200, "Content-Type: "
                                     "application/json\r\n")) {
        return false;
    }
    test_http_wait_closed(conn, GENEROUS_MSEC);
    test_http_close_after(conn);
    return true;
}

/* Runs iterations of 'loop' until 'condition' (called with 'aux') holds,
 * for at most 'timeout_ms'.  Returns whether it holds. */
bool
run_loop_until(struct event_loop *loop, loop_condition_func *condition,
               void *aux, long long timeout_ms)
{
    long long deadline = time_msec() + timeout_ms;

    while (!condition(aux)) {
        if (time_msec() >= deadline) {
            return condition(aux);
        }
        /* Never block past the deadline, nor long between checks. */
        event_loop_timer_wait(loop, 50);
        event_loop_run_once(loop);
    }
    return true;
}

/* Runs iterations of 'loop' for 'msec' milliseconds. */
void
run_loop_for(struct event_loop *loop, long long msec)
{
    long long deadline = time_msec() + msec;

    while (time_msec() < deadline) {
        event_loop_timer_wait_until(loop, deadline);
        event_loop_run_once(loop);
    }
}

/* Where log lines go while captured. */
static FILE *log_capture;

/* Starts sending log lines to a temporary file as well as nowhere
 * else. */
void
log_capture_start(void)
{
    log_capture = tmpfile();
    if (!log_capture) {
        fprintf(stderr, "tmpfile: %s\n", strerror(errno));
        abort();
    }
    log_set_stream(log_capture);
}

/* Returns the malloc'd text logged since log_capture_start(). */
char *
log_capture_text(void)
{
    fflush(log_capture);
    long size = ftell(log_capture);
    char *text = xmalloc(size + 1);
    rewind(log_capture);
    size_t n = fread(text, 1, size, log_capture);
    text[n] = '\0';
    fseek(log_capture, 0, SEEK_END);
    return text;
}

/* Sends log lines back to stderr. */
void
log_capture_stop(void)
{
    if (log_capture) {
        log_set_stream(NULL);
        fclose(log_capture);
        log_capture = NULL;
    }
}

/* Returns a new empty directory under $TMPDIR (malloc'd path). */
char *
make_temp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = xasprintf("%s/antrea-test-k8s-XXXXXX",
                          tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
        abort();
    }
    return dir;
}

/* Writes 'text' to the file 'name' in 'dir'. */
void
write_text_file(const char *dir, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *stream = fopen(path, "w");
    if (!stream || fputs(text, stream) < 0 || fclose(stream)) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        abort();
    }
    free(path);
}

/* Removes 'dir' (made by make_temp_dir(), holding files only) and frees
 * the string. */
void
remove_temp_dir(char *dir)
{
    if (!dir) {
        return;
    }
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                char *path = xasprintf("%s/%s", dir, de->d_name);
                unlink(path);
                free(path);
            }
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}
