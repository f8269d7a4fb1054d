/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal helpers of controlplane/cnf: the byte buffer and the XML writer. */
#ifndef SL_CNF_INT_H
#define SL_CNF_INT_H

#include "cnf.h"

/* Appends bytes; -ENOMEM leaves b as it was. Growth wipes the old block. */
int cnf_buf_add(struct sl_cnf_buf *b, const void *p, size_t n);
int cnf_buf_str(struct sl_cnf_buf *b, const char *s);
/* Wipes and empties (keeps the allocation). */
void cnf_buf_reset(struct sl_cnf_buf *b);

/*
 * Checks a text value for XML 1.0 (§2.2 Char): valid UTF-8 (RFC 3629, no
 * overlong forms or surrogates), no control characters (we also refuse
 * tab, CR and LF: no phone field wants them), no U+FFFE/U+FFFF, at most
 * SL_CNF_TEXT_MAX bytes. what names the field in the message.
 */
int cnf_text_check(const char *what, const char *s, char *err, size_t errlen);

/* A simple indenting XML writer: every call appends one line. */
struct cnf_xml {
	struct sl_cnf_buf *b;
	unsigned depth;
	int rc;		/* first error (-ENOMEM), sticky */
};

void cnf_xml_open(struct cnf_xml *x, const char *tag);
/* <tag attr="v"...>: attrs are name, value pairs, values already safe. */
void cnf_xml_open_attr(struct cnf_xml *x, const char *tag, const char *attr1,
		       const char *val1, const char *attr2, const char *val2);
void cnf_xml_close(struct cnf_xml *x, const char *tag);
/* <tag>escaped text</tag>; NULL text gives <tag></tag>. */
void cnf_xml_text(struct cnf_xml *x, const char *tag, const char *text);
void cnf_xml_uint(struct cnf_xml *x, const char *tag, unsigned long v);

/* The XML declaration line of both documents (spec §5.2). */
#define CNF_XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* capfList, shared by the configuration and the stub. */
void cnf_xml_capf_list(struct cnf_xml *x, const struct sl_cnf_device *dev);

#endif
