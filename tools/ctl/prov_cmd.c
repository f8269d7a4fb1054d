/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl ctl build|verify and image sign|verify (issue 5;
 * docs/provisioning.md).
 *
 *   ctl build                       the daemon rebuilds and re-signs the tree
 *   ctl verify FILE [--previous OLD]
 *                                   checks a CTLFile.tlv / ITLFile.tlv here:
 *                                   its signature by its own SAST record
 *                                   (spec §3.3), and with --previous the
 *                                   phone's rule that an update must be signed
 *                                   by a SAST certificate OLD lists
 *   image sign FILE [--out OUT] [--filename NAME]
 *                                   FILE.sgn in the signed-file format (spec
 *                                   §4) with the TFTP key: the header is built
 *                                   here, only the digest goes to the daemon
 *   image verify FILE.sgn [--cert PEM] [--out ORIGINAL]
 *                                   checks the signature (default signer: the
 *                                   appliance's TFTP certificate)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ctl.h"
#include "sgn.h"

#define FILE_MAX	(512u << 20)	/* firmware images are tens of MB */

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	ssize_t r;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ctl_err(CTL_EXIT_USAGE, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ctl_err(CTL_EXIT_USAGE, "%s is not a regular file", path);
	}
	if ((uint64_t)st.st_size > FILE_MAX) {
		close(fd);
		return ctl_err(CTL_EXIT_USAGE, "%s is larger than %u MiB", path, FILE_MAX >> 20);
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		close(fd);
		return ctl_err(CTL_EXIT_FAIL, "out of memory for %s", path);
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, *buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(*buf);
		return ctl_err(CTL_EXIT_FAIL, "cannot read %s", path);
	}
	*len = got;
	return CTL_EXIT_OK;
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
	char tmp[4096];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return ctl_err(CTL_EXIT_USAGE, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return ctl_err(CTL_EXIT_FAIL, "cannot create %s: %s", tmp, strerror(errno));
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(fd);
			unlink(tmp);
			return ctl_err(CTL_EXIT_FAIL, "cannot write %s: %s", tmp, strerror(errno));
		}
		p += k;
		n -= (size_t)k;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return ctl_err(CTL_EXIT_FAIL, "cannot write %s: %s", path, strerror(errno));
	}
	return CTL_EXIT_OK;
}

static X509 *cert_from_pem(const char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	ERR_clear_error();
	return x;
}

static void hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < cap; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
	out[2 * i] = '\0';
}

static const char *hash_name(int h)
{
	return h == SL_HASH_SHA1 ? "sha1" : h == SL_HASH_SHA512 ? "sha512" :
	       h == SL_HASH_SHA256 ? "sha256" : "?";
}

static void print_header(const struct sl_sgn_header *h, bool json)
{
	char serial[2 * SL_SGN_MAX_SERIAL + 1], when[32] = "-";
	time_t t = (time_t)h->timestamp;
	struct tm tm;

	hex(h->serial, h->serial_len, serial, sizeof(serial));
	if (h->has_timestamp && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (json) {
		printf("\"filename\": \"%s\", \"version\": \"%u.%u\", ", h->filename ? h->filename : "",
		       h->version[0], h->version[1]);
		if (h->has_signer_version)
			printf("\"signer_version\": \"%u.%u\", ", h->signer_version[0],
			       h->signer_version[1]);
		printf("\"hash\": \"%s\", \"signer\": \"%s\", \"serial\": \"%s\", \"timestamp\": %u",
		       hash_name(h->hash), h->signer_name ? h->signer_name : "", serial,
		       h->timestamp);
		return;
	}
	printf("file name:       %s\n", h->filename ? h->filename : "-");
	printf("version:         %u.%u\n", h->version[0], h->version[1]);
	if (h->has_signer_version)
		printf("signer version:  %u.%u\n", h->signer_version[0], h->signer_version[1]);
	printf("hash:            %s\n", hash_name(h->hash));
	printf("signer:          %s\n", h->signer_name ? h->signer_name : "-");
	printf("signer serial:   %s\n", serial);
	printf("signed at:       %s\n", when);
}

/* ---- ctl verify ---- */

static int ctl_verify(const struct ctl_opts *o, int argc, char **argv)
{
	const char *path = NULL, *prev_path = NULL;
	uint8_t *file = NULL, *prev = NULL;
	size_t len = 0, prev_len = 0, n = 0;
	struct sl_tlv_record r[64];
	struct sl_sgn_header h;
	char err[512];
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--previous") && i + 1 < argc)
			prev_path = argv[++i];
		else if (!strncmp(argv[i], "--previous=", 11))
			prev_path = argv[i] + 11;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			return ctl_err(CTL_EXIT_USAGE, "ctl verify: unexpected '%s' (usage: ctl verify "
				       "FILE [--previous OLD])", argv[i]);
	}
	if (!path)
		return ctl_err(CTL_EXIT_USAGE, "ctl verify: give the .tlv file (usage: ctl verify "
			       "FILE [--previous OLD])");
	if ((rc = read_file(path, &file, &len)) != CTL_EXIT_OK)
		return rc;
	if (sl_tlv_parse(file, len, &h, r, sizeof(r) / sizeof(r[0]), &n, err, sizeof(err)) < 0) {
		free(file);
		return ctl_err(CTL_EXIT_FAIL, "%s: %s", path, err);
	}
	if (o->json)
		printf("{");
	print_header(&h, o->json);
	if (o->json)
		printf(", \"records\": [");
	else
		printf("records:         %zu\n  %-10s  %-40s  %s\n", n, "ROLE", "SUBJECT", "SERIAL");
	for (size_t i = 0; i < n && i < sizeof(r) / sizeof(r[0]); i++) {
		char serial[2 * SL_SGN_MAX_SERIAL + 1];
		const char *role = sl_role_name((unsigned)r[i].role);

		hex(r[i].serial, r[i].serial_len, serial, sizeof(serial));
		if (o->json)
			printf("%s{\"role\": %d, \"role_name\": \"%s\", \"subject\": \"%s\", "
			       "\"serial\": \"%s\"}", i ? ", " : "", r[i].role, role ? role : "",
			       r[i].subject_name ? r[i].subject_name : "", serial);
		else
			printf("  %-10s  %-40s  %s\n", role ? role : "?",
			       r[i].subject_name ? r[i].subject_name : "-", serial);
	}
	if (o->json)
		printf("]");
	rc = sl_tlv_verify(file, len, err, sizeof(err));
	if (rc == 0 && prev_path) {
		if ((rc = read_file(prev_path, &prev, &prev_len)) != CTL_EXIT_OK) {
			free(file);
			return rc;
		}
		rc = sl_tlv_verify_update(file, len, prev, prev_len, err, sizeof(err));
	}
	if (o->json) {
		printf(", \"valid\": %s", rc == 0 ? "true" : "false");
		if (rc)
			printf(", \"error\": \"%s\"", err);
		printf("}\n");
	} else if (rc == 0) {
		printf("signature:       valid (signed by its SAST record)\n");
		if (prev_path)
			printf("update rule:     accepted: %s lists the signer as SAST\n", prev_path);
	}
	free(file);
	free(prev);
	if (rc)
		return ctl_err(CTL_EXIT_FAIL, "%s: %s", path, err);
	return CTL_EXIT_OK;
}

/* ---- image sign / verify ---- */

/* The daemon's TFTP certificate and file hash ("image signer"). */
static int fetch_signer(const struct ctl_opts *o, X509 **cert, enum sl_hash *hash)
{
	char *args[] = { "image", "signer", NULL };
	char *text = NULL;
	size_t len = 0;
	int rc = ctl_daemon_call(o, 2, args, &text, &len);

	if (rc != CTL_EXIT_OK)
		return rc;
	*hash = strstr(text, "hash: sha512") ? SL_HASH_SHA512 : SL_HASH_SHA1;
	*cert = cert_from_pem(text, len);
	free(text);
	if (!*cert)
		return ctl_err(CTL_EXIT_FAIL, "shieldlockd sent no TFTP certificate");
	return CTL_EXIT_OK;
}

static int daemon_sign(void *arg, enum sl_hash hash, const uint8_t *digest, size_t dlen,
		       uint8_t *sig, size_t *siglen, char *err, size_t errlen)
{
	const struct ctl_opts *o = arg;
	char dhex[2 * 64 + 1];
	char *args[] = { "image", "sign-digest", "--hash", (char *)hash_name(hash), "--digest",
			 dhex, NULL };
	char *text = NULL;
	size_t len = 0, n = 0;

	if (dlen > 64) {
		snprintf(err, errlen, "digest too long");
		return -1;
	}
	hex(digest, dlen, dhex, sizeof(dhex));
	if (ctl_daemon_call(o, 6, args, &text, &len) != CTL_EXIT_OK) {
		snprintf(err, errlen, "shieldlockd did not sign (see above)");
		return -1;
	}
	for (size_t i = 0; i + 1 < len && text[i] != '\n'; i += 2) {
		unsigned v;

		if (n == *siglen || sscanf(text + i, "%2x", &v) != 1) {
			free(text);
			snprintf(err, errlen, "bad signature from shieldlockd");
			return -1;
		}
		sig[n++] = (uint8_t)v;
	}
	free(text);
	*siglen = n;
	return 0;
}

static int image_sign(const struct ctl_opts *o, int argc, char **argv)
{
	const char *path = NULL, *out = NULL, *name = NULL;
	char outbuf[4096], defname[256], err[512];
	struct sl_sgn_signer s;
	uint8_t *data = NULL, *sgn = NULL;
	size_t len = 0, sgnlen = 0;
	X509 *cert = NULL;
	enum sl_hash hash;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--filename") && i + 1 < argc)
			name = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			return ctl_err(CTL_EXIT_USAGE, "image sign: unexpected '%s' (usage: image sign "
				       "FILE [--out OUT] [--filename NAME])", argv[i]);
	}
	if (!path)
		return ctl_err(CTL_EXIT_USAGE, "image sign: give the FILE to sign");
	if (!name) {
		if (sl_sgn_default_filename(path, defname, sizeof(defname)) < 0)
			return ctl_err(CTL_EXIT_USAGE, "%s: name too long; give --filename", path);
		name = defname;
	}
	if (!out) {
		if (snprintf(outbuf, sizeof(outbuf), "%s.sgn", path) >= (int)sizeof(outbuf))
			return ctl_err(CTL_EXIT_USAGE, "%s: path too long; give --out", path);
		out = outbuf;
	}
	if ((rc = read_file(path, &data, &len)) != CTL_EXIT_OK)
		return rc;
	if ((rc = fetch_signer(o, &cert, &hash)) != CTL_EXIT_OK) {
		free(data);
		return rc;
	}
	s = (struct sl_sgn_signer){ cert, daemon_sign, (void *)o, hash };
	if (sl_sgn_build(&s, name, (uint32_t)time(NULL), data, len, &sgn, &sgnlen, err,
			 sizeof(err)) < 0) {
		rc = ctl_err(CTL_EXIT_FAIL, "%s: %s", path, err);
	} else if ((rc = write_file(out, sgn, sgnlen)) == CTL_EXIT_OK) {
		if (o->json)
			printf("{\"signed\": \"%s\", \"filename\": \"%s\", \"bytes\": %zu}\n", out,
			       name, sgnlen);
		else
			printf("%s: signed with the TFTP key as %s (FILENAME %s, %zu bytes)\n", path,
			       out, name, sgnlen);
	}
	free(sgn);
	free(data);
	X509_free(cert);
	return rc;
}

static int image_verify(const struct ctl_opts *o, int argc, char **argv)
{
	const char *path = NULL, *certp = NULL, *out = NULL;
	uint8_t *file = NULL, *pem = NULL;
	size_t len = 0, pemlen = 0;
	struct sl_sgn_header h;
	X509 *cert = NULL;
	enum sl_hash hash;
	char err[512];
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cert") && i + 1 < argc)
			certp = argv[++i];
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			return ctl_err(CTL_EXIT_USAGE, "image verify: unexpected '%s' (usage: image "
				       "verify FILE.sgn [--cert PEM] [--out ORIGINAL])", argv[i]);
	}
	if (!path)
		return ctl_err(CTL_EXIT_USAGE, "image verify: give the signed FILE");
	if (certp) {
		if ((rc = read_file(certp, &pem, &pemlen)) != CTL_EXIT_OK)
			return rc;
		cert = cert_from_pem((char *)pem, pemlen);
		free(pem);
		if (!cert)
			return ctl_err(CTL_EXIT_USAGE, "%s holds no PEM certificate", certp);
	} else if ((rc = fetch_signer(o, &cert, &hash)) != CTL_EXIT_OK) {
		return rc;
	}
	if ((rc = read_file(path, &file, &len)) != CTL_EXIT_OK) {
		X509_free(cert);
		return rc;
	}
	if (sl_sgn_header_parse(file, len, &h, err, sizeof(err)) < 0) {
		rc = ctl_err(CTL_EXIT_FAIL, "%s: %s", path, err);
		goto out;
	}
	if (!o->json)
		print_header(&h, false);
	if (sl_sgn_verify_cert(file, len, cert, err, sizeof(err)) < 0) {
		rc = ctl_err(CTL_EXIT_FAIL, "%s: %s", path, err);
		goto out;
	}
	if (out && (rc = write_file(out, file + h.header_length, h.body_len)) != CTL_EXIT_OK)
		goto out;
	if (o->json) {
		printf("{");
		print_header(&h, true);
		printf(", \"valid\": true, \"bytes\": %zu}\n", h.body_len);
	} else {
		printf("signature:       valid (%zu bytes signed)\n", h.body_len);
	}
	rc = CTL_EXIT_OK;
out:
	free(file);
	X509_free(cert);
	return rc;
}

void ctl_prov_usage(FILE *f, const char *group)
{
	if (!group || !strcmp(group, "ctl"))
		fprintf(f,
"  ctl build                                  rebuild and re-sign the provisioning files\n"
"  ctl verify FILE [--previous OLD]           check a CTLFile.tlv/ITLFile.tlv (and the\n"
"                                             update rule against the previous file)\n");
	if (!group || !strcmp(group, "image"))
		fprintf(f,
"  image sign FILE [--out OUT] [--filename NAME]   sign with the TFTP key (FILE.sgn)\n"
"  image verify FILE.sgn [--cert PEM] [--out ORIGINAL]  check a signed file\n");
}

int ctl_prov_main(const struct ctl_opts *o, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (argc < 2 || !strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		fprintf(argc < 2 ? stderr : stdout, "usage:\n");
		ctl_prov_usage(argc < 2 ? stderr : stdout, argv[0]);
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	if (!strcmp(argv[0], "ctl")) {
		if (!strcmp(sub, "verify"))
			return ctl_verify(o, argc - 1, argv + 1);
		if (!strcmp(sub, "build"))
			return ctl_daemon_main(o, argc, argv);
		return ctl_err(CTL_EXIT_USAGE, "ctl: unknown subcommand '%s' (build, verify)", sub);
	}
	if (!strcmp(sub, "sign"))
		return image_sign(o, argc - 1, argv + 1);
	if (!strcmp(sub, "verify"))
		return image_verify(o, argc - 1, argv + 1);
	return ctl_err(CTL_EXIT_USAGE, "image: unknown subcommand '%s' (sign, verify)", sub);
}
