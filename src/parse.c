/*
 * parse.c: the lexer and the readers of the IMAP command grammar, named
 * after the RFC 9051 ABNF rules they implement.  The input is one whole
 * command as the client sent it, literals inline ("{5}\r\nhello"): the
 * command reader in session.c has already checked every line and literal
 * against the limits, so a reader here only walks bytes it has.
 *
 * Every reader returns 0, or -1 with p->err set to a static description
 * of the first syntax error.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <string.h>

#include "liteimapd.h"

#define NUMBER64_MAX	INT64_MAX	/* RFC 9051: number64 < 2^63 */

void
parse_init(struct parser *p, const void *buf, size_t len, struct arena *a,
    int max_depth)
{
	memset(p, 0, sizeof(*p));
	p->p = buf;
	p->end = p->p + len;
	p->arena = a;
	p->max_depth = max_depth;
}

int
parse_fail(struct parser *p, const char *err)
{
	if (p->err == NULL)
		p->err = err;
	return -1;
}

/* The next byte, or -1 at the end of the buffer. */
int
parse_peek(const struct parser *p)
{
	return p->p < p->end ? *p->p : -1;
}

bool
parse_at_eol(const struct parser *p)
{
	return p->end - p->p >= 2 && p->p[0] == '\r' && p->p[1] == '\n';
}

/* RFC 9051 9: atom-specials and the character classes built on them */
static bool
is_atom_char(int c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

static bool
is_astring_char(int c)
{
	return is_atom_char(c) || c == ']';
}

static bool
is_tag_char(int c)
{
	return is_astring_char(c) && c != '+';
}

int
parse_char(struct parser *p, int c)
{
	if (parse_peek(p) != c) {
		switch (c) {
		case ' ':
			return parse_fail(p, "expected a space");
		case '(':
			return parse_fail(p, "expected '('");
		case ')':
			return parse_fail(p, "expected ')'");
		default:
			return parse_fail(p, "unexpected character");
		}
	}
	p->p++;
	return 0;
}

int
parse_sp(struct parser *p)
{
	if (parse_peek(p) != ' ')
		return parse_fail(p, parse_at_eol(p) ? "missing arguments" :
		    "expected a space");
	p->p++;
	if (parse_peek(p) == ' ')
		return parse_fail(p, "more than one space");
	return 0;
}

/* The command must end here: CRLF and nothing after it. */
int
parse_eol(struct parser *p)
{
	if (!parse_at_eol(p))
		return parse_fail(p, parse_peek(p) == ' ' ?
		    "unexpected extra arguments" : "expected end of line");
	p->p += 2;
	if (p->p != p->end)
		return parse_fail(p, "garbage after end of command");
	return 0;
}

static int
take_run(struct parser *p, bool (*ok)(int), struct str *out,
    const char *what)
{
	const unsigned char	*s = p->p;

	while (p->p < p->end && ok(*p->p))
		p->p++;
	if (p->p == s)
		return parse_fail(p, what);
	out->len = (size_t)(p->p - s);
	out->s = arena_strndup(p->arena, s, out->len);
	return 0;
}

/* tag = 1*<any ASTRING-CHAR except "+"> */
int
parse_tag(struct parser *p, struct str *out)
{
	if (take_run(p, is_tag_char, out, "missing or invalid tag") == -1)
		return -1;
	if (out->len > TAG_MAX_LEN)
		return parse_fail(p, "tag too long");
	return 0;
}

/* atom = 1*ATOM-CHAR */
int
parse_atom(struct parser *p, struct str *out)
{
	return take_run(p, is_atom_char, out, "expected an atom");
}

/* number64 digits; *v untouched on error */
static int
take_digits(struct parser *p, uint64_t max, uint64_t *v)
{
	uint64_t	n = 0;
	int		c;

	if (!(parse_peek(p) >= '0' && parse_peek(p) <= '9'))
		return parse_fail(p, "expected a number");
	while ((c = parse_peek(p)) >= '0' && c <= '9') {
		if (n > (max - (uint64_t)(c - '0')) / 10)
			return parse_fail(p, "number too large");
		n = n * 10 + (uint64_t)(c - '0');
		p->p++;
	}
	*v = n;
	return 0;
}

int
parse_number(struct parser *p, uint32_t *v)
{
	uint64_t	n;

	if (take_digits(p, UINT32_MAX, &n) == -1)
		return -1;
	/* take_digits() set n (the analyzer gives up on calls this deep) */
	/* NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign) */
	*v = (uint32_t)n;
	return 0;
}

int
parse_nz_number(struct parser *p, uint32_t *v)
{
	if (parse_peek(p) == '0')
		return parse_fail(p, "expected a non-zero number");
	return parse_number(p, v);
}

int
parse_number64(struct parser *p, uint64_t *v)
{
	return take_digits(p, NUMBER64_MAX, v);
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t		len, i;
	uint32_t	cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* quoted = DQUOTE *QUOTED-CHAR DQUOTE, unescaped into the arena */
static int
parse_quoted(struct parser *p, struct str *out)
{
	const unsigned char	*s;
	char			*d;
	size_t			 n = 0, k;

	p->p++;		/* the opening quote */
	for (s = p->p; s < p->end && *s != '"'; s++) {
		if (*s == '\\')
			s++;
		if (s == p->end)
			break;
	}
	if (s >= p->end)
		return parse_fail(p, "unterminated quoted string");
	d = arena_alloc(p->arena, (size_t)(s - p->p) + 1);
	while (*p->p != '"') {
		if (*p->p == '\\') {
			p->p++;
			if (*p->p != '\\' && *p->p != '"')
				return parse_fail(p, "invalid escape in quoted "
				    "string");
		} else if (*p->p == '\0')
			return parse_fail(p, "NUL in quoted string");
		else if (*p->p == '\r' || *p->p == '\n')
			return parse_fail(p, "line break in quoted string");
		else if (*p->p >= 0x80) {
			if (!p->utf8)
				return parse_fail(p, "8-bit character in quoted "
				    "string; use a literal");
			if ((k = utf8_seq(p->p, (size_t)(p->end - p->p))) == 0)
				return parse_fail(p, "invalid UTF-8 in quoted "
				    "string");
			memcpy(d + n, p->p, k);
			n += k;
			p->p += k;
			continue;
		}
		d[n++] = (char)*p->p++;
	}
	p->p++;		/* the closing quote */
	d[n] = '\0';
	out->s = d;
	out->len = n;
	return 0;
}

/*
 * literal = "{" number64 ["+"] "}" CRLF *CHAR8, copied into the arena.
 * (literal8, "~{", belongs to APPEND: parse_literal_ref.)
 */
static int
parse_literal(struct parser *p, struct str *out)
{
	const unsigned char	*data;
	size_t			 n;
	bool			 binary;

	if (parse_literal_ref(p, &data, &n, &binary) == -1)
		return -1;
	if (memchr(data, '\0', n) != NULL)
		return parse_fail(p, "NUL in literal");
	out->s = arena_strndup(p->arena, data, n);
	out->len = n;
	return 0;
}

/* string = quoted / literal */
int
parse_string(struct parser *p, struct str *out)
{
	switch (parse_peek(p)) {
	case '"':
		return parse_quoted(p, out);
	case '{':
		return parse_literal(p, out);
	default:
		return parse_fail(p, "expected a string");
	}
}

/* astring = 1*ASTRING-CHAR / string */
int
parse_astring(struct parser *p, struct str *out)
{
	int	c = parse_peek(p);

	if (c == '"' || c == '{')
		return parse_string(p, out);
	if (c >= 0x80)
		return parse_fail(p, "8-bit character in atom; use a literal");
	if (c == '\0')
		return parse_fail(p, "NUL character in command");
	return take_run(p, is_astring_char, out, "expected a string");
}

/* nstring = string / nil */
int
parse_nstring(struct parser *p, struct str *out, bool *is_nil)
{
	if (p->end - p->p >= 3 && strncasecmp((const char *)p->p, "NIL", 3) ==
	    0 && (p->end - p->p == 3 || !is_atom_char(p->p[3]))) {
		p->p += 3;
		*is_nil = true;
		out->s = NULL;
		out->len = 0;
		return 0;
	}
	*is_nil = false;
	return parse_string(p, out);
}

/* "(" with the nesting limit; pairs with parse_list_close */
int
parse_list_open(struct parser *p)
{
	if (parse_char(p, '(') == -1)
		return -1;
	if (++p->depth > p->max_depth)
		return parse_fail(p, "too deeply nested");
	return 0;
}

int
parse_list_close(struct parser *p)
{
	if (parse_char(p, ')') == -1)
		return -1;
	p->depth--;
	return 0;
}

/* Inside a list: true unless the list (or the line) ends here. */
bool
parse_list_next(struct parser *p)
{
	return parse_peek(p) != ')' && !parse_at_eol(p) && p->p < p->end;
}

/* seq-number = nz-number / "*" */
static int
parse_seq_number(struct parser *p, uint32_t *v)
{
	if (parse_peek(p) == '*') {
		p->p++;
		*v = SEQ_STAR;
		return 0;
	}
	if (parse_nz_number(p, v) == -1)
		return parse_fail(p, "invalid sequence set");
	return 0;
}

/*
 * sequence-set = (seq-number / seq-range) ["," sequence-set], or "$"
 * (RFC 5182).  Ranges are stored low..high as RFC 9051 says "2:4" and
 * "4:2" are the same; "*" stays SEQ_STAR until resolved.
 */
int
parse_seq_set(struct parser *p, struct seqset *set)
{
	const unsigned char	*s;
	size_t			 cap, n = 0;
	uint32_t		 a, b, t;

	memset(set, 0, sizeof(*set));
	if (parse_peek(p) == '$') {
		p->p++;
		set->saved = true;
		return 0;
	}
	/* one range per comma, plus one */
	cap = 1;
	for (s = p->p; s < p->end && *s != ' ' && *s != '\r' && *s != ')';
	    s++)
		if (*s == ',')
			cap++;
	set->r = arena_alloc(p->arena, cap * sizeof(*set->r));
	for (;;) {
		if (parse_seq_number(p, &a) == -1)
			return -1;
		b = a;
		if (parse_peek(p) == ':') {
			p->p++;
			if (parse_seq_number(p, &b) == -1)
				return -1;
		}
		/* "*" goes high; "4:2" is "2:4" (RFC 9051 9, seq-range) */
		if ((a == SEQ_STAR && b != SEQ_STAR) || (b != SEQ_STAR &&
		    a > b)) {
			t = a;
			a = b;
			b = t;
		}
		set->r[n].lo = a;
		set->r[n].hi = b;
		n++;
		if (parse_peek(p) != ',')
			break;
		p->p++;
		if (n == cap)
			return parse_fail(p, "invalid sequence set");
	}
	set->n = n;
	return 0;
}

/*
 * Does a command line (without its CRLF) end with a literal announcement?
 * Sets the announced size and whether it is non-synchronizing (RFC 7888).
 * LIT_BAD: it looks like one but the number is invalid or too large.
 */
enum literal_kind
parse_literal_marker(const unsigned char *line, size_t len, uint64_t *size,
    bool *binary)
{
	size_t		 i, j, brace;
	uint64_t	 n = 0;
	bool		 plus = false;

	*binary = false;
	if (len < 3 || line[len - 1] != '}')
		return LIT_NONE;
	i = len - 1;
	if (line[i - 1] == '+') {
		plus = true;
		i--;
	}
	j = i;
	while (j > 0 && line[j - 1] >= '0' && line[j - 1] <= '9')
		j--;
	if (j == 0 || line[j - 1] != '{')
		return LIT_NONE;
	brace = j - 1;
	if (brace > 0 && line[brace - 1] == '~')
		*binary = true;
	/* a client sending {n+} will not wait: even a bad one ends us */
	if (j == i)
		return plus ? LIT_BAD_NONSYNC : LIT_BAD;
	for (; j < i; j++) {
		if (n > (NUMBER64_MAX - (uint64_t)(line[j] - '0')) / 10)
			return plus ? LIT_BAD_NONSYNC : LIT_BAD;
		n = n * 10 + (uint64_t)(line[j] - '0');
	}
	*size = n;
	return plus ? LIT_NONSYNC : LIT_SYNC;
}

/*
 * A literal (or literal8) as a pointer into the command buffer, without
 * a copy: for message bodies, which may be large.  *binary: it was "~{".
 */
int
parse_literal_ref(struct parser *p, const unsigned char **data, size_t *len,
    bool *binary)
{
	uint64_t	n;

	*binary = false;
	if (parse_peek(p) == '~') {
		*binary = true;
		p->p++;
	}
	if (parse_char(p, '{') == -1 || parse_number64(p, &n) == -1)
		return parse_fail(p, "expected a literal");
	if (parse_peek(p) == '+')
		p->p++;
	if (parse_char(p, '}') == -1 || !parse_at_eol(p))
		return parse_fail(p, "invalid literal");
	p->p += 2;
	if (n > (uint64_t)(p->end - p->p))
		return parse_fail(p, "literal shorter than announced");
	*data = p->p;
	*len = (size_t)n;
	p->p += n;
	return 0;
}

/* Is s[0..len) valid UTF-8 (no overlongs, surrogates or NUL)? */
bool
utf8_valid(const void *s, size_t len)
{
	const unsigned char	*b = s;
	size_t			 i = 0, k;

	while (i < len) {
		if (b[i] == 0 || (k = utf8_seq(b + i, len - i)) == 0)
			return false;
		i += k;
	}
	return true;
}
