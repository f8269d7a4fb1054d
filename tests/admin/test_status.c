/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * registrations, calls and cert show.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "test_admin.h"

static void put_reg(const char *user, const char *contact, const char *device, const char *ua,
		    int64_t expires_in)
{
	struct sl_registration r;
	char err[256];

	memset(&r, 0, sizeof(r));
	snprintf(r.user, sizeof(r.user), "%s", user);
	snprintf(r.contact, sizeof(r.contact), "%s", contact);
	snprintf(r.device, sizeof(r.device), "%s", device);
	snprintf(r.transport, sizeof(r.transport), "tls");
	snprintf(r.source, sizeof(r.source), "10.77.1.2:40123");
	snprintf(r.user_agent, sizeof(r.user_agent), "%s", ua);
	r.registered = (int64_t)time(NULL);
	r.expires = r.registered + expires_in;
	ck_assert_msg(sl_store_reg_put(fx.st, &r, err, sizeof(err)) == 0, "reg_put: %s", err);
}

START_TEST(registrations)
{
	const char *o;

	OK("user add alice --password password1");
	OK("user add bob --password password2");
	OK("device add alice-desk --user alice --profile encrypted");
	ck_assert_ptr_nonnull(strstr(OK("registrations"), "no registrations"));
	put_reg("alice", "<sips:alice@10.77.1.2:40123;transport=tls>", "alice-desk", "baresip 2.9", 600);
	/* The store refuses control characters; quotes and backslashes must
	 * still come out as valid JSON. */
	put_reg("bob", "<sips:bob@10.77.1.3:5061>", "", "Evil \"UA\" \\ é", 300);
	o = OK("registrations");
	ck_assert_ptr_nonnull(strstr(o, "USER   DEVICE      TRANSPORT  SOURCE           EXPIRES-IN  CONTACT"));
	ck_assert_ptr_nonnull(strstr(o, "\nalice  alice-desk  tls        10.77.1.2:40123  "));
	ck_assert_ptr_nonnull(strstr(o, "\nbob    -           tls  "));
	ck_assert_ptr_nonnull(strstr(o, "Evil \"UA\" \\ é\n"));
	o = OK("registrations --user bob");
	ck_assert_ptr_null(strstr(o, "alice"));
	ck_assert_ptr_nonnull(strstr(OK("registrations --user alice"), "alice-desk"));
	FAILS("registrations --user carol", SL_ADMIN_E_NOTFOUND, "registrations: user 'carol' does not exist");
	FAILS("registrations bob", SL_ADMIN_E_USAGE, "unexpected argument 'bob' (usage: registrations [--user U])");
	o = OKJ("registrations");
	ck_assert_ptr_nonnull(strstr(o, "\"count\":2"));
	ck_assert_ptr_nonnull(strstr(o, "\"device\":null"));
	ck_assert_ptr_nonnull(strstr(o, "\"user_agent\":\"Evil \\\"UA\\\" \\\\ é\""));
	o = OK("user show alice");
	ck_assert_ptr_nonnull(strstr(o, "registration:   <sips:alice@10.77.1.2:40123;transport=tls> via tls from "
				     "10.77.1.2:40123, expires in "));
	ck_assert_ptr_nonnull(strstr(OK("user list"), "\nalice  enabled  alice-desk  1 "));
	ck_assert_ptr_nonnull(strstr(OKJ("device show alice-desk"), "\"registrations\":[{\"contact\":"));
}
END_TEST

static void put_call(const char *id, const char *state, int sec0, int sec1, int64_t started,
		     int64_t ended)
{
	struct sl_call c;
	char err[256];

	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.state, sizeof(c.state), "%s", state);
	c.security = sec0 < sec1 ? sec0 : sec1;
	c.started = started;
	c.answered = started + 2;
	c.ended = ended;
	if (ended)
		snprintf(c.end_reason, sizeof(c.end_reason), "bye");
	snprintf(c.leg[0].peer, sizeof(c.leg[0].peer), "alice");
	snprintf(c.leg[0].suite, sizeof(c.leg[0].suite), "AES_CM_128_HMAC_SHA1_80");
	c.leg[0].security = sec0;
	snprintf(c.leg[0].media_remote, sizeof(c.leg[0].media_remote), "10.77.1.2:4000");
	snprintf(c.leg[0].media_local, sizeof(c.leg[0].media_local), "10.77.1.1:20000");
	c.leg[0].pkts_in = 6500;
	c.leg[0].pkts_out = 6498;
	c.leg[0].auth_fail = 3;
	snprintf(c.leg[1].peer, sizeof(c.leg[1].peer), "bob");
	snprintf(c.leg[1].suite, sizeof(c.leg[1].suite), sec1 == SL_SEC_ENCRYPTED ? "AEAD_AES_256_GCM" : "RTP");
	c.leg[1].security = sec1;
	snprintf(c.leg[1].media_remote, sizeof(c.leg[1].media_remote), "10.77.2.2:5004");
	c.leg[1].pkts_in = 6498;
	c.leg[1].pkts_out = 6500;
	c.leg[1].replay_drop = 1;
	ck_assert_msg(sl_store_call_put(fx.st, &c, err, sizeof(err)) == 0, "call_put: %s", err);
}

START_TEST(calls)
{
	int64_t now = (int64_t)time(NULL);
	const char *o;

	ck_assert_ptr_nonnull(strstr(OK("calls"), "no active calls"));
	put_call("c1", "active", SL_SEC_ENCRYPTED, SL_SEC_ENCRYPTED, now - 125, 0);
	put_call("c2", "ended", SL_SEC_ENCRYPTED, SL_SEC_NONSECURE, now - 3600, now - 3000);
	put_call("c3", "active", SL_SEC_AUTHENTICATED, SL_SEC_ENCRYPTED, now - 10, 0);
	o = OK("calls");
	ck_assert_ptr_nonnull(strstr(o, "CALL  STATE   SECURITY                DURATION  LEG     PEER   SUITE"));
	ck_assert_ptr_nonnull(strstr(o, "\nc1    active  encrypted (lock)        00:02:0"));
	ck_assert_ptr_nonnull(strstr(o, "\nc3    active  authenticated (shield)  00:00:0"));
	ck_assert_ptr_nonnull(strstr(o, "caller  alice  AES_CM_128_HMAC_SHA1_80  encrypted (lock)        10.77.1.2:4000  6500     6498      3"));
	ck_assert_ptr_nonnull(strstr(o, "callee  bob    AEAD_AES_256_GCM         encrypted (lock)        10.77.2.2:5004  6498     6500      0          1\n"));
	ck_assert_ptr_null(strstr(o, "c2 "));
	o = OK("calls --all");
	ck_assert_ptr_nonnull(strstr(o, "\nc2    ended (bye)  non-secure  "));
	ck_assert_ptr_nonnull(strstr(o, "00:09:58"));
	o = OKJ("calls --all --limit 1");
	ck_assert_ptr_nonnull(strstr(o, "\"count\":1"));
	o = OKJ("calls");
	ck_assert_ptr_nonnull(strstr(o, "\"count\":2"));
	ck_assert_ptr_nonnull(strstr(o, "{\"id\":\"c1\",\"state\":\"active\",\"security\":\"encrypted\","
				     "\"security_status\":\"encrypted (lock)\""));
	ck_assert_ptr_nonnull(strstr(o, "{\"peer\":\"alice\",\"suite\":\"AES_CM_128_HMAC_SHA1_80\",\"security\":"
				     "\"authenticated\",\"security_status\":\"authenticated (shield)\","
				     "\"media_remote\":\"10.77.1.2:4000\",\"media_local\":\"10.77.1.1:20000\","
				     "\"packets_in\":6500,\"packets_out\":6498,\"auth_fail\":3,\"replay_drop\":0}"));
	FAILS("calls --limit 0", SL_ADMIN_E_USAGE, "--limit '0' is not a number in 1..100000");
	FAILS("calls --limit", SL_ADMIN_E_USAGE, "--limit needs a value");
	FAILS("calls --every", SL_ADMIN_E_USAGE, "unknown option '--every' (options: --all, --limit)");
}
END_TEST

/* A self-signed EC certificate; the expected fingerprint is SHA-256 over
 * its DER encoding (RFC 4572 §5 style), computed here with EVP_Digest. */
static void write_cert(const char *path, char *fp_out, size_t n)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *nm;
	unsigned char *der = NULL, md[32];
	unsigned mdlen = 0;
	int derlen;
	size_t used = 0;
	FILE *f;

	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30 + 60);
	nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC, (const unsigned char *)"Shieldlock", -1, -1, 0);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"node1.lab.example", -1, -1, 0);
	X509_set_issuer_name(x, nm);
	X509_set_pubkey(x, k);
	ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
	derlen = i2d_X509(x, &der);
	ck_assert_int_gt(derlen, 0);
	ck_assert_int_eq(EVP_Digest(der, (size_t)derlen, md, &mdlen, EVP_sha256(), NULL), 1);
	for (unsigned i = 0; i < mdlen; i++)
		used += (size_t)snprintf(fp_out + used, n - used, "%s%02X", i ? ":" : "", md[i]);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	PEM_write_X509(f, x);
	fclose(f);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(k);
}

START_TEST(cert_show)
{
	char path[160], fp[200];
	const char *o;
	FILE *f;

	fx.ctx.node_cert_path = NULL;
	FAILS("cert show", SL_ADMIN_E_INTERNAL, "cert show: no node certificate is configured");
	snprintf(path, sizeof(path), "%s/node.pem", fx.dir);
	fx.ctx.node_cert_path = path;
	FAILS("cert show", SL_ADMIN_E_NOTFOUND, "cannot open the node certificate");
	f = fopen(path, "w");
	fputs("not a certificate\n", f);
	fclose(f);
	FAILS("cert show", SL_ADMIN_E_INTERNAL, "holds no PEM certificate");
	write_cert(path, fp, sizeof(fp));
	o = OK("cert show");
	ck_assert_ptr_nonnull(strstr(o, "subject:        CN=node1.lab.example,O=Shieldlock\n"));
	ck_assert_ptr_nonnull(strstr(o, "issuer:         CN=node1.lab.example,O=Shieldlock (self-signed)\n"));
	ck_assert_ptr_nonnull(strstr(o, "serial:         1234\n"));
	ck_assert_ptr_nonnull(strstr(o, "validity:       valid, 30 days left\n"));
	ck_assert_ptr_nonnull(strstr(o, "key:            EC 256 bits\n"));
	ck_assert_msg(strstr(o, fp) != NULL, "fingerprint %s not in %s", fp, o);
	o = OKJ("cert show");
	ck_assert_ptr_nonnull(strstr(o, "\"self_signed\":true"));
	ck_assert_ptr_nonnull(strstr(o, "\"validity\":\"valid\""));
	ck_assert_msg(strstr(o, fp) != NULL, "fingerprint %s not in %s", fp, o);
	/* The subcommand list grows with issue 5 (admin_cert.c): check the form only. */
	FAILS("cert", SL_ADMIN_E_USAGE, "cert: missing subcommand (cert ");
	FAILS("cert show --frob", SL_ADMIN_E_USAGE, "unknown option '--frob'");
}
END_TEST

TCase *tc_status(void)
{
	TCase *tc = tcase_create("status");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, registrations);
	tcase_add_test(tc, calls);
	tcase_add_test(tc, cert_show);
	return tc;
}
