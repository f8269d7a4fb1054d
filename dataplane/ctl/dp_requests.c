/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The typed requests of the control protocol client (dp_client.h): one
 * function per request type, each checking that the reply is the expected
 * message. Framing, hello, timeouts and events are in dp_client.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_client.h"
#include "dp_client_priv.h"

int sl_dp_flow_add(struct sl_dp_client *c, const struct sl_dp_flow_spec *spec, uint64_t *id,
		   char *msg, size_t msglen)
{
	struct sl_dp_ok ok = { 0 };
	int rc = sl_dp_call_expect(c, SL_DP_FLOW_ADD, spec, sizeof(*spec), SL_DP_OK, &ok, sizeof(ok), NULL,
			     msg, msglen);

	if (rc == 0 && id)
		*id = ok.id;
	return rc;
}

int sl_dp_flow_mod(struct sl_dp_client *c, const struct sl_dp_flow_spec *spec,
		   char *msg, size_t msglen)
{
	struct sl_dp_ok ok;

	return sl_dp_call_expect(c, SL_DP_FLOW_MOD, spec, sizeof(*spec), SL_DP_OK, &ok, sizeof(ok), NULL,
			   msg, msglen);
}

int sl_dp_flow_del(struct sl_dp_client *c, uint64_t id, char *msg, size_t msglen)
{
	struct sl_dp_flow_ref ref = { .id = id };
	struct sl_dp_ok ok;

	return sl_dp_call_expect(c, SL_DP_FLOW_DEL, &ref, sizeof(ref), SL_DP_OK, &ok, sizeof(ok), NULL,
			   msg, msglen);
}

int sl_dp_flow_get(struct sl_dp_client *c, uint64_t id, struct sl_dp_flow_info *out,
		   char *msg, size_t msglen)
{
	struct sl_dp_flow_ref ref = { .id = id };

	return sl_dp_call_expect(c, SL_DP_FLOW_GET, &ref, sizeof(ref), SL_DP_FLOW_INFO, out, sizeof(*out),
			   NULL, msg, msglen);
}

static int list_page(struct sl_dp_client *c, uint64_t *cursor, uint8_t *buf, size_t cap,
		     int (*cb)(const struct sl_dp_flow_info *fi, void *arg), void *arg,
		     char *msg, size_t msglen)
{
	struct sl_dp_flow_list_req req = { .cursor = *cursor, .max = SL_DP_LIST_MAX };
	struct sl_dp_flow_list_reply rep;
	struct sl_dp_flow_info fi;
	uint32_t rlen = 0;
	int rc;

	rc = sl_dp_call_expect(c, SL_DP_FLOW_LIST, &req, sizeof(req), SL_DP_FLOW_LIST_REPLY, buf,
			 (uint32_t)cap, &rlen, msg, msglen);
	if (rc < 0)
		return rc;
	memcpy(&rep, buf, sizeof(rep));
	if (rep.count > SL_DP_LIST_MAX ||
	    rlen != sizeof(rep) + (size_t)rep.count * sizeof(fi))
		return sl_dp_client_protocol_error(c, msg, msglen,
						   "FLOW_LIST_REPLY of %u bytes does not hold its %u flows",
						   rlen, rep.count);
	if (rep.next_cursor != 0 && rep.next_cursor == *cursor)
		return sl_dp_client_protocol_error(c, msg, msglen, "FLOW_LIST_REPLY cursor did not advance (%llu)",
						   (unsigned long long)rep.next_cursor);
	for (uint32_t i = 0; i < rep.count; i++) {
		memcpy(&fi, buf + sizeof(rep) + (size_t)i * sizeof(fi), sizeof(fi));
		if (cb(&fi, arg))
			return 1;
	}
	*cursor = rep.next_cursor;
	return 0;
}

int sl_dp_flow_list(struct sl_dp_client *c,
		    int (*cb)(const struct sl_dp_flow_info *fi, void *arg), void *arg,
		    char *msg, size_t msglen)
{
	size_t cap = sizeof(struct sl_dp_flow_list_reply) +
		     SL_DP_LIST_MAX * sizeof(struct sl_dp_flow_info);
	uint8_t *buf = malloc(cap);
	uint64_t cursor = 0;
	int rc;

	if (!buf) {
		if (msg && msglen)
			snprintf(msg, msglen, "out of memory");
		return -SL_DP_E_NOMEM;
	}
	do {
		rc = list_page(c, &cursor, buf, cap, cb, arg, msg, msglen);
	} while (rc == 0 && cursor != 0);
	free(buf);
	return rc < 0 ? rc : 0;
}

int sl_dp_flow_flush(struct sl_dp_client *c, uint64_t *count, char *msg, size_t msglen)
{
	struct sl_dp_flow_ref ref = { 0 };
	struct sl_dp_ok ok = { 0 };
	int rc = sl_dp_call_expect(c, SL_DP_FLOW_FLUSH, &ref, sizeof(ref), SL_DP_OK, &ok, sizeof(ok), NULL,
			     msg, msglen);

	if (rc == 0 && count)
		*count = ok.id;
	return rc;
}

int sl_dp_stats_get(struct sl_dp_client *c, struct sl_dp_stats *out, char *msg, size_t msglen)
{
	struct sl_dp_stats_req req = { 0 };

	return sl_dp_call_expect(c, SL_DP_STATS_GET, &req, sizeof(req), SL_DP_STATS, out, sizeof(*out),
			   NULL, msg, msglen);
}

int sl_dp_status_get(struct sl_dp_client *c, struct sl_dp_status *out, char *msg, size_t msglen)
{
	struct sl_dp_stats_req req = { 0 };

	return sl_dp_call_expect(c, SL_DP_STATUS_GET, &req, sizeof(req), SL_DP_STATUS, out, sizeof(*out),
			   NULL, msg, msglen);
}

int sl_dp_subscribe(struct sl_dp_client *c, uint32_t events, char *msg, size_t msglen)
{
	struct sl_dp_subscribe sub = { .events = events };
	struct sl_dp_ok ok;

	return sl_dp_call_expect(c, SL_DP_SUBSCRIBE, &sub, sizeof(sub), SL_DP_OK, &ok, sizeof(ok), NULL,
			   msg, msglen);
}
