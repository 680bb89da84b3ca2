/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Length-prefixed frames on a stream socket; see cni-frame.h.
 */

#include <config.h>
#include "cni-frame.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "event-loop.h"
#include "util.h"

static int wait_for(int fd, short events, long long deadline,
                    const char *what, char **errorp);

/* Initializes 'reader' to receive a frame. */
void
cni_frame_reader_init(struct cni_frame_reader *reader)
{
    memset(reader, 0, sizeof *reader);
}

/* Frees what 'reader' holds and initializes it again.  Accepts NULL. */
void
cni_frame_reader_destroy(struct cni_frame_reader *reader)
{
    if (reader) {
        free(reader->payload);
        cni_frame_reader_init(reader);
    }
}

/* Receives as much of a frame from 'fd' into 'reader' as is available
 * without blocking.  Returns 0 when the frame is complete (take it with
 * cni_frame_reader_take()), EAGAIN when more is needed, or another errno
 * value (see cni-frame.h) with a message in '*errorp'.  Never reads past
 * the end of the frame. */
int
cni_frame_reader_receive(struct cni_frame_reader *reader, int fd,
                         char **errorp)
{
    for (;;) {
        uint8_t *buf;
        size_t want;
        bool in_header = reader->header_len < CNI_FRAME_HEADER_SIZE;

        if (in_header) {
            buf = reader->header + reader->header_len;
            want = CNI_FRAME_HEADER_SIZE - reader->header_len;
        } else if (reader->payload_len < reader->payload_size) {
            buf = reader->payload + reader->payload_len;
            want = reader->payload_size - reader->payload_len;
        } else {
            return 0;
        }

        ssize_t n = recv(fd, buf, want, MSG_DONTWAIT);
        if (n > 0) {
            if (!in_header) {
                reader->payload_len += n;
                continue;
            }
            reader->header_len += n;
            if (reader->header_len == CNI_FRAME_HEADER_SIZE) {
                const uint8_t *h = reader->header;
                uint32_t size = ((uint32_t) h[0] << 24 | (uint32_t) h[1] << 16
                                 | (uint32_t) h[2] << 8 | h[3]);
                if (size > CNI_FRAME_MAX_SIZE) {
                    *errorp = xasprintf("frame of %"PRIu32" bytes exceeds "
                                        "the limit of %d bytes", size,
                                        CNI_FRAME_MAX_SIZE);
                    return EMSGSIZE;
                }
                reader->payload_size = size;
                reader->payload = xmalloc(size);
            }
        } else if (!n) {
            if (in_header && !reader->header_len) {
                *errorp = xstrdup("connection closed before a frame");
                return ECONNRESET;
            }
            *errorp = (in_header
                       ? xasprintf("connection closed after %zu of the %d "
                                   "bytes of a frame header",
                                   reader->header_len, CNI_FRAME_HEADER_SIZE)
                       : xasprintf("connection closed after %zu of the %zu "
                                   "bytes of a frame", reader->payload_len,
                                   reader->payload_size));
            return EPROTO;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return EAGAIN;
        } else {
            int error = errno;
            *errorp = xasprintf("receiving a frame failed: %s",
                                strerror(error));
            return error;
        }
    }
}

/* Returns the payload of the complete frame in 'reader' (the caller frees
 * it; never NULL, even for an empty payload) with its size in '*sizep',
 * and makes 'reader' ready for another frame. */
uint8_t *
cni_frame_reader_take(struct cni_frame_reader *reader, size_t *sizep)
{
    uint8_t *payload = reader->payload ? reader->payload : xmalloc(1);

    *sizep = reader->payload_size;
    reader->payload = NULL;
    cni_frame_reader_destroy(reader);
    return payload;
}

/* Initializes 'writer' to send a frame holding the 'size' bytes at
 * 'payload' (copied).  Returns 0, or EMSGSIZE with a message in '*errorp'
 * (and 'writer' empty) if 'size' exceeds CNI_FRAME_MAX_SIZE. */
int
cni_frame_writer_init(struct cni_frame_writer *writer, const void *payload,
                      size_t size, char **errorp)
{
    memset(writer, 0, sizeof *writer);
    if (size > CNI_FRAME_MAX_SIZE) {
        *errorp = xasprintf("message of %zu bytes exceeds the frame limit "
                            "of %d bytes", size, CNI_FRAME_MAX_SIZE);
        return EMSGSIZE;
    }

    writer->size = CNI_FRAME_HEADER_SIZE + size;
    writer->data = xmalloc(writer->size);
    writer->data[0] = size >> 24;
    writer->data[1] = size >> 16;
    writer->data[2] = size >> 8;
    writer->data[3] = size;
    if (size) {
        memcpy(writer->data + CNI_FRAME_HEADER_SIZE, payload, size);
    }
    return 0;
}

/* Frees what 'writer' holds.  Accepts NULL. */
void
cni_frame_writer_destroy(struct cni_frame_writer *writer)
{
    if (writer) {
        free(writer->data);
        memset(writer, 0, sizeof *writer);
    }
}

/* Sends as much of the frame in 'writer' to 'fd' as the socket takes
 * without blocking.  Returns 0 when all of it is sent, EAGAIN when there
 * is more, or another errno value with a message in '*errorp'. */
int
cni_frame_writer_send(struct cni_frame_writer *writer, int fd, char **errorp)
{
    while (writer->sent < writer->size) {
        ssize_t n = send(fd, writer->data + writer->sent,
                         writer->size - writer->sent,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0) {
            writer->sent += n;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return EAGAIN;
        } else {
            int error = errno;
            *errorp = xasprintf("sending a frame failed after %zu of %zu "
                                "bytes: %s", writer->sent, writer->size,
                                strerror(error));
            return error;
        }
    }
    return 0;
}

/* Receives one frame from 'fd', waiting until 'deadline' if need be.
 * Returns 0 with the payload (the caller frees it) and its size in
 * '*payloadp' and '*sizep', or an errno value (see cni-frame.h) with a
 * message in '*errorp'. */
int
cni_frame_read(int fd, long long deadline, uint8_t **payloadp, size_t *sizep,
               char **errorp)
{
    struct cni_frame_reader reader;
    int error;

    *payloadp = NULL;
    *sizep = 0;
    cni_frame_reader_init(&reader);
    for (;;) {
        error = cni_frame_reader_receive(&reader, fd, errorp);
        if (error != EAGAIN) {
            break;
        }
        error = wait_for(fd, POLLIN, deadline, "a frame", errorp);
        if (error) {
            break;
        }
    }
    if (!error) {
        *payloadp = cni_frame_reader_take(&reader, sizep);
    }
    cni_frame_reader_destroy(&reader);
    return error;
}

/* Sends one frame holding the 'size' bytes at 'payload' to 'fd', waiting
 * until 'deadline' if need be.  Returns 0 or an errno value with a message
 * in '*errorp'. */
int
cni_frame_write(int fd, long long deadline, const void *payload, size_t size,
                char **errorp)
{
    struct cni_frame_writer writer;
    int error = cni_frame_writer_init(&writer, payload, size, errorp);

    while (!error) {
        error = cni_frame_writer_send(&writer, fd, errorp);
        if (error != EAGAIN) {
            break;
        }
        error = wait_for(fd, POLLOUT, deadline, "the peer to take a frame",
                         errorp);
    }
    cni_frame_writer_destroy(&writer);
    return error;
}

/* Waits until 'fd' has one of 'events' (or an error or hang-up, which the
 * next recv() or send() reports) or 'deadline' passes.  Returns 0, or
 * ETIMEDOUT or poll()'s errno with a message about waiting for 'what' in
 * '*errorp'. */
static int
wait_for(int fd, short events, long long deadline, const char *what,
         char **errorp)
{
    for (;;) {
        long long now = time_msec();
        if (now >= deadline) {
            *errorp = xasprintf("timed out waiting for %s", what);
            return ETIMEDOUT;
        }

        long long remaining = deadline - now;
        struct pollfd pfd = { .fd = fd, .events = events };
        int n = poll(&pfd, 1, remaining > INT_MAX ? INT_MAX : remaining);
        if (n > 0) {
            return 0;
        } else if (n < 0 && errno != EINTR) {
            int error = errno;
            *errorp = xasprintf("waiting for %s failed: %s", what,
                                strerror(error));
            return error;
        }
    }
}
