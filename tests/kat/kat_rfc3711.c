/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 3711 Appendix B known-answer tests, run on the engine named on the
 * command line:
 *   B.2  AES-CM keystream, as AES-CTR jobs through the engine API
 *        (sl_sess_init + sl_engine_run_burst);
 *   B.3  key derivation (cipher key, cipher salt, auth key) through
 *        sl_srtp_kdf.
 * The vectors are transcribed from the RFC text; the section is named next
 * to each one.
 */
#include <stdio.h>
#include <string.h>

#include "kat_cm.h"
#include "srtp_internal.h"

/* RFC 3711 Appendix B.2, "AES-CM Test Vectors". */
static const char b2_session_key[] = "2B7E151628AED2A6ABF7158809CF4F3C";
/* "Session Salt: F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000 (already shifted)";
 * Rollover Counter 00000000, Sequence Number 0000, SSRC 00000000, so the
 * first counter block ("Offset") equals the shifted salt. */
static const char b2_offset[] = "F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000";

/* RFC 3711 Appendix B.2: the six keystream blocks the RFC prints. */
static const struct kat_cm_block b2_blocks[] = {
	{ 0x0000, "E03EAD0935C95E80E166B16DD92B4EB4" },
	{ 0x0001, "D23513162B02D0F72A43A2FE4A5F97AB" },
	{ 0x0002, "41E95B3BB0A2E8DD477901E4FCA894C0" },
	{ 0xFEFF, "EC8CDF7398607CB0F2D21675EA9EA1E4" },
	{ 0xFF00, "362B7C3C6773516318A077D7FC5073AE" },
	{ 0xFF01, "6A2CC3787889374FBEB4C81B17BA6C44" },
};

static const struct kat_cm_vector b2 = {
	.name = "RFC3711 B.2",
	.session_key = b2_session_key,
	.offset = b2_offset,
	.blocks = b2_blocks,
	.nblocks = sizeof(b2_blocks) / sizeof(b2_blocks[0]),
};

/* RFC 3711 Appendix B.3, "Key Derivation Test Vectors" (kdr = 0). */
static const char b3_master_key[] = "E1F97A0D3E018BE0D64FA32C06DE4139";
static const char b3_master_salt[] = "0EC675AD498AFEEBB6960B3AABE6";
/* label 0x00, AES-CM input 0EC675AD498AFEEBB6960B3AABE60000 */
static const char b3_cipher_key[] = "C61E7A93744F39EE10734AFE3FF7A087";
/* label 0x02, AES-CM input 0EC675AD498AFEE9B6960B3AABE60000 */
static const char b3_cipher_salt[] = "30CBBC08863D8C85D49DB34A9AE1";
/* label 0x01, AES-CM inputs 0EC675AD498AFEEAB6960B3AABE60000..05: the RFC
 * prints a 94-octet auth key; SRTP's HMAC-SHA1 uses its first 20 octets. */
static const char b3_auth_key[] =
	"CEBE321F6FF7716B6FD4AB49AF256A15"
	"6D38BAA48F0A0ACF3C34E2359E6CDBCE"
	"E049646C43D9327AD175578EF7227098"
	"6371C10C9A369AC2F94A8C5FBCDDDC25"
	"6D6E919A48B610EF17C2041E47403576"
	"6B68642C59BBFC2F34DB60DBDFB2";

static void test_b2(struct kat *k)
{
	printf("RFC 3711 Appendix B.2: AES-CM keystream (engine AES-CTR jobs)\n");
	kat_cm_run(k, &b2);
}

static void test_b3(struct kat *k)
{
	uint8_t mk[16], ms[14];

	printf("RFC 3711 Appendix B.3: key derivation (sl_srtp_kdf, r = 0)\n");
	kat_hex(b3_master_key, mk, sizeof(mk));
	kat_hex(b3_master_salt, ms, sizeof(ms));
	kat_kdf_check(k, "RFC3711 B.3", mk, 16, ms, 14, SL_LABEL_RTP_ENC, b3_cipher_key, 16,
		      "cipher key (label 0x00)");
	kat_kdf_check(k, "RFC3711 B.3", mk, 16, ms, 14, SL_LABEL_RTP_SALT, b3_cipher_salt, 14,
		      "cipher salt (label 0x02)");
	kat_kdf_check(k, "RFC3711 B.3", mk, 16, ms, 14, SL_LABEL_RTP_AUTH, b3_auth_key, 20,
		      "auth key, 20 octets (label 0x01)");
	kat_kdf_check(k, "RFC3711 B.3", mk, 16, ms, 14, SL_LABEL_RTP_AUTH, b3_auth_key, 94,
		      "auth key, all 94 octets (label 0x01)");
}

int main(int argc, char **argv)
{
	struct kat k;

	kat_open(&k, argc, argv, "kat_rfc3711");
	if (k.e->ops->caps & SL_CAP_AES_CTR_128) {
		test_b2(&k);
		test_b3(&k);
	} else {
		kat_skip(&k, "RFC3711 B.2/B.3", "engine has no AES-CTR-128");
	}
	return kat_finish(&k);
}
