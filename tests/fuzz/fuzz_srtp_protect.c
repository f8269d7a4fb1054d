/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: one-packet SRTP/SRTCP protect of arbitrary plaintext
 * with fixed-key outbound streams. The buffer has exactly len + the maximum
 * trailer (SRTCP E||index, MKI, tag) so ASan catches any overwrite.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_streams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_streams streams;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len, cap;
	uint8_t *pkt;
	int rc;

	if (!ready) {
		fuzz_streams_init(&streams, SL_SRTP_OUTBOUND);
		ready = 1;
	}
	if (size < 1)
		return 0;
	len = size - 1;
	cap = len + SL_SRTP_MAX_TRAILER;
	pkt = malloc(cap);
	if (!pkt)
		return 0;
	memcpy(pkt, data + 1, len);
	struct sl_srtp_stream *s = streams.s[data[0] % FUZZ_NSTREAMS];
	if (sl_srtp_is_rtcp(pkt, len))
		rc = sl_srtcp_protect(streams.engine, s, pkt, &len, cap);
	else
		rc = sl_srtp_protect(streams.engine, s, pkt, &len, cap);
	if (rc == 0 && (len > cap || len < size - 1))
		abort();                 /* protect appends, within cap */
	if (rc > 0 || rc <= -SL_SRTP_ERR__COUNT)
		abort();
	free(pkt);
	return 0;
}
