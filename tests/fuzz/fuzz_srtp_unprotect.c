/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: SRTP and SRTCP unprotect (RFC 3711 §3.3, §3.4) of
 * arbitrary bytes against fixed-key inbound streams. Input: selector byte,
 * then the packet (see fuzz_streams.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_streams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_streams streams;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *pkt;
	size_t len;
	int rc;

	if (!ready) {
		fuzz_streams_init(&streams, SL_SRTP_INBOUND);
		ready = 1;
	}
	if (size < 1)
		return 0;
	len = size - 1;
	pkt = malloc(len ? len : 1);   /* exact size: ASan catches any overread */
	if (!pkt)
		return 0;
	memcpy(pkt, data + 1, len);
	struct sl_srtp_stream *s = streams.s[data[0] % FUZZ_NSTREAMS];
	if (sl_srtp_is_rtcp(pkt, len))
		rc = sl_srtcp_unprotect(streams.engine, s, pkt, &len);
	else
		rc = sl_srtp_unprotect(streams.engine, s, pkt, &len);
	if (rc == 0 && len > size - 1)
		abort();                 /* unprotect never grows a packet */
	if (rc > 0 || rc <= -SL_SRTP_ERR__COUNT)
		abort();                 /* only documented codes */
	free(pkt);
	return 0;
}
