/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
typedef int sl_placeholder_srtp_stream;
