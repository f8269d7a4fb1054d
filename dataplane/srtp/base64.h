/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict base64 (RFC 4648 §4, standard alphabet, "=" padding required).
 * Used for the SDES inline key (RFC 4568 §6.1). No global state.
 */
#ifndef SL_BASE64_H
#define SL_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed to encode n bytes, excluding the NUL. */
#define SL_BASE64_ENC_LEN(n) ((((n) + 2) / 3) * 4)

/*
 * Validates base64 text and returns the decoded length, or -EINVAL with
 * *bad_pos set to the offending character offset and *why to a short reason
 * (both may be NULL).
 */
int sl_base64_check(const char *in, size_t len, size_t *bad_pos, const char **why);

/*
 * Decodes in[0..len) into out. Returns the decoded length, -EINVAL if the text
 * is not strict base64 (see sl_base64_check) or -ENOSPC if cap is too small.
 */
int sl_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/*
 * Encodes n bytes with padding and a terminating NUL. Returns the number of
 * characters written (excluding NUL) or -ENOSPC.
 */
int sl_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap);

#endif
