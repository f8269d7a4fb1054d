/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ca child on its own: requests it must refuse (bad signature, weak or
 * unaccepted keys, missing CN, foreign SAN types, not a CSR), requests it
 * must honour without taking the requester's word for anything but the name
 * and key, and message types that must kill it.
 */
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "cpmsg.h"
#include "test_ca.h"

struct child {
	pid_t pid;
	int fd;
	char dir[256];
	X509 *ca;
};

static char reply[SL_CP_MAX_BODY + 1];

static unsigned request(struct child *ch, unsigned type, const void *body,
			size_t len, size_t *rlen)
{
	unsigned rtype = 0;

	ck_assert_int_eq(sl_cp_send(ch->fd, type, body, len), 0);
	ck_assert_int_eq(sl_cp_recv(ch->fd, &rtype, reply, SL_CP_MAX_BODY, rlen), 1);
	reply[*rlen] = '\0';
	/* Nothing the ca child sends is a private key. */
	ck_assert_ptr_null(strstr(reply, "PRIVATE KEY"));
	return rtype;
}

static void start(struct child *ch, bool init)
{
	struct sl_cp_ca_init in;
	char err[256];
	size_t len;
	BIO *bio;

	memset(ch, 0, sizeof(*ch));
	test_tmpdir(ch->dir, sizeof(ch->dir));
	ch->pid = sl_ca_spawn(&ch->fd, NULL, err, sizeof(err));
	ck_assert_msg(ch->pid > 0, "%s", err);
	if (!init)
		return;
	memset(&in, 0, sizeof(in));
	snprintf(in.node_name, sizeof(in.node_name), "%s", TEST_NODE);
	test_path(in.ca_dir, sizeof(in.ca_dir), ch->dir, "ca");
	ck_assert_uint_eq(request(ch, SL_CP_CA_INIT, &in, sizeof(in), &len),
			  SL_CP_CA_READY);
	bio = BIO_new_mem_buf(reply, (int)len);
	ch->ca = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ck_assert_ptr_nonnull(ch->ca);
	ck_assert_int_eq(X509_check_ca(ch->ca), 1);
}

static void stop(struct child *ch, int want_status)
{
	close(ch->fd);
	ck_assert_int_eq(test_wait(ch->pid), want_status);
	X509_free(ch->ca);
	test_rmrf(ch->dir);
}

/* A CSR: key, CN (NULL: none), SAN text (NULL: none), requested extra
 * extension text for basicConstraints (NULL: none), corrupt signature. */
struct pem {
	char *p;
	size_t len;
};

static struct pem csr(EVP_PKEY *key, const char *cn, const char *san,
		      const char *bc, bool corrupt)
{
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	const ASN1_BIT_STRING *sig;
	BIO *bio = BIO_new(BIO_s_mem());
	struct pem out;
	char *data;
	long n;

	ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
			 (const unsigned char *)"Test", -1, -1, 0), 1);
	if (cn)
		ck_assert_int_eq(X509_NAME_add_entry_by_NID(name, NID_commonName,
				 MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0), 1);
	ck_assert_int_eq(X509_REQ_set_subject_name(req, name), 1);
	ck_assert_int_eq(X509_REQ_set_pubkey(req, key), 1);
	if (san)
		sk_X509_EXTENSION_push(exts, X509V3_EXT_conf_nid(NULL, NULL,
				       NID_subject_alt_name, san));
	if (bc)
		sk_X509_EXTENSION_push(exts, X509V3_EXT_conf_nid(NULL, NULL,
				       NID_basic_constraints, bc));
	if (sk_X509_EXTENSION_num(exts))
		ck_assert_int_eq(X509_REQ_add_extensions(req, exts), 1);
	/* EdDSA signs without a separate digest (RFC 8410 §6). */
	ck_assert_int_gt(X509_REQ_sign(req, key, EVP_PKEY_is_a(key, "ED25519") ?
				       NULL : EVP_sha256()), 0);
	if (corrupt) {
		/* Flip a bit inside the signature value (r of ECDSA, or RSA). */
		X509_REQ_get0_signature(req, &sig, NULL);
		((ASN1_BIT_STRING *)sig)->data[10] ^= 0x01;
	}
	ck_assert_int_eq(PEM_write_bio_X509_REQ(bio, req), 1);
	n = BIO_get_mem_data(bio, &data);
	out.p = malloc((size_t)n);
	ck_assert_ptr_nonnull(out.p);
	memcpy(out.p, data, (size_t)n);
	out.len = (size_t)n;
	BIO_free(bio);
	X509_NAME_free(name);
	X509_REQ_free(req);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return out;
}

static void expect_refusal(struct child *ch, struct pem pem, const char *why)
{
	size_t rlen;

	ck_assert_uint_eq(request(ch, SL_CP_CA_SIGN_CSR, pem.p, pem.len, &rlen),
			  SL_CP_ERROR);
	ck_assert_msg(strstr(reply, why) != NULL, "\"%s\" not in \"%s\"", why, reply);
	free(pem.p);
}

static X509 *expect_cert(struct child *ch, struct pem pem)
{
	size_t rlen;
	X509 *x;
	BIO *bio;

	ck_assert_uint_eq(request(ch, SL_CP_CA_SIGN_CSR, pem.p, pem.len, &rlen),
			  SL_CP_CA_CERT);
	free(pem.p);
	bio = BIO_new_mem_buf(reply, (int)rlen);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_verify(x, X509_get0_pubkey(ch->ca)), 1);
	return x;
}

START_TEST(issues_for_good_requests)
{
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	struct child ch;
	char buf[256];
	X509 *x;

	start(&ch, true);
	/* The request asks for CA:TRUE; the certificate is CA:FALSE anyway. */
	x = expect_cert(&ch, csr(p256, "phone-1", "DNS:phone-1.example.test,"
				 "IP:192.0.2.7", "critical,CA:TRUE", false));
	ck_assert_int_eq(X509_check_ca(x), 0);
	ck_assert_int_eq(X509_check_host(x, "phone-1.example.test", 0, 0, NULL), 1);
	ck_assert_int_eq(X509_check_ip_asc(x, "192.0.2.7", 0), 1);
	ck_assert_int_eq(X509_check_purpose(x, X509_PURPOSE_SSL_SERVER, 0), 1);
	ck_assert_int_eq(X509_check_purpose(x, X509_PURPOSE_SSL_CLIENT, 0), 1);
	/* Subject is the CN alone: the requested O= is not copied. */
	X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof(buf));
	ck_assert_str_eq(buf, "/CN=phone-1");
	ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(x),
				       X509_get_subject_name(ch.ca)), 0);
	X509_free(x);
	x = expect_cert(&ch, csr(p384, "node-2", NULL, NULL, false));
	X509_free(x);
	x = expect_cert(&ch, csr(rsa, "legacy-phone", NULL, NULL, false));
	X509_free(x);
	stop(&ch, 0);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(rsa);
}
END_TEST

START_TEST(refuses_bogus_requests)
{
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	EVP_PKEY *rsa1k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	static const char garbage[] = "-----BEGIN CERTIFICATE REQUEST-----\n"
		"bm90IGEgcmVxdWVzdA==\n-----END CERTIFICATE REQUEST-----\n";
	struct child ch;
	X509 *x;

	ck_assert_ptr_nonnull(ed);
	start(&ch, true);
	expect_refusal(&ch, csr(p256, "phone-1", NULL, NULL, true),
		       "signature does not verify");
	expect_refusal(&ch, csr(rsa1k, "phone-1", NULL, NULL, false),
		       "RSA key of 1024 bits is too short");
	expect_refusal(&ch, csr(p521, "phone-1", NULL, NULL, false),
		       "curve secp521r1 is not accepted");
	expect_refusal(&ch, csr(ed, "phone-1", NULL, NULL, false),
		       "ED25519 key is not accepted");
	expect_refusal(&ch, csr(p256, NULL, NULL, NULL, false),
		       "no common name");
	expect_refusal(&ch, csr(p256, "bad\tname", NULL, NULL, false),
		       "not printable ASCII");
	expect_refusal(&ch, csr(p256, "phone-1", "email:a@example.test", NULL,
				false), "only DNS and IP");
	expect_refusal(&ch, csr(p256, "phone-1", "DNS:bad..name", NULL, false), "not a valid DNS");
	expect_refusal(&ch, (struct pem){ strdup(garbage), sizeof(garbage) - 1 },
		       "not a PEM certificate request");
	expect_refusal(&ch, (struct pem){ strdup("hello"), 5 },
		       "not a PEM certificate request");
	/* Refusals are not fatal: the next good request is served. */
	x = expect_cert(&ch, csr(p256, "phone-1", NULL, NULL, false));
	X509_free(x);
	stop(&ch, 0);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(rsa1k);
	EVP_PKEY_free(ed);
}
END_TEST

START_TEST(sign_before_init)
{
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct child ch;

	start(&ch, false);
	expect_refusal(&ch, csr(p256, "phone-1", NULL, NULL, false),
		       "not initialised");
	stop(&ch, 0);
	EVP_PKEY_free(p256);
}
END_TEST

/* Unknown types, types addressed to other processes, malformed frames. */
static void expect_death(unsigned type, const void *body, size_t len, bool raw)
{
	struct child ch;

	start(&ch, true);
	if (raw) {
		struct sl_cp_hdr h = { type, (uint32_t)len };

		ck_assert_int_eq(send(ch.fd, &h, sizeof(h), MSG_NOSIGNAL),
				 (ssize_t)sizeof(h));
	} else {
		ck_assert_int_eq(sl_cp_send(ch.fd, type, body, len), 0);
	}
	/* Non-zero exit (sl_fatal) without waiting for us to close. */
	ck_assert_int_ne(test_wait(ch.pid), 0);
	close(ch.fd);
	X509_free(ch.ca);
	test_rmrf(ch.dir);
}

START_TEST(fatal_messages)
{
	expect_death(999, NULL, 0, true);		/* unknown type */
	expect_death(SL_CP__COUNT, NULL, 0, true);
	expect_death(SL_CP_SIP_READY, NULL, 0, false);	/* for the parent */
	expect_death(SL_CP_CA_READY, "x", 1, false);	/* ca -> parent */
	expect_death(SL_CP_ERROR, "x", 1, false);
	expect_death(SL_CP_CA_INIT, NULL, 0, true);	/* wrong fixed size */
}
END_TEST

/* Whether one of this (parent) process's descriptors points at target. */
static bool parent_has(const char *target)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		char lp[300], t[128];
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(lp, sizeof(lp), "/proc/self/fd/%s", e->d_name);
		n = readlink(lp, t, sizeof(t) - 1);
		if (n > 0) {
			t[n] = '\0';
			found = strcmp(t, target) == 0;
		}
	}
	closedir(d);
	return found;
}

/* The child keeps only stdin/stdout/stderr and its socket; anything above
 * fd 3 must be the child's own (its event loop's epoll, pipes), never a
 * descriptor inherited from the parent (like the dup()s below). */
START_TEST(child_closes_descriptors)
{
	char path[64];
	struct dirent *e;
	struct child ch;
	int extra[4], i;
	DIR *d;

	for (i = 0; i < 4; i++)
		extra[i] = dup(2);
	start(&ch, true);	/* served one request: past its set-up */
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)ch.pid);
	d = opendir(path);
	if (d) {	/* non-dumpable: only root may look */
		while ((e = readdir(d)) != NULL) {
			char lp[320], target[128];
			ssize_t n;

			if (e->d_name[0] == '.' || atoi(e->d_name) <= 3)
				continue;
			snprintf(lp, sizeof(lp), "%s/%s", path, e->d_name);
			n = readlink(lp, target, sizeof(target) - 1);
			ck_assert_int_gt(n, 0);
			target[n] = '\0';
			ck_assert_msg(!parent_has(target),
				      "the ca child kept fd %s -> %s from its parent", e->d_name,
				      target);
		}
		closedir(d);
	}
	stop(&ch, 0);
	for (i = 0; i < 4; i++)
		close(extra[i]);
}
END_TEST

TCase *tcase_child(void)
{
	TCase *tc = tcase_create("child");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, issues_for_good_requests);
	tcase_add_test(tc, refuses_bogus_requests);
	tcase_add_test(tc, sign_before_init);
	tcase_add_test(tc, fatal_messages);
	tcase_add_test(tc, child_closes_descriptors);
	return tc;
}
