/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's reading of the controller's watch streams: splitting the
 * body into frames (a 4-byte big-endian length, then that many bytes of
 * an antrea_cp.WatchEvent; an empty frame is a keepalive) as the pieces
 * arrive, and decoding and checking each event against the resource
 * watched (docs/wire-formats.md, "Control-plane API").  Anything that
 * does not fit is an error with a message saying what and where; the
 * caller drops the connection and resyncs.
 *
 * The reader owns the bytes of the unfinished frame only.
 */

#ifndef CONTROLPLANE_FRAMES_H
#define CONTROLPLANE_FRAMES_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controlplane.pb-c.h"

/* The three resources of the control-plane API, as the agent sees them. */
enum controlplane_resource {
    CONTROLPLANE_NETWORK_POLICIES,
    CONTROLPLANE_ADDRESS_GROUPS,
    CONTROLPLANE_APPLIED_TO_GROUPS,
};

/* Returns the resource's plural name as in URLs. */
const char *controlplane_resource_name(enum controlplane_resource);

/* The largest frame accepted unless the caller says otherwise. */
#define CONTROLPLANE_DEFAULT_MAX_FRAME (64 * 1024 * 1024)

/* The state of splitting one stream into frames. */
struct controlplane_frame_reader {
    uint8_t *buf;               /* the unfinished frame's bytes so far */
    size_t size;                /* bytes in 'buf' */
    size_t allocated;           /* capacity of 'buf' */
    size_t max_frame;           /* largest payload accepted */
    uint64_t offset;            /* stream bytes consumed so far, for
                                   messages */
    bool failed;                /* an error happened: nothing more is
                                   accepted */
};

/* Called with each complete non-empty frame's payload of 'size' bytes
 * (valid only during the call).  Returns false to stop at once. */
typedef bool controlplane_frame_func(const uint8_t *payload, size_t size,
                                     void *aux);

void controlplane_frame_reader_init(struct controlplane_frame_reader *,
                                    size_t max_frame);
void controlplane_frame_reader_destroy(struct controlplane_frame_reader *);

/* Feeds 'size' bytes of the stream, calling 'cb' for every frame they
 * complete (keepalives are skipped).  Returns 0, ECANCELED if 'cb' asked
 * to stop, or EMSGSIZE with a malloc'd message in '*errorp' if a frame
 * announces more than 'max_frame' bytes. */
int controlplane_frame_reader_feed(struct controlplane_frame_reader *,
                                   const void *data, size_t size,
                                   controlplane_frame_func *cb, void *aux,
                                   char **errorp);

/* Bytes of an unfinished frame held: nonzero at the end of a stream
 * means it was cut short. */
size_t controlplane_frame_reader_pending(
    const struct controlplane_frame_reader *);

/* Decodes 'size' bytes 'payload' as a WatchEvent of 'resource' and checks
 * it: a known type; for ADDED, MODIFIED and DELETED an object of the
 * resource's kind (a group patch for group MODIFIED events) with a
 * name.  Returns the event (free it with antrea_cp__watch_event__free_
 * unpacked(event, NULL)) or NULL with a malloc'd message in '*errorp'. */
AntreaCp__WatchEvent *controlplane_event_decode(
    enum controlplane_resource resource, const uint8_t *payload,
    size_t size, char **errorp);

/* Returns the name of the object of 'event', or "" if it has none. */
const char *controlplane_event_object_name(
    const AntreaCp__WatchEvent *event);

#endif /* controlplane-frames.h */
