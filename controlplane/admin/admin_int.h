/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the administration commands: the per-command context, option
 * parsing, the JSON writer and aligned tables.
 */
#ifndef SL_ADMIN_INT_H
#define SL_ADMIN_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "admin.h"
#include "conf.h"
#include "store.h"

#define ADM_ERR_MAX	512

/* One command being executed. */
struct adm {
	const struct sl_admin_ctx *ctx;
	struct sl_admin_out *out;
	bool json;
	char cmd[48];			/* "device add": prefix of every error */
	const char *usage;		/* usage line of the command, for usage errors */
	size_t start;			/* out->len before the command: errors replace what follows */
};

/* Drops this command's output, writes "CMD: message" and returns status. */
__attribute__((format(printf, 3, 4)))
int adm_fail(struct adm *a, int status, const char *fmt, ...);
/* Same with " (usage: ...)" appended. */
__attribute__((format(printf, 2, 3)))
int adm_usage(struct adm *a, const char *fmt, ...);
/* Maps a negative store code to a status and reports the store's message. */
int adm_store_fail(struct adm *a, int rc, const char *err);
/* Notifies the daemon that the directory changed. */
void adm_changed(struct adm *a);
/* Notifies the daemon that something provisioning files or the TLS
 * listeners depend on changed: devices, profiles, line passwords, CAPF
 * settings, certificates, the trust store (it rebuilds the tree). */
void adm_prov_changed(struct adm *a);
void adm_prov_device_changed(struct adm *a, const char *device);
/* For "KIND add NAME": rc is the store's lookup of NAME. 0 if there is no
 * such KIND; otherwise reports "exists already" or the store's error. */
int adm_check_new(struct adm *a, const char *kind, const char *name, int rc, const char *err);
/* rc is the store's lookup (or deletion) of KIND NAME: 0 if it succeeded;
 * otherwise reports "does not exist" or the store's error. */
int adm_check_found(struct adm *a, const char *kind, const char *name, int rc,
		    const char *err);
/* After a deletion: notifies the daemon and writes {"deleted":true} or the
 * line fmt. Returns 0. */
__attribute__((format(printf, 2, 3)))
int adm_deleted(struct adm *a, const char *fmt, ...);

/* ---- options ---- */

struct adm_opt {
	const char *name;		/* "--user" */
	const char **val;		/* value option: where to put it (NULL = not given) */
	bool *flag;			/* flag option */
};

/*
 * Parses argv[0..argc) (after the command words): exactly npos positional
 * arguments (named pos_names[i] in messages) into pos[], options from opts
 * (terminated by a {NULL} entry) as "--opt VALUE" or "--opt=VALUE". Returns
 * 0, or a status after reporting the problem.
 */
int adm_parse(struct adm *a, int argc, char **argv, const struct adm_opt *opts,
	      int npos, const char *const *pos_names, const char **pos);

/* Validators: 0 or a status after reporting (what names the field). */
int adm_check_name(struct adm *a, const char *what, const char *s);
int adm_check_text(struct adm *a, const char *what, const char *s, size_t max);
int adm_parse_uint(struct adm *a, const char *what, const char *s, unsigned long min,
		   unsigned long max, unsigned long *v);

/* A password from the request: required, min..1024 bytes, no control
 * characters. Never echoed in messages. */
int adm_check_password(struct adm *a, const char *pw, size_t min);

/* "profile 'x' does not exist (profiles: a, b, c)" helpers. */
int adm_need_profile(struct adm *a, const char *name, struct sl_profile *p);
int adm_need_user(struct adm *a, const char *name, struct sl_user *u);

/* Copies s into dst[n] (the store's fixed fields); caller checked the length. */
void adm_copy(char *dst, size_t n, const char *s);

/* "non-secure", "authenticated (shield)", "encrypted (lock)". */
const char *adm_security_label(int mode);
/* UTC "2026-11-27 04:10:49", or "-" for 0. */
void adm_fmt_time(int64_t t, char *buf, size_t n);
/* "1d 02:03:04" / "02:03:04" / "-" for negative. */
void adm_fmt_duration(int64_t secs, char *buf, size_t n);

/* ---- JSON writer ---- */

#define JW_DEPTH 16

struct jw {
	struct sl_admin_out *o;
	int depth;
	bool comma[JW_DEPTH];
};

void jw_init(struct jw *w, struct sl_admin_out *o);
void jw_obj(struct jw *w, const char *key);	/* key NULL at top or in arrays */
void jw_arr(struct jw *w, const char *key);
void jw_end_obj(struct jw *w);
void jw_end_arr(struct jw *w);			/* a top-level end adds "\n" */
void jw_str(struct jw *w, const char *key, const char *v);	/* v NULL -> null */
void jw_int(struct jw *w, const char *key, int64_t v);
void jw_uint(struct jw *w, const char *key, uint64_t v);
void jw_bool(struct jw *w, const char *key, bool v);
/* Writes s as a JSON string literal (invalid UTF-8 becomes U+FFFD). */
void jw_escape(struct sl_admin_out *o, const char *s);

/* ---- aligned tables ---- */

#define TBL_COLS_MAX 16

struct tbl {
	int ncols;
	const char *hdr[TBL_COLS_MAX];
	char **cell;			/* nrows * ncols sanitised copies */
	size_t nrows, cap;
	bool failed;
};

/* headers: ncols strings. */
void tbl_init(struct tbl *t, int ncols, const char *const *headers);
void tbl_row(struct tbl *t, ...);		/* ncols const char * */
/* Prints the header and rows, columns two spaces apart; frees the rows. */
void tbl_print(struct tbl *t, struct sl_admin_out *o);
void tbl_free(struct tbl *t);

/* A list command's output: {"count": N, "KEY": [...]} or an aligned table. */
struct adm_list {
	struct jw w;
	struct tbl t;
};

void adm_list_begin(struct adm *a, struct adm_list *l, int ncols, const char *const *hdr,
		    size_t count, const char *key);
/* Closes the JSON, or prints the table (with no rows: the line empty
 * instead, unless it is NULL); frees the table. */
void adm_list_end(struct adm *a, struct adm_list *l, size_t count, const char *empty);

/* "key:   value" line with control characters replaced (human output). */
void adm_kv(struct adm *a, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copies s with control characters (terminal escapes from the network) as '?'. */
void adm_sanitize(char *dst, size_t n, const char *s);

/* ---- whole tables, loaded and sorted by name (admin_load.c) ---- */

struct adm_vec {
	void *v;
	size_t n, cap, size;
	bool failed;
};

/* Each returns 0, or a status after reporting; free with adm_vec_free. */
int adm_load_users(struct adm *a, struct adm_vec *v);		/* struct sl_user */
int adm_load_devices(struct adm *a, struct adm_vec *v);		/* struct sl_device */
int adm_load_profiles(struct adm *a, struct adm_vec *v);	/* struct sl_profile */
int adm_load_trunks(struct adm *a, struct adm_vec *v);		/* struct sl_trunk */
int adm_load_regs(struct adm *a, struct adm_vec *v);		/* struct sl_registration */
void adm_vec_free(struct adm_vec *v);
/* Registrations of a user and/or device for the "show" commands (NULL = any). */
void adm_show_regs_json(struct jw *w, const struct adm_vec *regs, const char *user,
			const char *device);
void adm_show_regs_text(struct adm *a, const struct adm_vec *regs, const char *user,
			const char *device);
/* "a, b" names of the devices of user and/or with profile (NULL = any). */
void adm_device_names(const struct adm_vec *devs, const char *user, const char *profile,
		      char *buf, size_t n, unsigned *count);
#define ADM_AT(vec, type, i) (&((type *)(vec)->v)[i])

/* ---- command groups ---- */

int adm_user(struct adm *a, int argc, char **argv);
int adm_device(struct adm *a, int argc, char **argv);
int adm_profile(struct adm *a, int argc, char **argv);
int adm_trunk(struct adm *a, int argc, char **argv);
int adm_registrations(struct adm *a, int argc, char **argv);
int adm_calls(struct adm *a, int argc, char **argv);
int adm_cert(struct adm *a, int argc, char **argv);

/* Selects the subcommand argv[0] of group: sets a->cmd, a->usage. */
struct adm_sub {
	const char *name;
	const char *usage;
	int (*run)(struct adm *a, int argc, char **argv);
};
int adm_dispatch(struct adm *a, const char *group, const struct adm_sub *subs, int argc,
		 char **argv);

/* ctl build, image signer / sign-digest (admin_prov.c, issue 5). */
int adm_ctl(struct adm *a, int argc, char **argv);
int adm_image(struct adm *a, int argc, char **argv);
int adm_prov(struct adm *a, int argc, char **argv);

/* capf set / capf status / capf clear (admin_capf.c, issue 5). */
int adm_capf(struct adm *a, int argc, char **argv);

#endif
