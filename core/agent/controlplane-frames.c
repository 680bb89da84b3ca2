/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Splitting and decoding the controller's watch frames
 * (controlplane-frames.h).
 */

#include <config.h>

#include "controlplane-frames.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The smaller of two sizes. */
static size_t
size_min(size_t a, size_t b)
{
    return a < b ? a : b;
}

const char *
controlplane_resource_name(enum controlplane_resource resource)
{
    switch (resource) {
    case CONTROLPLANE_NETWORK_POLICIES:
        return "networkpolicies";
    case CONTROLPLANE_ADDRESS_GROUPS:
        return "addressgroups";
    case CONTROLPLANE_APPLIED_TO_GROUPS:
        return "appliedtogroups";
    default:
        return "(unknown resource)";
    }
}

void
controlplane_frame_reader_init(struct controlplane_frame_reader *reader,
                               size_t max_frame)
{
    memset(reader, 0, sizeof *reader);
    reader->max_frame = max_frame ? max_frame
                                  : CONTROLPLANE_DEFAULT_MAX_FRAME;
}

void
controlplane_frame_reader_destroy(struct controlplane_frame_reader *reader)
{
    if (reader) {
        free(reader->buf);
        reader->buf = NULL;
        reader->size = reader->allocated = 0;
    }
}

size_t
controlplane_frame_reader_pending(
    const struct controlplane_frame_reader *reader)
{
    return reader->size;
}

/* Returns the payload length announced by the 4 bytes at 'p'. */
static size_t
frame_length(const uint8_t *p)
{
    return ((size_t) p[0] << 24) | ((size_t) p[1] << 16)
           | ((size_t) p[2] << 8) | p[3];
}

/* Appends 'n' bytes 'data' to the unfinished frame of 'reader'. */
static void
reader_append(struct controlplane_frame_reader *reader, const uint8_t *data,
              size_t n)
{
    if (reader->size + n > reader->allocated) {
        size_t allocated = reader->allocated ? reader->allocated * 2 : 256;
        while (allocated < reader->size + n) {
            allocated *= 2;
        }
        reader->buf = xrealloc(reader->buf, allocated);
        reader->allocated = allocated;
    }
    memcpy(reader->buf + reader->size, data, n);
    reader->size += n;
}

int
controlplane_frame_reader_feed(struct controlplane_frame_reader *reader,
                               const void *data_, size_t size,
                               controlplane_frame_func *cb, void *aux,
                               char **errorp)
{
    const uint8_t *data = data_;

    *errorp = NULL;
    if (reader->failed) {
        *errorp = xstrdup("the stream already failed");
        return EPROTO;
    }
    while (size) {
        /* The header: from the unfinished bytes, or straight from the
         * input when nothing is pending. */
        if (reader->size < 4) {
            if (!reader->size && size >= 4) {
                size_t length = frame_length(data);
                if (length > reader->max_frame) {
                    goto too_big;
                } else if (size - 4 >= length) {
                    /* A whole frame in the input: no copy. */
                    reader->offset += 4 + length;
                    if (length && !cb(data + 4, length, aux)) {
                        return ECANCELED;
                    }
                    data += 4 + length;
                    size -= 4 + length;
                    continue;
                }
            }
            size_t n = size_min(4 - reader->size, size);
            reader_append(reader, data, n);
            data += n;
            size -= n;
            if (reader->size < 4) {
                break;
            }
            if (frame_length(reader->buf) > reader->max_frame) {
                goto too_big;
            }
        }

        size_t length = frame_length(reader->buf);
        size_t n = size_min(4 + length - reader->size, size);
        reader_append(reader, data, n);
        data += n;
        size -= n;
        if (reader->size == 4 + length) {
            reader->offset += 4 + length;
            reader->size = 0;
            if (length && !cb(reader->buf + 4, length, aux)) {
                return ECANCELED;
            }
        }
    }
    return 0;

too_big:
    reader->failed = true;
    {
        const uint8_t *p = reader->size >= 4 ? reader->buf : data;
        *errorp = xasprintf("the frame at stream offset %"PRIu64" announces "
                            "%zu bytes, more than the limit of %zu",
                            reader->offset, frame_length(p),
                            reader->max_frame);
    }
    return EMSGSIZE;
}

/* Returns the name in 'meta', or NULL if it has none. */
static const char *
meta_name(const AntreaCp__ObjectMeta *meta)
{
    return meta && meta->name && meta->name[0] ? meta->name : NULL;
}

const char *
controlplane_event_object_name(const AntreaCp__WatchEvent *event)
{
    const char *name = NULL;

    switch (event->object_case) {
    case ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY:
        name = meta_name(event->network_policy->metadata);
        break;
    case ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP:
        name = meta_name(event->address_group->metadata);
        break;
    case ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP_PATCH:
        name = meta_name(event->address_group_patch->metadata);
        break;
    case ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP:
        name = meta_name(event->applied_to_group->metadata);
        break;
    case ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP_PATCH:
        name = meta_name(event->applied_to_group_patch->metadata);
        break;
    case ANTREA_CP__WATCH_EVENT__OBJECT__NOT_SET:
    default:
        break;
    }
    return name ? name : "";
}

/* Returns the name of the event object case 'c', for messages. */
static const char *
object_case_name(AntreaCp__WatchEvent__ObjectCase c)
{
    switch (c) {
    case ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY:
        return "NetworkPolicy";
    case ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP:
        return "AddressGroup";
    case ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP_PATCH:
        return "AddressGroupPatch";
    case ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP:
        return "AppliedToGroup";
    case ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP_PATCH:
        return "AppliedToGroupPatch";
    case ANTREA_CP__WATCH_EVENT__OBJECT__NOT_SET:
    default:
        return "no object";
    }
}

/* Returns whether 'c' is an object 'resource' may carry in an event of
 * 'type'. */
static bool
object_fits(enum controlplane_resource resource, AntreaCp__EventType type,
            AntreaCp__WatchEvent__ObjectCase c)
{
    bool modified = type == ANTREA_CP__EVENT_TYPE__MODIFIED;

    switch (resource) {
    case CONTROLPLANE_NETWORK_POLICIES:
        return c == ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY;
    case CONTROLPLANE_ADDRESS_GROUPS:
        return (c == ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP
                || (modified
                    && c
                    == ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP_PATCH));
    case CONTROLPLANE_APPLIED_TO_GROUPS:
        return (c == ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP
                || (modified
                    && c
                    == ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP_PATCH));
    default:
        return false;
    }
}

AntreaCp__WatchEvent *
controlplane_event_decode(enum controlplane_resource resource,
                          const uint8_t *payload, size_t size,
                          char **errorp)
{
    *errorp = NULL;
    AntreaCp__WatchEvent *event = antrea_cp__watch_event__unpack(NULL, size,
                                                                 payload);
    if (!event) {
        *errorp = xasprintf("a %zu-byte %s frame is not a valid "
                            "antrea_cp.WatchEvent", size,
                            controlplane_resource_name(resource));
        return NULL;
    }

    switch (event->type) {
    case ANTREA_CP__EVENT_TYPE__ADDED:
    case ANTREA_CP__EVENT_TYPE__MODIFIED:
    case ANTREA_CP__EVENT_TYPE__DELETED:
        if (!object_fits(resource, event->type, event->object_case)) {
            *errorp = xasprintf("a %s event of %s carries %s",
                                (event->type == ANTREA_CP__EVENT_TYPE__ADDED
                                 ? "ADDED"
                                 : event->type
                                   == ANTREA_CP__EVENT_TYPE__MODIFIED
                                 ? "MODIFIED" : "DELETED"),
                                controlplane_resource_name(resource),
                                object_case_name(event->object_case));
        } else if (!controlplane_event_object_name(event)[0]) {
            *errorp = xasprintf("a %s event carries an object without a "
                                "name", controlplane_resource_name(resource));
        }
        break;
    case ANTREA_CP__EVENT_TYPE__BOOKMARK:
    case ANTREA_CP__EVENT_TYPE__ERROR:
        break;
    case ANTREA_CP__EVENT_TYPE__EVENT_TYPE_UNSPECIFIED:
    default:
        *errorp = xasprintf("a %s event has the unknown type %d",
                            controlplane_resource_name(resource),
                            (int) event->type);
        break;
    }
    if (*errorp) {
        antrea_cp__watch_event__free_unpacked(event, NULL);
        return NULL;
    }
    return event;
}
