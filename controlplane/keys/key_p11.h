/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by key_p11.c (opening keys) and key_p11_gen.c. */
#ifndef SL_KEY_P11_H
#define SL_KEY_P11_H

#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include "keys_int.h"

#define PIN_MAX 256
#define MAX_MATCHES 16

/* What one "pkcs11:" reference resolves to while it is being opened. */
struct p11_ctx {
	P11KitUri *uri;
	CK_FUNCTION_LIST **mods;
	int registered;
	CK_FUNCTION_LIST *mod;
	CK_SESSION_HANDLE sess;
	int have_sess;
	char token[40];
	char pin[PIN_MAX];
	size_t pinlen;
	int have_pin;
};

/* Parses ref, reads the PIN, loads the module(s), finds the one token,
 * opens a session (read-write if rw) and logs in. sl_p11_ctx_done() undoes
 * whatever was done, also after a failure. */
int sl_p11_ctx_begin(struct p11_ctx *c, const char *ref, int rw, char *err, size_t errlen);
void sl_p11_ctx_done(struct p11_ctx *c);
int sl_p11_find_objects(struct p11_ctx *c, CK_ATTRIBUTE *tmpl, CK_ULONG nt,
			CK_OBJECT_HANDLE *h, CK_ULONG max, CK_ULONG *n);
/* "[object=sast id=01], [...]" for messages. */
void sl_p11_list_objects(struct p11_ctx *c, const CK_OBJECT_HANDLE *h, CK_ULONG n, char *buf,
			 size_t blen);

#endif
