/* SPDX-License-Identifier: BSD-3-Clause */
/* Operator warnings about a device's configuration (issue 5 §4). */
#include <stdio.h>

#include "cnf_int.h"

static bool has_password(const struct sl_cnf_device *d)
{
	unsigned i;

	for (i = 0; i < d->n_lines && i < SL_CNF_MAX_LINES; i++)
		if (d->lines[i].auth_password && d->lines[i].auth_password[0])
			return true;
	return false;
}

unsigned sl_cnf_warnings(const struct sl_cnf_device *d, bool encrypt_enabled,
			 bool has_rsa_cert, sl_cnf_warn_fn fn, void *arg)
{
	char msg[512];
	unsigned n = 0;

#define WARN(code, ...) do { \
		snprintf(msg, sizeof(msg), __VA_ARGS__); \
		if (fn) \
			fn(arg, code, msg); \
		n++; \
	} while (0)

	if (!encrypt_enabled && has_password(d))
		WARN(SL_CNF_WARN_DIGEST_IN_CLEAR,
		     "digest credentials of %s would travel in the clear in %s.cnf.xml "
		     "(TFTP/HTTP without encryption); enable encrypted "
		     "configuration in its security profile", d->name, d->name);
	/* spec §5.1 step 7: the AES key is wrapped under the phone's RSA key. */
	if (encrypt_enabled && !has_rsa_cert)
		WARN(SL_CNF_WARN_NO_RSA_CERT,
		     "encrypted configuration is enabled for %s but it has no RSA "
		     "certificate (LSC or MIC) to encrypt %s.cnf.xml.enc.sgn to (EC "
		     "certificates cannot be used); its configuration is not offered at "
		     "all, not even unencrypted, so the phone will not register until an "
		     "RSA LSC is enrolled through CAPF or encryption is disabled",
		     d->name, d->name);
	if (d->mode != SL_CNF_MODE_NONSECURE && d->transport != SL_CNF_TRANSPORT_TLS)
		WARN(SL_CNF_WARN_SECURE_NOT_TLS,
		     "%s has device security mode %d but transport %s: SIP signalling "
		     "(and SRTP keys) would not be protected; set the transport to TLS",
		     d->name, (int)d->mode,
		     d->transport == SL_CNF_TRANSPORT_UDP ? "UDP" : "TCP");
	if (d->transport == SL_CNF_TRANSPORT_UDP)
		WARN(SL_CNF_WARN_UDP,
		     "%s uses SIP over UDP, which Cisco phones handle poorly; prefer TCP "
		     "or TLS", d->name);
	if (d->capf_auth_mode == SL_CNF_CAPF_AUTH_NULL_STRING)
		WARN(SL_CNF_WARN_CAPF_NULL_STRING,
		     "%s: CAPF authentication mode is null string, so any device "
		     "claiming this name can obtain a certificate; use a password or "
		     "the MIC once the phone is enrolled", d->name);
	if (d->capf_auth_mode != SL_CNF_CAPF_AUTH_NONE && !d->n_capf)
		WARN(SL_CNF_WARN_CAPF_NO_SERVER,
		     "%s has a CAPF authentication mode but no CAPF server in its "
		     "configuration, so it cannot enroll; add the CAPF host (port 3804)",
		     d->name);
#undef WARN
	return n;
}
