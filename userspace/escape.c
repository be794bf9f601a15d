// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "escape.h"

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned int cp, min;
	size_t len, i;

	if (!n)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;	/* a continuation byte, or 0xf8..0xff */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *text_escape(char *out, size_t len, const char *in)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t n = strlen(in), o = 0;

	if (!len)
		return out;
	while (n) {
		size_t l = utf8_seq_len(p, n);
		/* C1 controls, encoded: U+0080..U+009F are 0xc2 0x80..0x9f. */
		int c1 = l == 2 && p[0] == 0xc2 && p[1] < 0xa0;

		if (l == 1 && *p >= 0x20 && *p != 0x7f && *p != '\\') {
			if (o + 1 >= len)
				break;
			out[o++] = (char)*p;
		} else if (l > 1 && !c1) {
			if (o + l >= len)
				break;
			memcpy(out + o, p, l);
			o += l;
		} else {
			/* One byte at a time: the rest is looked at again. */
			if (o + 4 >= len)
				break;
			snprintf(out + o, 5, "\\x%02x", *p);
			o += 4;
			l = 1;
		}
		p += l;
		n -= l;
	}
	out[o] = '\0';
	return out;
}
