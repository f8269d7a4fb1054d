/* SPDX-License-Identifier: BSD-3-Clause */
/* Calls and their two legs, written by the daemon; ended calls stay as
 * history. Packet counters are uint64 stored in SQLite's signed 64-bit
 * integers bit for bit (values above 2^63-1 read back unchanged). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store_int.h"

static int check_leg(const struct sl_call_leg *l, int i, char *err, size_t errlen)
{
	const struct {
		const char *name, *value;
		size_t cap;
	} text[] = {
		{ "peer", l->peer, sizeof(l->peer) },
		{ "suite", l->suite, sizeof(l->suite) },
		{ "media_remote", l->media_remote, sizeof(l->media_remote) },
		{ "media_local", l->media_local, sizeof(l->media_local) },
	};
	char f[32];
	size_t k;
	int r;

	for (k = 0; k < sizeof(text) / sizeof(text[0]); k++) {
		snprintf(f, sizeof(f), "call leg %d %s", i, text[k].name);
		r = st_check_text(f, text[k].value, text[k].cap, 0, err, errlen);
		if (r)
			return r;
	}
	if (l->security < SL_SEC_NONSECURE || l->security > SL_SEC_ENCRYPTED) {
		st_err(err, errlen, "call leg %d security %d is not 0, 1 or 2", i, l->security);
		return -EINVAL;
	}
	return 0;
}

static int check_call(const struct sl_call *c, char *err, size_t errlen)
{
	size_t n;
	int r, i;

	r = st_check_text("call id", c->id, sizeof(c->id), 1, err, errlen);
	if (r)
		return r;
	n = strnlen(c->state, sizeof(c->state));
	if (n >= sizeof(c->state) ||
	    (strcmp(c->state, "ringing") && strcmp(c->state, "active") && strcmp(c->state, "ended"))) {
		st_err(err, errlen, "call \"%s\": state is not one of ringing, active, ended", c->id);
		return -EINVAL;
	}
	if (c->security < SL_SEC_NONSECURE || c->security > SL_SEC_ENCRYPTED) {
		st_err(err, errlen, "call \"%s\": security %d is not 0, 1 or 2", c->id, c->security);
		return -EINVAL;
	}
	r = st_check_text("call end_reason", c->end_reason, sizeof(c->end_reason), 0, err, errlen);
	for (i = 0; !r && i < 2; i++)
		r = check_leg(&c->leg[i], i, err, errlen);
	return r;
}

int sl_store_call_put(struct sl_store *st, const struct sl_call *c, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int r, rc, i;

	if (!st || !c) {
		st_err(err, errlen, "sl_store_call_put: missing store or call");
		return -EINVAL;
	}
	r = check_call(c, err, errlen);
	if (r)
		return r;
	r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = st_prepare(st, "INSERT INTO calls (id, state, security, started, answered, ended, "
		       "end_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET "
		       "state = excluded.state, security = excluded.security, "
		       "started = excluded.started, answered = excluded.answered, "
		       "ended = excluded.ended, end_reason = excluded.end_reason", &s, err, errlen);
	if (r)
		goto out;
	st_bind_text(s, 1, c->id);
	st_bind_text(s, 2, c->state);
	sqlite3_bind_int(s, 3, c->security);
	sqlite3_bind_int64(s, 4, c->started);
	sqlite3_bind_int64(s, 5, c->answered);
	sqlite3_bind_int64(s, 6, c->ended);
	st_bind_text(s, 7, c->end_reason);
	r = st_step_done(st, s, "writing the call", err, errlen);
	s = NULL;
	if (r)
		goto out;
	r = st_prepare(st, "INSERT OR REPLACE INTO call_legs (call_id, leg, peer, suite, security, "
		       "media_remote, media_local, pkts_in, pkts_out, auth_fail, replay_drop) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &s, err, errlen);
	if (r)
		goto out;
	for (i = 0; i < 2; i++) {
		const struct sl_call_leg *l = &c->leg[i];

		sqlite3_reset(s);
		st_bind_text(s, 1, c->id);
		sqlite3_bind_int(s, 2, i);
		st_bind_text(s, 3, l->peer);
		st_bind_text(s, 4, l->suite);
		sqlite3_bind_int(s, 5, l->security);
		st_bind_text(s, 6, l->media_remote);
		st_bind_text(s, 7, l->media_local);
		sqlite3_bind_int64(s, 8, (int64_t)l->pkts_in);
		sqlite3_bind_int64(s, 9, (int64_t)l->pkts_out);
		sqlite3_bind_int64(s, 10, (int64_t)l->auth_fail);
		sqlite3_bind_int64(s, 11, (int64_t)l->replay_drop);
		rc = sqlite3_step(s);
		if (rc != SQLITE_DONE) {
			r = st_sqlerr(st, rc, "writing a call leg", err, errlen);
			break;
		}
	}
out:
	sqlite3_finalize(s);
	return st_end(st, r, err, errlen);
}

#define CALL_SELECT \
	"SELECT c.id, c.state, c.security, c.started, c.answered, c.ended, c.end_reason, " \
	"l0.peer, l0.suite, l0.security, l0.media_remote, l0.media_local, " \
	"l0.pkts_in, l0.pkts_out, l0.auth_fail, l0.replay_drop, " \
	"l1.peer, l1.suite, l1.security, l1.media_remote, l1.media_local, " \
	"l1.pkts_in, l1.pkts_out, l1.auth_fail, l1.replay_drop " \
	"FROM calls c " \
	"LEFT JOIN call_legs l0 ON l0.call_id = c.id AND l0.leg = 0 " \
	"LEFT JOIN call_legs l1 ON l1.call_id = c.id AND l1.leg = 1 "

static void row_leg(sqlite3_stmt *s, int col, struct sl_call_leg *l)
{
	st_col_text(l->peer, sizeof(l->peer), s, col);
	st_col_text(l->suite, sizeof(l->suite), s, col + 1);
	l->security = sqlite3_column_int(s, col + 2);
	st_col_text(l->media_remote, sizeof(l->media_remote), s, col + 3);
	st_col_text(l->media_local, sizeof(l->media_local), s, col + 4);
	l->pkts_in = (uint64_t)sqlite3_column_int64(s, col + 5);
	l->pkts_out = (uint64_t)sqlite3_column_int64(s, col + 6);
	l->auth_fail = (uint64_t)sqlite3_column_int64(s, col + 7);
	l->replay_drop = (uint64_t)sqlite3_column_int64(s, col + 8);
}

static void row_call(sqlite3_stmt *s, void *out)
{
	struct sl_call *c = out;

	memset(c, 0, sizeof(*c));
	st_col_text(c->id, sizeof(c->id), s, 0);
	st_col_text(c->state, sizeof(c->state), s, 1);
	c->security = sqlite3_column_int(s, 2);
	c->started = sqlite3_column_int64(s, 3);
	c->answered = sqlite3_column_int64(s, 4);
	c->ended = sqlite3_column_int64(s, 5);
	st_col_text(c->end_reason, sizeof(c->end_reason), s, 6);
	row_leg(s, 7, &c->leg[0]);
	row_leg(s, 16, &c->leg[1]);
}

int sl_store_call_get(struct sl_store *st, const char *id, struct sl_call *c, char *err, size_t errlen)
{
	int r;

	if (!st || !c) {
		st_err(err, errlen, "sl_store_call_get: missing store or result");
		return -EINVAL;
	}
	r = st_check_text("call id", id, sizeof(c->id), 1, err, errlen);
	if (r)
		return r;
	r = st_row1(st, CALL_SELECT "WHERE c.id = ?1", id, row_call, c, "reading the call",
		    err, errlen);
	return st_required(r, err, errlen, "call \"%s\" does not exist (ended calls may have been "
			   "pruned)", id);
}

struct call_walk {
	int (*cb)(const struct sl_call *, void *);
	void *arg;
};

static int call_row(sqlite3_stmt *s, void *ctx)
{
	const struct call_walk *w = ctx;
	struct sl_call c;

	row_call(s, &c);
	return w->cb(&c, w->arg);
}

int sl_store_call_list(struct sl_store *st, bool active_only, unsigned limit,
		       int (*cb)(const struct sl_call *, void *), void *arg,
		       char *err, size_t errlen)
{
	struct call_walk w = { cb, arg };
	sqlite3_stmt *s;
	int r;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_call_list: missing store or callback");
		return -EINVAL;
	}
	/* Newest first; the id breaks ties so the order is stable. */
	r = st_prepare(st, active_only ?
		       CALL_SELECT "WHERE c.state <> 'ended' ORDER BY c.started DESC, c.id DESC LIMIT ?1" :
		       CALL_SELECT "ORDER BY c.started DESC, c.id DESC LIMIT ?1", &s, err, errlen);
	if (r)
		return r;
	sqlite3_bind_int64(s, 1, limit ? (int64_t)limit : -1);	/* -1: no limit */
	return st_walk(st, s, call_row, &w, "listing calls", err, errlen);
}

int sl_store_call_prune(struct sl_store *st, int64_t ended_before, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r;

	if (!st) {
		st_err(err, errlen, "sl_store_call_prune: missing store");
		return -EINVAL;
	}
	r = st_prepare(st, "DELETE FROM calls WHERE state = 'ended' AND ended < ?1", &s, err, errlen);
	if (r)
		return r;
	sqlite3_bind_int64(s, 1, ended_before);
	r = st_step_done(st, s, "pruning call history", err, errlen);
	return r ? r : sqlite3_changes(st->db);
}
