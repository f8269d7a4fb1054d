/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 7714 §16 (SRTP) and §17 (SRTCP) AEAD_AES_128_GCM / AEAD_AES_256_GCM
 * packet vectors, run through the SRTP core on the engine named on the
 * command line. The vectors give session keys and salts, so the streams are
 * built with sl_srtp_stream_create_with_session_keys (no KDF).
 *
 * Transcribed from RFC 7714 and cross-checked against an independent AES-GCM
 * computation (same key, IV, AAD).
 *
 * Notes on §17 (the SRTCP example):
 * - implementers report that its introduction prints an RTCP packet
 *   (81c8000e ..., 4e545031 twice, ... 0000eb98) that is not the packet the
 *   subsections §17.1-§17.4 encrypt and authenticate. The subsections agree
 *   with each other and with their own IV, AAD and results, and the
 *   recomputation reproduces them, so the packet below is theirs;
 * - that packet is 13 words (52 octets) long but its RTCP length field says
 *   0x000d, i.e. 14 words (RFC 3550 §6.4.1: length in words minus one). The
 *   field is inside the AAD, so it cannot be corrected without changing
 *   every tag. A core that validates compound RTCP lengths before
 *   protecting refuses this packet (reported by the protect checks below);
 * - RFC 7714's verified erratum 4938 (§11) is about the KDF master salt (a
 *   96-bit salt is multiplied by 2^16 before the RFC 3711 / RFC 6188 PRF);
 *   it does not touch these vectors, which start from session keys.
 */
#include <stdio.h>
#include <string.h>

#include "kat_util.h"
#include "srtp_internal.h"

/* RFC 7714 §16 and §17: session keys (RTP and RTCP share them here). */
static const char key128[] = "000102030405060708090a0b0c0d0e0f";
static const char key256[] = "000102030405060708090a0b0c0d0e0f"
			     "101112131415161718191a1b1c1d1e1f";
/* "Quid pro quo" */
static const char session_salt[] = "517569642070726f2071756f";

/* RFC 7714 §16: RTP packet, SSRC 5501a0b2, SEQ f17b, ROC 0; payload is
 * "Gallia est omnis divisa in partes tres". */
static const char rtp_plain[] =
	"8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669"
	"736120696e207061727465732074726573";
#define RTP_SSRC 0x5501a0b2u

/* RFC 7714 §17: RTCP packet of the subsections (see the note above),
 * SSRC 4d617273 ("Mars"), SRTCP index 000005d4. */
static const char rtcp_plain[] =
	"81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61"
	"deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
#define RTCP_SSRC 0x4d617273u
#define RTCP_INDEX 0x000005d4u

struct vec {
	const char *name;
	enum sl_srtp_suite suite;
	const char *key;
	bool tag_only;          /* unencrypted: the whole packet is AAD */
	const char *protected;  /* the RFC's SRTP / SRTCP packet */
};

static const struct vec srtp_vecs[] = {
	/* §16.1.1 encryption, §16.1.2 decryption */
	{ "RFC7714 16.1.1/16.1.2", SL_SUITE_AEAD_AES_128_GCM, key128, false,
	  "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd5"
	  "0d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee439"
	  "0cce" },
	/* §16.1.3 / §16.1.4: authenticated, not encrypted */
	{ "RFC7714 16.1.3/16.1.4", SL_SUITE_AEAD_AES_128_GCM, key128, true,
	  "8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669"
	  "736120696e20706172746573207472657322493f82d2bce397e9d79e3b19aa4216" },
	/* §16.2.1 encryption, §16.2.2 decryption */
	{ "RFC7714 16.2.1/16.2.2", SL_SUITE_AEAD_AES_256_GCM, key256, false,
	  "8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab1801238"
	  "9a58e2f3b50b2a0276ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a7"
	  "6c13" },
	/* §16.2.3 / §16.2.4: authenticated, not encrypted */
	{ "RFC7714 16.2.3/16.2.4", SL_SUITE_AEAD_AES_256_GCM, key256, true,
	  "8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669"
	  "736120696e207061727465732074726573a866d5910f887463067ceefec45215d4" },
};

static const struct vec srtcp_vecs[] = {
	/* §17.1: SRTCP AEAD_AES_128_GCM, encrypted (E=1) */
	{ "RFC7714 17.1", SL_SUITE_AEAD_AES_128_GCM, key128, false,
	  "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32d"
	  "c676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf872"
	  "45d9eade800005d4" },
	/* §17.2: SRTCP AEAD_AES_256_GCM, encrypted (E=1) */
	{ "RFC7714 17.2", SL_SUITE_AEAD_AES_256_GCM, key256, false,
	  "81c8000d4d617273d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50"
	  "a2eaa5c1110555be8415f658c61de0476f1b6fad1d1eb30c4446839f57ff6f6c"
	  "b26ac3be800005d4" },
	/* §17.3: SRTCP AEAD_AES_128_GCM, authenticated only (E=0) */
	{ "RFC7714 17.3", SL_SUITE_AEAD_AES_128_GCM, key128, true,
	  "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61"
	  "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef841dd9683dd78ec92ae58790"
	  "125f62b3000005d4" },
	/* §17.4: SRTCP AEAD_AES_256_GCM, authenticated only (E=0) */
	{ "RFC7714 17.4", SL_SUITE_AEAD_AES_256_GCM, key256, true,
	  "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61"
	  "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef91db4afbfeee5a978fab4393"
	  "ed2615fe000005d4" },
};

#define NVEC(a) (sizeof(a) / sizeof((a)[0]))
#define BUF 256

struct pkt {
	uint8_t b[BUF];
	size_t len;
};

static void load(struct pkt *p, const char *hex)
{
	memset(p, 0, sizeof(*p));
	p->len = kat_hex(hex, p->b, sizeof(p->b) - SL_SRTP_MAX_TRAILER);
}

static struct sl_srtp_stream *stream(struct kat *k, const struct vec *v, enum sl_srtp_dir dir,
				     bool rtcp)
{
	struct sl_srtp_policy p;
	struct sl_srtp_session_keys sk;
	struct sl_srtp_stream *s;
	uint8_t key[32], salt[12];
	size_t klen = kat_hex(v->key, key, sizeof(key));
	char msg[160] = "";
	int err = 0;

	kat_hex(session_salt, salt, sizeof(salt));
	memset(&p, 0, sizeof(p));
	memset(&sk, 0, sizeof(sk));
	p.suite = v->suite;
	p.dir = dir;
	p.nkeys = 1;
	p.mki_len = 0;
	memcpy(p.keys[0].key, key, klen);  /* unused: session keys below */
	memcpy(p.keys[0].salt, salt, sizeof(salt));
	p.ssrc = rtcp ? RTCP_SSRC : RTP_SSRC;
	p.ssrc_set = true;
	p.roc = 0;
	p.unencrypted_srtp = !rtcp && v->tag_only;
	p.unencrypted_srtcp = rtcp && v->tag_only;
	memcpy(sk.rtp_enc, key, klen);
	memcpy(sk.rtcp_enc, key, klen);
	memcpy(sk.rtp_salt, salt, sizeof(salt));
	memcpy(sk.rtcp_salt, salt, sizeof(salt));
	s = sl_srtp_stream_create_with_session_keys(k->e, &p, &sk, &err, msg, sizeof(msg));
	if (!s)
		kat_fail(k, v->name, "stream creation failed: %d (%s) %s", err,
			 sl_srtp_strerror(err), msg);
	sl_srtp_policy_wipe(&p);
	return s;
}

/* §16.x.1 / .3: protect the RTP packet, one-packet API. */
static void srtp_protect_one(struct kat *k, const struct vec *v)
{
	struct sl_srtp_stream *s = stream(k, v, SL_SRTP_OUTBOUND, false);
	struct pkt in, exp;
	int rc;

	if (!s)
		return;
	load(&in, rtp_plain);
	load(&exp, v->protected);
	rc = sl_srtp_protect(k->e, s, in.b, &in.len, sizeof(in.b));
	if (kat_expect_rc(k, v->name, "sl_srtp_protect returns 0", rc, 0))
		kat_expect_bytes(k, v->name, "SRTP packet (protect)", in.b, in.len, exp.b, exp.len);
	sl_srtp_stream_free(k->e, s);
}

/*
 * §16.x.2 / .4 and §17.x: unprotect, preceded by a derived failing case (the
 * RFC prints no failing packet): one flipped tag bit must fail with AUTH and
 * must not disturb the replay window; a replay of the good packet must then
 * be refused. The SRTP tag ends the packet; the SRTCP tag sits just before
 * E||index.
 */
static void unprotect_one(struct kat *k, const struct vec *v, bool rtcp)
{
	int (*unprotect)(struct sl_engine *, struct sl_srtp_stream *, uint8_t *, size_t *) =
		rtcp ? sl_srtcp_unprotect : sl_srtp_unprotect;
	struct sl_srtp_stream *s = stream(k, v, SL_SRTP_INBOUND, rtcp);
	struct pkt good, bad, exp;
	int rc;

	if (!s)
		return;
	load(&good, v->protected);
	load(&exp, rtcp ? rtcp_plain : rtp_plain);
	bad = good;
	if (rtcp)
		bad.b[bad.len - 5] ^= 0x80;
	else
		bad.b[bad.len - 1] ^= 0x01;
	rc = unprotect(k->e, s, bad.b, &bad.len);
	kat_expect_rc(k, v->name, "tag bit flipped: unprotect fails with AUTH", rc,
		      -SL_SRTP_ERR_AUTH);
	rc = unprotect(k->e, s, good.b, &good.len);
	if (kat_expect_rc(k, v->name, rtcp ? "sl_srtcp_unprotect returns 0" :
			  "sl_srtp_unprotect returns 0", rc, 0))
		kat_expect_bytes(k, v->name, rtcp ? "RTCP packet (unprotect)" :
				 "RTP packet (unprotect)", good.b, good.len, exp.b, exp.len);
	load(&good, v->protected);
	rc = unprotect(k->e, s, good.b, &good.len);
	kat_expect_rc(k, v->name, "replayed packet refused", rc, -SL_SRTP_ERR_REPLAY);
	sl_srtp_stream_free(k->e, s);
}

/* The §16 vectors in one protect burst and one unprotect burst, each packet
 * on its own stream (the tag-only ones only if the core accepts them). */
static void srtp_bursts(struct kat *k, bool with_tag_only)
{
	const struct vec *v[NVEC(srtp_vecs)];
	struct sl_srtp_stream *tx[NVEC(srtp_vecs)] = { 0 }, *rx[NVEC(srtp_vecs)] = { 0 };
	struct sl_srtp_pkt bp[NVEC(srtp_vecs)];
	struct pkt buf[NVEC(srtp_vecs)], exp;
	uint16_t n = 0, ok;

	for (size_t i = 0; i < NVEC(srtp_vecs); i++)
		if (with_tag_only || !srtp_vecs[i].tag_only)
			v[n++] = &srtp_vecs[i];
	for (uint16_t i = 0; i < n; i++) {
		tx[i] = stream(k, v[i], SL_SRTP_OUTBOUND, false);
		rx[i] = stream(k, v[i], SL_SRTP_INBOUND, false);
		if (!tx[i] || !rx[i])
			goto out;
		load(&buf[i], rtp_plain);
		bp[i] = (struct sl_srtp_pkt){ .stream = tx[i], .data = buf[i].b,
					      .len = (uint32_t)buf[i].len, .cap = BUF, .status = 1 };
	}
	ok = sl_srtp_protect_burst(k->e, bp, n);
	if (ok != n)
		kat_fail(k, "RFC7714 16 (burst)", "protect burst: %u of %u packets OK", ok, n);
	for (uint16_t i = 0; i < n; i++) {
		load(&exp, v[i]->protected);
		if (kat_expect_rc(k, v[i]->name, "burst protect status 0", bp[i].status, 0))
			kat_expect_bytes(k, v[i]->name, "SRTP packet (protect burst)",
					 buf[i].b, bp[i].len, exp.b, exp.len);
		load(&buf[i], v[i]->protected);
		bp[i] = (struct sl_srtp_pkt){ .stream = rx[i], .data = buf[i].b,
					      .len = (uint32_t)buf[i].len, .cap = BUF, .status = 1 };
	}
	ok = sl_srtp_unprotect_burst(k->e, bp, n);
	if (ok != n)
		kat_fail(k, "RFC7714 16 (burst)", "unprotect burst: %u of %u packets OK", ok, n);
	load(&exp, rtp_plain);
	for (uint16_t i = 0; i < n; i++)
		if (kat_expect_rc(k, v[i]->name, "burst unprotect status 0", bp[i].status, 0))
			kat_expect_bytes(k, v[i]->name, "RTP packet (unprotect burst)",
					 buf[i].b, bp[i].len, exp.b, exp.len);
out:
	for (uint16_t i = 0; i < n; i++) {
		sl_srtp_stream_free(k->e, tx[i]);
		sl_srtp_stream_free(k->e, rx[i]);
	}
}

static uint32_t trailer_index(const struct pkt *p)
{
	const uint8_t *t = p->b + p->len - 4;

	return (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
}

/*
 * §17.x protect. The vector's SRTCP index is 0x5d4; srtp.h has no setter
 * for the outbound SRTCP index, so protect copies of the packet until the
 * stream reaches that index (the index is read from the E||index word;
 * AEAD SRTCP has no MKI here, so it is the last word).
 */
static void srtcp_protect_one(struct kat *k, const struct vec *v)
{
	struct sl_srtp_stream *s = stream(k, v, SL_SRTP_OUTBOUND, true);
	struct pkt p, exp;
	int rc = 0;

	if (!s)
		return;
	load(&exp, v->protected);
	for (uint32_t i = 0; i <= RTCP_INDEX + 1; i++) {
		load(&p, rtcp_plain);
		rc = sl_srtcp_protect(k->e, s, p.b, &p.len, sizeof(p.b));
		if (rc != 0 || p.len < 8 + 4 + 16 || (trailer_index(&p) & 0x7fffffffu) >= RTCP_INDEX)
			break;
	}
	if (!kat_expect_rc(k, v->name, "sl_srtcp_protect returns 0", rc, 0))
		goto out;
	if ((trailer_index(&p) & 0x7fffffffu) != RTCP_INDEX) {
		kat_fail(k, v->name, "outbound SRTCP index never equalled 0x%x (got 0x%x)",
			 RTCP_INDEX, trailer_index(&p) & 0x7fffffffu);
		goto out;
	}
	kat_expect_bytes(k, v->name, "SRTCP packet (protect)", p.b, p.len, exp.b, exp.len);
out:
	sl_srtp_stream_free(k->e, s);
}

/*
 * The E flag must not let a packet skip decryption the policy requires
 * (RFC 3711 §3.4, RFC 7714 §9.3): the authentic §17.3/§17.4 packet (E=0)
 * offered to a stream whose policy encrypts SRTCP must be refused.
 */
static void srtcp_e_flag_policy(struct kat *k, const struct vec *v)
{
	struct vec enc = *v;
	struct sl_srtp_stream *s;
	struct pkt p;
	int rc;

	enc.tag_only = false;
	s = stream(k, &enc, SL_SRTP_INBOUND, true);
	if (!s)
		return;
	load(&p, v->protected);
	rc = sl_srtcp_unprotect(k->e, s, p.b, &p.len);
	if (rc == -SL_SRTP_ERR_POLICY || rc == -SL_SRTP_ERR_AUTH)
		kat_pass(k, v->name, rc == -SL_SRTP_ERR_POLICY ?
			 "E=0 packet on an encrypting stream refused (POLICY)" :
			 "E=0 packet on an encrypting stream refused (AUTH)");
	else
		kat_fail(k, v->name, "E=0 packet on an encrypting stream: returned %d (%s), "
			 "expected POLICY or AUTH", rc, sl_srtp_strerror(rc));
	sl_srtp_stream_free(k->e, s);
}

/*
 * The §16.x.3/§16.x.4 vectors authenticate without encrypting (the whole
 * packet is AAD), i.e. UNENCRYPTED_SRTP (RFC 4568 §6.3.2) with an AEAD
 * suite. A core may refuse that session parameter for AEAD suites (libsrtp2
 * ignores it and encrypts anyway); a refusal with -SL_SRTP_ERR_PARAM is
 * reported as a skip that names the policy decision, anything else fails.
 */
static bool tag_only_srtp_allowed(struct kat *k, const struct vec *v)
{
	struct sl_srtp_policy p;
	struct sl_srtp_session_keys sk;
	struct sl_srtp_stream *s;
	int err = 0;

	memset(&p, 0, sizeof(p));
	memset(&sk, 0, sizeof(sk));
	p.suite = v->suite;
	p.dir = SL_SRTP_OUTBOUND;
	p.nkeys = 1;
	p.ssrc = RTP_SSRC;
	p.ssrc_set = true;
	p.unencrypted_srtp = true;
	s = sl_srtp_stream_create_with_session_keys(k->e, &p, &sk, &err, NULL, 0);
	if (s) {
		sl_srtp_stream_free(k->e, s);
		return true;
	}
	if (err == -SL_SRTP_ERR_PARAM) {
		kat_skip(k, v->name, "core refuses UNENCRYPTED_SRTP with an AEAD suite "
			 "(policy decision; these RFC vectors are tag-only SRTP)");
		return false;
	}
	kat_fail(k, v->name, "tag-only stream creation returned %d (%s)", err,
		 sl_srtp_strerror(err));
	return false;
}

static bool engine_has(struct kat *k, enum sl_srtp_suite suite)
{
	uint32_t need = suite == SL_SUITE_AEAD_AES_128_GCM ? SL_CAP_AES_GCM_128 : SL_CAP_AES_GCM_256;

	return (k->e->ops->caps & need) == need;
}

int main(int argc, char **argv)
{
	struct kat k;
	bool all = true, tag_only = true;

	kat_open(&k, argc, argv, "kat_rfc7714");
	printf("RFC 7714 §16: SRTP AEAD_AES_128_GCM / AEAD_AES_256_GCM\n");
	for (size_t i = 0; i < NVEC(srtp_vecs); i++) {
		if (!engine_has(&k, srtp_vecs[i].suite)) {
			kat_skip(&k, srtp_vecs[i].name, "engine lacks this AES-GCM key size");
			all = false;
			continue;
		}
		if (srtp_vecs[i].tag_only && !tag_only_srtp_allowed(&k, &srtp_vecs[i])) {
			tag_only = false;
			continue;
		}
		srtp_protect_one(&k, &srtp_vecs[i]);
		unprotect_one(&k, &srtp_vecs[i], false);
	}
	if (all)
		srtp_bursts(&k, tag_only);
	printf("RFC 7714 §17: SRTCP AEAD_AES_128_GCM / AEAD_AES_256_GCM\n");
	for (size_t i = 0; i < NVEC(srtcp_vecs); i++) {
		if (!engine_has(&k, srtcp_vecs[i].suite)) {
			kat_skip(&k, srtcp_vecs[i].name, "engine lacks this AES-GCM key size");
			continue;
		}
		srtcp_protect_one(&k, &srtcp_vecs[i]);
		unprotect_one(&k, &srtcp_vecs[i], true);
		if (srtcp_vecs[i].tag_only)
			srtcp_e_flag_policy(&k, &srtcp_vecs[i]);
	}
	return kat_finish(&k);
}
