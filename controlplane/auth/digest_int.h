/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the sl_digest sources; not installed. */
#ifndef SL_DIGEST_INT_H
#define SL_DIGEST_INT_H

#include <stddef.h>
#include <stdint.h>

/* Writes a message into err (if any) and returns -EINVAL. */
__attribute__((format(printf, 3, 4)))
int sl_digest_fail(char *err, size_t errlen, const char *fmt, ...);
/* Lowercase hex of len bytes into out (2*len+1 bytes). */
void sl_digest_hex(const uint8_t *in, size_t len, char *out);

#endif
