/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_CONF_H
#define TEST_CONF_H

#include <check.h>

#include "conf.h"

/* Minimal valid text: no data plane, so no interface line is needed. */
#define MIN_CONF "[media]\ndp_socket = off\n"

TCase *tcase_conf(void);
TCase *tcase_conf_errors(void);
TCase *tcase_iface(void);
TCase *tcase_cpmsg(void);
TCase *tcase_log(void);

/* Loads text as "t.conf"; returns the rc, err gets the message. */
int load(const char *text, struct sl_conf *c, char *err, size_t errlen);

#endif
