/*
 * mutf7.c: modified UTF-7 (RFC 3501 5.1.3), the mailbox-name encoding of
 * IMAP4rev1 clients, to and from UTF-8.  Decoding is strict: every name
 * has exactly one valid encoding, so two spellings never name one mailbox.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <string.h>

#include "liteimapd.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
b64val(unsigned char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return -1;
	return (int)(p - b64);
}


/*
 * Decode a modified UTF-7 name into UTF-8 in the arena.  NULL if it is
 * not valid: 8-bit or control bytes, '&' sequences not closed by '-',
 * bad base64, non-zero padding bits, encoded printable ASCII, broken
 * surrogates, or two encoded runs in a row (they must be one).
 */
char *
mutf7_decode(struct arena *a, const char *in, size_t len)
{
	const unsigned char	*s = (const unsigned char *)in;
	char			*out, *d;
	size_t			 i = 0;
	uint32_t		 bits, cp, hi;
	int			 nbits, v, units;
	bool			 after_run = false;

	/* each input byte yields at most 3 output bytes */
	if (len > SIZE_MAX / 3 - 1)
		return NULL;
	out = d = arena_alloc(a, len * 3 + 1);
	while (i < len) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return NULL;
		if (s[i] != '&') {
			*d++ = (char)s[i++];
			after_run = false;
			continue;
		}
		i++;
		if (i < len && s[i] == '-') {
			*d++ = '&';
			i++;
			after_run = false;
			continue;
		}
		if (after_run)
			return NULL;
		bits = 0;
		nbits = 0;
		hi = 0;
		units = 0;
		while (i < len && s[i] != '-') {
			if ((v = b64val(s[i++])) < 0)
				return NULL;
			bits = bits << 6 | (uint32_t)v;
			nbits += 6;
			if (nbits < 16)
				continue;
			nbits -= 16;
			cp = bits >> nbits & 0xffff;
			bits &= (1u << nbits) - 1;
			units++;
			if (hi != 0) {
				if (cp < 0xdc00 || cp > 0xdfff)
					return NULL;
				cp = 0x10000 + ((hi - 0xd800) << 10) +
				    (cp - 0xdc00);
				hi = 0;
			} else if (cp >= 0xd800 && cp <= 0xdbff) {
				hi = cp;
				continue;
			} else if (cp >= 0xdc00 && cp <= 0xdfff)
				return NULL;
			else if ((cp >= 0x20 && cp <= 0x7e) || cp == 0)
				return NULL;	/* must not be encoded; no NUL */
			d += utf8_put(cp, d);
		}
		/* closed by '-', whole units, zero padding, no lone surrogate */
		if (i == len || units == 0 || nbits >= 6 || bits != 0 ||
		    hi != 0)
			return NULL;
		i++;
		after_run = true;
	}
	*d = '\0';
	return out;
}

static void
flush_run(char **dp, const uint16_t *u, size_t n)
{
	char		*d = *dp;
	uint32_t	 bits = 0;
	int		 nbits = 0;
	size_t		 i;

	*d++ = '&';
	for (i = 0; i < n; i++) {
		bits = bits << 16 | u[i];
		nbits += 16;
		while (nbits >= 6) {
			nbits -= 6;
			*d++ = b64[bits >> nbits & 0x3f];
		}
		bits &= (1u << nbits) - 1;
	}
	if (nbits > 0)
		*d++ = b64[(bits << (6 - nbits)) & 0x3f];
	*d++ = '-';
	*dp = d;
}

/*
 * Encode valid UTF-8 (the caller guarantees it: names in the database
 * are checked on the way in) as modified UTF-7, in the arena.
 */
char *
mutf7_encode(struct arena *a, const char *in, size_t len)
{
	const unsigned char	*s = (const unsigned char *)in;
	char			*out, *d;
	uint16_t		*run;
	size_t			 i = 0, n = 0, k;
	uint32_t		 cp;

	/* worst case: every byte becomes 8/3 base64 chars plus framing */
	if (len > SIZE_MAX / 4 - 4)
		return NULL;
	out = d = arena_alloc(a, len * 4 + 4);
	run = arena_alloc(a, (len + 1) * sizeof(*run));
	while (i < len) {
		if (s[i] >= 0x20 && s[i] <= 0x7e) {
			if (n > 0) {
				flush_run(&d, run, n);
				n = 0;
			}
			*d++ = (char)s[i];
			if (s[i++] == '&')
				*d++ = '-';
			continue;
		}
		if (s[i] < 0x80) {
			cp = s[i];
			k = 1;
		} else if (s[i] < 0xe0) {
			cp = s[i] & 0x1f;
			k = 2;
		} else if (s[i] < 0xf0) {
			cp = s[i] & 0x0f;
			k = 3;
		} else {
			cp = s[i] & 0x07;
			k = 4;
		}
		if (i + k > len)
			return NULL;
		for (size_t j = 1; j < k; j++)
			cp = cp << 6 | (s[i + j] & 0x3f);
		i += k;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			run[n++] = (uint16_t)(0xd800 + (cp >> 10));
			run[n++] = (uint16_t)(0xdc00 + (cp & 0x3ff));
		} else
			run[n++] = (uint16_t)cp;
	}
	if (n > 0)
		flush_run(&d, run, n);
	*d = '\0';
	return out;
}
