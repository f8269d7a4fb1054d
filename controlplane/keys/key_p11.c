/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys in PKCS#11 tokens, named by RFC 7512 "pkcs11:" URIs parsed with
 * p11-kit. The module is loaded "managed" by p11-kit, so several keys (and
 * other libraries in the process) may share one module: p11-kit counts the
 * C_Initialize/C_Finalize calls and closes only our sessions.
 *
 * Supported URI parts: token=, manufacturer=, serial=, model=, slot-id=
 * (token selection), object=, id=, type=private (key selection), and the
 * query attributes module-path=, pin-value=, pin-source= (RFC 7512 §2.3).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include "key_p11.h"


struct sl_p11key {
	CK_FUNCTION_LIST **mods;	/* what was loaded (NULL-terminated) */
	int registered;			/* mods came from p11-kit's registry */
	CK_FUNCTION_LIST *mod;		/* the one holding the key */
	CK_SESSION_HANDLE sess;
	CK_OBJECT_HANDLE obj;
	int always_auth;	/* CKA_ALWAYS_AUTHENTICATE: log in before each use */
	char *pin;		/* kept only when always_auth */
	size_t pinlen;
};


static const char *rvstr(CK_RV rv)
{
	return p11_kit_strerror(rv);
}

/* Token labels are 32 bytes padded with spaces. */
static void trim_label(char *dst, size_t dlen, const unsigned char *src, size_t slen)
{
	while (slen > 0 && (src[slen - 1] == ' ' || src[slen - 1] == '\0'))
		slen--;
	if (slen >= dlen)
		slen = dlen - 1;
	memcpy(dst, src, slen);
	dst[slen] = '\0';
}

static int read_pin_file(struct p11_ctx *c, const char *src, char *err, size_t errlen)
{
	const char *path = src;

	/* RFC 7512 §2.3: pin-source is a URI; we accept file: URIs and plain
	 * absolute paths. */
	if (strncmp(src, "file://", 7) == 0)
		path = src + 7;
	else if (strncmp(src, "file:", 5) == 0)
		path = src + 5;
	if (path[0] != '/') {
		sl_keys_errf(err, errlen, "pin-source \"%s\" is not a file: URI or absolute "
			     "path: use pin-source=file:/path/to/pinfile", src);
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		sl_keys_errf(err, errlen, "cannot open PIN file %s: %s", path, strerror(errno));
		return -1;
	}
	if (sl_keys_check_private_file(fd, path, "PIN file", err, errlen) < 0) {
		close(fd);
		return -1;
	}
	ssize_t n = read(fd, c->pin, sizeof(c->pin));
	int e = errno;
	close(fd);
	if (n < 0) {
		sl_keys_errf(err, errlen, "cannot read PIN file %s: %s", path, strerror(e));
		return -1;
	}
	if ((size_t)n >= sizeof(c->pin)) {
		OPENSSL_cleanse(c->pin, sizeof(c->pin));
		sl_keys_errf(err, errlen, "PIN file %s is longer than %d bytes: it must hold "
			     "only the PIN", path, PIN_MAX - 1);
		return -1;
	}
	while (n > 0 && (c->pin[n - 1] == '\n' || c->pin[n - 1] == '\r'))
		n--;
	if (n == 0) {
		sl_keys_errf(err, errlen, "PIN file %s is empty: write the token's user PIN "
			     "into it", path);
		return -1;
	}
	c->pinlen = (size_t)n;
	c->have_pin = 1;
	return 0;
}

static int get_pin(struct p11_ctx *c, char *err, size_t errlen)
{
	const char *v = p11_kit_uri_get_pin_value(c->uri);
	const char *src = p11_kit_uri_get_pin_source(c->uri);

	if (v != NULL && src != NULL) {
		sl_keys_errf(err, errlen, "PKCS#11 URI has both pin-value and pin-source: "
			     "keep one (pin-source=file:... is preferred)");
		return -1;
	}
	if (v != NULL) {
		size_t n = strlen(v);
		if (n >= sizeof(c->pin)) {
			sl_keys_errf(err, errlen, "pin-value is too long (max %d)", PIN_MAX - 1);
			return -1;
		}
		memcpy(c->pin, v, n);
		c->pinlen = n;
		c->have_pin = 1;
		return 0;
	}
	if (src != NULL)
		return read_pin_file(c, src, err, errlen);
	return 0;
}

static void modules_release(CK_FUNCTION_LIST **mods, int registered)
{
	if (mods == NULL)
		return;
	if (registered) {
		p11_kit_modules_finalize_and_release(mods);
		return;
	}
	p11_kit_module_finalize(mods[0]);
	p11_kit_module_release(mods[0]);
	OPENSSL_free(mods);
}

/* module-path=, else the configured default module, else every module
 * registered with p11-kit (the .module files of /usr/share/p11-kit/modules
 * and /etc/pkcs11/modules), searched together for the token. */
static int load_module(struct p11_ctx *c, char *err, size_t errlen)
{
	const char *path = p11_kit_uri_get_module_path(c->uri);

	if (p11_kit_uri_get_module_name(c->uri) != NULL && path == NULL) {
		sl_keys_errf(err, errlen, "module-name= is not supported: name the module "
			     "library with module-path=/path/to/module.so");
		return -1;
	}
	if (path == NULL)
		path = sl_keys_default_module();
	if (path == NULL) {
		c->mods = p11_kit_modules_load_and_initialize(0);
		c->registered = 1;
		if (c->mods == NULL || c->mods[0] == NULL) {
			sl_keys_errf(err, errlen, "no PKCS#11 module registered with p11-kit "
				     "could be loaded (%s): add module-path=/path/to/module.so "
				     "to the key URI", p11_kit_message() ? p11_kit_message()
				     : "none registered");
			return -1;
		}
		return 0;
	}
	CK_FUNCTION_LIST *m = p11_kit_module_load(path, 0);
	if (m == NULL) {
		sl_keys_errf(err, errlen, "cannot load PKCS#11 module %s: %s (check "
			     "module-path= in the key URI)", path, p11_kit_message());
		return -1;
	}
	CK_RV rv = p11_kit_module_initialize(m);
	if (rv != CKR_OK) {
		p11_kit_module_release(m);
		sl_keys_errf(err, errlen, "PKCS#11 module %s failed to initialize: %s",
			     path, rvstr(rv));
		return -1;
	}
	c->mods = OPENSSL_zalloc(2 * sizeof(*c->mods));
	if (c->mods == NULL) {
		p11_kit_module_finalize(m);
		p11_kit_module_release(m);
		sl_keys_errf(err, errlen, "out of memory");
		return -1;
	}
	c->mods[0] = m;
	return 0;
}

/* Appends the initialized tokens' labels to buf. */
static void list_tokens(CK_FUNCTION_LIST *m, const CK_SLOT_ID *slots, CK_ULONG n, char *buf,
			size_t blen)
{
	size_t off = strlen(buf);

	for (CK_ULONG i = 0; i < n && off + 1 < blen; i++) {
		CK_TOKEN_INFO ti;
		char lab[40];
		if (m->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
		    !(ti.flags & CKF_TOKEN_INITIALIZED))
			continue;
		trim_label(lab, sizeof(lab), ti.label, sizeof(ti.label));
		int w = snprintf(buf + off, blen - off, "%s\"%s\"", off ? ", " : "", lab);
		if (w < 0 || (size_t)w >= blen - off)
			break;
		off += (size_t)w;
	}
}

static int login(struct p11_ctx *c, const CK_TOKEN_INFO *ti, char *err, size_t errlen)
{
	CK_RV rv;

	if (c->have_pin)
		rv = c->mod->C_Login(c->sess, CKU_USER, (CK_UTF8CHAR_PTR)c->pin, c->pinlen);
	else if (ti->flags & CKF_PROTECTED_AUTHENTICATION_PATH)
		rv = c->mod->C_Login(c->sess, CKU_USER, NULL, 0);
	else if (ti->flags & CKF_LOGIN_REQUIRED) {
		sl_keys_errf(err, errlen, "token \"%s\" requires a PIN: add pin-source="
			     "file:/path (a 0600 file holding the PIN) or pin-value= to the URI",
			     c->token);
		return -1;
	} else
		return 0;
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return 0;
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE)
		sl_keys_errf(err, errlen, "token \"%s\" rejected the PIN (%s): check the PIN "
			     "in the URI's pin-source/pin-value; repeated failures may lock "
			     "the token", c->token, rvstr(rv));
	else if (rv == CKR_PIN_LOCKED)
		sl_keys_errf(err, errlen, "token \"%s\" PIN is locked (%s): unlock it with "
			     "the SO PIN (e.g. pkcs11-tool --init-pin --login --login-type so)",
			     c->token, rvstr(rv));
	else
		sl_keys_errf(err, errlen, "login to token \"%s\" failed: %s", c->token,
			     rvstr(rv));
	return -1;
}

/* Finds the one initialized token the URI names (in any of the modules),
 * opens a session, logs in. */
static int open_token(struct p11_ctx *c, int rw, char *err, size_t errlen)
{
	CK_SLOT_ID slots[64];
	CK_ULONG nmatch = 0;
	CK_SLOT_ID slot = 0;
	CK_TOKEN_INFO ti, sel;
	CK_SLOT_ID want_slot = p11_kit_uri_get_slot_id(c->uri);
	char names[512] = "";
	CK_RV rv;

	for (CK_FUNCTION_LIST **m = c->mods; *m != NULL; m++) {
		CK_INFO mi;
		CK_ULONG n = 64;
		if ((*m)->C_GetInfo(&mi) != CKR_OK || !p11_kit_uri_match_module_info(c->uri, &mi))
			continue;
		if ((*m)->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
			continue;
		for (CK_ULONG i = 0; i < n; i++) {
			CK_SLOT_INFO si;
			if (want_slot != (CK_SLOT_ID)-1 && slots[i] != want_slot)
				continue;
			if ((*m)->C_GetSlotInfo(slots[i], &si) != CKR_OK ||
			    !p11_kit_uri_match_slot_info(c->uri, &si))
				continue;
			if ((*m)->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
			    !(ti.flags & CKF_TOKEN_INITIALIZED) ||
			    !p11_kit_uri_match_token_info(c->uri, &ti))
				continue;
			if (nmatch++ == 0) {
				c->mod = *m;
				slot = slots[i];
				sel = ti;
			}
		}
		list_tokens(*m, slots, n, names, sizeof(names));
	}
	if (names[0] == '\0')
		snprintf(names, sizeof(names), "none");
	if (nmatch == 0) {
		sl_keys_errf(err, errlen, "no PKCS#11 token matches the URI (tokens present: "
			     "%s): check token= and module-path=, and that the token is "
			     "plugged in", names);
		return -1;
	}
	if (nmatch > 1) {
		sl_keys_errf(err, errlen, "%lu PKCS#11 tokens match the URI (%s): add "
			     "token=LABEL to choose one", (unsigned long)nmatch, names);
		return -1;
	}
	trim_label(c->token, sizeof(c->token), sel.label, sizeof(sel.label));
	rv = c->mod->C_OpenSession(slot, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0),
				   NULL, NULL, &c->sess);
	if (rv != CKR_OK) {
		sl_keys_errf(err, errlen, "cannot open a session on token \"%s\": %s",
			     c->token, rvstr(rv));
		return -1;
	}
	c->have_sess = 1;
	return login(c, &sel, err, errlen);
}

void sl_p11_ctx_done(struct p11_ctx *c)
{
	if (c->have_sess)
		c->mod->C_CloseSession(c->sess);
	modules_release(c->mods, c->registered);
	if (c->uri != NULL) {
		/* pin-value lives in the parsed URI: overwrite it before freeing */
		const char *v = p11_kit_uri_get_pin_value(c->uri);
		if (v != NULL)
			OPENSSL_cleanse((char *)v, strlen(v));
		p11_kit_uri_free(c->uri);
	}
	OPENSSL_cleanse(c->pin, sizeof(c->pin));
	memset(c, 0, sizeof(*c));
}

int sl_p11_ctx_begin(struct p11_ctx *c, const char *ref, int rw, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->uri = p11_kit_uri_new();
	if (c->uri == NULL) {
		sl_keys_errf(err, errlen, "out of memory");
		return -1;
	}
	int r = p11_kit_uri_parse(ref, P11_KIT_URI_FOR_ANY, c->uri);
	if (r != P11_KIT_URI_OK) {
		sl_keys_errf(err, errlen, "bad PKCS#11 URI: %s (RFC 7512 syntax: "
			     "pkcs11:token=LABEL;object=LABEL;type=private?module-path=...)",
			     p11_kit_uri_message(r));
		return -1;
	}
	if (p11_kit_uri_any_unrecognized(c->uri)) {
		sl_keys_errf(err, errlen, "PKCS#11 URI has an attribute this appliance does "
			     "not understand: use only token=, object=, id=, type=, "
			     "module-path=, pin-value=, pin-source=");
		return -1;
	}
	if (get_pin(c, err, errlen) < 0 || load_module(c, err, errlen) < 0)
		return -1;
	return open_token(c, rw, err, errlen);
}

/* Reads one attribute into a fresh buffer (caller frees with OPENSSL_free). */
static int get_attr(CK_FUNCTION_LIST *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		    CK_ATTRIBUTE_TYPE type, unsigned char **val, CK_ULONG *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };

	*val = NULL;
	if (m->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen == (CK_ULONG)-1)
		return -1;
	a.pValue = OPENSSL_malloc(a.ulValueLen ? a.ulValueLen : 1);
	if (a.pValue == NULL)
		return -1;
	if (m->C_GetAttributeValue(s, o, &a, 1) != CKR_OK) {
		OPENSSL_free(a.pValue);
		return -1;
	}
	*val = a.pValue;
	*len = a.ulValueLen;
	return 0;
}

static int get_ulong(CK_FUNCTION_LIST *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		     CK_ATTRIBUTE_TYPE type, CK_ULONG *v)
{
	CK_ATTRIBUTE a = { type, v, sizeof(*v) };
	return m->C_GetAttributeValue(s, o, &a, 1) == CKR_OK ? 0 : -1;
}

/* "label=sast id=01" for messages. */
static void describe_obj(struct p11_ctx *c, CK_OBJECT_HANDLE o, char *buf, size_t blen)
{
	unsigned char *lab = NULL, *id = NULL;
	CK_ULONG ll = 0, il = 0;
	char hex[2 * 20 + 1] = "";

	get_attr(c->mod, c->sess, o, CKA_LABEL, &lab, &ll);
	if (get_attr(c->mod, c->sess, o, CKA_ID, &id, &il) == 0) {
		for (CK_ULONG i = 0; i < il && i < 20; i++)
			snprintf(hex + 2 * i, 3, "%02x", id[i]);
	}
	snprintf(buf, blen, "object=%.*s id=%s", lab ? (int)(ll > 64 ? 64 : ll) : 0,
		 lab ? (const char *)lab : "", hex);
	OPENSSL_free(lab);
	OPENSSL_free(id);
}

int sl_p11_find_objects(struct p11_ctx *c, CK_ATTRIBUTE *tmpl, CK_ULONG nt,
			CK_OBJECT_HANDLE *h, CK_ULONG max, CK_ULONG *n)
{
	*n = 0;
	if (c->mod->C_FindObjectsInit(c->sess, tmpl, nt) != CKR_OK)
		return -1;
	CK_RV rv = c->mod->C_FindObjects(c->sess, h, max, n);
	c->mod->C_FindObjectsFinal(c->sess);
	return rv == CKR_OK ? 0 : -1;
}

void sl_p11_list_objects(struct p11_ctx *c, const CK_OBJECT_HANDLE *h, CK_ULONG n,
			 char *buf, size_t blen)
{
	size_t off = 0;

	buf[0] = '\0';
	for (CK_ULONG i = 0; i < n && off + 1 < blen; i++) {
		char d[128];
		describe_obj(c, h[i], d, sizeof(d));
		int w = snprintf(buf + off, blen - off, "%s[%s]", i ? ", " : "", d);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (buf[0] == '\0')
		snprintf(buf, blen, "none");
}

/* The URI's object attributes with CKA_CLASS forced to CKO_PRIVATE_KEY. */
static int key_template(struct p11_ctx *c, CK_ATTRIBUTE *t, CK_ULONG *nt, CK_ULONG max,
			CK_OBJECT_CLASS *cls, char *err, size_t errlen)
{
	CK_ULONG n = 0;
	CK_ATTRIBUTE *a = p11_kit_uri_get_attributes(c->uri, &n);

	*nt = 0;
	for (CK_ULONG i = 0; i < n && *nt + 1 < max; i++) {
		if (a[i].type == CKA_CLASS) {
			if (a[i].ulValueLen != sizeof(CK_OBJECT_CLASS) ||
			    *(CK_OBJECT_CLASS *)a[i].pValue != CKO_PRIVATE_KEY) {
				sl_keys_errf(err, errlen, "the key URI names type= other than "
					     "private: signing keys are found by their private "
					     "key object (type=private)");
				return -1;
			}
			continue;
		}
		t[(*nt)++] = a[i];
	}
	t[*nt].type = CKA_CLASS;
	t[*nt].pValue = cls;
	t[*nt].ulValueLen = sizeof(*cls);
	(*nt)++;
	return 0;
}

static int find_key(struct p11_ctx *c, CK_OBJECT_HANDLE *obj, char *err, size_t errlen)
{
	CK_ATTRIBUTE t[8];
	CK_ULONG nt, n;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_OBJECT_HANDLE h[MAX_MATCHES];
	char found[512];

	if (key_template(c, t, &nt, 8, &cls, err, errlen) < 0)
		return -1;
	if (sl_p11_find_objects(c, t, nt, h, MAX_MATCHES, &n) < 0) {
		sl_keys_errf(err, errlen, "cannot search token \"%s\"", c->token);
		return -1;
	}
	if (n == 1) {
		*obj = h[0];
		return 0;
	}
	if (n > 1) {
		sl_p11_list_objects(c, h, n, found, sizeof(found));
		sl_keys_errf(err, errlen, "%lu private keys on token \"%s\" match the URI "
			     "(%s): add object= and/or id= to choose one",
			     (unsigned long)n, c->token, found);
		return -1;
	}
	CK_ATTRIBUTE all = { CKA_CLASS, &cls, sizeof(cls) };
	if (sl_p11_find_objects(c, &all, 1, h, MAX_MATCHES, &n) < 0)
		n = 0;
	sl_p11_list_objects(c, h, n, found, sizeof(found));
	sl_keys_errf(err, errlen, "no private key on token \"%s\" matches the URI "
		     "(private keys there: %s): check object= and id=", c->token, found);
	return -1;
}

static EVP_PKEY *rsa_public(struct p11_ctx *c, CK_OBJECT_HANDLE o, char *err, size_t errlen)
{
	unsigned char *nb = NULL, *eb = NULL;
	CK_ULONG nl = 0, el = 0;
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pk = NULL;

	if (get_attr(c->mod, c->sess, o, CKA_MODULUS, &nb, &nl) < 0 ||
	    get_attr(c->mod, c->sess, o, CKA_PUBLIC_EXPONENT, &eb, &el) < 0) {
		sl_keys_errf(err, errlen, "token \"%s\" does not show the RSA key's modulus "
			     "and public exponent", c->token);
		goto out;
	}
	bn = BN_bin2bn(nb, (int)nl, NULL);
	be = BN_bin2bn(eb, (int)el, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (bn == NULL || be == NULL || bld == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		sl_keys_errf(err, errlen, "cannot build the RSA public key of token \"%s\"",
			     c->token);
		sl_keys_err_ossl(err, errlen);
	}
out:
	OPENSSL_free(nb);
	OPENSSL_free(eb);
	BN_free(bn);
	BN_free(be);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(pc);
	return pk;
}

/* CKA_EC_POINT is a DER OCTET STRING holding the point (PKCS#11 2.40
 * §2.3.3); some tokens give the bare point. An uncompressed point of the
 * curve is 2*fieldlen+1 bytes starting with 04, which a DER wrapping never
 * is, so the two are told apart by length. */
static int ec_point_bytes(const unsigned char *p, CK_ULONG len, int fieldlen,
			  const unsigned char **pt, size_t *ptlen)
{
	if (len == (CK_ULONG)(2 * fieldlen + 1) && p[0] == 0x04) {
		*pt = p;
		*ptlen = len;
		return 0;
	}
	const unsigned char *q = p;
	ASN1_OCTET_STRING *os = d2i_ASN1_OCTET_STRING(NULL, &q, (long)len);
	if (os == NULL || q != p + len) {
		ASN1_OCTET_STRING_free(os);
		return -1;
	}
	/* the content lies inside p: point at it there */
	size_t cl = (size_t)ASN1_STRING_length(os);
	ASN1_OCTET_STRING_free(os);
	if (cl == 0 || cl > len)
		return -1;
	*pt = p + len - cl;
	*ptlen = cl;
	return 0;
}

static EVP_PKEY *ec_from_point(const unsigned char *params, CK_ULONG plen,
			       const unsigned char *point, CK_ULONG ptlen)
{
	const unsigned char *q = params;
	ASN1_OBJECT *oid = d2i_ASN1_OBJECT(NULL, &q, (long)plen);
	int nid = oid ? OBJ_obj2nid(oid) : NID_undef;
	EC_GROUP *g = NULL;
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *pc = NULL;
	const unsigned char *pt;
	size_t ptl;

	ASN1_OBJECT_free(oid);
	if (nid == NID_undef || (g = EC_GROUP_new_by_curve_name(nid)) == NULL)
		return NULL;
	int fieldlen = (EC_GROUP_get_degree(g) + 7) / 8;
	EC_GROUP_free(g);
	if (ec_point_bytes(point, ptlen, fieldlen, &pt, &ptl) < 0)
		return NULL;
	OSSL_PARAM p[3];
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						(char *)OBJ_nid2sn(nid), 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, ptl);
	p[2] = OSSL_PARAM_construct_end();
	if ((pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, p) <= 0)
		pk = NULL;
	EVP_PKEY_CTX_free(pc);
	return pk;
}

/* The EC private key object has CKA_EC_PARAMS but no point: take the point
 * from the public key object with the same CKA_ID, else the public key of
 * the certificate with that CKA_ID. */
static EVP_PKEY *ec_public(struct p11_ctx *c, CK_OBJECT_HANDLE o, char *err, size_t errlen)
{
	unsigned char *params = NULL, *id = NULL, *v = NULL;
	CK_ULONG plen = 0, idlen = 0, vlen = 0, n = 0;
	CK_OBJECT_HANDLE h[MAX_MATCHES];
	EVP_PKEY *pk = NULL;

	if (get_attr(c->mod, c->sess, o, CKA_EC_PARAMS, &params, &plen) < 0) {
		sl_keys_errf(err, errlen, "token \"%s\" does not show the EC key's curve "
			     "(CKA_EC_PARAMS)", c->token);
		return NULL;
	}
	if (get_attr(c->mod, c->sess, o, CKA_EC_POINT, &v, &vlen) == 0)
		pk = ec_from_point(params, plen, v, vlen);
	OPENSSL_free(v);
	v = NULL;
	if (pk == NULL && get_attr(c->mod, c->sess, o, CKA_ID, &id, &idlen) == 0) {
		CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
		CK_ATTRIBUTE t[2] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_ID, id, idlen } };
		if (sl_p11_find_objects(c, t, 2, h, MAX_MATCHES, &n) == 0) {
			for (CK_ULONG i = 0; i < n && pk == NULL; i++) {
				if (get_attr(c->mod, c->sess, h[i], CKA_EC_POINT, &v, &vlen) == 0)
					pk = ec_from_point(params, plen, v, vlen);
				OPENSSL_free(v);
				v = NULL;
			}
		}
		cls = CKO_CERTIFICATE;
		if (pk == NULL && sl_p11_find_objects(c, t, 2, h, MAX_MATCHES, &n) == 0) {
			for (CK_ULONG i = 0; i < n && pk == NULL; i++) {
				if (get_attr(c->mod, c->sess, h[i], CKA_VALUE, &v, &vlen) == 0) {
					const unsigned char *q = v;
					X509 *x = d2i_X509(NULL, &q, (long)vlen);
					if (x != NULL)
						pk = X509_get_pubkey(x);
					X509_free(x);
				}
				OPENSSL_free(v);
				v = NULL;
			}
		}
	}
	if (pk == NULL)
		sl_keys_errf(err, errlen, "cannot find the public half of the EC key on "
			     "token \"%s\": store its public key object or certificate with "
			     "the same id (CKA_ID) on the token", c->token);
	OPENSSL_free(params);
	OPENSSL_free(id);
	return pk;
}

int sl_p11_open(struct sl_key *k, const char *ref, char *err, size_t errlen)
{
	struct p11_ctx c;
	CK_OBJECT_HANDLE obj;
	CK_ULONG ktype = 0;
	CK_BBOOL aa = CK_FALSE;
	char d[128];

	if (sl_p11_ctx_begin(&c, ref, 0, err, errlen) < 0 || find_key(&c, &obj, err, errlen) < 0)
		goto fail;
	if (get_ulong(c.mod, c.sess, obj, CKA_KEY_TYPE, &ktype) < 0) {
		sl_keys_errf(err, errlen, "token \"%s\" does not show the key type",
			     c.token);
		goto fail;
	}
	if (ktype == CKK_RSA) {
		k->type = SL_KEY_RSA;
		k->pub = rsa_public(&c, obj, err, errlen);
	} else if (ktype == CKK_EC) {
		k->type = SL_KEY_EC;
		k->pub = ec_public(&c, obj, err, errlen);
	} else {
		sl_keys_errf(err, errlen, "key on token \"%s\" is neither RSA nor EC (CKK %lu):"
			     " use an RSA or EC key", c.token, (unsigned long)ktype);
		goto fail;
	}
	if (k->pub == NULL)
		goto fail;
	if (k->type == SL_KEY_RSA &&
	    EVP_PKEY_get_size(k->pub) > SL_KEYS_MAX_RSA_BYTES) {
		sl_keys_errf(err, errlen, "RSA key on token \"%s\" is larger than %d bits",
			     c.token, SL_KEYS_MAX_RSA_BYTES * 8);
		goto fail;
	}
	CK_ATTRIBUTE a = { CKA_ALWAYS_AUTHENTICATE, &aa, sizeof(aa) };
	if (c.mod->C_GetAttributeValue(c.sess, obj, &a, 1) != CKR_OK)
		aa = CK_FALSE;

	struct sl_p11key *p = OPENSSL_zalloc(sizeof(*p));
	if (p == NULL) {
		sl_keys_errf(err, errlen, "out of memory");
		goto fail;
	}
	if (aa == CK_TRUE) {
		if (!c.have_pin || (p->pin = OPENSSL_malloc(c.pinlen + 1)) == NULL) {
			OPENSSL_free(p);
			sl_keys_errf(err, errlen, "key on token \"%s\" needs the PIN for every "
				     "use (CKA_ALWAYS_AUTHENTICATE): give the PIN in the URI",
				     c.token);
			goto fail;
		}
		memcpy(p->pin, c.pin, c.pinlen);
		p->pinlen = c.pinlen;
		p->always_auth = 1;
	}
	describe_obj(&c, obj, d, sizeof(d));
	snprintf(k->desc, sizeof(k->desc), "pkcs11 token=%s %s", c.token, d);
	p->mods = c.mods;
	p->registered = c.registered;
	p->mod = c.mod;
	p->sess = c.sess;
	p->obj = obj;
	k->p11 = p;
	k->bits = EVP_PKEY_get_bits(k->pub);
	/* the module and session now belong to p */
	c.mods = NULL;
	c.have_sess = 0;
	sl_p11_ctx_done(&c);
	return 0;
fail:
	EVP_PKEY_free(k->pub);
	k->pub = NULL;
	sl_p11_ctx_done(&c);
	return -1;
}

void sl_p11_close(struct sl_p11key *p)
{
	if (p == NULL)
		return;
	p->mod->C_CloseSession(p->sess);
	modules_release(p->mods, p->registered);
	if (p->pin != NULL) {
		OPENSSL_cleanse(p->pin, p->pinlen);
		OPENSSL_free(p->pin);
	}
	OPENSSL_free(p);
}

static CK_MECHANISM_TYPE ck_mech(enum sl_p11_mech m)
{
	switch (m) {
	case SL_P11_RSA_PKCS:
		return CKM_RSA_PKCS;
	case SL_P11_RSA_X509:
		return CKM_RSA_X_509;
	case SL_P11_ECDSA:
		return CKM_ECDSA;
	}
	return CKM_VENDOR_DEFINED;
}

static int context_login(struct sl_p11key *p)
{
	if (!p->always_auth)
		return CKR_OK;
	return (int)p->mod->C_Login(p->sess, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)p->pin,
				    p->pinlen);
}

/* One single-part operation into a buffer large enough for any result, so
 * the token never answers CKR_BUFFER_TOO_SMALL (which would leave the
 * operation active). */
static int p11_op(struct sl_p11key *p, int decrypt, enum sl_p11_mech mech,
		  const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen, char *err,
		  size_t errlen)
{
	CK_MECHANISM m = { ck_mech(mech), NULL, 0 };
	uint8_t buf[SL_KEYS_MAX_RSA_BYTES];
	CK_ULONG len = sizeof(buf);
	const char *what = decrypt ? "decrypt" : "sign";
	CK_RV rv;

	rv = decrypt ? p->mod->C_DecryptInit(p->sess, &m, p->obj)
		     : p->mod->C_SignInit(p->sess, &m, p->obj);
	if (rv == CKR_OK)
		rv = (CK_RV)context_login(p);
	if (rv == CKR_OK)
		rv = decrypt ? p->mod->C_Decrypt(p->sess, (CK_BYTE_PTR)in, inlen, buf, &len)
			     : p->mod->C_Sign(p->sess, (CK_BYTE_PTR)in, inlen, buf, &len);
	if (rv != CKR_OK) {
		sl_keys_errf(err, errlen, "token refused to %s: %s%s", what, rvstr(rv),
			     rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_SESSION_HANDLE_INVALID ||
			     rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT
			     ? " (token removed or session lost: restart to reopen the key)"
			     : "");
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	if (len > *outlen) {
		sl_keys_errf(err, errlen, "%s result (%lu bytes) larger than the buffer (%zu)",
			     what, (unsigned long)len, *outlen);
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	memcpy(out, buf, len);
	*outlen = len;
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

int sl_p11_sign(struct sl_p11key *p, enum sl_p11_mech mech, const uint8_t *in, size_t inlen,
		uint8_t *out, size_t *outlen, char *err, size_t errlen)
{
	return p11_op(p, 0, mech, in, inlen, out, outlen, err, errlen);
}

int sl_p11_decrypt(struct sl_p11key *p, enum sl_p11_mech mech, const uint8_t *in,
		   size_t inlen, uint8_t *out, size_t *outlen, char *err, size_t errlen)
{
	return p11_op(p, 1, mech, in, inlen, out, outlen, err, errlen);
}
