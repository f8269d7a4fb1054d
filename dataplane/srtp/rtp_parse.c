/* SPDX-License-Identifier: BSD-3-Clause */
/* RTP/RTCP framing checks (RFC 3550 §5.1, §6.1; RFC 8285; RFC 5761 §4). */
#include "srtp_stream.h"

/* RFC 5761 §4: on a shared port, a second byte of 192..223 is RTCP. */
bool sl_srtp_is_rtcp(const uint8_t *pkt, size_t len)
{
	return pkt && len >= 2 && pkt[1] >= 192 && pkt[1] <= 223;
}

/*
 * RFC 3550 §5.1: 12 fixed bytes, CC CSRCs, then if X the extension header
 * (16-bit profile, 16-bit length in 32-bit words) and its data. The
 * extension's content (RFC 8285 one-byte 0xBEDE, two-byte 0x100x, or any
 * other profile) is not SRTP's business: only its bounds are checked.
 */
int sl_rtp_header_len(const uint8_t *pkt, size_t len)
{
	size_t h;

	if (!pkt || len == 0)
		return -SL_SRTP_ERR_EMPTY;
	if (len < 12)
		return -SL_SRTP_ERR_TRUNCATED;
	if ((pkt[0] >> 6) != 2)
		return -SL_SRTP_ERR_VERSION;
	h = 12 + 4u * (pkt[0] & 0x0f);
	if (h > len)
		return -SL_SRTP_ERR_CSRC;
	if (pkt[0] & 0x10) {
		if (h + 4 > len)
			return -SL_SRTP_ERR_EXTENSION;
		h += 4 + 4u * sl_get16(pkt + h + 2);
		if (h > len)
			return -SL_SRTP_ERR_EXTENSION;
	}
	return (int)h;
}

/* RFC 3550 §5.1 P bit: the last payload octet counts padding, itself included. */
int sl_rtp_check_padding(const uint8_t *pkt, uint32_t hdr_len, uint32_t len)
{
	uint32_t pad;

	if (!(pkt[0] & 0x20))
		return 0;
	if (len <= hdr_len)
		return -SL_SRTP_ERR_PADDING;
	pad = pkt[len - 1];
	if (pad == 0 || pad > len - hdr_len)
		return -SL_SRTP_ERR_PADDING;
	return 0;
}

/* RFC 3550 §6.4.1: version 2 and at least the 8-byte SR/RR header. */
int sl_rtcp_check_header(const uint8_t *pkt, uint32_t len)
{
	if (len == 0)
		return -SL_SRTP_ERR_EMPTY;
	if (len < 8)
		return -SL_SRTP_ERR_TRUNCATED;
	if ((pkt[0] >> 6) != 2)
		return -SL_SRTP_ERR_VERSION;
	return 0;
}
