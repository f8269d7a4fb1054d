/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sample bodies shared by the SDP tests, and helpers.
 *
 * The two baresip bodies are real: captured from baresip 1.0.0 (Debian
 * baresip-core 1.0.0-4) dialling a UDP listener, with accounts
 * ";mediaenc=srtp-mand" (RTP/SAVP) and ";mediaenc=srtp" (best effort,
 * RTP/AVP with a=crypto). Their keys were random and are used only here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test_sdp.h"

const char *const sdp_baresip_mand =
	"v=0\r\n"
	"o=- 3528967632 445610115 IN IP4 192.0.2.2\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.2\r\n"
	"t=0 0\r\n"
	"a=tool:baresip 1.0.0\r\n"
	"m=audio 20784 RTP/SAVP 0 8 96 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:96 opus/48000/2\r\n"
	"a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=sendrecv\r\n"
	"a=label:1\r\n"
	"a=rtcp-rsize\r\n"
	"a=ssrc:1238564874 cname:sip:alice@127.0.0.1\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:JZ587z2YXVHXAFLaQ2jMSwYXbm+L+Bsfx0dYqu/u\r\n"
	"a=minptime:20\r\n"
	"a=ptime:20\r\n";

const char *const sdp_baresip_best =
	"v=0\r\n"
	"o=- 89050046 1322414159 IN IP4 192.0.2.2\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.2\r\n"
	"t=0 0\r\n"
	"a=tool:baresip 1.0.0\r\n"
	"m=audio 14242 RTP/AVP 0 8 96 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:96 opus/48000/2\r\n"
	"a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=sendrecv\r\n"
	"a=label:1\r\n"
	"a=rtcp-rsize\r\n"
	"a=ssrc:3113003213 cname:sip:alice@127.0.0.1\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:qCjS2qm98gfoqhqtjGloGbBx0sk4iJPyutH6yGxW\r\n"
	"a=minptime:20\r\n"
	"a=ptime:20\r\n";

/*
 * Modelled on what Cisco 88xx phones send to a CUCM with SRTP: media-level
 * c= and b=, several suites per stream, one line with a session parameter
 * we do not take, one suite we do not know and one FEC_KEY line.
 */
const char *const sdp_cisco =
	"v=0\r\n"
	"o=Cisco-SIPUA 14525 0 IN IP4 10.10.20.31\r\n"
	"s=SIP Call\r\n"
	"b=AS:4064\r\n"
	"t=0 0\r\n"
	"m=audio 25404 RTP/SAVP 114 9 0 8 18 101\r\n"
	"c=IN IP4 10.10.20.31\r\n"
	"b=TIAS:64000\r\n"
	"a=rtpmap:114 opus/48000/2\r\n"
	"a=fmtp:114 maxplaybackrate=16000;sprop-maxcapturerate=16000;maxaveragebitrate=64000;stereo=0;sprop-stereo=0;usedtx=0\r\n"
	"a=rtpmap:9 G722/8000\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:18 G729/8000\r\n"
	"a=fmtp:18 annexb=yes\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=crypto:1 AEAD_AES_256_GCM inline:" G256 "\r\n"
	"a=crypto:2 AEAD_AES_128_GCM inline:" G128 "\r\n"
	"a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" K80 "\r\n"
	"a=crypto:4 AES_CM_128_HMAC_SHA1_32 inline:" K32 " UNENCRYPTED_SRTCP\r\n"
	"a=crypto:5 AES_192_CM_HMAC_SHA1_80 inline:" A256 "\r\n"
	"a=sendrecv\r\n"
	"m=video 25406 RTP/SAVP 126 97\r\n"
	"c=IN IP4 10.10.20.32\r\n"
	"b=TIAS:1000000\r\n"
	"a=rtpmap:126 H264/90000\r\n"
	"a=fmtp:126 profile-level-id=42801E;packetization-mode=1;level-asymmetry-allowed=1\r\n"
	"a=rtpmap:97 H264/90000\r\n"
	"a=fmtp:97 profile-level-id=42801E;packetization-mode=0;level-asymmetry-allowed=1\r\n"
	"a=rtcp-fb:* nack pli\r\n"
	"a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" A256 "\r\n"
	"a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" K80B " FEC_KEY=inline:" K80 "\r\n"
	"a=content:main\r\n"
	"a=label:11\r\n"
	"a=recvonly\r\n";

/* RFC 4568 §7 (page 27), the offer of the SDP offer/answer example. */
const char *const sdp_rfc4568_7 =
	"v=0\r\n"
	"o=sam 2890844526 2890842807 IN IP4 10.47.16.5\r\n"
	"s=SRTP Discussion\r\n"
	"i=A discussion of Secure RTP\r\n"
	"u=http://www.example.com/seminars/srtp.pdf\r\n"
	"e=marge@example.com (Marge Simpson)\r\n"
	"c=IN IP4 168.2.17.12\r\n"
	"t=2873397496 2873404696\r\n"
	"m=audio 49170 RTP/SAVP 0\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP\r\n"
	"a=crypto:2 F8_128_HMAC_SHA1_80 "
	"inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
	"inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP\r\n"
	"m=video 51372 RTP/SAVP 31\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	"inline:YUJDZGVmZ2hpSktMbW9QUXJzVHVWd3l6MTIzNDU2|1066:4\r\n";

/*
 * RFC 3264 §10.1 offer with its host names replaced by documentation
 * addresses (RFC 5737): we take numeric connection addresses only (the
 * original is in the reject tests).
 */
const char *const sdp_rfc3264_10_1 =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 host.anywhere.com\r\n"
	"s=\r\n"
	"c=IN IP4 192.0.2.10\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0 8 97\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:97 iLBC/8000\r\n"
	"m=video 51372 RTP/AVP 31 32\r\n"
	"a=rtpmap:31 H261/90000\r\n"
	"a=rtpmap:32 MPV/90000\r\n";

const char *const sdp_ipv6 =
	"v=0\n"
	"o=bob 1 2 IN IP6 2001:db8::2\n"
	"s=v6 call\n"
	"t=0 0\n"
	"m=audio 30000 RTP/SAVPF 111\n"
	"c=IN IP6 2001:DB8:0:0::5\n"
	"a=rtcp-mux\n"
	"a=rtpmap:111 opus/48000/2\n"
	"a=crypto:7 AEAD_AES_128_GCM inline:" G128 "\n"
	"a=sendonly\n";

void parse_ok(const char *body, struct sl_sdp *s)
{
	char err[256] = "";
	int rc = sl_sdp_parse(body, strlen(body), s, err, sizeof(err));

	ck_assert_msg(rc == 0, "refused: %s", err);
}

void parse_fails(const char *body, size_t len, const char *want)
{
	static struct sl_sdp s;	/* large: keep it off the stack */
	char err[256] = "";
	int rc = sl_sdp_parse(body, len, &s, err, sizeof(err));

	ck_assert_msg(rc == -EINVAL, "accepted (rc %d), expected a refusal with '%s'", rc, want);
	ck_assert_msg(strstr(err, want) != NULL, "error '%s' does not contain '%s'", err, want);
	ck_assert(all_zero(&s, sizeof(s)));
}

bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

void key_pattern(unsigned char *out, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)((seed + 7 * i) & 0xff);
}
