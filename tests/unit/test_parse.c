/*
 * test_parse.c: the RFC 9051 readers of parse.c, table by table, and a
 * property over whole commands: no proper prefix of a valid command parses
 * as complete.  Every input lives in its own exact-size malloc'd buffer,
 * so under ASan ("make asan") a reader that looks one byte too far fails.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "liteimapd.h"
#include "unit.h"

/* a string literal with its length, NULs included */
#define B(s)	(s), (sizeof(s) - 1)

struct pin {
	unsigned char	*buf;
	size_t		 len;
	struct arena	 a;
	struct parser	 p;
};

static void
pin_open(struct pin *t, const void *in, size_t n, bool utf8, int max_depth)
{
	/* exact size, never padded: an over-read is an ASan error */
	if ((t->buf = malloc(n)) == NULL && n > 0)
		abort();
	if (n > 0)
		memcpy(t->buf, in, n);
	t->len = n;
	memset(&t->a, 0, sizeof(t->a));
	parse_init(&t->p, t->buf, n, &t->a, max_depth);
	t->p.utf8 = utf8;
}

static void
pin_close(struct pin *t)
{
	arena_free(&t->a);
	free(t->buf);
	t->buf = NULL;
}

static size_t
pin_left(const struct pin *t)
{
	return (size_t)(t->p.end - t->p.p);
}

static bool
pin_rest_isn(const struct pin *t, const char *rest, size_t n)
{
	return pin_left(t) == n && memcmp(t->p.p, rest, n) == 0;
}

static bool
pin_rest_is(const struct pin *t, const char *rest)
{
	return pin_rest_isn(t, rest, strlen(rest));
}

static const char *
pin_rest(const struct pin *t)
{
	return unit_esc(t->p.p, pin_left(t));
}

/* ------------------------------------------------------------------ */
/* string-valued readers: tag, atom, astring, string */

typedef int (*reader_fn)(struct parser *, struct str *);

struct srow {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	bool		 utf8;
	int		 rc;
	const char	*out;		/* rc 0: the value (may hold NUL) */
	size_t		 outlen;
	const char	*rest;		/* rc 0: what is left unread */
	size_t		 restlen;
	const char	*err;		/* rc -1: a substring of p.err */
};

#define OK(nm, in, out, rest)	{ nm, B(in), false, 0, B(out), B(rest), NULL }
#define OKU(nm, in, out, rest)	{ nm, B(in), true, 0, B(out), B(rest), NULL }
#define NO(nm, in, err)		{ nm, B(in), false, -1, NULL, 0, NULL, 0, err }
#define NOU(nm, in, err)	{ nm, B(in), true, -1, NULL, 0, NULL, 0, err }

static const char tag64[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";
static const char tag65[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";

static const struct srow tag_rows[] = {
	OK("simple", "A1 NOOP", "A1", " NOOP"),
	OK("alone", "a", "a", ""),
	OK("punct", "a.b-c_d!#&'=~`^|;,<>?/$ X", "a.b-c_d!#&'=~`^|;,<>?/$",
	    " X"),
	OK("close-bracket", "a]b X", "a]b", " X"),
	OK("stops-at-plus", "ab+c X", "ab", "+c X"),
	OK("stops-at-paren", "ab(c", "ab", "(c"),
	OK("stops-at-crlf", "ab\r\n", "ab", "\r\n"),
	NO("plus", "+ NOOP", "tag"),
	NO("star", "* NOOP", "tag"),
	NO("empty", "", "tag"),
	NO("space", " A1 NOOP", "tag"),
	NO("brace", "{5} X", "tag"),
	NO("quote", "\"a\" X", "tag"),
	NO("percent", "% X", "tag"),
	NO("backslash", "\\a X", "tag"),
	NO("8bit", "\xc3\xa9 X", "tag"),
	NO("nul", "\0a X", "tag"),
	NO("ctl", "\x01 X", "tag"),
	NO("del", "\x7f X", "tag"),
	{ "max-len-64", tag64, 64, false, 0, tag64, 64, "", 0, NULL },
	{ "too-long-65", tag65, 65, false, -1, NULL, 0, NULL, 0, "too long" },
};

static const struct srow atom_rows[] = {
	OK("word", "FETCH 1", "FETCH", " 1"),
	OK("alone", "x", "x", ""),
	OK("open-bracket", "BODY[TEXT] x", "BODY[TEXT", "] x"),
	OK("plus-ok", "+FLAGS x", "+FLAGS", " x"),
	OK("stops-at-star", "a*b", "a", "*b"),
	OK("stops-at-percent", "a%b", "a", "%b"),
	OK("stops-at-quote", "a\"b", "a", "\"b"),
	OK("stops-at-backslash", "a\\b", "a", "\\b"),
	OK("stops-at-8bit", "ab\xc3\xa9", "ab", "\xc3\xa9"),
	OK("stops-at-nul", "ab\0c", "ab", "\0c"),
	NO("empty", "", "atom"),
	NO("close-bracket", "]", "atom"),
	NO("paren", "(a)", "atom"),
	NO("brace", "{1}\r\na", "atom"),
	NO("space", " a", "atom"),
};

static const struct srow astring_rows[] = {
	/* 1*ASTRING-CHAR */
	OK("atom", "alice secret", "alice", " secret"),
	OK("atom-bracket", "a]b ", "a]b", " "),
	OK("atom-at-eol", "INBOX\r\n", "INBOX", "\r\n"),
	NO("empty", "", "string"),
	NO("paren", "(a)", "string"),
	NO("atom-8bit-first", "\xc3\xa9t\xc3\xa9", "8-bit"),
	NO("nul-first", "\0abc", "NUL"),
	/* quoted */
	OK("quoted", "\"hello world\" x", "hello world", " x"),
	OK("quoted-empty", "\"\"", "", ""),
	OK("quoted-escapes", "\"a\\\"b\\\\c\"", "a\"b\\c", ""),
	OK("quoted-escaped-backslash-last", "\"a\\\\\" x", "a\\", " x"),
	OK("quoted-specials", "\"(){}%*]\" x", "(){}%*]", " x"),
	OK("quoted-then-quote", "\"a\"\"b\"", "a", "\"b\""),
	NO("quoted-bad-escape-n", "\"a\\nb\"", "invalid escape"),
	NO("quoted-bad-escape-x", "\"\\x41\"", "invalid escape"),
	NO("quoted-unterminated", "\"abc", "unterminated"),
	NO("quoted-unterminated-escape", "\"abc\\\"", "unterminated"),
	NO("quoted-unterminated-backslash", "\"abc\\", "unterminated"),
	NO("quoted-only-quote", "\"", "unterminated"),
	NO("quoted-nul", "\"a\0b\"", "NUL"),
	NO("quoted-cr", "\"a\rb\"", "line break"),
	NO("quoted-lf", "\"a\nb\"", "line break"),
	NO("quoted-crlf", "\"a\r\nb\"", "line break"),
	NO("quoted-8bit-no-utf8", "\"caf\xc3\xa9\"", "8-bit"),
	/* quoted, UTF-8 accepted (RFC 9051 / UTF8=ACCEPT) */
	OKU("utf8-2byte", "\"caf\xc3\xa9\" x", "caf\xc3\xa9", " x"),
	OKU("utf8-3byte", "\"\xe2\x82\xac\"", "\xe2\x82\xac", ""),
	OKU("utf8-4byte", "\"\xf0\x9f\x98\x80\"", "\xf0\x9f\x98\x80", ""),
	OKU("utf8-max", "\"\xf4\x8f\xbf\xbf\"", "\xf4\x8f\xbf\xbf", ""),
	OKU("utf8-u800", "\"\xe0\xa0\x80\"", "\xe0\xa0\x80", ""),
	OKU("utf8-u10000", "\"\xf0\x90\x80\x80\"", "\xf0\x90\x80\x80", ""),
	OKU("utf8-before-surrogates", "\"\xed\x9f\xbf\"", "\xed\x9f\xbf",
	    ""),
	OKU("utf8-after-surrogates", "\"\xee\x80\x80\"", "\xee\x80\x80", ""),
	OKU("utf8-with-escape", "\"\xc3\xa9\\\"\"", "\xc3\xa9\"", ""),
	NOU("utf8-overlong-2", "\"\xc0\xaf\"", "UTF-8"),
	NOU("utf8-overlong-2b", "\"\xc1\xbf\"", "UTF-8"),
	NOU("utf8-overlong-3", "\"\xe0\x80\xaf\"", "UTF-8"),
	NOU("utf8-overlong-3b", "\"\xe0\x9f\xbf\"", "UTF-8"),
	NOU("utf8-overlong-4", "\"\xf0\x80\x80\xaf\"", "UTF-8"),
	NOU("utf8-overlong-4b", "\"\xf0\x8f\xbf\xbf\"", "UTF-8"),
	NOU("utf8-surrogate-lo", "\"\xed\xa0\x80\"", "UTF-8"),
	NOU("utf8-surrogate-hi", "\"\xed\xbf\xbf\"", "UTF-8"),
	NOU("utf8-above-max", "\"\xf4\x90\x80\x80\"", "UTF-8"),
	NOU("utf8-f5", "\"\xf5\x80\x80\x80\"", "UTF-8"),
	NOU("utf8-ff", "\"\xff\"", "UTF-8"),
	NOU("utf8-lone-continuation", "\"\x80\"", "UTF-8"),
	NOU("utf8-truncated-2", "\"\xc3\"", "UTF-8"),
	NOU("utf8-truncated-3", "\"\xe2\x82\"", "UTF-8"),
	NOU("utf8-truncated-4", "\"\xf0\x9f\x98\"", "UTF-8"),
	NOU("utf8-truncated-then-ascii", "\"\xe2\x82x\"", "UTF-8"),
	NOU("utf8-truncated-at-end", "\"\xe2\x82", "unterminated"),
	NOU("utf8-still-no-nul", "\"\xc3\xa9\0\"", "NUL"),
	NOU("utf8-still-no-cr", "\"\xc3\xa9\r\"", "line break"),
	/*
	 * literal: "{" number64 ["+"] "}" CRLF *CHAR8.  Where the
	 * first error is the number or a brace, its message is that one
	 * (err "" only requires some message).
	 */
	OK("literal", "{5}\r\nhello rest", "hello", " rest"),
	OK("literal-nonsync", "{5+}\r\nhello", "hello", ""),
	OK("literal-empty", "{0}\r\n x", "", " x"),
	OK("literal-leading-zeros", "{005}\r\nhello", "hello", ""),
	OK("literal-crlf-inside", "{4}\r\na\r\nb\r\n", "a\r\nb", "\r\n"),
	OK("literal-8bit", "{2}\r\n\xc3\xa9", "\xc3\xa9", ""),
	OK("literal-specials", "{5}\r\n\"{}\\)", "\"{}\\)", ""),
	/* literal8 belongs to APPEND only (parse_literal_ref): "~" is an atom */
	OK("literal8-is-atom", "~{3}\r\na\0b x", "~", "{3}\r\na\0b x"),
	NO("literal-nul", "{3}\r\na\0b", "NUL"),
	NO("literal-short", "{10}\r\nhello", "shorter"),
	NO("literal-short-by-one", "{6}\r\nhello", "shorter"),
	NO("literal-no-crlf", "{5}hello", "literal"),
	NO("literal-lf-only", "{5}\nhello", "literal"),
	NO("literal-cr-only", "{5}\rhello", "literal"),
	NO("literal-at-end", "{5}", "literal"),
	NO("literal-half-crlf-at-end", "{5}\r", "literal"),
	NO("literal-empty-braces", "{}\r\n", ""),
	NO("literal-negative", "{-1}\r\n", ""),
	NO("literal-two-plus", "{5++}\r\nhello", ""),
	NO("literal-space", "{ 5}\r\nhello", ""),
	NO("literal-unclosed", "{5\r\nhello", ""),
	NO("literal-2^63", "{9223372036854775808}\r\n", ""),
	NO("literal-huge", "{99999999999999999999}\r\n", ""),
	NO("literal-2^63-1-short", "{9223372036854775807}\r\nabc",
	    "shorter"),
	OK("tilde-atom", "~5\r\nhello", "~5", "\r\nhello"),
	OK("tilde-only", "~", "~", ""),
};

static void
run_srows(const char *what, reader_fn fn, const struct srow *rows,
    size_t n)
{
	struct pin	t;
	struct str	v;
	size_t		i;
	int		rc;

	for (i = 0; i < n; i++) {
		CASE("%s/%s", what, rows[i].name) {
			pin_open(&t, rows[i].in, rows[i].inlen, rows[i].utf8,
			    32);
			memset(&v, 0, sizeof(v));
			rc = fn(&t.p, &v);
			if (rows[i].rc == 0) {
				if (CHECK(rc == 0, "input \"%s\": err %s",
				    unit_esc(rows[i].in, rows[i].inlen),
				    t.p.err) &&
				    CHECK(v.s != NULL && v.len ==
				    rows[i].outlen && memcmp(v.s, rows[i].out,
				    v.len) == 0, "value \"%s\", want \"%s\"",
				    unit_esc(v.s, v.len), unit_esc(
				    rows[i].out, rows[i].outlen)) &&
				    CHECK(v.s[v.len] == '\0',
				    "value not NUL-terminated"))
					CHECK(pin_rest_isn(&t, rows[i].rest,
					    rows[i].restlen),
					    "left \"%s\", want \"%s\"",
					    pin_rest(&t), unit_esc(rows[i].rest,
					    rows[i].restlen));
				CHECK(t.p.err == NULL, "err set on success: %s",
				    t.p.err);
			} else {
				if (CHECK(rc == -1, "accepted \"%s\" as \"%s\"",
				    unit_esc(rows[i].in, rows[i].inlen),
				    unit_esc(v.s, v.len)))
					CHECK(unit_contains(t.p.err,
					    rows[i].err), "err \"%s\", want "
					    "\"%s\"", t.p.err ? t.p.err :
					    "(null)", rows[i].err);
			}
			pin_close(&t);
		}
	}
}

/* parse_string: like astring without the atom form */
static const struct srow string_rows[] = {
	OK("quoted", "\"a b\" x", "a b", " x"),
	OK("literal", "{1}\r\nx", "x", ""),
	NO("literal8", "~{1}\r\n\0", "expected a string"),
	NO("atom", "abc", "expected a string"),
	NO("nil", "NIL", "expected a string"),
	NO("empty", "", "expected a string"),
};

/* ------------------------------------------------------------------ */

struct nrow {
	const char	*name;
	const char	*in;
	int		 rc;
	bool		 nil;
	const char	*out;
	const char	*rest;
};

static const struct nrow nstring_rows[] = {
	{ "NIL", "NIL", 0, true, NULL, "" },
	{ "nil-lower", "nil", 0, true, NULL, "" },
	{ "nil-mixed", "nIl x", 0, true, NULL, " x" },
	{ "nil-paren", "NIL)", 0, true, NULL, ")" },
	{ "nil-crlf", "NIL\r\n", 0, true, NULL, "\r\n" },
	{ "quoted-NIL", "\"NIL\" x", 0, false, "NIL", " x" },
	{ "literal-NIL", "{3}\r\nNIL", 0, false, "NIL", "" },
	{ "quoted-empty", "\"\"", 0, false, "", "" },
	{ "NILS", "NILS", -1, false, NULL, NULL },
	{ "NIL1", "NIL1 x", -1, false, NULL, NULL },
	{ "NI", "NI", -1, false, NULL, NULL },
	{ "N", "N", -1, false, NULL, NULL },
	{ "atom", "abc", -1, false, NULL, NULL },
	{ "empty", "", -1, false, NULL, NULL },
};

static void
test_nstring(void)
{
	struct pin	t;
	struct str	v;
	size_t		i;
	bool		nil;
	int		rc;

	for (i = 0; i < sizeof(nstring_rows) / sizeof(nstring_rows[0]); i++) {
		const struct nrow *r = &nstring_rows[i];

		CASE("nstring/%s", r->name) {
			pin_open(&t, r->in, strlen(r->in), false, 32);
			nil = !r->nil;
			memset(&v, 0, sizeof(v));
			rc = parse_nstring(&t.p, &v, &nil);
			if (r->rc == -1)
				CHECK(rc == -1, "accepted \"%s\" (nil %d)",
				    ESC(r->in), nil);
			else if (CHECK(rc == 0, "err %s", t.p.err)) {
				CHECK(nil == r->nil, "nil %d", nil);
				if (r->nil)
					CHECK(v.s == NULL && v.len == 0,
					    "value set for NIL");
				else
					CHECK(v.s != NULL &&
					    strcmp(v.s, r->out) == 0,
					    "value \"%s\"", ESC(v.s ? v.s :
					    ""));
				CHECK(pin_rest_is(&t, r->rest), "left \"%s\"",
				    pin_rest(&t));
			}
			pin_close(&t);
		}
	}
}

/* ------------------------------------------------------------------ */
/* numbers */

enum numkind { N32, NZ32, N64 };

struct numrow {
	enum numkind	 kind;
	const char	*in;
	int		 rc;
	uint64_t	 v;
	const char	*rest;
};

static const struct numrow num_rows[] = {
	{ N32, "0", 0, 0, "" },
	{ N32, "1", 0, 1, "" },
	{ N32, "4294967295", 0, 4294967295u, "" },
	{ N32, "4294967296", -1, 0, NULL },
	{ N32, "4294967300", -1, 0, NULL },
	{ N32, "42949672950", -1, 0, NULL },
	{ N32, "99999999999999999999999", -1, 0, NULL },
	{ N32, "007", 0, 7, "" },
	{ N32, "00000000000000000000004294967295", 0, 4294967295u, "" },
	{ N32, "12a", 0, 12, "a" },
	{ N32, "12 3", 0, 12, " 3" },
	{ N32, "", -1, 0, NULL },
	{ N32, "-1", -1, 0, NULL },
	{ N32, "+1", -1, 0, NULL },
	{ N32, " 1", -1, 0, NULL },
	{ N32, "a1", -1, 0, NULL },
	{ NZ32, "1", 0, 1, "" },
	{ NZ32, "4294967295", 0, 4294967295u, "" },
	{ NZ32, "4294967296", -1, 0, NULL },
	{ NZ32, "0", -1, 0, NULL },
	{ NZ32, "01", -1, 0, NULL },
	{ NZ32, "10", 0, 10, "" },
	{ NZ32, "", -1, 0, NULL },
	{ N64, "0", 0, 0, "" },
	{ N64, "9223372036854775807", 0, 9223372036854775807u, "" },
	{ N64, "9223372036854775808", -1, 0, NULL },
	{ N64, "18446744073709551615", -1, 0, NULL },
	{ N64, "18446744073709551616", -1, 0, NULL },
	{ N64, "184467440737095516160", -1, 0, NULL },
	{ N64, "4294967296", 0, 4294967296u, "" },
	{ N64, "", -1, 0, NULL },
};

static void
test_numbers(void)
{
	static const char *const kn[] = { "number", "nz_number", "number64" };
	struct pin	 t;
	size_t		 i;
	uint32_t	 v32;
	uint64_t	 v64, got;
	int		 rc;

	for (i = 0; i < sizeof(num_rows) / sizeof(num_rows[0]); i++) {
		const struct numrow *r = &num_rows[i];

		CASE("%s/%s", kn[r->kind], r->in[0] ? r->in : "empty") {
			pin_open(&t, r->in, strlen(r->in), false, 32);
			v32 = 12345;
			v64 = 12345;
			if (r->kind == N32)
				rc = parse_number(&t.p, &v32);
			else if (r->kind == NZ32)
				rc = parse_nz_number(&t.p, &v32);
			else
				rc = parse_number64(&t.p, &v64);
			got = r->kind == N64 ? v64 : v32;
			if (r->rc == -1) {
				CHECK(rc == -1, "accepted as %llu",
				    (unsigned long long)got);
				CHECK(got == 12345, "value changed on error "
				    "to %llu", (unsigned long long)got);
			} else if (CHECK(rc == 0, "err %s", t.p.err)) {
				CHECK(got == r->v, "value %llu, want %llu",
				    (unsigned long long)got,
				    (unsigned long long)r->v);
				CHECK(pin_rest_is(&t, r->rest), "left \"%s\"",
				    pin_rest(&t));
			}
			pin_close(&t);
		}
	}
}

/* ------------------------------------------------------------------ */
/* sequence sets */

/* "lo-hi,..." with * for SEQ_STAR, "$" for saved; into buf */
static void
fmt_seqset(const struct seqset *s, char *buf, size_t len)
{
	size_t	i, o = 0;
	char	a[16], b[16];

	buf[0] = '\0';
	if (s->saved)
		o += (size_t)snprintf(buf + o, len - o, "$");
	for (i = 0; i < s->n && o < len; i++) {
		if (s->r[i].lo == SEQ_STAR)
			(void)snprintf(a, sizeof(a), "*");
		else
			(void)snprintf(a, sizeof(a), "%u", s->r[i].lo);
		if (s->r[i].hi == SEQ_STAR)
			(void)snprintf(b, sizeof(b), "*");
		else
			(void)snprintf(b, sizeof(b), "%u", s->r[i].hi);
		if (s->r[i].lo == s->r[i].hi)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    i ? "," : "", a);
		else
			o += (size_t)snprintf(buf + o, len - o, "%s%s-%s",
			    i ? "," : "", a, b);
	}
}

struct seqrow {
	const char	*in;
	const char	*want;		/* fmt_seqset form; NULL: rejected */
	const char	*rest;
};

static const struct seqrow seq_rows[] = {
	{ "1", "1", "" },
	{ "1:5", "1-5", "" },
	{ "5:1", "1-5", "" },
	{ "3:3", "3", "" },
	{ "*", "*", "" },
	{ "1:*", "1-*", "" },
	{ "*:1", "1-*", "" },
	{ "*:*", "*", "" },
	{ "1,3,5:7", "1,3,5-7", "" },
	{ "7:5,2,*", "5-7,2,*", "" },
	{ "4294967294", "4294967294", "" },
	{ "1:4294967294", "1-4294967294", "" },
	{ "$", "$", "" },
	{ "$ x", "$", " x" },
	{ "1:5 (FLAGS)", "1-5", " (FLAGS)" },
	{ "1,2)", "1,2", ")" },
	{ "1,2\r\n", "1,2", "\r\n" },
	{ "1:2:3", "1-2", ":3" },
	{ "10", "10", "" },
	{ "0", NULL, NULL },
	{ "0:5", NULL, NULL },
	{ "5:0", NULL, NULL },
	{ "01", NULL, NULL },
	{ "1:", NULL, NULL },
	{ "1: ", NULL, NULL },
	{ ":1", NULL, NULL },
	{ ",1", NULL, NULL },
	{ "1,,2", NULL, NULL },
	{ "1,", NULL, NULL },
	{ "1, 2", NULL, NULL },
	{ "1:4294967296", NULL, NULL },
	{ "4294967296", NULL, NULL },
	{ "99999999999", NULL, NULL },
	{ "", NULL, NULL },
	{ "-1", NULL, NULL },
	{ "a", NULL, NULL },
	{ "**", "*", "*" },
};

static void
test_seq_set(void)
{
	struct pin	 t;
	struct seqset	 set;
	char		 got[256], *big;
	size_t		 i, o;
	int		 rc;

	for (i = 0; i < sizeof(seq_rows) / sizeof(seq_rows[0]); i++) {
		const struct seqrow *r = &seq_rows[i];

		CASE("seq_set/%s", r->in[0] ? r->in : "empty") {
			pin_open(&t, r->in, strlen(r->in), false, 32);
			rc = parse_seq_set(&t.p, &set);
			if (r->want == NULL) {
				if (rc == 0)
					fmt_seqset(&set, got, sizeof(got));
				CHECK(rc == -1, "accepted as %s", rc == 0 ?
				    got : "");
				CHECK(unit_contains(t.p.err, "sequence set") ||
				    unit_contains(t.p.err, "number"),
				    "err %s", t.p.err ? t.p.err : "(null)");
			} else if (CHECK(rc == 0, "err %s", t.p.err)) {
				fmt_seqset(&set, got, sizeof(got));
				CHECK(strcmp(got, r->want) == 0,
				    "got %s, want %s", got, r->want);
				CHECK(pin_rest_is(&t, r->rest), "left \"%s\"",
				    pin_rest(&t));
			}
			pin_close(&t);
		}
	}

	/* many ranges: the range array is sized from the commas */
	CASE("seq_set/1000-ranges") {
		big = malloc(8000);
		o = 0;
		for (i = 1; i <= 1000; i++)
			o += (size_t)snprintf(big + o, 8000 - o, "%s%zu",
			    i > 1 ? "," : "", i * 2);
		pin_open(&t, big, o, false, 32);
		rc = parse_seq_set(&t.p, &set);
		if (CHECK(rc == 0, "err %s", t.p.err) &&
		    CHECK(set.n == 1000, "n %zu", set.n)) {
			CHECK(set.r[0].lo == 2 && set.r[999].hi == 2000,
			    "ends %u %u", set.r[0].lo, set.r[999].hi);
			CHECK(pin_left(&t) == 0, "left %zu", pin_left(&t));
		}
		pin_close(&t);
		free(big);
	}
}

/* ------------------------------------------------------------------ */
/* parse_sp, parse_eol */

struct lexrow {
	const char	*name;
	int		 (*fn)(struct parser *);
	const char	*in;
	int		 rc;
	const char	*rest_or_err;
};

static const struct lexrow lex_rows[] = {
	{ "sp/one", parse_sp, " x", 0, "x" },
	{ "sp/one-at-end", parse_sp, " ", 0, "" },
	{ "sp/two", parse_sp, "  x", -1, "more than one space" },
	{ "sp/none", parse_sp, "x", -1, "expected a space" },
	{ "sp/tab", parse_sp, "\tx", -1, "expected a space" },
	{ "sp/at-eol", parse_sp, "\r\n", -1, "missing arguments" },
	{ "sp/empty", parse_sp, "", -1, "expected a space" },
	{ "eol/crlf", parse_eol, "\r\n", 0, "" },
	{ "eol/extra-byte", parse_eol, "\r\nX", -1, "garbage" },
	{ "eol/extra-crlf", parse_eol, "\r\n\r\n", -1, "garbage" },
	{ "eol/lf-only", parse_eol, "\n", -1, "end of line" },
	{ "eol/cr-only", parse_eol, "\r", -1, "end of line" },
	{ "eol/lfcr", parse_eol, "\n\r", -1, "end of line" },
	{ "eol/space", parse_eol, " \r\n", -1, "extra arguments" },
	{ "eol/word", parse_eol, "x\r\n", -1, "end of line" },
	{ "eol/empty", parse_eol, "", -1, "end of line" },
};

static void
test_lex(void)
{
	struct pin	t;
	size_t		i;
	int		rc;

	for (i = 0; i < sizeof(lex_rows) / sizeof(lex_rows[0]); i++) {
		const struct lexrow *r = &lex_rows[i];

		CASE("%s", r->name) {
			pin_open(&t, r->in, strlen(r->in), false, 32);
			rc = r->fn(&t.p);
			if (r->rc == 0) {
				if (CHECK(rc == 0, "err %s", t.p.err))
					CHECK(pin_rest_is(&t, r->rest_or_err),
					    "left \"%s\"", pin_rest(&t));
			} else if (CHECK(rc == -1, "accepted \"%s\"",
			    ESC(r->in)))
				CHECK(unit_contains(t.p.err, r->rest_or_err),
				    "err \"%s\", want \"%s\"", t.p.err ?
				    t.p.err : "(null)", r->rest_or_err);
			pin_close(&t);
		}
	}

	/* the first error is the one reported */
	CASE("parse_fail/first-error-sticks") {
		pin_open(&t, "", 0, false, 32);
		(void)parse_fail(&t.p, "first");
		(void)parse_fail(&t.p, "second");
		CHECK(t.p.err != NULL && strcmp(t.p.err, "first") == 0,
		    "err %s", t.p.err);
		pin_close(&t);
	}
}

/* ------------------------------------------------------------------ */
/* parse_literal_marker on a command line without its CRLF */

struct litrow {
	const char		*line;
	enum literal_kind	 kind;
	uint64_t		 size;
	bool			 binary;
};

static const struct litrow lit_rows[] = {
	{ "A1 LOGIN {5}", LIT_SYNC, 5, false },
	{ "A1 LOGIN {5+}", LIT_NONSYNC, 5, false },
	{ "A1 APPEND INBOX ~{5}", LIT_SYNC, 5, true },
	{ "A1 APPEND INBOX ~{5+}", LIT_NONSYNC, 5, true },
	{ "A1 APPEND INBOX (\\Seen) {123456}", LIT_SYNC, 123456, false },
	{ "{5}", LIT_SYNC, 5, false },
	{ "{0}", LIT_SYNC, 0, false },
	{ "{0+}", LIT_NONSYNC, 0, false },
	{ "~{7}", LIT_SYNC, 7, true },
	{ "A1 X {{5}", LIT_SYNC, 5, false },
	{ "A1 X {9223372036854775807}", LIT_SYNC, 9223372036854775807u,
	    false },
	{ "A1 X {9223372036854775808}", LIT_BAD, 0, false },
	{ "A1 X {18446744073709551616}", LIT_BAD, 0, false },
	{ "A1 LOGIN {99999999999999999999}", LIT_BAD, 0, false },
	{ "A1 LOGIN {99999999999999999999+}", LIT_BAD_NONSYNC, 0, false },
	{ "A1 LOGIN {}", LIT_BAD, 0, false },
	{ "A1 LOGIN {+}", LIT_BAD_NONSYNC, 0, false },
	{ "A1 LOGIN ~{}", LIT_BAD, 0, false },
	{ "A1 LOGIN {abc}", LIT_NONE, 0, false },
	{ "A1 LOGIN {5a}", LIT_NONE, 0, false },
	{ "A1 LOGIN {-5}", LIT_NONE, 0, false },
	{ "A1 LOGIN {+5}", LIT_NONE, 0, false },
	{ "A1 LOGIN {5++}", LIT_NONE, 0, false },
	{ "A1 LOGIN { 5}", LIT_NONE, 0, false },
	{ "A1 LOGIN 5}", LIT_NONE, 0, false },
	{ "A1 LOGIN }", LIT_NONE, 0, false },
	{ "A1 LOGIN {5} x", LIT_NONE, 0, false },
	{ "A1 LOGIN {5", LIT_NONE, 0, false },
	{ "A1 LOGIN \"x{5}\"", LIT_NONE, 0, false },
	{ "A1 NOOP", LIT_NONE, 0, false },
	{ "}", LIT_NONE, 0, false },
	{ "5}", LIT_NONE, 0, false },
	{ "+}", LIT_NONE, 0, false },
	{ "", LIT_NONE, 0, false },
};

static void
test_literal_marker(void)
{
	static const char *const kn[] = { "NONE", "SYNC", "NONSYNC", "BAD",
	    "BAD_NONSYNC" };
	unsigned char		*buf;
	size_t			 i, n;
	uint64_t		 size;
	bool			 bin;
	enum literal_kind	 k;

	for (i = 0; i < sizeof(lit_rows) / sizeof(lit_rows[0]); i++) {
		const struct litrow *r = &lit_rows[i];

		CASE("literal_marker/%s", r->line[0] ? r->line : "empty") {
			n = strlen(r->line);
			buf = malloc(n);	/* exact size, for ASan */
			memcpy(buf, r->line, n);
			size = 424242;
			bin = !r->binary;
			k = parse_literal_marker(buf, n, &size, &bin);
			if (CHECK(k == r->kind, "kind %s, want %s", kn[k],
			    kn[r->kind]) && (k == LIT_SYNC ||
			    k == LIT_NONSYNC)) {
				CHECK(size == r->size, "size %llu",
				    (unsigned long long)size);
				CHECK(bin == r->binary, "binary %d", bin);
			}
			free(buf);
		}
	}
}

/* ------------------------------------------------------------------ */
/*
 * Whole commands, walked with the readers the way handlers use them.  The
 * walk yields tokens: values (escaped), <NIL>, ( ), \flag, #seqset.
 */

struct tok {
	char	s[1024];
	size_t	n;
};

static void
tok_add(struct tok *t, const char *v, size_t len)
{
	const char	*e = unit_esc(v, len);

	(void)snprintf(t->s + t->n, sizeof(t->s) - t->n, "%s%s",
	    t->n ? "|" : "", e);
	t->n = strlen(t->s);
}

static int walk_arg(struct parser *, struct tok *);

static int
walk_list(struct parser *p, struct tok *t)
{
	if (parse_list_open(p) == -1)
		return -1;
	tok_add(t, "(", 1);
	if (parse_list_next(p))
		for (;;) {
			if (walk_arg(p, t) == -1)
				return -1;
			if (parse_peek(p) != ' ')
				break;
			if (parse_sp(p) == -1)
				return -1;
		}
	if (parse_list_close(p) == -1)
		return -1;
	tok_add(t, ")", 1);
	return 0;
}

static int
walk_arg(struct parser *p, struct tok *t)
{
	struct parser	 save;
	struct seqset	 set;
	struct str	 v;
	char		 buf[256];
	bool		 nil;
	int		 c = parse_peek(p);

	if (c == '(')
		return walk_list(p, t);
	if (c == '\\') {
		p->p++;
		if (parse_atom(p, &v) == -1)
			return -1;
		(void)snprintf(buf, sizeof(buf), "\\%s", v.s);
		tok_add(t, buf, strlen(buf));
		return 0;
	}
	if (c == '~') {
		/* literal8: APPEND's reader */
		const unsigned char *d;
		size_t n;
		bool bin;

		if (parse_literal_ref(p, &d, &n, &bin) == -1)
			return -1;
		tok_add(t, (const char *)d, n);
		return 0;
	}
	if ((c >= '0' && c <= '9') || c == '*' || c == '$') {
		if (parse_seq_set(p, &set) == -1)
			return -1;
		buf[0] = '#';
		fmt_seqset(&set, buf + 1, sizeof(buf) - 1);
		tok_add(t, buf, strlen(buf));
		return 0;
	}
	save = *p;
	if (parse_nstring(p, &v, &nil) == 0 && nil) {
		tok_add(t, "<NIL>", 5);
		return 0;
	}
	*p = save;
	if (parse_astring(p, &v) == -1)
		return -1;
	tok_add(t, v.s, v.len);
	return 0;
}

/* tag SP name *(SP arg) CRLF, and nothing after */
static int
walk_command(struct parser *p, struct tok *t)
{
	struct str	v;

	t->n = 0;
	t->s[0] = '\0';
	if (parse_tag(p, &v) == -1)
		return -1;
	tok_add(t, v.s, v.len);
	if (parse_sp(p) == -1 || parse_atom(p, &v) == -1)
		return -1;
	tok_add(t, v.s, v.len);
	while (parse_peek(p) == ' ') {
		if (parse_sp(p) == -1 || walk_arg(p, t) == -1)
			return -1;
	}
	return parse_eol(p);
}

struct cmdrow {
	const char	*name;
	const char	*in;
	size_t		 len;
	bool		 utf8;
	const char	*tokens;
};

#define CMD(nm, in, toks)	{ nm, B(in), false, toks }
#define CMDU(nm, in, toks)	{ nm, B(in), true, toks }

static const struct cmdrow cmd_rows[] = {
	CMD("noop", "A1 NOOP\r\n", "A1|NOOP"),
	CMD("login-atoms", "a001 LOGIN alice secret\r\n",
	    "a001|LOGIN|alice|secret"),
	CMD("login-quoted-literal",
	    "a LOGIN \"al\\\"ice\" {6}\r\nse cr\n\r\n",
	    "a|LOGIN|al\"ice|se cr\\n"),
	CMD("login-nonsync", "a LOGIN {5+}\r\nalice \"\"\r\n",
	    "a|LOGIN|alice|"),
	CMD("id-list", "t ID (\"name\" \"x\" \"version\" NIL)\r\n",
	    "t|ID|(|name|x|version|<NIL>|)"),
	CMD("id-nil", "t ID nil\r\n", "t|ID|<NIL>"),
	CMD("id-empty-list", "t ID ()\r\n", "t|ID|(|)"),
	CMD("fetch", "t FETCH 1:5,7,* (FLAGS BODY[])\r\n",
	    "t|FETCH|#1-5,7,*|(|FLAGS|BODY[]|)"),
	CMD("uid-fetch", "t UID FETCH 5:1 (UID)\r\n",
	    "t|UID|FETCH|#1-5|(|UID|)"),
	CMD("append-literal8",
	    "t APPEND INBOX (\\Seen \\Draft) ~{3}\r\na\0b\r\n",
	    "t|APPEND|INBOX|(|\\Seen|\\Draft|)|a\\x00b"),
	CMD("store-saved", "t STORE $ +FLAGS (\\Deleted)\r\n",
	    "t|STORE|#$|+FLAGS|(|\\Deleted|)"),
	CMDU("select-utf8", "t SELECT \"caf\xc3\xa9\"\r\n",
	    "t|SELECT|caf\\xc3\\xa9"),
	CMD("select-literal-8bit", "t SELECT {5}\r\ncaf\xc3\xa9\r\n",
	    "t|SELECT|caf\\xc3\\xa9"),
	CMD("nested", "t X ((a (b)) c)\r\n", "t|X|(|(|a|(|b|)|)|c|)"),
	CMD("empty-literal", "t X {0}\r\n \"\"\r\n", "t|X||"),
	CMD("literal-of-crlfs", "t X {4}\r\n\r\n\r\n\r\n",
	    "t|X|\\r\\n\\r\\n"),
	CMD("literal-looks-like-marker", "t LOGIN {2}\r\n}\r {1}\r\n{\r\n",
	    "t|LOGIN|}\\r|{"),
	CMD("two-literals", "t LOGIN {5}\r\nalice {6}\r\nsecret\r\n",
	    "t|LOGIN|alice|secret"),
	CMD("status", "t STATUS INBOX (MESSAGES UIDNEXT)\r\n",
	    "t|STATUS|INBOX|(|MESSAGES|UIDNEXT|)"),
};

static void
test_commands(void)
{
	struct pin	t;
	struct tok	tok;
	unsigned char	*buf;
	size_t		i, k, bad;
	int		rc;

	for (i = 0; i < sizeof(cmd_rows) / sizeof(cmd_rows[0]); i++) {
		const struct cmdrow *r = &cmd_rows[i];

		CASE("command/%s", r->name) {
			pin_open(&t, r->in, r->len, r->utf8, 32);
			rc = walk_command(&t.p, &tok);
			if (CHECK(rc == 0, "\"%s\": err %s at \"%s\"",
			    unit_esc(r->in, r->len), t.p.err, pin_rest(&t)))
				CHECK(strcmp(tok.s, r->tokens) == 0,
				    "tokens %s, want %s", tok.s, r->tokens);
			pin_close(&t);
		}

		/*
		 * Byte at a time: no proper prefix is a complete command,
		 * and no reader looks past the end (ASan).
		 */
		CASE("command-prefixes/%s", r->name) {
			bad = SIZE_MAX;
			for (k = 0; k < r->len && bad == SIZE_MAX; k++) {
				pin_open(&t, r->in, k, r->utf8, 32);
				if (walk_command(&t.p, &tok) == 0 ||
				    t.p.err == NULL)
					bad = k;
				pin_close(&t);
			}
			CHECK(bad == SIZE_MAX, "prefix of %zu bytes \"%s\" "
			    "accepted or failed without a reason", bad,
			    unit_esc(r->in, bad == SIZE_MAX ? 0 : bad));
		}

		/* one more byte after the CRLF: never complete */
		CASE("command-trailing/%s", r->name) {
			buf = malloc(r->len + 2);
			memcpy(buf, r->in, r->len);
			memcpy(buf + r->len, "\r\n", 2);
			for (k = 1; k <= 2; k++) {
				pin_open(&t, buf, r->len + k, r->utf8, 32);
				rc = walk_command(&t.p, &tok);
				CHECK(rc == -1, "accepted with %zu more bytes",
				    k);
				pin_close(&t);
			}
			free(buf);
		}
	}
}

/* ------------------------------------------------------------------ */
/* utf8_valid: whole strings (mailbox names, search strings) */

static const struct {
	const char	*name;
	const char	*s;
	size_t		 len;
	bool		 ok;
} utf8_rows[] = {
	{ "empty", B(""), true },
	{ "ascii", B("INBOX/Sent"), true },
	{ "2-3-4-byte", B("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), true },
	{ "max", B("\xf4\x8f\xbf\xbf"), true },
	{ "nul", B("a\0b"), false },
	{ "overlong-slash", B("\xc0\xaf"), false },
	{ "overlong-3", B("\xe0\x80\xaf"), false },
	{ "overlong-4", B("\xf0\x80\x80\xaf"), false },
	{ "surrogate", B("\xed\xa0\x80"), false },
	{ "above-max", B("\xf4\x90\x80\x80"), false },
	{ "lone-continuation", B("a\x80"), false },
	{ "truncated-at-end", B("a\xe2\x82"), false },
	{ "truncated-then-ascii", B("\xe2\x82" "a"), false },
	{ "latin1", B("caf\xe9"), false },
};

static void
test_utf8_valid(void)
{
	unsigned char	*b;
	size_t		 i;

	for (i = 0; i < sizeof(utf8_rows) / sizeof(utf8_rows[0]); i++)
		CASE("utf8_valid/%s", utf8_rows[i].name) {
			b = malloc(utf8_rows[i].len);	/* exact, for ASan */
			memcpy(b, utf8_rows[i].s, utf8_rows[i].len);
			CHECK(utf8_valid(b, utf8_rows[i].len) ==
			    utf8_rows[i].ok, "\"%s\": %d", unit_esc(b,
			    utf8_rows[i].len), !utf8_rows[i].ok);
			free(b);
		}
}

/* parse_literal_ref: a literal without a copy, pointing into the buffer */
static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 rc;
	size_t		 off;		/* rc 0: data at in + off */
	size_t		 n;
	bool		 binary;
	size_t		 left;
} ref_rows[] = {
	{ "literal", B("{5}\r\nhello x"), 0, 5, 5, false, 2 },
	{ "nonsync", B("{5+}\r\nhello"), 0, 6, 5, false, 0 },
	{ "literal8", B("~{3}\r\na\0b"), 0, 6, 3, true, 0 },
	{ "nul-allowed", B("{3}\r\na\0b"), 0, 5, 3, false, 0 },
	{ "empty", B("{0}\r\n"), 0, 5, 0, false, 0 },
	{ "short", B("{6}\r\nhello"), -1, 0, 0, false, 0 },
	{ "no-crlf", B("{5}hello"), -1, 0, 0, false, 0 },
	{ "quoted", B("\"hello\""), -1, 0, 0, false, 0 },
	{ "atom", B("hello"), -1, 0, 0, false, 0 },
	{ "at-end", B("{5}"), -1, 0, 0, false, 0 },
	{ "huge", B("{9223372036854775808}\r\n"), -1, 0, 0, false, 0 },
};

static void
test_literal_ref(void)
{
	struct pin		 t;
	const unsigned char	*data;
	size_t			 i, n;
	bool			 bin;
	int			 rc;

	for (i = 0; i < sizeof(ref_rows) / sizeof(ref_rows[0]); i++)
		CASE("literal_ref/%s", ref_rows[i].name) {
			pin_open(&t, ref_rows[i].in, ref_rows[i].len, false,
			    32);
			data = NULL;
			n = 99;
			bin = !ref_rows[i].binary;
			rc = parse_literal_ref(&t.p, &data, &n, &bin);
			if (ref_rows[i].rc == -1)
				CHECK(rc == -1 && t.p.err != NULL, "accepted, "
				    "%zu bytes", n);
			else if (CHECK(rc == 0, "err %s", t.p.err)) {
				CHECK(data == t.buf + ref_rows[i].off,
				    "data at offset %td", data - t.buf);
				CHECK(n == ref_rows[i].n, "length %zu", n);
				CHECK(bin == ref_rows[i].binary, "binary %d",
				    bin);
				CHECK(pin_left(&t) == ref_rows[i].left,
				    "%zu left", pin_left(&t));
			}
			pin_close(&t);
		}
}

/* ------------------------------------------------------------------ */
/* lists and the nesting limit */

static char *
nested(size_t k, const char *pre, size_t *len)
{
	size_t	n = strlen(pre), i;
	char	*b = malloc(n + 2 * k + 8);

	memcpy(b, pre, n);
	for (i = 0; i < k; i++)
		b[n++] = '(';
	b[n++] = 'a';
	for (i = 0; i < k; i++)
		b[n++] = ')';
	b[n++] = '\r';
	b[n++] = '\n';
	*len = n;
	return b;
}

static void
test_depth(void)
{
	static const int	depths[] = { 2, 3, 32 };
	struct pin		t;
	struct tok		tok;
	char			*b;
	size_t			i, len;
	int			rc, d;

	for (i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		d = depths[i];
		CASE("depth/%d-at-limit", d) {
			b = nested((size_t)d, "t X ", &len);
			pin_open(&t, b, len, false, d);
			rc = walk_command(&t.p, &tok);
			CHECK(rc == 0, "err %s", t.p.err);
			CHECK(t.p.depth == 0, "depth %d after the lists",
			    t.p.depth);
			pin_close(&t);
			free(b);
		}
		CASE("depth/%d-over-limit", d) {
			b = nested((size_t)d + 1, "t X ", &len);
			pin_open(&t, b, len, false, d);
			rc = walk_command(&t.p, &tok);
			if (CHECK(rc == -1, "accepted depth %d", d + 1))
				CHECK(unit_contains(t.p.err, "nested"),
				    "err %s", t.p.err);
			pin_close(&t);
			free(b);
		}
	}

	/* siblings do not add up: depth is current nesting, not a count */
	CASE("depth/siblings") {
		const char *in = "t X ((a)) ((b)) ((c) (d))\r\n";

		pin_open(&t, in, strlen(in), false, 2);
		rc = walk_command(&t.p, &tok);
		CHECK(rc == 0, "err %s", t.p.err);
		pin_close(&t);
	}

	CASE("list/unbalanced-close") {
		const char *in = "t X (a))\r\n";

		pin_open(&t, in, strlen(in), false, 32);
		CHECK(walk_command(&t.p, &tok) == -1, "accepted");
		pin_close(&t);
	}

	CASE("list/unclosed") {
		const char *in = "t X ((a)\r\n";

		pin_open(&t, in, strlen(in), false, 32);
		CHECK(walk_command(&t.p, &tok) == -1, "accepted");
		pin_close(&t);
	}

	CASE("list/next") {
		pin_open(&t, "()", 2, false, 32);
		CHECK(parse_list_open(&t.p) == 0, "open");
		CHECK(!parse_list_next(&t.p), "next true before ')'");
		CHECK(parse_list_close(&t.p) == 0, "close");
		CHECK(!parse_list_next(&t.p), "next true at the end");
		pin_close(&t);
		pin_open(&t, "(a\r\n", 4, false, 32);
		CHECK(parse_list_open(&t.p) == 0, "open");
		CHECK(parse_list_next(&t.p), "next false before 'a'");
		t.p.p++;
		CHECK(!parse_list_next(&t.p), "next true at CRLF");
		pin_close(&t);
	}
}

/* ------------------------------------------------------------------ */

int
main(void)
{
	run_srows("tag", parse_tag, tag_rows,
	    sizeof(tag_rows) / sizeof(tag_rows[0]));
	run_srows("atom", parse_atom, atom_rows,
	    sizeof(atom_rows) / sizeof(atom_rows[0]));
	run_srows("astring", parse_astring, astring_rows,
	    sizeof(astring_rows) / sizeof(astring_rows[0]));
	run_srows("string", parse_string, string_rows,
	    sizeof(string_rows) / sizeof(string_rows[0]));
	test_nstring();
	test_numbers();
	test_seq_set();
	test_lex();
	test_literal_marker();
	test_utf8_valid();
	test_literal_ref();
	test_commands();
	test_depth();
	return unit_done();
}
