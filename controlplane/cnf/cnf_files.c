/* SPDX-License-Identifier: BSD-3-Clause */
/* The names of the files a device needs in the provisioning tree (spec §7.2). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cnf_int.h"

static void add(struct sl_cnf_file *f, int *n, enum sl_cnf_file_kind kind,
		const char *name, const char *header)
{
	struct sl_cnf_file *e = &f[(*n)++];

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->header_name, sizeof(e->header_name), "%s", header);
}

int sl_cnf_files(const char *dev, unsigned flags, struct sl_cnf_file *files, char *err,
		 size_t errlen)
{
	char mac[13], cnf[32], sgn[40], enc[40], tlv[32];
	int rc, n = 0;

	rc = sl_cnf_device_mac(dev, mac, err, errlen);
	if (rc)
		return rc;
	snprintf(cnf, sizeof(cnf), "SEP%s.cnf.xml", mac);
	snprintf(sgn, sizeof(sgn), "%s.sgn", cnf);
	snprintf(enc, sizeof(enc), "%s.enc.sgn", cnf);

	/* Per-phone trust lists: the phone checks FILENAME against the generic
	 * name (spec §7.2), so the header says CTLFile.tlv / ITLFile.tlv. */
	if (flags & SL_CNF_F_CTL) {
		snprintf(tlv, sizeof(tlv), "CTLSEP%s.tlv", mac);
		add(files, &n, SL_CNF_FILE_CTL, tlv, "CTLFile.tlv");
	}
	if (flags & SL_CNF_F_ITL) {
		snprintf(tlv, sizeof(tlv), "ITLSEP%s.tlv", mac);
		add(files, &n, SL_CNF_FILE_ITL, tlv, "ITLFile.tlv");
	}
	if (flags & SL_CNF_F_ENCRYPT) {
		/* spec §5.2: the plaintext .cnf.xml is deleted; .sgn is the stub.
		 * Without an RSA certificate nothing is offered (fail closed). */
		if (flags & SL_CNF_F_RSA_CERT) {
			add(files, &n, SL_CNF_FILE_STUB_SGN, sgn, sgn);
			add(files, &n, SL_CNF_FILE_ENC_SGN, enc, enc);
		}
		return n;
	}
	/* The plain file serves phones without a trust list (spec §7.2). */
	add(files, &n, SL_CNF_FILE_CNF, cnf, "");
	if (flags & SL_CNF_F_SIGNED)
		add(files, &n, SL_CNF_FILE_CNF_SGN, sgn, sgn);
	return n;
}
