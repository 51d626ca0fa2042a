/*
 * test_mutf7.c: modified UTF-7 mailbox names (mutf7.c, RFC 3501 5.1.3).
 * The examples of the RFC, the strict rules of the decoder (one spelling
 * per name), and round trips of random UTF-8.  Inputs are copied into
 * exact-size buffers so ASan catches a read past their end.
 *
 * Expected encodings were worked out by hand from UTF-16 bit patterns,
 * e.g. U+263A = 0010011000111010 -> 001001 100011 1010(00) -> "Jjo".
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"
#include "unit.h"

static void *
dup_exact(const void *p, size_t n)
{
	void	*d = malloc(n > 0 ? n : 1);

	if (d == NULL)
		abort();
	memcpy(d, p, n);
	return d;
}

/* valid pairs: decode(mutf7) == utf8 and encode(utf8) == mutf7 */
static const struct {
	const char	*mutf7;
	const char	*utf8;
} pairs[] = {
	{ "INBOX", "INBOX" },
	{ "", "" },
	/* RFC 3501 5.1.3 */
	{ "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
	  "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
	{ "&-", "&" },
	{ "a&-b&-", "a&b&" },
	{ "&Jjo-", "\xe2\x98\xba" },			/* U+263A */
	{ "&JjomOg-", "\xe2\x98\xba\xe2\x98\xba" },	/* one run, two */
	{ "&Jjo-!&Jjo-", "\xe2\x98\xba!\xe2\x98\xba" },
	{ "&Jjo-&-", "\xe2\x98\xba&" },		/* "&-" is no run */
	{ "&AOk-t&AOk-", "\xc3\xa9t\xc3\xa9" },	/* U+00E9 */
	{ "Entw&APw-rfe", "Entw\xc3\xbcrfe" },		/* U+00FC */
	{ "&2D3eAA-", "\xf0\x9f\x98\x80" },		/* U+1F600 pair */
	{ "&2D3eANg93gE-", "\xf0\x9f\x98\x80\xf0\x9f\x98\x81" },
	{ "&AAE-", "\x01" },		/* a control may be encoded */
	{ "&AH8-", "\x7f" },		/* DEL is not printable */
	{ "&,,8-", "\xef\xbf\xbf" },	/* U+FFFF: ',' is base64 63 */
	{ "~/.-_ +=()", "~/.-_ +=()" },
};

/* rejected by the decoder, with why */
static const struct {
	const char	*in;
	size_t		 len;	/* 0: strlen */
	const char	*why;
} invalid[] = {
	{ "&", 0, "lone &" },
	{ "a&", 0, "& at the end" },
	{ "&Jjo", 0, "unclosed run" },
	{ "&Jjo!-", 0, "! is not modified base64" },
	{ "&Jjo/-", 0, "/ is not modified base64 (, is)" },
	{ "&Jjo=-", 0, "no = padding" },
	{ "&Jjp-", 0, "non-zero padding bits" },
	{ "&Jj-", 0, "half a unit" },
	{ "&JjoA-", 0, "a unit and a bit" },
	{ "&AGE-", 0, "encoded printable ASCII a" },
	{ "&ACY-", 0, "encoded &" },
	{ "&ACA-", 0, "encoded space" },
	{ "&AH4-", 0, "encoded ~" },
	{ "&Jjo-&Jjo-", 0, "two adjacent runs" },
	{ "&2D0-", 0, "lone high surrogate" },
	{ "&3gA-", 0, "lone low surrogate" },
	{ "&2D0mOg-", 0, "high surrogate then U+263A" },
	{ "&2D3YPQ-", 0, "two high surrogates" },
	{ "caf\xc3\xa9", 0, "raw 8-bit" },
	{ "a\tb", 0, "raw control" },
	{ "a\x7f", 0, "raw DEL" },
	{ "a\0b", 3, "raw NUL" },
	/* U+0000 would cut the name short: "a&AAA-b" must not mean "a" */
	{ "a&AAA-b", 0, "encoded NUL" },
};

static bool
printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* random but valid UTF-8: ASCII, '&', 2-, 3- and 4-byte characters */
static size_t
random_utf8(unsigned *seed, char *out, size_t cap)
{
	size_t		n = 0, k = (size_t)(rand_r(seed) % 24);
	uint32_t	cp;

	while (k-- > 0 && n + 4 < cap) {
		switch (rand_r(seed) % 6) {
		case 0:
			cp = 0x20 + (uint32_t)(rand_r(seed) % 0x5f);
			break;
		case 1:
			cp = '&';
			break;
		case 2:
			cp = 0x80 + (uint32_t)(rand_r(seed) % 0x780);
			break;
		case 3:
			do
				cp = 0x800 + (uint32_t)(rand_r(seed) % 0xf800);
			while (cp >= 0xd800 && cp <= 0xdfff);
			break;
		case 4:
			cp = 0x10000 + (uint32_t)(rand_r(seed) % 0x100000);
			break;
		default:
			cp = 0x4e00 + (uint32_t)(rand_r(seed) % 0x100);
			break;
		}
		if (cp < 0x80)
			out[n++] = (char)cp;
		else if (cp < 0x800) {
			out[n++] = (char)(0xc0 | cp >> 6);
			out[n++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[n++] = (char)(0xe0 | cp >> 12);
			out[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
			out[n++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[n++] = (char)(0xf0 | cp >> 18);
			out[n++] = (char)(0x80 | (cp >> 12 & 0x3f));
			out[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
			out[n++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[n] = '\0';
	return n;
}

int
main(void)
{
	struct arena	 a;
	char		*in, *got, *back, buf[128];
	size_t		 i, n, len;
	unsigned	 seed = 20260101;
	int		 r;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		CASE("decode/%s", pairs[i].mutf7[0] ? pairs[i].mutf7 : "empty") {
			len = strlen(pairs[i].mutf7);
			in = dup_exact(pairs[i].mutf7, len);
			got = mutf7_decode(&a, in, len);
			free(in);
			CHECK(got != NULL && strcmp(got, pairs[i].utf8) == 0,
			    "got [%s]", got ? ESC(got) : "NULL");
		}
		CASE("encode/%s", pairs[i].mutf7[0] ? pairs[i].mutf7 : "empty") {
			len = strlen(pairs[i].utf8);
			in = dup_exact(pairs[i].utf8, len);
			got = mutf7_encode(&a, in, len);
			free(in);
			CHECK(got != NULL && strcmp(got, pairs[i].mutf7) == 0,
			    "got [%s]", got ? ESC(got) : "NULL");
		}
		arena_reset(&a);
	}
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		CASE("invalid/%s", invalid[i].why) {
			len = invalid[i].len ? invalid[i].len :
			    strlen(invalid[i].in);
			in = dup_exact(invalid[i].in, len);
			got = mutf7_decode(&a, in, len);
			free(in);
			CHECK(got == NULL, "accepted %s as [%s]",
			    unit_esc(invalid[i].in, len), ESC(got));
		}
		arena_reset(&a);
	}
	/* random UTF-8: encode is printable ASCII, decodes back, and is
	 * canonical (encoding the decoded form gives the same bytes) */
	CASE("roundtrip/random") {
		for (r = 0; r < 20000; r++) {
			n = random_utf8(&seed, buf, sizeof(buf));
			in = dup_exact(buf, n);
			got = mutf7_encode(&a, in, n);
			free(in);
			if (!CHECK(got != NULL && printable_ascii(got),
			    "encode [%s] gave [%s]", ESC(buf), got ? ESC(got) :
			    "NULL"))
				break;
			len = strlen(got);
			in = dup_exact(got, len);
			back = mutf7_decode(&a, in, len);
			free(in);
			if (!CHECK(back != NULL && strcmp(back, buf) == 0,
			    "[%s] -> [%s] -> [%s]", ESC(buf), ESC(got),
			    back ? ESC(back) : "NULL"))
				break;
			arena_reset(&a);
		}
	}
	/* every prefix of a valid name: either rejected or a valid name */
	CASE("prefixes") {
		const char *full = "~peter/mail/&U,BTFw-/&ZeVnLIqe-&-x&2D3eAA-";

		for (n = 0; n <= strlen(full); n++) {
			in = dup_exact(full, n);
			got = mutf7_decode(&a, in, n);
			free(in);
			if (got != NULL) {
				back = mutf7_encode(&a, got, strlen(got));
				if (!CHECK(back != NULL && strlen(back) == n &&
				    strncmp(back, full, n) == 0, "prefix %zu "
				    "decodes to [%s], which encodes as [%s]", n,
				    ESC(got), back ? ESC(back) : "NULL"))
					break;
			}
			arena_reset(&a);
		}
	}
	arena_free(&a);
	return unit_done();
}
