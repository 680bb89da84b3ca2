/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * SHA-1 (FIPS 180-4), only as a naming hash: Antrea derives the host-side
 * veth name from the SHA-1 of the container ID, and we must produce the same
 * names.  Not for anything that needs collision resistance.  Kept here, with
 * no dependency, so that the agent needs no crypto library for it.
 */

#ifndef NET_SHA1_H
#define NET_SHA1_H 1

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_SIZE 20

/* Text of a digest: 40 lowercase hex digits and a NUL. */
#define SHA1_HEX_SIZE (2 * SHA1_DIGEST_SIZE + 1)

/* A SHA-1 computation in progress. */
struct sha1_ctx {
    uint32_t state[5];          /* H0..H4 */
    uint64_t n_bytes;           /* message bytes fed so far */
    uint8_t block[64];          /* partial block */
    size_t block_len;           /* bytes used in 'block' */
};

void sha1_init(struct sha1_ctx *);
void sha1_update(struct sha1_ctx *, const void *data, size_t size);
void sha1_final(struct sha1_ctx *, uint8_t digest[SHA1_DIGEST_SIZE]);

/* Computes the digest of 'size' bytes at 'data' in one call. */
void sha1_bytes(const void *data, size_t size,
                uint8_t digest[SHA1_DIGEST_SIZE]);

/* Writes 'digest' as lowercase hex into 'hex'. */
void sha1_to_hex(const uint8_t digest[SHA1_DIGEST_SIZE],
                 char hex[SHA1_HEX_SIZE]);

#endif /* net/sha1.h */
