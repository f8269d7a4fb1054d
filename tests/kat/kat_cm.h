/* SPDX-License-Identifier: BSD-3-Clause */
/* AES-CM keystream vectors run as engine AES-CTR jobs (kat_cm.c). */
#ifndef SL_TESTS_KAT_CM_H
#define SL_TESTS_KAT_CM_H

#include "kat_util.h"

/* RFC 3711 B.2 and RFC 6188 §7.1: "Keystream segment length: 1044512
 * octets (65282 AES blocks)". */
#define KAT_CM_SEGMENT_BLOCKS 65282u

struct kat_cm_block {
	uint16_t counter_low;   /* last two octets of the counter block */
	const char *keystream;  /* 16 octets, hex */
};

struct kat_cm_vector {
	const char *name;         /* printed with every result */
	const char *session_key;  /* hex, 16 or 32 octets */
	const char *offset;       /* first counter block, hex */
	const struct kat_cm_block *blocks;
	size_t nblocks;           /* must include 0000-0002 and FEFF-FF01 */
};

void kat_cm_run(struct kat *k, const struct kat_cm_vector *v);

#endif
