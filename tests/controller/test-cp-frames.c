/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the agent's watch frame reader and event decoder
 * (core/agent/controlplane-frames.h): frames split anywhere, keepalives,
 * and every kind of malformed input giving a clear error, never a crash.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane-frames.h"
#include "util.h"

/* What the frame callback saw. */
struct seen {
    size_t n;                   /* frames */
    size_t sizes[16];           /* their sizes */
    uint8_t *payloads[16];      /* copies */
    size_t stop_after;          /* return false after this many (0: never) */
};

/* Records a frame in 'seen_'; stops after 'stop_after'. */
static bool
collect(const uint8_t *payload, size_t size, void *seen_)
{
    struct seen *seen = seen_;
    cr_assert_lt(seen->n, 16);
    seen->sizes[seen->n] = size;
    seen->payloads[seen->n] = xmalloc(size ? size : 1);
    memcpy(seen->payloads[seen->n], payload, size);
    seen->n++;
    return !(seen->stop_after && seen->n >= seen->stop_after);
}

/* Frees the recorded frames. */
static void
seen_free(struct seen *seen)
{
    for (size_t i = 0; i < seen->n; i++) {
        free(seen->payloads[i]);
    }
}

/* Appends 'size' bytes 'data' as one frame to the stream '*bufp' of
 * '*lenp' bytes. */
static void
append_frame(uint8_t **bufp, size_t *lenp, const void *data, size_t size)
{
    *bufp = xrealloc(*bufp, *lenp + 4 + size);
    uint8_t *p = *bufp + *lenp;
    p[0] = size >> 24;
    p[1] = size >> 16;
    p[2] = size >> 8;
    p[3] = size;
    if (size) {
        memcpy(p + 4, data, size);
    }
    *lenp += 4 + size;
}

/* Packs an event of 'type' carrying NetworkPolicy 'name' (NULL: none) and
 * returns its malloc'd bytes, size in '*sizep'. */
static uint8_t *
pack_np_event(AntreaCp__EventType type, const char *name, size_t *sizep)
{
    AntreaCp__WatchEvent ev = ANTREA_CP__WATCH_EVENT__INIT;
    AntreaCp__NetworkPolicy np = ANTREA_CP__NETWORK_POLICY__INIT;
    AntreaCp__ObjectMeta meta = ANTREA_CP__OBJECT_META__INIT;

    ev.type = type;
    if (name) {
        meta.name = (char *) name;
        np.metadata = &meta;
        ev.object_case = ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY;
        ev.network_policy = &np;
    }
    *sizep = antrea_cp__watch_event__get_packed_size(&ev);
    uint8_t *buf = xmalloc(*sizep + 1);
    antrea_cp__watch_event__pack(&ev, buf);
    return buf;
}

/* A stream of ADDED "p1", a keepalive, ADDED "p2", BOOKMARK. */
static uint8_t *
sample_stream(size_t *lenp, size_t sizes[3])
{
    uint8_t *stream = NULL;
    uint8_t *e;

    *lenp = 0;
    e = pack_np_event(ANTREA_CP__EVENT_TYPE__ADDED, "p1", &sizes[0]);
    append_frame(&stream, lenp, e, sizes[0]);
    free(e);
    append_frame(&stream, lenp, NULL, 0);
    e = pack_np_event(ANTREA_CP__EVENT_TYPE__ADDED, "p2", &sizes[1]);
    append_frame(&stream, lenp, e, sizes[1]);
    free(e);
    e = pack_np_event(ANTREA_CP__EVENT_TYPE__BOOKMARK, NULL, &sizes[2]);
    append_frame(&stream, lenp, e, sizes[2]);
    free(e);
    return stream;
}

/* Checks that 'seen' holds the sample stream's three events. */
static void
check_sample(const struct seen *seen, const size_t sizes[3])
{
    static const char *const names[] = { "p1", "p2", "" };
    cr_assert_eq(seen->n, 3, "got %zu frames", seen->n);
    for (size_t i = 0; i < 3; i++) {
        char *error;
        cr_assert_eq(seen->sizes[i], sizes[i]);
        AntreaCp__WatchEvent *ev = controlplane_event_decode(
            CONTROLPLANE_NETWORK_POLICIES, seen->payloads[i],
            seen->sizes[i], &error);
        cr_assert_not_null(ev, "frame %zu: %s", i, error);
        cr_assert_str_eq(controlplane_event_object_name(ev), names[i]);
        cr_assert_eq(ev->type, i < 2 ? ANTREA_CP__EVENT_TYPE__ADDED
                                     : ANTREA_CP__EVENT_TYPE__BOOKMARK);
        antrea_cp__watch_event__free_unpacked(ev, NULL);
    }
}

Test(frames, whole_stream_at_once)
{
    struct controlplane_frame_reader r;
    struct seen seen = { 0 };
    size_t len, sizes[3];
    char *error;
    uint8_t *stream = sample_stream(&len, sizes);

    controlplane_frame_reader_init(&r, 0);
    cr_assert_eq(controlplane_frame_reader_feed(&r, stream, len, collect,
                                                &seen, &error), 0);
    cr_assert_null(error);
    cr_assert_eq(controlplane_frame_reader_pending(&r), 0);
    check_sample(&seen, sizes);
    seen_free(&seen);
    controlplane_frame_reader_destroy(&r);
    free(stream);
}

Test(frames, split_at_every_boundary)
{
    size_t len, sizes[3];
    uint8_t *stream = sample_stream(&len, sizes);

    for (size_t cut = 0; cut <= len; cut++) {
        struct controlplane_frame_reader r;
        struct seen seen = { 0 };
        char *error;

        controlplane_frame_reader_init(&r, 0);
        cr_assert_eq(controlplane_frame_reader_feed(&r, stream, cut, collect,
                                                    &seen, &error), 0);
        cr_assert_eq(controlplane_frame_reader_feed(&r, stream + cut,
                                                    len - cut, collect,
                                                    &seen, &error), 0);
        check_sample(&seen, sizes);
        seen_free(&seen);
        controlplane_frame_reader_destroy(&r);
    }

    /* One byte at a time. */
    struct controlplane_frame_reader r;
    struct seen seen = { 0 };
    char *error;
    controlplane_frame_reader_init(&r, 0);
    for (size_t i = 0; i < len; i++) {
        cr_assert_eq(controlplane_frame_reader_feed(&r, stream + i, 1,
                                                    collect, &seen, &error),
                     0);
    }
    check_sample(&seen, sizes);
    seen_free(&seen);
    controlplane_frame_reader_destroy(&r);
    free(stream);
}

Test(frames, truncated_stream_is_pending)
{
    struct controlplane_frame_reader r;
    struct seen seen = { 0 };
    size_t len, sizes[3];
    char *error;
    uint8_t *stream = sample_stream(&len, sizes);

    controlplane_frame_reader_init(&r, 0);
    cr_assert_eq(controlplane_frame_reader_feed(&r, stream, len - 2, collect,
                                                &seen, &error), 0);
    cr_assert_eq(seen.n, 2);
    cr_assert_eq(controlplane_frame_reader_pending(&r), 4 + sizes[2] - 2);

    /* A cut inside a length prefix is pending too. */
    controlplane_frame_reader_destroy(&r);
    controlplane_frame_reader_init(&r, 0);
    cr_assert_eq(controlplane_frame_reader_feed(&r, stream, 3, collect,
                                                &seen, &error), 0);
    cr_assert_eq(controlplane_frame_reader_pending(&r), 3);
    seen_free(&seen);
    controlplane_frame_reader_destroy(&r);
    free(stream);
}

Test(frames, oversized_frame_is_refused)
{
    struct controlplane_frame_reader r;
    struct seen seen = { 0 };
    char *error;
    /* A valid small frame, then one announcing 2 GiB. */
    uint8_t stream[] = { 0, 0, 0, 2, 0x08, 0x04, 0x80, 0, 0, 0, 1, 2 };

    controlplane_frame_reader_init(&r, 1024);
    cr_assert_eq(controlplane_frame_reader_feed(&r, stream, sizeof stream,
                                                collect, &seen, &error),
                 EMSGSIZE);
    cr_assert_eq(seen.n, 1);
    cr_assert_not_null(error);
    cr_assert(strstr(error, "2147483648 bytes"), "%s", error);
    cr_assert(strstr(error, "offset 6"), "%s", error);
    free(error);

    /* Nothing more is accepted. */
    cr_assert_neq(controlplane_frame_reader_feed(&r, stream, 6, collect,
                                                 &seen, &error), 0);
    cr_assert_not_null(error);
    free(error);
    seen_free(&seen);
    controlplane_frame_reader_destroy(&r);

    /* The same when the prefix arrives in pieces. */
    struct seen seen2 = { 0 };
    controlplane_frame_reader_init(&r, 1024);
    cr_assert_eq(controlplane_frame_reader_feed(&r, stream + 6, 2, collect,
                                                &seen2, &error), 0);
    cr_assert_eq(controlplane_frame_reader_feed(&r, stream + 8, 2, collect,
                                                &seen2, &error), EMSGSIZE);
    cr_assert(strstr(error, "more than the limit of 1024"), "%s", error);
    free(error);
    controlplane_frame_reader_destroy(&r);
}

Test(frames, callback_can_stop)
{
    struct controlplane_frame_reader r;
    struct seen seen = { .stop_after = 1 };
    size_t len, sizes[3];
    char *error;
    uint8_t *stream = sample_stream(&len, sizes);

    controlplane_frame_reader_init(&r, 0);
    cr_assert_eq(controlplane_frame_reader_feed(&r, stream, len, collect,
                                                &seen, &error), ECANCELED);
    cr_assert_eq(seen.n, 1);
    seen_free(&seen);
    controlplane_frame_reader_destroy(&r);
    free(stream);
}

/* Expects decoding 'size' bytes 'payload' as 'resource' to fail with a
 * message containing 'expect'. */
static void
expect_decode_error(enum controlplane_resource resource,
                    const uint8_t *payload, size_t size, const char *expect)
{
    char *error;
    AntreaCp__WatchEvent *ev = controlplane_event_decode(resource, payload,
                                                         size, &error);
    cr_assert_null(ev);
    cr_assert_not_null(error);
    cr_assert(strstr(error, expect), "\"%s\" lacks \"%s\"", error, expect);
    free(error);
}

Test(decode, garbage_is_not_an_event)
{
    static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
    expect_decode_error(CONTROLPLANE_NETWORK_POLICIES, garbage,
                        sizeof garbage, "not a valid antrea_cp.WatchEvent");

    /* A length-delimited field that runs past the end. */
    static const uint8_t truncated[] = { 0x08, 0x01, 0x52, 0x10, 0x0a };
    expect_decode_error(CONTROLPLANE_NETWORK_POLICIES, truncated,
                        sizeof truncated, "5-byte networkpolicies frame");
}

Test(decode, event_needs_an_object_with_a_name)
{
    size_t size;
    uint8_t *e = pack_np_event(ANTREA_CP__EVENT_TYPE__ADDED, NULL, &size);
    expect_decode_error(CONTROLPLANE_NETWORK_POLICIES, e, size,
                        "ADDED event of networkpolicies carries no object");
    free(e);

    e = pack_np_event(ANTREA_CP__EVENT_TYPE__DELETED, "", &size);
    expect_decode_error(CONTROLPLANE_NETWORK_POLICIES, e, size,
                        "without a name");
    free(e);
}

Test(decode, object_must_fit_the_resource)
{
    size_t size;
    uint8_t *e = pack_np_event(ANTREA_CP__EVENT_TYPE__ADDED, "p", &size);
    expect_decode_error(CONTROLPLANE_ADDRESS_GROUPS, e, size,
                        "ADDED event of addressgroups carries NetworkPolicy");
    free(e);

    /* A patch is fine for MODIFIED, not for ADDED. */
    AntreaCp__WatchEvent ev = ANTREA_CP__WATCH_EVENT__INIT;
    AntreaCp__AddressGroupPatch patch = ANTREA_CP__ADDRESS_GROUP_PATCH__INIT;
    AntreaCp__ObjectMeta meta = ANTREA_CP__OBJECT_META__INIT;
    meta.name = "g";
    patch.metadata = &meta;
    ev.type = ANTREA_CP__EVENT_TYPE__MODIFIED;
    ev.object_case = ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP_PATCH;
    ev.address_group_patch = &patch;
    uint8_t buf[256];
    size = antrea_cp__watch_event__pack(&ev, buf);
    char *error;
    AntreaCp__WatchEvent *ok = controlplane_event_decode(
        CONTROLPLANE_ADDRESS_GROUPS, buf, size, &error);
    cr_assert_not_null(ok, "%s", error);
    cr_assert_str_eq(controlplane_event_object_name(ok), "g");
    antrea_cp__watch_event__free_unpacked(ok, NULL);

    ev.type = ANTREA_CP__EVENT_TYPE__ADDED;
    size = antrea_cp__watch_event__pack(&ev, buf);
    expect_decode_error(CONTROLPLANE_ADDRESS_GROUPS, buf, size,
                        "carries AddressGroupPatch");
    ev.type = ANTREA_CP__EVENT_TYPE__MODIFIED;
    size = antrea_cp__watch_event__pack(&ev, buf);
    expect_decode_error(CONTROLPLANE_APPLIED_TO_GROUPS, buf, size,
                        "MODIFIED event of appliedtogroups carries "
                        "AddressGroupPatch");
}

Test(decode, unknown_type_is_refused)
{
    size_t size;
    uint8_t *e = pack_np_event(42, "p", &size);
    expect_decode_error(CONTROLPLANE_NETWORK_POLICIES, e, size,
                        "unknown type 42");
    free(e);
    e = pack_np_event(ANTREA_CP__EVENT_TYPE__EVENT_TYPE_UNSPECIFIED, "p",
                      &size);
    expect_decode_error(CONTROLPLANE_NETWORK_POLICIES, e, size,
                        "unknown type 0");
    free(e);
}
