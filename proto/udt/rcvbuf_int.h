// SPDX-License-Identifier: MIT
/* rcvbuf_int.h - what rcvbuf.c and rcvbuf_mem.c share of a window's packet buffers. */
#ifndef LU2K_UDT_RCVBUF_INT_H
#define LU2K_UDT_RCVBUF_INT_H

#include <stdint.h>

#include "rcvbuf.h"

/* A packet buffer for seq, from the spares or the shared budget; NULL: none may be had. */
uint8_t *udt_rb_get_buf(struct udt_rcvbuf *rb, uint32_t seq);
void udt_rb_free_buf(struct udt_rcvbuf *rb, uint8_t *p);
/* One buffer more (add 1) or less (0) held. */
void udt_rb_count_held(struct udt_rcvbuf *rb, int add);

#endif
