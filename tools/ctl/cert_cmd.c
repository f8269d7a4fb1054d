/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl cert ... (docs/certificates.md). shieldlockd does the work
 * (controlplane/admin/admin_cert.c); this file handles what needs the
 * user's files:
 *
 *   cert import FILE|- [--name LABEL]   reads a PEM bundle or a DER file and
 *                                       sends it base64-encoded (--data)
 *   cert export KEY [--der] [--out FILE]
 *                                       PEM on stdout by default; DER is
 *                                       written to --out FILE or to a stdout
 *                                       that is not a terminal
 *
 * Every other subcommand goes to ctl_daemon_main unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "admin_proto.h"
#include "ctl.h"

/* The largest file whose base64 still fits one admin frame, with 1 KiB
 * left for the other arguments. */
#define CERT_FILE_MAX ((SL_ADMIN_FRAME_MAX - 1024) / 4 * 3)

static void cert_usage(FILE *f)
{
	fprintf(f,
"usage: shieldlockctl [--daemon-socket PATH] [--json] cert COMMAND\n"
"\n"
"The appliance's own certificates (ca, node, tftp, capf, sast1, sast2) and the\n"
"trust store that TLS client certificates are verified against.\n"
"\n"
"  cert list                            own certificates, then the trust store\n"
"  cert show [NAME|FILE|FP] [--pem]     details; no argument: the node certificate\n"
"  cert fingerprint NAME|FILE|FP [--sha1|--sha256]\n"
"                                       one fingerprint line (SHA-256 by default)\n"
"  cert export NAME|FILE|FP [--der] [--out FILE]\n"
"                                       PEM on stdout, or DER into FILE\n"
"  cert import FILE|- [--name LABEL]    add the certificates of a PEM bundle or a\n"
"                                       DER file to the trust store\n"
"  cert delete FILE|FP                  remove a trust store certificate\n"
"  cert regenerate NAME                 new key and certificate for an own one\n"
"  cert check [--fix]                   check (and repair) the trust store names\n"
"\n"
"NAME is an own certificate's name, FILE a trust store file (<hash>.N, see\n"
"cert list), FP a SHA-256 or SHA-1 fingerprint or a prefix of at least 8 hex\n"
"digits (colons optional). Files up to %u bytes are imported; private keys\n"
"are refused. After import, delete and regenerate shieldlockd rebuilds the\n"
"files that depend on the certificates and its listeners reload them.\n",
		(unsigned)CERT_FILE_MAX);
}

/* Reads path ("-" = stdin) into a malloc'd buffer of at most CERT_FILE_MAX. */
static int read_input(const char *path, uint8_t **buf, size_t *len)
{
	size_t cap = 64 * 1024, n = 0;
	uint8_t *b = malloc(cap);
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	struct stat st;

	if (!b) {
		if (fd > STDIN_FILENO)
			close(fd);
		return ctl_err(CTL_EXIT_FAIL, "out of memory");
	}
	if (fd < 0) {
		free(b);
		return ctl_err(CTL_EXIT_USAGE, "cannot open %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(b);
		close(fd);
		return ctl_err(CTL_EXIT_USAGE, "%s is a directory; give a certificate file", path);
	}
	for (;;) {
		ssize_t k;

		if (n == cap) {
			uint8_t *nb = cap <= CERT_FILE_MAX ? realloc(b, cap * 2) : NULL;

			if (!nb) {
				OPENSSL_cleanse(b, n);
				free(b);
				if (fd > STDIN_FILENO)
					close(fd);
				if (cap > CERT_FILE_MAX)
					return ctl_err(CTL_EXIT_USAGE, "%s is larger than %u bytes, the most one "
						       "request carries (the admin socket's %u-byte frame, "
						       "base64-encoded); split the bundle", path,
						       (unsigned)CERT_FILE_MAX, SL_ADMIN_FRAME_MAX);
				return ctl_err(CTL_EXIT_FAIL, "out of memory");
			}
			b = nb;
			cap *= 2;
		}
		k = read(fd, b + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;

			OPENSSL_cleanse(b, n);
			free(b);
			if (fd > STDIN_FILENO)
				close(fd);
			return ctl_err(CTL_EXIT_USAGE, "cannot read %s: %s", path, strerror(e));
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (fd > STDIN_FILENO)
		close(fd);
	if (n > CERT_FILE_MAX) {
		OPENSSL_cleanse(b, n);
		free(b);
		return ctl_err(CTL_EXIT_USAGE, "%s is %zu bytes; at most %u bytes fit one request (the "
			       "admin socket's %u-byte frame, base64-encoded): split the bundle", path, n,
			       (unsigned)CERT_FILE_MAX, SL_ADMIN_FRAME_MAX);
	}
	if (n == 0) {
		free(b);
		return ctl_err(CTL_EXIT_USAGE, "%s is empty; give a PEM or DER certificate file", path);
	}
	*buf = b;
	*len = n;
	return CTL_EXIT_OK;
}

/* A private key is refused before anything is sent (shieldlockd refuses it
 * too): PEM "... PRIVATE KEY" blocks, DER private keys. */
static bool holds_private_key(const uint8_t *b, size_t n)
{
	const unsigned char *p = b;
	EVP_PKEY *pk;

	if (memmem(b, n, "PRIVATE KEY-----", 16))
		return true;
	if (memmem(b, n, "-----BEGIN", 10) || n > 65536)
		return false;
	pk = d2i_AutoPrivateKey(NULL, &p, (long)n);
	EVP_PKEY_free(pk);
	return pk != NULL;
}

static int cert_import(const struct ctl_opts *o, int argc, char **argv)
{
	const char *path = NULL, *label = NULL;
	char *args[8];
	uint8_t *buf = NULL;
	char *b64;
	size_t len = 0;
	int rc, n = 0;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			label = argv[++i];
		else if (!strncmp(argv[i], "--name=", 7))
			label = argv[i] + 7;
		else if (!strcmp(argv[i], "--name"))
			return ctl_err(CTL_EXIT_USAGE, "--name needs a LABEL");
		else if (!strcmp(argv[i], "--data") || !strncmp(argv[i], "--data=", 7))
			return ctl_err(CTL_EXIT_USAGE, "give the certificate FILE; shieldlockctl sends "
				       "its contents itself");
		else if (argv[i][0] == '-' && argv[i][1])
			return ctl_err(CTL_EXIT_USAGE, "unknown option '%s' (usage: cert import FILE|- "
				       "[--name LABEL])", argv[i]);
		else if (path)
			return ctl_err(CTL_EXIT_USAGE, "one FILE per import (got %s and %s); a PEM "
				       "bundle may hold several certificates", path, argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return ctl_err(CTL_EXIT_USAGE, "FILE is missing (usage: cert import FILE|- "
			       "[--name LABEL])");
	if ((rc = read_input(path, &buf, &len)) != CTL_EXIT_OK)
		return rc;
	if (holds_private_key(buf, len)) {
		OPENSSL_cleanse(buf, len);
		free(buf);
		return ctl_err(CTL_EXIT_USAGE, "%s holds a private key; nothing was sent. The trust "
			       "store takes certificates only: extract the certificate (openssl x509 "
			       "-in %s -out cert.pem) and import that", path, path);
	}
	b64 = malloc(len / 3 * 4 + 8);
	if (!b64) {
		free(buf);
		return ctl_err(CTL_EXIT_FAIL, "out of memory");
	}
	EVP_EncodeBlock((unsigned char *)b64, buf, (int)len);
	OPENSSL_cleanse(buf, len);
	free(buf);
	args[n++] = "cert";
	args[n++] = "import";
	args[n++] = "--data";
	args[n++] = b64;
	if (label) {
		args[n++] = "--name";
		args[n++] = (char *)label;
	}
	args[n] = NULL;
	rc = ctl_daemon_main(o, n, args);
	free(b64);
	return rc;
}

/* Base64 (one line, maybe a final newline) to bytes. */
static int unbase64(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
	uint8_t *d;
	int k;

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n == 0 || n % 4 || n > (size_t)INT32_MAX)
		return -1;
	d = malloc(n / 4 * 3);
	if (!d)
		return -1;
	k = EVP_DecodeBlock(d, (const unsigned char *)s, (int)n);
	if (k < 0) {
		free(d);
		return -1;
	}
	k -= (s[n - 1] == '=') + (s[n - 2] == '=');
	*out = d;
	*outlen = (size_t)k;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int cert_export(const struct ctl_opts *o, int argc, char **argv)
{
	const char *out = NULL, *key = NULL;
	bool der = false;
	char *args[8], *text;
	uint8_t *bin = NULL;
	size_t len = 0, binlen = 0;
	struct ctl_opts plain = *o;
	int n = 0, rc, fd;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strncmp(argv[i], "--out=", 6))
			out = argv[i] + 6;
		else if (!strcmp(argv[i], "--out"))
			return ctl_err(CTL_EXIT_USAGE, "--out needs a FILE");
		else if (!strcmp(argv[i], "--der"))
			der = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return ctl_err(CTL_EXIT_USAGE, "unknown option '%s' (usage: cert export "
				       "NAME|FILE|FP [--der] [--out FILE])", argv[i]);
		else if (key)
			return ctl_err(CTL_EXIT_USAGE, "unexpected argument '%s' (usage: cert export "
				       "NAME|FILE|FP [--der] [--out FILE])", argv[i]);
		else
			key = argv[i];
	}
	if (!key)
		return ctl_err(CTL_EXIT_USAGE, "NAME, FILE or FINGERPRINT is missing (usage: cert "
			       "export NAME|FILE|FP [--der] [--out FILE])");
	if (!out && !der)
		return ctl_daemon_main(o, argc, argv);	/* PEM (or JSON) on stdout */
	if (!out && o->json)
		return ctl_daemon_main(o, argc, argv);	/* base64 DER inside the JSON */
	if (!out && isatty(STDOUT_FILENO))
		return ctl_err(CTL_EXIT_USAGE, "DER is binary: give --out FILE or redirect stdout");
	args[n++] = "cert";
	args[n++] = "export";
	args[n++] = (char *)key;
	if (der)
		args[n++] = "--der";
	args[n] = NULL;
	plain.json = false;
	if ((rc = ctl_daemon_call(&plain, n, args, &text, &len)) != CTL_EXIT_OK)
		return rc;
	if (der && unbase64(text, len, &bin, &binlen) < 0) {
		free(text);
		return ctl_err(CTL_EXIT_FAIL, "shieldlockd's DER export is not base64; is shieldlockctl "
			       "older or newer than shieldlockd?");
	}
	if (!der) {
		bin = (uint8_t *)text;
		binlen = len;
		text = NULL;
	}
	free(text);
	fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : STDOUT_FILENO;
	if (fd < 0) {
		rc = ctl_err(CTL_EXIT_USAGE, "cannot create %s: %s", out, strerror(errno));
	} else if (write_all(fd, bin, binlen) < 0 || (out && close(fd) < 0)) {
		rc = ctl_err(CTL_EXIT_FAIL, "cannot write %s: %s", out ? out : "stdout", strerror(errno));
		out = NULL;
	} else if (out && o->json) {
		fputs("{\"file\":\"", stdout);
		for (const char *c = out; *c; c++) {
			if (*c == '"' || *c == '\\')
				putchar('\\');
			putchar((unsigned char)*c < 0x20 ? '?' : *c);
		}
		printf("\",\"format\":\"%s\",\"bytes\":%zu}\n", der ? "der" : "pem", binlen);
	} else if (out) {
		printf("wrote %s (%s, %zu bytes)\n", out, der ? "DER" : "PEM", binlen);
	}
	free(bin);
	return rc;
}

int ctl_cert_main(const struct ctl_opts *o, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		cert_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cert_usage(stdout);
			return CTL_EXIT_OK;
		}
	if (!strcmp(argv[1], "import"))
		return cert_import(o, argc, argv);
	if (!strcmp(argv[1], "export"))
		return cert_export(o, argc, argv);
	return ctl_daemon_main(o, argc, argv);
}
