/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal interfaces between the SIP parser files. */
#ifndef SL_SIP_PARSE_H
#define SL_SIP_PARSE_H

#include "sip.h"

/* Sets *r to REPLY code/why for requests, DROP for responses and garbage. */
enum sl_sip_verdict sip_fail(struct sl_sip_msg *m, struct sl_sip_result *r,
    int code, const char *why);
/* Header kind from a (maybe compact) name, case-insensitive (§7.3.1, §7.3.3). */
enum sl_sip_hdr sip_header_id(struct sl_sip_str name);
/* Parses the header fields the control plane uses into m (sip_fields.c). */
enum sl_sip_verdict sip_fields(struct sl_sip_msg *m, struct sl_sip_result *r);

#endif /* SL_SIP_PARSE_H */
