/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * SHA-1 as specified in FIPS 180-4 section 6.1; see sha1.h for why it is
 * here.
 */

#include <config.h>
#include "sha1.h"

#include <string.h>

/* Rotates 'x' left by 'n' bits. */
static uint32_t
rol32(uint32_t x, unsigned int n)
{
    return (x << n) | (x >> (32 - n));
}

/* Processes one 64-byte block. */
static void
sha1_block(struct sha1_ctx *ctx, const uint8_t block[64])
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++) {
        w[i] = ((uint32_t) block[4 * i] << 24
                | (uint32_t) block[4 * i + 1] << 16
                | (uint32_t) block[4 * i + 2] << 8
                | (uint32_t) block[4 * i + 3]);
    }
    for (int i = 16; i < 80; i++) {
        w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    }

    uint32_t a = ctx->state[0];
    uint32_t b = ctx->state[1];
    uint32_t c = ctx->state[2];
    uint32_t d = ctx->state[3];
    uint32_t e = ctx->state[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t t = rol32(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol32(b, 30);
        b = a;
        a = t;
    }
    ctx->state[0] += a;
    ctx->state[1] += b;
    ctx->state[2] += c;
    ctx->state[3] += d;
    ctx->state[4] += e;
}

/* Starts a new computation in 'ctx'. */
void
sha1_init(struct sha1_ctx *ctx)
{
    ctx->state[0] = 0x67452301;
    ctx->state[1] = 0xefcdab89;
    ctx->state[2] = 0x98badcfe;
    ctx->state[3] = 0x10325476;
    ctx->state[4] = 0xc3d2e1f0;
    ctx->n_bytes = 0;
    ctx->block_len = 0;
}

/* Feeds 'size' bytes at 'data' into 'ctx'. */
void
sha1_update(struct sha1_ctx *ctx, const void *data, size_t size)
{
    const uint8_t *p = data;
    ctx->n_bytes += size;
    while (size > 0) {
        size_t chunk = sizeof ctx->block - ctx->block_len;
        if (chunk > size) {
            chunk = size;
        }
        memcpy(ctx->block + ctx->block_len, p, chunk);
        ctx->block_len += chunk;
        p += chunk;
        size -= chunk;
        if (ctx->block_len == sizeof ctx->block) {
            sha1_block(ctx, ctx->block);
            ctx->block_len = 0;
        }
    }
}

/* Pads the message, writes its digest into 'digest' and leaves 'ctx' to be
 * re-initialised. */
void
sha1_final(struct sha1_ctx *ctx, uint8_t digest[SHA1_DIGEST_SIZE])
{
    uint64_t n_bits = ctx->n_bytes * 8;

    ctx->block[ctx->block_len++] = 0x80;
    if (ctx->block_len > 56) {
        memset(ctx->block + ctx->block_len, 0,
               sizeof ctx->block - ctx->block_len);
        sha1_block(ctx, ctx->block);
        ctx->block_len = 0;
    }
    memset(ctx->block + ctx->block_len, 0, 56 - ctx->block_len);
    for (int i = 0; i < 8; i++) {
        ctx->block[56 + i] = (uint8_t) (n_bits >> (56 - 8 * i));
    }
    sha1_block(ctx, ctx->block);

    for (int i = 0; i < 5; i++) {
        digest[4 * i] = (uint8_t) (ctx->state[i] >> 24);
        digest[4 * i + 1] = (uint8_t) (ctx->state[i] >> 16);
        digest[4 * i + 2] = (uint8_t) (ctx->state[i] >> 8);
        digest[4 * i + 3] = (uint8_t) ctx->state[i];
    }
}

/* Computes the digest of 'size' bytes at 'data' into 'digest'. */
void
sha1_bytes(const void *data, size_t size, uint8_t digest[SHA1_DIGEST_SIZE])
{
    struct sha1_ctx ctx;
    sha1_init(&ctx);
    sha1_update(&ctx, data, size);
    sha1_final(&ctx, digest);
}

/* Writes 'digest' as 40 lowercase hex digits and a NUL into 'hex'. */
void
sha1_to_hex(const uint8_t digest[SHA1_DIGEST_SIZE], char hex[SHA1_HEX_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < SHA1_DIGEST_SIZE; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 0xf];
    }
    hex[2 * SHA1_DIGEST_SIZE] = '\0';
}
