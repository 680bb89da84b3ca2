/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Splitting a byte stream into newline-terminated lines, as a Kubernetes
 * watch sends its events: the transport hands over pieces of any size (an
 * HTTP chunk, part of one, or several), so a line may begin in one piece
 * and end in another.  A line longer than a bound is an error rather than
 * a reason to buffer without limit.
 *
 * The splitter owns the bytes of the unfinished line only; complete lines
 * are passed to the caller's callback straight from the input when
 * possible, without copying.
 */

#ifndef K8S_LINES_H
#define K8S_LINES_H 1

#include <stdbool.h>
#include <stddef.h>

/* The longest line accepted unless the caller says otherwise: the
 * apiserver's own limit on an object in etcd is 1.5 MiB, so 16 MiB leaves
 * plenty of room while still stopping a runaway stream. */
#define K8S_LINES_DEFAULT_MAX (16 * 1024 * 1024)

/* The state of splitting one stream. */
struct k8s_lines {
    char *partial;              /* the unfinished line's bytes so far */
    size_t partial_length;      /* bytes in 'partial' */
    size_t partial_allocated;   /* capacity of 'partial' */
    size_t max_length;          /* longest line accepted, without '\n' */
    bool failed;                /* a line was too long: nothing more is
                                   accepted */
};

/* Called for each complete line: 'line' holds 'length' bytes, without the
 * '\n' or a '\r' before it, and is not NUL-terminated; it is valid only
 * during the call.  Returns false to stop splitting at once. */
typedef bool k8s_lines_func(const char *line, size_t length, void *aux);

void k8s_lines_init(struct k8s_lines *, size_t max_length);
void k8s_lines_destroy(struct k8s_lines *);

int k8s_lines_feed(struct k8s_lines *, const char *data, size_t size,
                   k8s_lines_func *, void *aux);
size_t k8s_lines_pending(const struct k8s_lines *);

#endif /* k8s-lines.h */
