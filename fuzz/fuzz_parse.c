/*
 * fuzz_parse.c: command parsing in every state.
 *
 * Input: one selector byte, then the client's bytes.
 *   selector bits 0-1: the state the commands meet: 0 not authenticated,
 *     1 authenticated, 2 selected (SELECT INBOX), 3 selected read-only
 *     (EXAMINE INBOX); bit 2: UTF8=ACCEPT enabled (8-bit quoted strings);
 *     bit 3: CONDSTORE and QRESYNC enabled; bit 4: IMAP4rev2 enabled;
 *     bit 5: max_depth 3 instead of the configured 32.
 * The bytes are cut into whole commands the way session.c's command
 * reader does (lines end at LF, a bare LF counts as CRLF, a "{n}" or
 * "{n+}" at the end of a line takes the next n bytes as a literal and the
 * command goes on; an incomplete last command is dropped, as EOF would).
 * Each command is copied to a buffer of exactly its size (an over-read is
 * an ASan error) and then:
 *
 *  1. walked with every reader of parse.c, as a generic argument list
 *     (tag, command name, then astring / atom / string / nstring /
 *     literal / number / sequence set / list, chosen by the next byte),
 *     checking what each reader promises: progress and bounds, p->err set
 *     on failure, a NUL-terminated copy of exactly the bytes it read (a
 *     quoted string re-escaped is the input, a literal's bytes are the
 *     literal), tags and atoms of their character classes, numbers equal
 *     to their digits, sequence ranges ordered, the depth limit kept,
 *     parse_eol only at the very end, parse_literal_marker agreeing with
 *     the literal that follows;
 *
 *  2. handed to cmd_dispatch, as session_run would, on an in-process
 *     session in the chosen state on a fresh copy of the template database
 *     (fuzz_common.h); the output must pass fz_check_responses.
 *
 * FUZZ_DEBUG=1 logs to stderr; FUZZ_SHOW=1 prints the server's output;
 * FUZZ_KNOWN skips inputs that would find a known bug (fz_skip_known).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_CMDS	64	/* commands per input */

static bool
atom_char(int c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

/* ------------------------------------------------------------------ */
/* the command framer: session.c's read_command, over a buffer */

struct frame {
	unsigned char	*b;
	size_t		 len;
	size_t		 cap;
};

static void
fr_add(struct frame *f, const void *p, size_t n)
{
	if (f->len + n > f->cap) {
		f->cap = (f->len + n) * 2 + 64;
		if ((f->b = realloc(f->b, f->cap)) == NULL)
			abort();
	}
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

/*
 * One command from in[*pos..n) into f; false when none is complete.  A
 * line over max_line, or a literal over the limits, is skipped: the real
 * reader refuses those before a parser sees them.
 */
static bool
next_command(const unsigned char *in, size_t n, size_t *pos,
    struct frame *f, bool notauth, bool *refused)
{
	const unsigned char	*lf;
	size_t			 ls, ll;
	uint64_t		 sz;
	enum literal_kind	 k;
	bool			 bin;

	f->len = 0;
	*refused = false;
	for (;;) {
		if (*pos >= n)
			return false;
		lf = memchr(in + *pos, '\n', n - *pos);
		if (lf == NULL)
			return false;
		ls = f->len;
		ll = (size_t)(lf - (in + *pos));	/* without the LF */
		if (ll > 0 && in[*pos + ll - 1] == '\r')
			ll--;
		if (ll + 2 > (size_t)fz.cfg.max_line + 2)
			*refused = true;
		fr_add(f, in + *pos, ll);
		fr_add(f, "\r\n", 2);
		*pos = (size_t)(lf - in) + 1;
		k = parse_literal_marker(f->b + ls, f->len - ls - 2, &sz, &bin);
		if (k == LIT_NONE)
			return true;
		if (k == LIT_BAD || k == LIT_BAD_NONSYNC) {
			*refused = true;
			return true;
		}
		FZ_CHECK(f->len - ls - 2 >= 3 && f->b[f->len - 3] == '}',
		    "literal marker without '}': [%s]", fz_esc(f->b + ls,
		    f->len - ls));
		if (sz > (notauth ? (uint64_t)fz.cfg.max_line :
		    (uint64_t)fz.cfg.max_literal) || sz > n - *pos) {
			*refused = true;
			return sz <= n - *pos;
		}
		fr_add(f, in + *pos, (size_t)sz);
		*pos += (size_t)sz;
	}
}

/* ------------------------------------------------------------------ */
/* 1. the reader walk */

static void
check_str(const struct str *s, const unsigned char *from,
    const unsigned char *to, const char *what)
{
	FZ_CHECK(s->s != NULL, "%s: NULL string", what);
	FZ_CHECK(s->s[s->len] == '\0', "%s: not NUL-terminated", what);
	FZ_CHECK(s->len <= (size_t)(to - from), "%s: %zu bytes out of %zu",
	    what, s->len, (size_t)(to - from));
}

/* A quoted string read from [from, to): re-escaped, it is the input. */
static void
check_quoted(const struct str *s, const unsigned char *from,
    const unsigned char *to, bool utf8)
{
	size_t	i, o = 1;

	check_str(s, from, to, "quoted");
	FZ_CHECK(to - from >= 2 && from[0] == '"' && to[-1] == '"',
	    "quoted: not in quotes: [%s]", fz_esc(from, (size_t)(to - from)));
	for (i = 0; i < s->len; i++) {
		unsigned char c = (unsigned char)s->s[i];

		FZ_CHECK(c != '\0' && c != '\r' && c != '\n',
		    "quoted: NUL, CR or LF in the value");
		FZ_CHECK(utf8 || c < 0x80, "quoted: 8-bit without UTF8=ACCEPT");
		if (c == '"' || c == '\\') {
			FZ_CHECK(from + o < to && from[o] == '\\',
			    "quoted: unescaped \" or \\ at %zu", i);
			o++;
		}
		FZ_CHECK(from + o < to && from[o] == c, "quoted: value "
		    "differs from the input at %zu: [%s] from [%s]", i,
		    fz_esc(s->s, s->len), fz_esc(from, (size_t)(to - from)));
		o++;
	}
	FZ_CHECK(from + o + 1 == to, "quoted: %zu bytes read for %zu",
	    (size_t)(to - from), o + 1);
	if (utf8)
		FZ_CHECK(utf8_valid(s->s, s->len), "quoted: invalid UTF-8 "
		    "accepted: [%s]", fz_esc(s->s, s->len));
}

/* A literal read from [from, to): "{n}" CRLF and exactly n bytes. */
static void
check_literal(const unsigned char *data, size_t len,
    const unsigned char *from, const unsigned char *to, bool nul_ok)
{
	const unsigned char	*q = from;
	uint64_t		 n = 0;

	if (*q == '~')
		q++;
	FZ_CHECK(*q == '{', "literal: no {");
	for (q++; *q >= '0' && *q <= '9'; q++)
		n = n * 10 + (uint64_t)(*q - '0');
	if (*q == '+')
		q++;
	FZ_CHECK(q + 3 <= to && q[0] == '}' && q[1] == '\r' && q[2] == '\n',
	    "literal: bad header [%s]", fz_esc(from, (size_t)(to - from)));
	q += 3;
	FZ_CHECK(n == len && (size_t)(to - q) == len && data == q,
	    "literal: announced %llu, read %zu, took %zu",
	    (unsigned long long)n, len, (size_t)(to - q));
	FZ_CHECK(nul_ok || memchr(data, '\0', len) == NULL,
	    "literal: NUL accepted in a non-binary literal");
}

static void
check_string(const struct str *s, const unsigned char *from,
    const unsigned char *to, bool utf8)
{
	if (*from == '"')
		check_quoted(s, from, to, utf8);
	else {
		check_str(s, from, to, "literal");
		FZ_CHECK(*from == '{', "string: neither quoted nor literal");
		check_literal((const unsigned char *)to - s->len, s->len, from,
		    to, false);
		FZ_CHECK(memcmp(s->s, to - s->len, s->len) == 0,
		    "literal: value differs from the input");
	}
}

static void
check_number(uint64_t v, const unsigned char *from, const unsigned char *to,
    uint64_t max)
{
	uint64_t		 n = 0;
	const unsigned char	*q;

	FZ_CHECK(from < to, "number: nothing read");
	for (q = from; q < to; q++) {
		FZ_CHECK(*q >= '0' && *q <= '9', "number: non-digit read");
		FZ_CHECK(n <= (max - (uint64_t)(*q - '0')) / 10,
		    "number: over %llu accepted: [%s]",
		    (unsigned long long)max, fz_esc(from, (size_t)(to - from)));
		n = n * 10 + (uint64_t)(*q - '0');
	}
	FZ_CHECK(n == v, "number: %llu for [%s]", (unsigned long long)v,
	    fz_esc(from, (size_t)(to - from)));
}

static void
check_seqset(const struct seqset *set, const unsigned char *from,
    const unsigned char *to)
{
	size_t			 i, commas = 0;
	const unsigned char	*q;

	if (set->saved) {
		FZ_CHECK(to - from == 1 && *from == '$', "seqset: $ wrongly");
		return;
	}
	for (q = from; q < to; q++) {
		FZ_CHECK((*q >= '0' && *q <= '9') || *q == '*' || *q == ':' ||
		    *q == ',', "seqset: read 0x%02x", *q);
		commas += *q == ',';
	}
	FZ_CHECK(set->n == commas + 1, "seqset: %zu ranges for %zu commas",
	    set->n, commas);
	for (i = 0; i < set->n; i++) {
		const struct seqrange *r = &set->r[i];

		FZ_CHECK(r->hi == SEQ_STAR || (r->lo != SEQ_STAR &&
		    r->lo <= r->hi), "seqset: range %u:%u not ordered", r->lo,
		    r->hi);
	}
}

/* Which reader to try: the byte at hand and a rotating choice. */
static void
walk(const unsigned char *buf, size_t n, bool utf8, int max_depth,
    unsigned seed)
{
	struct arena		 a = { 0 };
	struct parser		 p;
	struct str		 s;
	struct seqset		 set;
	const unsigned char	*before, *end = buf + n, *data;
	uint64_t		 v64;
	uint32_t		 v32;
	size_t			 dlen, steps = 0;
	bool			 nil, bin;
	int			 c, rc, depth = 0;

	parse_init(&p, buf, n, &a, max_depth);
	p.utf8 = utf8;
	if (parse_tag(&p, &s) == 0) {
		size_t i;

		check_str(&s, buf, p.p, "tag");
		FZ_CHECK(s.len <= TAG_MAX_LEN && s.len == (size_t)(p.p - buf),
		    "tag: %zu bytes", s.len);
		for (i = 0; i < s.len; i++)
			FZ_CHECK(atom_char((unsigned char)s.s[i]) ||
			    s.s[i] == ']', "tag: bad character 0x%02x",
			    (unsigned char)s.s[i]);
		FZ_CHECK(strchr(s.s, '+') == NULL, "tag: '+'");
	} else
		goto failed;
	while (p.p < end) {
		FZ_CHECK(++steps <= n + 1, "walk: no progress");
		before = p.p;
		c = parse_peek(&p);
		seed = seed * 1103515245u + 12345u;
		if (parse_at_eol(&p)) {
			rc = parse_eol(&p);
			FZ_CHECK((rc == 0) == (before + 2 == end),
			    "parse_eol: %d with %zu bytes left", rc,
			    (size_t)(end - before));
			if (rc == -1)
				goto failed;
			break;
		}
		switch (c) {
		case ' ':
			rc = parse_sp(&p);
			FZ_CHECK(rc == -1 || p.p == before + 1, "parse_sp");
			FZ_CHECK(rc == 0 || before[1] == ' ' || p.p == before,
			    "parse_sp failed on one space");
			break;
		case '(':
			rc = parse_list_open(&p);
			if (rc == 0) {
				depth++;
				FZ_CHECK(p.depth == depth && depth <= max_depth,
				    "depth %d (mine %d, max %d)", p.depth,
				    depth, max_depth);
				(void)parse_list_next(&p);
			} else
				FZ_CHECK(depth + 1 > max_depth, "parse_list_open "
				    "refused at depth %d", depth);
			break;
		case ')':
			rc = parse_list_close(&p);
			FZ_CHECK(rc == 0, "parse_list_close on ')'");
			depth--;
			FZ_CHECK(p.depth == depth, "depth %d after ')', mine %d",
			    p.depth, depth);
			break;
		case '"':
			switch (seed >> 16 & 3) {
			case 0:
				rc = parse_string(&p, &s);
				break;
			case 1:
				rc = parse_astring(&p, &s);
				break;
			default:
				rc = parse_nstring(&p, &s, &nil);
				FZ_CHECK(rc == -1 || !nil, "nstring: NIL for \"");
				break;
			}
			if (rc == 0)
				check_quoted(&s, before, p.p, utf8);
			break;
		case '~':
		case '{':
			if ((seed >> 16 & 1) || c == '~') {
				rc = parse_literal_ref(&p, &data, &dlen, &bin);
				if (rc == 0) {
					FZ_CHECK(bin == (c == '~'), "literal8");
					check_literal(data, dlen, before, p.p,
					    true);
				}
			} else {
				rc = parse_astring(&p, &s);
				if (rc == 0)
					check_string(&s, before, p.p, utf8);
			}
			break;
		case '$':
		case '*':
			rc = parse_seq_set(&p, &set);
			if (rc == 0)
				check_seqset(&set, before, p.p);
			break;
		case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			switch (seed >> 16 & 3) {
			case 0:
				rc = parse_seq_set(&p, &set);
				if (rc == 0)
					check_seqset(&set, before, p.p);
				break;
			case 1:
				rc = parse_number(&p, &v32);
				if (rc == 0)
					check_number(v32, before, p.p,
					    UINT32_MAX);
				break;
			case 2:
				rc = parse_nz_number(&p, &v32);
				if (rc == 0) {
					FZ_CHECK(v32 != 0, "nz_number: 0");
					check_number(v32, before, p.p,
					    UINT32_MAX);
				}
				break;
			default:
				rc = parse_number64(&p, &v64);
				if (rc == 0)
					check_number(v64, before, p.p,
					    INT64_MAX);
				break;
			}
			break;
		case 'N':
		case 'n':
			if (seed >> 17 & 1)
				goto other;
			rc = parse_nstring(&p, &s, &nil);
			if (rc == 0 && nil)
				FZ_CHECK(p.p == before + 3 && s.s == NULL,
				    "nstring: NIL");
			else if (rc == 0)
				check_string(&s, before, p.p, utf8);
			break;
		default:
		other:
			if (seed >> 16 & 1) {
				rc = parse_atom(&p, &s);
				if (rc == 0) {
					const unsigned char *q;

					check_str(&s, before, p.p, "atom");
					for (q = before; q < p.p; q++)
						FZ_CHECK(atom_char(*q),
						    "atom: 0x%02x", *q);
				}
			} else {
				rc = parse_astring(&p, &s);
				if (rc == 0) {
					check_str(&s, before, p.p, "astring");
					FZ_CHECK(s.len == (size_t)(p.p - before)
					    && memcmp(s.s, before, s.len) == 0,
					    "astring: atom value differs");
				}
			}
			break;
		}
		FZ_CHECK(p.p >= buf && p.p <= end, "parser outside its buffer");
		if (rc == -1)
			goto failed;
		FZ_CHECK(p.p > before, "reader succeeded without reading");
		FZ_CHECK(p.err == NULL, "error set on success: %s", p.err);
	}
	arena_free(&a);
	return;
failed:
	FZ_CHECK(p.err != NULL && p.err[0] != '\0', "failure without p->err");
	FZ_CHECK(p.p >= buf && p.p <= end, "parser outside its buffer");
	arena_free(&a);
}

/* ------------------------------------------------------------------ */
/* 2. cmd_dispatch in a state: fz_dispatch (fuzz_common.h) */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_env_setup();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct frame	 f;
	struct session		 s;
	struct fz_resp_ctx	 x;
	const char		*why;
	unsigned		 sel, ncmd = 0;
	size_t			 pos = 1;
	int			 depth;
	bool			 refused, utf8;

	if (size < 1 || fz_skip_known(data, size))
		return 0;
	sel = data[0];
	depth = sel & 0x20 ? 3 : (int)fz.cfg.max_depth;
	utf8 = (sel & 0x04) || (sel & 0x10);

	/* 1: the readers alone */
	while (ncmd < MAX_CMDS && next_command(data, size, &pos, &f,
	    (sel & 3) == 0, &refused)) {
		ncmd++;
		if (!refused) {
			unsigned char *b = fz_dup_exact(f.b, f.len);

			walk(b, f.len, (sel & 3) != 0 && utf8, depth,
			    (unsigned)ncmd * 7919u + sel);
			free(b);
		}
	}

	/* 2: the commands dispatched in the state */
	fz_db_reset();
	fz_set_input("", 0);
	fz_session_begin(&s, (sel & 3) == 0 ? STATE_NOTAUTH : STATE_AUTH);
	if ((sel & 3) != 0) {
		if (sel & 0x04)
			s.enabled |= EN_UTF8;
		if (sel & 0x08)
			s.enabled |= EN_CONDSTORE | EN_QRESYNC;
		if (sel & 0x10)
			s.enabled |= EN_IMAP4REV2;
	}
	if ((sel & 3) >= 2) {
		static const char sc[] = "fz SELECT INBOX\r\n";
		static const char ex[] = "fz EXAMINE INBOX\r\n";

		if ((sel & 3) == 2)
			fz_dispatch(&s, (const unsigned char *)sc, sizeof(sc) - 1,
			    depth);
		else
			fz_dispatch(&s, (const unsigned char *)ex, sizeof(ex) - 1,
			    depth);
		FZ_CHECK(s.state == STATE_SELECTED, "cannot select INBOX");
	}
	pos = 1;
	ncmd = 0;
	while (s.state != STATE_LOGOUT && ncmd < MAX_CMDS &&
	    next_command(data, size, &pos, &f, s.state == STATE_NOTAUTH,
	    &refused)) {
		ncmd++;
		if (refused)
			continue;
		fz_dispatch(&s, f.b, f.len, depth);
		if (s.n_bad > (unsigned)fz.cfg.max_bad_commands)
			break;
	}
	fz_session_end(&s);
	if (getenv("FUZZ_SHOW") != NULL)
		(void)fwrite(fzio.outbuf, 1, fzio.outlen, stderr);
	memset(&x, 0, sizeof(x));
	/* the tags: the selector's "fz" and the client's */
	{
		unsigned char *in = malloc(size + 4);

		if (in == NULL)
			abort();
		memcpy(in, "fz \n", 4);
		memcpy(in + 4, data, size);
		x.in = in;
		x.inlen = size + 4;
		x.allow_serverbug = getenv("FUZZ_ALLOW_SERVERBUG") != NULL;
		why = fz_check_responses(&x, fzio.outbuf, fzio.outlen);
		FZ_CHECK(why == NULL, "response %zu: %s at offset %zu: [%s]",
		    x.nresp, why, x.where, fz_esc(fzio.outbuf + (x.where > 60 ?
		    x.where - 60 : 0), (x.where > 60 ? 60 : x.where) + 40));
		free(in);
	}
	return 0;
}
