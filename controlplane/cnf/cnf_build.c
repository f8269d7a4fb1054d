/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SEP<MAC>.cnf.xml (spec §7.1) and the encrypted-configuration stub (spec
 * §5.2). The root is a bare <device>: no attributes and no namespace
 * prefixes, because enccnf parses the file with lxml, which rejects
 * undeclared prefixes such as xsi:type (spec §5.1 step 1).
 *
 * Only elements the spec names, plus the well-known line elements of
 * sipProfile/sipLines and the device/devicePool skeleton they sit in, are
 * written; everything else on the phone keeps its default. Element order
 * follows the usecallmanager SEPMAC.cnf.xml template.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cnf_int.h"

static void call_managers(struct cnf_xml *x, const struct sl_cnf_device *d)
{
	char prio[12];
	unsigned i;

	cnf_xml_open(x, "devicePool");
	cnf_xml_open(x, "callManagerGroup");
	cnf_xml_open(x, "members");
	for (i = 0; i < d->n_cm; i++) {
		snprintf(prio, sizeof(prio), "%u", i);
		cnf_xml_open_attr(x, "member", "priority", prio, NULL, NULL);
		cnf_xml_open(x, "callManager");
		cnf_xml_open(x, "ports");
		cnf_xml_uint(x, "sipPort", d->cm[i].sip_port);
		cnf_xml_uint(x, "securedSipPort", d->cm[i].secured_sip_port);
		cnf_xml_close(x, "ports");
		cnf_xml_text(x, "processNodeName", d->cm[i].host);
		cnf_xml_close(x, "callManager");
		cnf_xml_close(x, "member");
	}
	cnf_xml_close(x, "members");
	cnf_xml_close(x, "callManagerGroup");
	cnf_xml_close(x, "devicePool");
}

/* TVS/members/member[@priority 0-4]/{port, address} (spec §7.1), written
 * with the correct closing tag (the doc template's </TVS> typo is not
 * copied). No TVS configured: no element. */
static void tvs(struct cnf_xml *x, const struct sl_cnf_device *d)
{
	char prio[12];
	unsigned i;

	if (!d->n_tvs)
		return;
	cnf_xml_open(x, "TVS");
	cnf_xml_open(x, "members");
	for (i = 0; i < d->n_tvs; i++) {
		snprintf(prio, sizeof(prio), "%u", i);
		cnf_xml_open_attr(x, "member", "priority", prio, NULL, NULL);
		cnf_xml_uint(x, "port", d->tvs[i].port ? d->tvs[i].port : SL_CNF_TVS_PORT);
		cnf_xml_text(x, "address", d->tvs[i].host);
		cnf_xml_close(x, "member");
	}
	cnf_xml_close(x, "members");
	cnf_xml_close(x, "TVS");
}

static void lines(struct cnf_xml *x, const struct sl_cnf_device *d)
{
	char idx[12];
	unsigned i;

	cnf_xml_open(x, "sipProfile");
	cnf_xml_open(x, "sipLines");
	for (i = 0; i < d->n_lines; i++) {
		const struct sl_cnf_line *l = &d->lines[i];

		snprintf(idx, sizeof(idx), "%u", i + 1);
		cnf_xml_open_attr(x, "line", "button", idx, "lineIndex", idx);
		cnf_xml_uint(x, "featureID", 9);	/* 9 = a phone line */
		cnf_xml_text(x, "featureLabel", l->label);
		cnf_xml_text(x, "name", l->name);
		cnf_xml_text(x, "displayName", l->display_name);
		cnf_xml_text(x, "authName", l->auth_name);
		if (l->auth_password)
			cnf_xml_text(x, "authPassword", l->auth_password);
		cnf_xml_text(x, "contact", l->contact);
		cnf_xml_close(x, "line");
	}
	cnf_xml_close(x, "sipLines");
	cnf_xml_close(x, "sipProfile");
}

static void capf_auth_mode(struct cnf_xml *x, const struct sl_cnf_device *d)
{
	if (d->capf_auth_mode != SL_CNF_CAPF_AUTH_NONE)
		cnf_xml_uint(x, "capfAuthMode", d->capf_auth_mode);
}

static int finish(struct cnf_xml *x, struct sl_cnf_buf *out, char *err, size_t errlen)
{
	if (x->rc) {
		cnf_buf_reset(out);
		snprintf(err, errlen, "out of memory building the configuration file");
		return x->rc;
	}
	return 0;
}

int sl_cnf_build(const struct sl_cnf_device *d, struct sl_cnf_buf *out, char *err,
		 size_t errlen)
{
	struct cnf_xml x = { .b = out };
	int rc;

	cnf_buf_reset(out);
	rc = sl_cnf_device_check(d, err, errlen);
	if (rc)
		return rc;
	x.rc = cnf_buf_str(out, CNF_XML_DECL);
	cnf_xml_open(&x, "device");
	cnf_xml_text(&x, "fullConfig", "true");
	cnf_xml_text(&x, "deviceProtocol", "SIP");
	cnf_xml_uint(&x, "ipAddressMode", d->ip_address_mode);
	call_managers(&x, d);
	tvs(&x, d);
	lines(&x, d);
	cnf_xml_text(&x, "loadInformation", d->load_information);
	if (d->user_locale) {
		cnf_xml_open(&x, "userLocale");
		cnf_xml_text(&x, "name", d->user_locale);
		cnf_xml_close(&x, "userLocale");
	}
	if (d->network_locale)
		cnf_xml_text(&x, "networkLocale", d->network_locale);
	/* spec §7.1 security elements */
	cnf_xml_uint(&x, "deviceSecurityMode", d->mode);
	cnf_xml_uint(&x, "transportLayerProtocol", d->transport);
	cnf_xml_uint(&x, "TLSResumptionTimer", d->tls_resumption_timer);
	cnf_xml_text(&x, "certHash", d->cert_hash);
	cnf_xml_text(&x, "encrConfig", "false");
	capf_auth_mode(&x, d);
	cnf_xml_capf_list(&x, d);
	cnf_xml_close(&x, "device");
	return finish(&x, out, err, errlen);
}

int sl_cnf_cert_hash(const uint8_t *der, size_t len, char hex[33])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	/* MD5 only names the certificate here (spec §5.2 certHash); it is not
	 * used for any security decision. */
	if (!EVP_Digest(der, len, md, &mdlen, EVP_md5(), NULL) || mdlen != 16)
		return -EIO;
	for (i = 0; i < 16; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[32] = 0;
	return 0;
}

/* The stub's certificate must be the RSA key the AES key is wrapped under
 * (spec §5.1 step 7). */
static int check_cert(const char *name, const uint8_t *der, size_t len, char *err,
		      size_t errlen)
{
	const unsigned char *p = der;
	X509 *cert;
	EVP_PKEY *pk;
	int ok;

	if (!der || !len) {
		snprintf(err, errlen, "%s: no phone certificate given for the encrypted "
			 "configuration stub; enroll an LSC through CAPF first", name);
		return -EINVAL;
	}
	cert = d2i_X509(NULL, &p, (long)len);
	if (!cert || p != der + len) {
		X509_free(cert);
		snprintf(err, errlen, "%s: the phone certificate is not one DER X.509 "
			 "certificate; give the LSC or MIC in DER form", name);
		return -EINVAL;
	}
	pk = X509_get0_pubkey(cert);
	ok = pk && EVP_PKEY_is_a(pk, "RSA");
	X509_free(cert);
	if (!ok) {
		snprintf(err, errlen, "%s: the phone certificate has no RSA key; encrypted "
			 "configuration wraps its key with RSA only (EC is unsupported), so "
			 "enroll an RSA LSC or disable encrypted configuration", name);
		return -EINVAL;
	}
	return 0;
}

int sl_cnf_build_stub(const struct sl_cnf_device *d, const uint8_t *cert_der,
		      size_t cert_len, struct sl_cnf_buf *out, char *err, size_t errlen)
{
	struct cnf_xml x = { .b = out };
	char hash[33];
	int rc;

	cnf_buf_reset(out);
	rc = sl_cnf_device_check(d, err, errlen);
	if (rc)
		return rc;
	rc = check_cert(d->name, cert_der, cert_len, err, errlen);
	if (rc)
		return rc;
	if (sl_cnf_cert_hash(cert_der, cert_len, hash)) {
		snprintf(err, errlen, "%s: MD5 is not available in this OpenSSL (FIPS-only "
			 "provider?); load the default provider", d->name);
		return -EIO;
	}
	/* spec §5.2: root without attributes, fullConfig=false, copies of
	 * ipAddressMode, loadInformation, capfAuthMode, capfList, then certHash
	 * and encrConfig=true. */
	x.rc = cnf_buf_str(out, CNF_XML_DECL);
	cnf_xml_open(&x, "device");
	cnf_xml_text(&x, "fullConfig", "false");
	cnf_xml_uint(&x, "ipAddressMode", d->ip_address_mode);
	cnf_xml_text(&x, "loadInformation", d->load_information);
	capf_auth_mode(&x, d);
	cnf_xml_capf_list(&x, d);
	cnf_xml_text(&x, "certHash", hash);
	cnf_xml_text(&x, "encrConfig", "true");
	cnf_xml_close(&x, "device");
	return finish(&x, out, err, errlen);
}
