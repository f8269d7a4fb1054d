/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal interface between dp_client.c and dp_requests.c. */
#ifndef SL_DP_CLIENT_PRIV_H
#define SL_DP_CLIENT_PRIV_H

#include "dp_client.h"

/* sl_dp_client_call whose reply must be of type want (else -SL_DP_E_TYPE). */
int sl_dp_call_expect(struct sl_dp_client *c, uint16_t type, const void *body, uint32_t len,
		      uint16_t want, void *reply, uint32_t cap, uint32_t *rlen, char *msg, size_t msglen);
/* Marks the connection broken ("...: protocol error"); returns -SL_DP_E_FRAMING. */
__attribute__((format(printf, 4, 5)))
int sl_dp_client_protocol_error(struct sl_dp_client *c, char *msg, size_t msglen, const char *fmt, ...);

#endif
