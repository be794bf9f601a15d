/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strings that reach vsecctl from outside (a VMM's command name, a guest's
 * process names) may hold any bytes. Before they reach a terminal or a
 * JSON document they are made harmless here.
 */
#ifndef VSEC_ESCAPE_H
#define VSEC_ESCAPE_H

#include <stddef.h>

/*
 * Length of the valid UTF-8 sequence at @s (1 to 4 bytes; @n bytes are
 * readable), or 0 if it is not one: overlong forms, surrogates and code
 * points above U+10FFFF are not valid.
 */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/*
 * @in for a terminal, into @out (always terminated; cut short if @len is
 * too small): printable ASCII and valid UTF-8 stay, except the C1 controls
 * U+0080..U+009F; a backslash, every control character and every byte of
 * invalid UTF-8 become \\xNN. Returns @out.
 */
char *text_escape(char *out, size_t len, const char *in);

/* Enough for text_escape() of a string of n bytes. */
#define TEXT_ESCAPE_SIZE(n) (4 * (n) + 1)

#endif
