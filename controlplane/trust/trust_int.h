/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals of the trust store shared by trust_store.c and trust_check.c. */
#ifndef SL_TRUST_INT_H
#define SL_TRUST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trust.h"

/* dir/file into out[n]; -ENAMETOOLONG with a message. */
int trust_path(char *out, size_t n, const char *dir, const char *file, char *err, size_t errlen);
/* "<8 hex digits>.<decimal without leading zeros>" (either case). */
bool trust_name_parse(const char *name, unsigned long *hash, unsigned *suffix);
/* Its hex digits are lower case, as OpenSSL looks them up. */
bool trust_name_canonical(const char *name);
/* Reads a whole file (at most SL_TRUST_INPUT_MAX bytes), NUL-terminated. */
int trust_read_file(const char *path, char **data, size_t *len, char *err, size_t errlen);
/* Loads dir/file into e (e->problem says what is wrong on failure); with
 * der, also the DER of its first certificate; with ncerts, how many PEM
 * certificates the file holds. */
int trust_load(const char *dir, const char *file, struct sl_trust_entry *e, uint8_t **der,
	       size_t *derlen, unsigned *ncerts, char *err, size_t errlen);
/* Writes dir/name 0644 through a temporary file; without replace, fails
 * with -EEXIST rather than replace an existing name. */
int trust_write_atomic(const char *dir, const char *name, const char *data, size_t len,
		       bool replace, char *err, size_t errlen);
/* Stores der as <hash>.<first free N>; the name goes to file. */
int trust_store_der(const char *dir, const uint8_t *der, size_t len, unsigned long hash,
		    const char *label, char *file, size_t filelen, char *err, size_t errlen);

/* The suffixes of hash's lower-case names in dir, sorted (free()). */
int trust_suffixes(const char *dir, unsigned long hash, unsigned **out, size_t *n, char *err,
		   size_t errlen);

#endif
