/* SPDX-License-Identifier: BSD-3-Clause */
/* Signed files, .sgn (spec §4): the common header, then the file unchanged. */
#include <errno.h>
#include <string.h>

#include "sgn_internal.h"

int sl_sgn_default_filename(const char *path, char *out, size_t outlen)
{
	const char *base;
	size_t n;

	if (!path || !out)
		return -EINVAL;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	n = strlen(base);
	if (n == 0 || n + sizeof(".sgn") > outlen)
		return n ? -ENOSPC : -EINVAL;
	memcpy(out, base, n);
	memcpy(out + n, ".sgn", sizeof(".sgn"));
	return (int)(n + 4);
}

int sl_sgn_build(const struct sl_sgn_signer *s, const char *filename, uint32_t timestamp,
		 const uint8_t *data, size_t len, uint8_t **out, size_t *outlen, char *err,
		 size_t errlen)
{
	struct sgn_hdr_spec spec = {
		.version = { 1, 0 },		/* spec §4: VERSION 1.0, no SIGNER_VERSION */
		.filename = filename,
		.timestamp = timestamp,
	};

	if (!data && len)
		return sgn_fail(err, errlen, -EINVAL, "no file content given");
	return sgn_sign_file(s, &spec, data, len, out, outlen, err, errlen);
}

int sl_sgn_strip(const uint8_t *file, size_t len, const uint8_t **body, size_t *body_len,
		 char *err, size_t errlen)
{
	struct sl_sgn_header h;
	int rc = sl_sgn_header_parse(file, len, &h, err, errlen);

	if (rc)
		return rc;
	/* spec §4: the original is file[headerLength:]. */
	*body = file + h.header_length;
	*body_len = h.body_len;
	return 0;
}
