/* SPDX-License-Identifier: BSD-3-Clause */
/* Validation of a device record before anything is written from it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cnf_int.h"

int sl_cnf_device_mac(const char *name, char mac[13], char *err, size_t errlen)
{
	size_t len, i;

	if (!name || !*name) {
		snprintf(err, errlen, "the device name is empty; use SEP followed by the "
			 "12 hex digits of the phone's MAC address, e.g. SEP001122AABBCC");
		return -EINVAL;
	}
	len = strlen(name);
	/* spec §7.2: <MAC> is 12 uppercase hex digits. */
	if (len != SL_CNF_DEVNAME_LEN || strncmp(name, "SEP", 3) != 0) {
		snprintf(err, errlen, "device name \"%.40s\" is not SEP followed by 12 hex "
			 "digits; phones request SEP<MAC>.cnf.xml, e.g. SEP001122AABBCC", name);
		return -EINVAL;
	}
	for (i = 3; i < len; i++) {
		char c = name[i];

		if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))
			continue;
		if (c >= 'a' && c <= 'f')
			snprintf(err, errlen, "device name \"%s\" has lowercase hex digit '%c'; "
				 "phones request the MAC in uppercase, write it in uppercase",
				 name, c);
		else
			snprintf(err, errlen, "device name \"%.40s\": character %zu is not a hex "
				 "digit; the MAC part must be 12 hex digits 0-9A-F", name, i + 1);
		return -EINVAL;
	}
	if (mac) {
		memcpy(mac, name + 3, 12);
		mac[12] = 0;
	}
	return 0;
}

/* A host name or address: non-empty text without spaces. */
static int host_check(const char *what, const char *h, char *err, size_t errlen)
{
	int rc;

	if (!h || !*h) {
		snprintf(err, errlen, "%s: the host is empty; give a host name or address",
			 what);
		return -EINVAL;
	}
	rc = cnf_text_check(what, h, err, errlen);
	if (rc)
		return rc;
	if (strpbrk(h, " <>&\"'")) {
		snprintf(err, errlen, "%s \"%.60s\" is not a host name or address; remove "
			 "spaces and markup characters", what, h);
		return -EINVAL;
	}
	return 0;
}

static int opt_text(const char *what, const char *s, char *err, size_t errlen)
{
	return s ? cnf_text_check(what, s, err, errlen) : 0;
}

static int req_text(const char *what, const char *s, char *err, size_t errlen)
{
	if (!s || !*s) {
		snprintf(err, errlen, "%s is empty; it is required", what);
		return -EINVAL;
	}
	return cnf_text_check(what, s, err, errlen);
}

static int check_modes(const struct sl_cnf_device *d, char *err, size_t errlen)
{
	if (d->mode < SL_CNF_MODE_NONSECURE || d->mode > SL_CNF_MODE_ENCRYPTED) {
		snprintf(err, errlen, "%s: device security mode %d is not 1 (non-secure), "
			 "2 (authenticated) or 3 (encrypted)", d->name, (int)d->mode);
		return -EINVAL;
	}
	if (d->transport < SL_CNF_TRANSPORT_TCP || d->transport > SL_CNF_TRANSPORT_TLS) {
		snprintf(err, errlen, "%s: transport %d is not 1 (TCP), 2 (UDP) or 3 (TLS)",
			 d->name, (int)d->transport);
		return -EINVAL;
	}
	/* spec §7.1: TLS needs mode 2 or 3. */
	if (d->transport == SL_CNF_TRANSPORT_TLS && d->mode == SL_CNF_MODE_NONSECURE) {
		snprintf(err, errlen, "%s: transport TLS needs device security mode 2 "
			 "(authenticated) or 3 (encrypted), not 1 (non-secure); raise the "
			 "security mode or use TCP", d->name);
		return -EINVAL;
	}
	if (d->capf_auth_mode > SL_CNF_CAPF_AUTH_MIC) {
		snprintf(err, errlen, "%s: capfAuthMode %d is not 0 (unset), 1 (password), "
			 "2 (null string), 3 (LSC then MIC) or 4 (MIC)", d->name,
			 (int)d->capf_auth_mode);
		return -EINVAL;
	}
	if (d->ip_address_mode > 2) {
		snprintf(err, errlen, "%s: ipAddressMode %u is not 0 (IPv4), 1 (IPv6) or "
			 "2 (both)", d->name, d->ip_address_mode);
		return -EINVAL;
	}
	return 0;
}

static int check_servers(const struct sl_cnf_device *d, char *err, size_t errlen)
{
	char what[64];
	unsigned i;
	int rc;

	if (d->n_cm < 1 || d->n_cm > SL_CNF_MAX_CM) {
		snprintf(err, errlen, "%s: %u call servers given; give 1 to %d", d->name,
			 d->n_cm, SL_CNF_MAX_CM);
		return -EINVAL;
	}
	for (i = 0; i < d->n_cm; i++) {
		snprintf(what, sizeof(what), "%s: call server %u", d->name, i + 1);
		rc = host_check(what, d->cm[i].host, err, errlen);
		if (rc)
			return rc;
		if (!d->cm[i].sip_port || !d->cm[i].secured_sip_port) {
			snprintf(err, errlen, "%s: call server %u has port 0; give sipPort "
				 "(e.g. 5060) and securedSipPort (e.g. 5061)", d->name, i + 1);
			return -EINVAL;
		}
	}
	if (d->n_capf > SL_CNF_MAX_CAPF || d->n_tvs > SL_CNF_MAX_TVS) {
		snprintf(err, errlen, "%s: %u CAPF and %u TVS servers given; at most %d of "
			 "each are allowed (spec §7.1)", d->name, d->n_capf, d->n_tvs,
			 SL_CNF_MAX_CAPF);
		return -EINVAL;
	}
	for (i = 0; i < d->n_capf; i++) {
		snprintf(what, sizeof(what), "%s: CAPF server %u", d->name, i + 1);
		rc = host_check(what, d->capf[i].host, err, errlen);
		if (rc)
			return rc;
	}
	for (i = 0; i < d->n_tvs; i++) {
		snprintf(what, sizeof(what), "%s: TVS server %u", d->name, i + 1);
		rc = host_check(what, d->tvs[i].host, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_lines(const struct sl_cnf_device *d, char *err, size_t errlen)
{
	char what[64];
	unsigned i;
	int rc;

	if (d->n_lines < 1 || d->n_lines > SL_CNF_MAX_LINES) {
		snprintf(err, errlen, "%s: %u lines given; a phone needs 1 to %d", d->name,
			 d->n_lines, SL_CNF_MAX_LINES);
		return -EINVAL;
	}
	for (i = 0; i < d->n_lines; i++) {
		const struct sl_cnf_line *l = &d->lines[i];

#define L(field, fn) do { \
		snprintf(what, sizeof(what), "%s: line %u %s", d->name, i + 1, field); \
		rc = fn; \
		if (rc) \
			return rc; \
	} while (0)
		L("featureLabel", req_text(what, l->label, err, errlen));
		L("name", req_text(what, l->name, err, errlen));
		L("displayName", opt_text(what, l->display_name, err, errlen));
		L("authName", opt_text(what, l->auth_name, err, errlen));
		L("authPassword", opt_text(what, l->auth_password, err, errlen));
		L("contact", opt_text(what, l->contact, err, errlen));
#undef L
	}
	return 0;
}

int sl_cnf_device_check(const struct sl_cnf_device *d, char *err, size_t errlen)
{
	static const char *const names[] = {
		"description", "certHash", "loadInformation", "userLocale", "networkLocale",
	};
	const char *vals[] = {
		d->description, d->cert_hash, d->load_information, d->user_locale,
		d->network_locale,
	};
	char what[64];
	size_t i;
	int rc;

	rc = sl_cnf_device_mac(d->name, NULL, err, errlen);
	if (!rc)
		rc = check_modes(d, err, errlen);
	if (!rc)
		rc = check_servers(d, err, errlen);
	if (!rc)
		rc = check_lines(d, err, errlen);
	for (i = 0; !rc && i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(what, sizeof(what), "%s: %s", d->name, names[i]);
		rc = opt_text(what, vals[i], err, errlen);
	}
	return rc;
}
