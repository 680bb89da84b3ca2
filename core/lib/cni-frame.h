/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Frames on a stream socket: a 4-byte big-endian payload length, then the
 * payload (one protobuf message), at most CNI_FRAME_MAX_SIZE bytes.  This
 * is how antrea-cni and the agent's CNI server talk (docs/wire-formats.md).
 *
 * Two layers: incremental receiving and sending that never block
 * (struct cni_frame_reader and struct cni_frame_writer, for the server in
 * the agent's event loop), and cni_frame_read()/cni_frame_write(), which
 * wait with poll() until a deadline (for antrea-cni).  All of them work on
 * blocking and non-blocking sockets alike: every call passes
 * MSG_DONTWAIT, and sends pass MSG_NOSIGNAL so that a peer that went away
 * is an EPIPE, not a SIGPIPE.
 *
 * Errors are positive errno values with a message in '*errorp' (which the
 * caller frees):
 *   EMSGSIZE    the length prefix exceeds CNI_FRAME_MAX_SIZE (or a payload
 *               to send does);
 *   ECONNRESET  the peer closed the connection before a frame began;
 *   EPROTO      the peer closed it in the middle of a frame;
 *   ETIMEDOUT   the deadline passed;
 *   others      from recv()/send()/poll().
 */

#ifndef CNI_FRAME_H
#define CNI_FRAME_H 1

#include <stddef.h>
#include <stdint.h>

/* Size of the length prefix. */
#define CNI_FRAME_HEADER_SIZE 4

/* Largest payload either side accepts: 1 MiB.  A network configuration is
 * a few hundred bytes; this bounds what a broken or hostile peer can make
 * the agent allocate. */
#define CNI_FRAME_MAX_SIZE (1024 * 1024)

/* Receiving a frame in pieces. */
struct cni_frame_reader {
    uint8_t header[CNI_FRAME_HEADER_SIZE]; /* the length prefix */
    size_t header_len;          /* bytes of 'header' received */
    uint8_t *payload;           /* allocated once the header is complete */
    size_t payload_size;        /* the length the header announced */
    size_t payload_len;         /* bytes of 'payload' received */
};

void cni_frame_reader_init(struct cni_frame_reader *);
void cni_frame_reader_destroy(struct cni_frame_reader *);
int cni_frame_reader_receive(struct cni_frame_reader *, int fd,
                             char **errorp);
uint8_t *cni_frame_reader_take(struct cni_frame_reader *, size_t *sizep);

/* Sending a frame in pieces. */
struct cni_frame_writer {
    uint8_t *data;              /* the header and the payload */
    size_t size;                /* bytes in 'data' */
    size_t sent;                /* bytes of 'data' sent */
};

int cni_frame_writer_init(struct cni_frame_writer *, const void *payload,
                          size_t size, char **errorp);
void cni_frame_writer_destroy(struct cni_frame_writer *);
int cni_frame_writer_send(struct cni_frame_writer *, int fd, char **errorp);

/* Whole frames, waiting until 'deadline' (time_msec() units, from
 * event-loop.h; LLONG_MAX: no deadline). */
int cni_frame_read(int fd, long long deadline, uint8_t **payloadp,
                   size_t *sizep, char **errorp);
int cni_frame_write(int fd, long long deadline, const void *payload,
                    size_t size, char **errorp);

#endif /* cni-frame.h */
