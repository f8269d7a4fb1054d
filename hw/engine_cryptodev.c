/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
#include <errno.h>
#include "engine.h"
static int placeholder_init(struct sl_engine *e, const char *a) { (void)e; (void)a; return -ENOTSUP; }
const struct sl_engine_ops sl_engine_cryptodev_ops = { .name = "cryptodev", .init = placeholder_init };
