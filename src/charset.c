/*
 * charset.c: text for searching and sorting.  RFC 2047 encoded words,
 * any charset iconv knows to UTF-8, HTML reduced to its text, and a
 * simple Unicode case fold (the i;unicode-casemap idea of RFC 5051,
 * for the scripts mail is written in).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"

void
sb_add(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = b->cap ? b->cap : 256;
		while (b->len + n + 1 > b->cap)
			b->cap *= 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	if (n > 0)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

void
sb_free(struct sbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static void	utf8_sanitize(struct sbuf *, size_t);

static bool
is_utf8_name(const char *cs)
{
	return cs == NULL || cs[0] == '\0' || strcasecmp(cs, "utf-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0 || strcasecmp(cs, "us-ascii") == 0 ||
	    strcasecmp(cs, "ascii") == 0;
}

/* Latin-1 bytes as UTF-8: the fallback for text in no known charset. */
static void
latin1(struct sbuf *out, const char *in, size_t n)
{
	size_t	i;
	char	u[2];

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c < 0x80) {
			sb_add(out, &in[i], 1);
			continue;
		}
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		sb_add(out, u, 2);
	}
}

/*
 * Append text in charset cs as UTF-8.  Valid UTF-8 labelled ASCII or
 * UTF-8 is copied; other charsets go through iconv (one handle kept);
 * what cannot be converted is read as Latin-1, so nothing is lost.
 */
void
charset_to_utf8(struct sbuf *out, const char *cs, const char *in, size_t n)
{
	static iconv_t	 cd = (iconv_t)-1;
	static char	 cdname[64];
	char		 buf[4096], *ip, *op;
	size_t		 il, ol, start = out->len;

	if (is_utf8_name(cs)) {
		if (utf8_valid(in, n) || memchr(in, '\0', n) != NULL) {
			if (utf8_valid(in, n)) {
				sb_add(out, in, n);
				return;
			}
		}
		latin1(out, in, n);
		return;
	}
	if (cd == (iconv_t)-1 || strcasecmp(cdname, cs) != 0) {
		if (cd != (iconv_t)-1)
			(void)iconv_close(cd);
		cd = (iconv_t)-1;	/* closed: never closed twice */
		cdname[0] = '\0';
		if (strlen(cs) >= sizeof(cdname) ||
		    (cd = iconv_open("UTF-8", cs)) == (iconv_t)-1) {
			latin1(out, in, n);
			return;
		}
		(void)strlcpy(cdname, cs, sizeof(cdname));
	}
	(void)iconv(cd, NULL, NULL, NULL, NULL);
	ip = (char *)(uintptr_t)in;
	il = n;
	while (il > 0) {
		op = buf;
		ol = sizeof(buf);
		if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 &&
		    errno != E2BIG) {
			sb_add(out, buf, (size_t)(op - buf));
			if (errno == EINVAL)
				break;		/* truncated at the end */
			/* an invalid byte: keep it as Latin-1, go on */
			latin1(out, ip, 1);
			ip++;
			il--;
			continue;
		}
		sb_add(out, buf, (size_t)(op - buf));
	}
	if (out->len == start && n > 0)
		latin1(out, in, n);
	utf8_sanitize(out, start);
}

/*
 * What iconv wrote is not always UTF-8 (glibc lets code points above
 * U+10FFFF through and writes UCS-4's large values as 6-byte sequences):
 * replace whatever is not valid UTF-8 after start with U+FFFD.
 */
static void
utf8_sanitize(struct sbuf *b, size_t start)
{
	struct sbuf	 t = { 0 };
	const char	*s;
	size_t		 n = b->len - start, i = 0, k;

	if (n == 0)
		return;		/* b->s may still be NULL */
	s = b->s + start;
	if (utf8_valid(s, n))
		return;
	while (i < n) {
		k = (unsigned char)s[i] < 0x80 ? 1 : (unsigned char)s[i] >= 0xf0 ?
		    4 : (unsigned char)s[i] >= 0xe0 ? 3 : 2;
		if (s[i] != '\0' && i + k <= n && utf8_valid(s + i, k)) {
			sb_add(&t, s + i, k);
			i += k;
		} else {
			sb_add(&t, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	b->len = start;
	sb_add(b, t.s, t.len);
	sb_free(&t);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = toupper(c);
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The text of one encoded word's payload, decoded (B or Q). */
static void
word_decode(struct sbuf *raw, char enc, const char *p, size_t n)
{
	size_t		i;
	uint32_t	acc = 0;
	int		bits = 0, v, h, l;
	char		ch;

	for (i = 0; i < n; i++) {
		if (enc == 'B' || enc == 'b') {
			const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
			    "opqrstuvwxyz0123456789+/";
			const char *q = p[i] ? strchr(t, p[i]) : NULL;

			if (q == NULL)
				continue;
			v = (int)(q - t);
			acc = acc << 6 | (uint32_t)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				ch = (char)(acc >> bits & 0xff);
				sb_add(raw, &ch, 1);
			}
		} else if (p[i] == '_')
			sb_add(raw, " ", 1);
		else if (p[i] == '=' && i + 2 < n &&
		    (h = hexval((unsigned char)p[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)p[i + 2])) >= 0) {
			ch = (char)(h << 4 | l);
			sb_add(raw, &ch, 1);
			i += 2;
		} else
			sb_add(raw, &p[i], 1);
	}
}

/*
 * RFC 2047: decode =?charset?B|Q?text?= words to UTF-8; white space
 * between two encoded words goes; the rest is copied (as UTF-8, or
 * Latin-1 when it is not).
 */
void
rfc2047_decode(struct sbuf *out, const char *s, size_t n)
{
	struct sbuf	 raw = { 0 };
	const char	*p = s, *e = s + n, *q1, *q2, *end, *ws = NULL;
	char		 cs[64];
	bool		 last_word = false;

	while (p < e) {
		if (p + 1 < e && p[0] == '=' && p[1] == '?' &&
		    (q1 = memchr(p + 2, '?', (size_t)(e - p - 2))) != NULL &&
		    q1 + 2 < e && q1[2] == '?' &&
		    (q2 = q1 + 3) <= e &&
		    (end = memmem(q2, (size_t)(e - q2), "?=", 2)) != NULL &&
		    (size_t)(q1 - p - 2) < sizeof(cs) &&
		    strchr("BbQq", q1[1]) != NULL) {
			(void)memcpy(cs, p + 2, (size_t)(q1 - p - 2));
			cs[q1 - p - 2] = '\0';
			/* RFC 2231 language: charset*lang */
			if (strchr(cs, '*') != NULL)
				*strchr(cs, '*') = '\0';
			/* RFC 2047 6.2: only space between two words goes */
			if (ws != NULL && !last_word && out->len > 0)
				sb_add(out, " ", 1);
			raw.len = 0;
			word_decode(&raw, q1[1], q2, (size_t)(end - q2));
			charset_to_utf8(out, cs, raw.s ? raw.s : "", raw.len);
			p = end + 2;
			last_word = true;
			ws = NULL;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			if (ws == NULL)
				ws = p;
			p++;
			continue;
		}
		if (ws != NULL) {
			/* white space not between two encoded words stays */
			sb_add(out, " ", 1);
			ws = NULL;
		}
		last_word = false;
		{
			const char *st = p;

			while (p < e && *p != ' ' && *p != '\t' && *p != '\r' &&
			    *p != '\n' && !(p[0] == '=' && p + 1 < e &&
			    p[1] == '?'))
				p++;
			if (p == st)
				p++;	/* a "=?" that was not a word */
			charset_to_utf8(out, NULL, st, (size_t)(p - st));
		}
	}
	sb_free(&raw);
}

/* HTML 4 names of U+00A0 .. U+00FF, in order */
static const char *const latin1_ents[96] = {
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect",
	"uml", "copy", "ordf", "laquo", "not", "shy", "reg", "macr", "deg",
	"plusmn", "sup2", "sup3", "acute", "micro", "para", "middot", "cedil",
	"sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
	"Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig",
	"Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute",
	"Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde",
	"Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml",
	"Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde",
	"auml", "aring", "aelig", "ccedil", "egrave", "eacute", "ecirc", "euml",
	"igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve",
	"oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave",
	"uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
};

static const struct {
	const char	*name;
	uint32_t	 cp;
} other_ents[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "euro", 0x20ac }, { "ndash", 0x2013 },
	{ "mdash", 0x2014 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "sbquo", 0x201a }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "bdquo", 0x201e }, { "hellip", 0x2026 }, { "bull", 0x2022 },
	{ "trade", 0x2122 }, { "OElig", 0x152 }, { "oelig", 0x153 },
	{ "Scaron", 0x160 }, { "scaron", 0x161 }, { "Yuml", 0x178 },
	{ "thinsp", 0x2009 }, { "ensp", 0x2002 }, { "emsp", 0x2003 },
	{ "zwnj", 0x200c }, { "zwj", 0x200d },
};

/* HTML 4 Greek letters: U+0391 .. U+03A9 and U+03B1 .. U+03C9 */
static const char *const greek_ents[25] = {
	"Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta",
	"Iota", "Kappa", "Lambda", "Mu", "Nu", "Xi", "Omicron", "Pi", "Rho",
	NULL, "Sigma", "Tau", "Upsilon", "Phi", "Chi", "Psi", "Omega",
};

/* The code point of an entity name (without & and ;), or 0. */
static uint32_t
entity(const char *p, size_t k)
{
	size_t	i;

	for (i = 0; i < 25; i++) {
		if (greek_ents[i] == NULL || strlen(greek_ents[i]) != k ||
		    strncasecmp(p, greek_ents[i], k) != 0)
			continue;
		/* the case of the first letter says which */
		return (p[0] >= 'A' && p[0] <= 'Z' ? 0x391 : 0x3b1) +
		    (uint32_t)i;
	}
	if (k == 6 && strncmp(p, "sigmaf", 6) == 0)
		return 0x3c2;

	for (i = 0; i < 96; i++)
		if (strlen(latin1_ents[i]) == k && strncmp(p, latin1_ents[i],
		    k) == 0)
			return 0xa0 + (uint32_t)i;
	for (i = 0; i < sizeof(other_ents) / sizeof(other_ents[0]); i++)
		if (strlen(other_ents[i].name) == k && strncmp(p,
		    other_ents[i].name, k) == 0)
			return other_ents[i].cp;
	return 0;
}

/* Does the tag at p ("<name" or "</name") break a line of text? */
static bool
block_tag(const char *p, const char *e)
{
	static const char *const blocks[] = { "p", "div", "br", "tr", "td",
	    "th", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
	    "blockquote", "pre", "hr", "title", "head", "body", "html", "dl",
	    "dt", "dd", "section", "article", "header", "footer", "nav",
	    "address", "form", "option", "caption", "center", NULL };
	size_t	 n = 0, i;
	char	 name[16];

	p++;
	if (p < e && *p == '/')
		p++;
	while (p < e && n < sizeof(name) - 1 && isalnum((unsigned char)*p))
		name[n++] = (char)tolower((unsigned char)*p++);
	name[n] = '\0';
	for (i = 0; blocks[i] != NULL; i++)
		if (strcmp(blocks[i], name) == 0)
			return true;
	return false;
}

/*
 * HTML to its text: tags dropped (a block tag becomes a space, an
 * inline one nothing: "Wel<b>come</b>" is "Welcome"), script and style
 * content dropped, named and numeric entities decoded.
 */
void
html_to_text(struct sbuf *out, const char *s, size_t n)
{
	const char	*p = s, *e = s + n, *t;
	char		 u[4];
	size_t		 k;
	unsigned long	 cp;
	uint32_t	 ec;

	while (p < e) {
		if (*p == '<') {
			bool skip = (size_t)(e - p) > 7 &&
			    (strncasecmp(p, "<script", 7) == 0 ||
			    strncasecmp(p, "<style", 6) == 0);

			t = memchr(p, '>', (size_t)(e - p));
			if (t == NULL)
				break;
			if (skip) {
				const char *close = strncasecmp(p, "<script",
				    7) == 0 ? "</script" : "</style";
				const char *c = t;

				while (c < e && strncasecmp(c, close,
				    strlen(close)) != 0)
					c++;
				t = c < e ? memchr(c, '>', (size_t)(e - c)) :
				    NULL;
				if (t == NULL)
					break;
			}
			if (skip || block_tag(p, t))
				sb_add(out, " ", 1);
			p = t + 1;
			continue;
		}
		if (*p == '&') {
			t = memchr(p, ';', (size_t)(e - p) < 12 ?
			    (size_t)(e - p) : 12);
			if (t != NULL) {
				k = (size_t)(t - p - 1);
				if (k > 1 && p[1] == '#') {
					cp = p[2] == 'x' || p[2] == 'X' ?
					    strtoul(p + 3, NULL, 16) :
					    strtoul(p + 2, NULL, 10);
					if (cp > 0 && cp < 0x110000) {
						k = utf8_put((uint32_t)cp, u);
						sb_add(out, u, k);
						p = t + 1;
						continue;
					}
				} else if ((ec = entity(p + 1, k)) != 0) {
					sb_add(out, u, utf8_put(ec == 0xa0 ?
					    ' ' : ec, u));
					p = t + 1;
					continue;
				}
			}
		}
		sb_add(out, p, 1);
		p++;
	}
}

/* UTF-8 for a code point; returns the length (1..4). */
size_t
utf8_put(uint32_t cp, char *d)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Upper-case letters at even code points of [lo, hi], lower at odd. */
static bool
pair_even(uint32_t c, uint32_t lo, uint32_t hi)
{
	return c >= lo && c <= hi && (c & 1) == 0;
}

static bool
pair_odd(uint32_t c, uint32_t lo, uint32_t hi)
{
	return c >= lo && c <= hi && (c & 1) == 1;
}

/*
 * Simple case folding (to lower case) for the scripts mail is written
 * in: Latin with its extensions (incl. Vietnamese), Greek, Cyrillic,
 * Armenian, Georgian, fullwidth Latin.  It follows Unicode's simple
 * folding, as FTS5's trigram index does, so short search terms (scanned)
 * and long ones (indexed) find the same.
 */
static uint32_t
fold_cp(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c < 0x100) {
		if (c == 0xb5)
			return 0x3bc;	/* micro sign: mu */
		return c >= 0xc0 && c <= 0xde && c != 0xd7 ? c + 32 : c;
	}
	if (c < 0x180) {
		if (c == 0x130)
			return 'i';
		if (c == 0x178)
			return 0xff;
		if (c == 0x17f)
			return 's';
		if (pair_even(c, 0x100, 0x12f) || pair_even(c, 0x132, 0x137) ||
		    pair_odd(c, 0x139, 0x148) || pair_even(c, 0x14a, 0x177) ||
		    pair_odd(c, 0x179, 0x17e))
			return c + 1;
		return c;
	}
	if (c >= 0x370 && c < 0x400) {
		if (c == 0x386)
			return 0x3ac;
		if (c >= 0x388 && c <= 0x38a)
			return c + 37;
		if (c == 0x38c)
			return 0x3cc;
		if (c == 0x38e || c == 0x38f)
			return c + 63;
		if ((c >= 0x391 && c <= 0x3a1) || (c >= 0x3a3 && c <= 0x3ab))
			return c + 32;
		if (pair_even(c, 0x3d8, 0x3ef))
			return c + 1;
		return c;
	}
	if (c >= 0x400 && c < 0x530) {
		if (c <= 0x40f)
			return c + 80;
		if (c <= 0x42f)
			return c + 32;
		if (c == 0x4c0)
			return 0x4cf;
		if (pair_even(c, 0x460, 0x481) || pair_even(c, 0x48a, 0x4bf) ||
		    pair_odd(c, 0x4c1, 0x4ce) || pair_even(c, 0x4d0, 0x52f))
			return c + 1;
		return c;
	}
	if (c >= 0x531 && c <= 0x556)
		return c + 48;		/* Armenian */
	if (c >= 0x10a0 && c <= 0x10c5)
		return c + 0x1c60;	/* Georgian */
	if (c >= 0x1e00 && c <= 0x1eff) {
		if (c == 0x1e9e)
			return 0xdf;	/* capital sharp s */
		if (pair_even(c, 0x1e00, 0x1e95) || pair_even(c, 0x1ea0,
		    0x1eff))
			return c + 1;
		return c;
	}
	if (c >= 0xff21 && c <= 0xff3a)
		return c + 32;		/* fullwidth Latin */
	return c;
}

/* Append s folded (invalid UTF-8 is copied byte by byte). */
void
utf8_fold(struct sbuf *out, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, k;
	uint32_t		 cp;
	char			 u[4];

	while (i < n) {
		if (p[i] < 0x80) {
			u[0] = (char)fold_cp(p[i]);
			sb_add(out, u, 1);
			i++;
			continue;
		}
		k = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : p[i] >= 0xc0 ? 2 : 1;
		if (k == 1 || i + k > n || !utf8_valid(p + i, k)) {
			sb_add(out, p + i, 1);
			i++;
			continue;
		}
		cp = k == 2 ? (uint32_t)(p[i] & 0x1f) : k == 3 ?
		    (uint32_t)(p[i] & 0x0f) : (uint32_t)(p[i] & 0x07);
		for (size_t j = 1; j < k; j++)
			cp = cp << 6 | (p[i + j] & 0x3f);
		sb_add(out, u, utf8_put(fold_cp(cp), u));
		i += k;
	}
}

/* Whether s[0..n) holds the byte pair a b. */
static bool
has_pair(const char *s, size_t n, unsigned char a, unsigned char b)
{
	const char	*p, *end = s + n;

	for (p = s; (p = memchr(p, a, (size_t)(end - p))) != NULL; p++)
		if (p + 1 < end && (unsigned char)p[1] == b)
			return true;
	return false;
}

/*
 * Whether needle (nn bytes, already folded by utf8_fold) is in s (n
 * bytes, NUL-terminated) once s is folded.  An ASCII needle is looked for
 * in s as it is, ignoring ASCII case: fold_cp maps every other character
 * to a non-ASCII one (its bytes cannot match) except U+0130 and U+017F
 * (to "i" and "s"), so text holding those is folded first, as is any
 * text for a needle that is not ASCII.
 */
bool
utf8_fold_contains(const char *s, size_t n, const char *needle, size_t nn)
{
	struct sbuf	 f = { 0 };
	size_t		 i;
	bool		 hit;

	for (i = 0; i < nn && (unsigned char)needle[i] < 0x80; i++)
		;
	if (i == nn && !has_pair(s, n, 0xc4, 0xb0) &&
	    !has_pair(s, n, 0xc5, 0xbf))
		return strcasestr(s, needle) != NULL;
	utf8_fold(&f, s, n);
	hit = f.s != NULL && strstr(f.s, needle) != NULL;
	sb_free(&f);
	return hit;
}

/*
 * Undo a content transfer encoding (RFC 2045 6): base64 ignores what is
 * not in its alphabet, quoted-printable keeps a lone "=".  -1 for an
 * encoding we do not know (RFC 3516 UNKNOWN-CTE).
 */
int
transfer_decode(struct sbuf *out, const char *in, size_t n, int enc)
{
	size_t		i;
	uint32_t	acc = 0;
	int		bits = 0, v, h, l;
	char		ch;

	switch (enc) {
	case MIME_ENC_7BIT:
	case MIME_ENC_8BIT:
	case MIME_ENC_BINARY:
		sb_add(out, in, n);
		return 0;
	case MIME_ENC_BASE64:
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)in[i];

			if (c >= 'A' && c <= 'Z')
				v = c - 'A';
			else if (c >= 'a' && c <= 'z')
				v = c - 'a' + 26;
			else if (c >= '0' && c <= '9')
				v = c - '0' + 52;
			else if (c == '+')
				v = 62;
			else if (c == '/')
				v = 63;
			else if (c == '=')
				break;
			else
				continue;
			acc = acc << 6 | (uint32_t)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				ch = (char)(acc >> bits & 0xff);
				sb_add(out, &ch, 1);
			}
		}
		sb_add(out, "", 0);
		return 0;
	case MIME_ENC_QP:
		for (i = 0; i < n; i++) {
			if (in[i] != '=') {
				sb_add(out, &in[i], 1);
				continue;
			}
			if (i + 1 < n && in[i + 1] == '\n') {
				i++;		/* soft line break, bare LF */
				continue;
			}
			if (i + 2 < n && in[i + 1] == '\r' && in[i + 2] ==
			    '\n') {
				i += 2;		/* soft line break */
				continue;
			}
			if (i + 2 < n && (h = hexval((unsigned char)in[i + 1])) >=
			    0 && (l = hexval((unsigned char)in[i + 2])) >= 0) {
				ch = (char)(h << 4 | l);
				sb_add(out, &ch, 1);
				i += 2;
				continue;
			}
			sb_add(out, &in[i], 1);
		}
		sb_add(out, "", 0);
		return 0;
	default:
		return -1;
	}
}
