/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 6188 §7 known-answer tests for the AES-256 suites, run on the engine
 * named on the command line:
 *   §7.1  AES-256-CM keystream, as AES-CTR jobs through the engine API;
 *   §7.2  AES_256_CM_PRF key derivation through sl_srtp_kdf.
 * The AES-192 vectors (§7.3, §7.4) are out of scope: Shieldlock has no
 * AES-192 suite. Vectors transcribed from the RFC text.
 */
#include <stdio.h>

#include "kat_cm.h"
#include "srtp_internal.h"

/* RFC 6188 §7.1, "AES-256-CM Test Vectors": same counter layout as RFC
 * 3711 B.2 (SSRC, ROC and sequence number zero). */
static const struct kat_cm_block s71_blocks[] = {
	{ 0x0000, "92bdd28a93c3f52511c677d08b5515a4" },
	{ 0x0001, "9da71b2378a854f67050756ded165bac" },
	{ 0x0002, "63c4868b7096d88421b563b8c94c9a31" },
	{ 0xFEFF, "cea518c90fd91ced9cbb18c078a54711" },
	{ 0xFF00, "3dbc4814f4da5f00a08772b63c6a046d" },
	{ 0xFF01, "6eb246913062a16891433e97dd01a57f" },
};

static const struct kat_cm_vector s71 = {
	.name = "RFC6188 7.1",
	.session_key = "57f82fe3613fd170a85ec93c40b1f092"
		       "2ec4cb0dc025b58272147cc438944a98",
	.offset = "f0f1f2f3f4f5f6f7f8f9fafbfcfd0000",
	.blocks = s71_blocks,
	.nblocks = sizeof(s71_blocks) / sizeof(s71_blocks[0]),
};

/* RFC 6188 §7.2, "AES_256_CM_PRF Test Vectors" (kdr = 0). */
static const char s72_master_key[] = "f0f04914b513f2763a1b1fa130f10e29"
				     "98f6f6e43e4309d1e622a0e332b9f1b6";
static const char s72_master_salt[] = "3b04803de51ee7c96423ab5b78d2";
static const char s72_cipher_key[] = "5ba1064e30ec51613cad926c5a28ef73"
				     "1ec7fb397f70a960653caf06554cd8c4";
static const char s72_cipher_salt[] = "fa31791685ca444a9e07c6c64e93";
static const char s72_auth_key[] = "fd9c32d39ed5fbb5a9dc96b30818454d1313dc05";

static void test_71(struct kat *k)
{
	printf("RFC 6188 §7.1: AES-256-CM keystream (engine AES-CTR jobs)\n");
	kat_cm_run(k, &s71);
}

static void test_72(struct kat *k)
{
	uint8_t mk[32], ms[14];

	printf("RFC 6188 §7.2: AES_256_CM_PRF key derivation (sl_srtp_kdf, r = 0)\n");
	kat_hex(s72_master_key, mk, sizeof(mk));
	kat_hex(s72_master_salt, ms, sizeof(ms));
	kat_kdf_check(k, "RFC6188 7.2", mk, 32, ms, 14, SL_LABEL_RTP_ENC, s72_cipher_key, 32,
		      "cipher key (label 0x00)");
	kat_kdf_check(k, "RFC6188 7.2", mk, 32, ms, 14, SL_LABEL_RTP_SALT, s72_cipher_salt, 14,
		      "cipher salt (label 0x02)");
	kat_kdf_check(k, "RFC6188 7.2", mk, 32, ms, 14, SL_LABEL_RTP_AUTH, s72_auth_key, 20,
		      "auth key (label 0x01)");
}

int main(int argc, char **argv)
{
	struct kat k;

	kat_open(&k, argc, argv, "kat_rfc6188");
	/* The AES_256_CM_PRF runs AES-256-CM on the engine as well. */
	if (k.e->ops->caps & SL_CAP_AES_CTR_256) {
		test_71(&k);
		test_72(&k);
	} else {
		kat_skip(&k, "RFC6188 7.1/7.2", "engine has no AES-CTR-256");
	}
	return kat_finish(&k);
}
