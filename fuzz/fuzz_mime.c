/*
 * fuzz_mime.c: mime_parse and mime_doc on arbitrary bytes (a message as
 * APPEND or delivery would store it), with what FETCH will send checked
 * against the IMAP response grammar.
 *
 * The checker here is a small two-stage reader of RFC 9051 section 9:
 *   1. syntax: ENVELOPE, BODY and BODYSTRUCTURE each parse as one value of
 *      the response grammar: "(" values ")" with single spaces between
 *      them (or none between two lists, as in "((a)(b))" and a
 *      body-type-mpart), quoted strings (7-bit, no CR/LF/NUL, only \\ and
 *      \" escaped), literals "{n}" CRLF followed by exactly n bytes
 *      (without NUL), NIL and numbers (no atoms), nothing after the end;
 *   2. shape: the values form an envelope (10 fields, address lists of
 *      4-field addresses, group start/end markers paired, From given =>
 *      Sender and Reply-To given) and a body (body-type-mpart /
 *      body-type-msg / body-type-text / body-type-basic with the fields in
 *      their places; BODYSTRUCTURE with the extension data this server
 *      writes: md5, disposition, language, location; BODY without it).
 * Then, against the entity table (mime_info.parts):
 *   - the bodies in BODYSTRUCTURE, in pre-order, are the entities in table
 *     order: the same kind (multipart, message, text), the same number of
 *     children, body-fld-octets = body_len, body-fld-lines = lines;
 *   - BODY is BODYSTRUCTURE without its extension data;
 *   - every entity lies within the message: hdr_off + hdr_len = body_off,
 *     body_off + body_len <= the length, children inside their parent, in
 *     order, linked by next; lines counts the body's lines; header_len is
 *     entity 0's header; the encoding code is known.
 * mime_doc: its strings are NUL-terminated at their length, the decoded
 * header fields and body are UTF-8 (NUL aside), and the sort subject is
 * stable (base_subject of it is itself).
 *
 * FUZZ_KNOWN=iconv-utf8: the decoded text is not required to be UTF-8
 * (glibc's iconv lets code points over U+10FFFF through,
 * fuzz/crashes/README.md).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <strings.h>

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* ------------------------------------------------------------------ */
/* stage 1: values */

enum vtype { V_NIL, V_STR, V_NUM, V_LIST };

struct val {
	enum vtype	 t;
	const char	*s;		/* V_STR: the raw bytes (quoted: escaped) */
	size_t		 len;
	bool		 quoted;
	uint64_t	 num;
	struct val	*kid;		/* V_LIST */
	size_t		 n;
	size_t		 cap;
};

struct rd {
	const char	*p;
	const char	*e;
	const char	*base;
	const char	*err;
	const char	*at;
};

static bool
rfail(struct rd *r, const char *why)
{
	if (r->err == NULL) {
		r->err = why;
		r->at = r->p;
	}
	return false;
}

static void
val_free(struct val *v)
{
	size_t	i;

	for (i = 0; i < v->n; i++)
		val_free(&v->kid[i]);
	free(v->kid);
	v->kid = NULL;
	v->n = v->cap = 0;
}

static bool read_value(struct rd *, struct val *, int);

static bool
read_list(struct rd *r, struct val *v, int depth)
{
	struct val	k;

	v->t = V_LIST;
	r->p++;		/* "(" */
	if (r->p < r->e && *r->p == ')')
		return rfail(r, "empty list");
	for (;;) {
		memset(&k, 0, sizeof(k));
		if (!read_value(r, &k, depth + 1)) {
			val_free(&k);
			return false;
		}
		if (v->n == v->cap) {
			v->cap = v->cap ? v->cap * 2 : 8;
			v->kid = realloc(v->kid, v->cap * sizeof(*v->kid));
			if (v->kid == NULL)
				abort();
		}
		v->kid[v->n++] = k;
		if (r->p >= r->e)
			return rfail(r, "list not closed");
		if (*r->p == ')') {
			r->p++;
			return true;
		}
		if (*r->p == ' ') {
			r->p++;
			if (r->p < r->e && (*r->p == ' ' || *r->p == ')'))
				return rfail(r, "extra space in a list");
			continue;
		}
		/* only a list may follow a list directly */
		if (*r->p == '(' && k.t == V_LIST)
			continue;
		return rfail(r, "expected SP or ) in a list");
	}
}

static bool
read_value(struct rd *r, struct val *v, int depth)
{
	const char	*s;
	uint64_t	 n = 0;

	if (depth > 400)
		return rfail(r, "nested over 400 deep");
	if (r->p >= r->e)
		return rfail(r, "value expected at the end");
	switch (*r->p) {
	case '(':
		return read_list(r, v, depth);
	case '"':
		v->t = V_STR;
		v->quoted = true;
		s = ++r->p;
		for (; r->p < r->e && *r->p != '"'; r->p++) {
			unsigned char c = (unsigned char)*r->p;

			if (c == '\\') {
				if (++r->p >= r->e || (*r->p != '\\' &&
				    *r->p != '"'))
					return rfail(r, "bad escape in a quoted "
					    "string");
			} else if (c == '\r' || c == '\n' || c == '\0' ||
			    c >= 0x80)
				return rfail(r, "CR, LF, NUL or 8-bit in a quoted "
				    "string");
		}
		if (r->p >= r->e)
			return rfail(r, "unterminated quoted string");
		v->s = s;
		v->len = (size_t)(r->p - s);
		r->p++;
		return true;
	case '{':
		v->t = V_STR;
		r->p++;
		if (r->p >= r->e || *r->p < '0' || *r->p > '9')
			return rfail(r, "literal without a size");
		for (; r->p < r->e && *r->p >= '0' && *r->p <= '9'; r->p++) {
			n = n * 10 + (uint64_t)(*r->p - '0');
			if (n > 0xffffffffu)
				return rfail(r, "literal size over 32 bits");
		}
		if (r->e - r->p < 3 || memcmp(r->p, "}\r\n", 3) != 0)
			return rfail(r, "literal size not followed by } CRLF");
		r->p += 3;
		if ((uint64_t)(r->e - r->p) < n)
			return rfail(r, "literal shorter than its size");
		if (memchr(r->p, '\0', (size_t)n) != NULL)
			return rfail(r, "NUL in a literal");
		v->s = r->p;
		v->len = (size_t)n;
		r->p += n;
		return true;
	case 'N':
		if (r->e - r->p >= 3 && memcmp(r->p, "NIL", 3) == 0) {
			v->t = V_NIL;
			r->p += 3;
			return true;
		}
		return rfail(r, "atom where a value was expected");
	default:
		if (*r->p < '0' || *r->p > '9')
			return rfail(r, "unexpected character");
		v->t = V_NUM;
		for (; r->p < r->e && *r->p >= '0' && *r->p <= '9'; r->p++) {
			n = n * 10 + (uint64_t)(*r->p - '0');
			if (n > INT64_MAX / 10)
				return rfail(r, "number over 63 bits");
		}
		v->num = n;
		return true;
	}
}

/* the whole string is one value; *why on failure */
static bool
read_all(const char *s, struct val *v, const char **why, size_t *at)
{
	struct rd	r;

	memset(&r, 0, sizeof(r));
	memset(v, 0, sizeof(*v));
	r.p = r.base = s;
	r.e = s + strlen(s);
	if (!read_value(&r, v, 0) || (r.p != r.e && !rfail(&r, "junk after "
	    "the value"))) {
		*why = r.err;
		*at = (size_t)(r.at - r.base);
		val_free(v);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* stage 2: shapes */

struct shape {
	const char		*err;
	const struct mime_info	*mi;
	const char		*msg;
	size_t			 len;
	size_t			 ent;	/* next entity in pre-order */
	size_t			 hdr_off;	/* the header an envelope is of */
	size_t			 hdr_len;
};

static bool
sfail(struct shape *sh, const char *why)
{
	if (sh->err == NULL)
		sh->err = why;
	return false;
}

static bool
is_str(const struct val *v)
{
	return v->t == V_STR;
}

static bool
is_nstr(const struct val *v)
{
	return v->t == V_STR || v->t == V_NIL;
}

/* case-insensitive compare of a string value (quoted: no escapes here) */
static bool
str_is(const struct val *v, const char *s)
{
	return v->t == V_STR && v->len == strlen(s) &&
	    strncasecmp(v->s, s, v->len) == 0;
}

/* Has the message's header a field called name (any value)? */
static bool
has_field(const struct shape *sh, const char *name)
{
	const char	*p = sh->msg + sh->hdr_off, *e = p + sh->hdr_len, *q;
	size_t		 n = strlen(name);

	while (p < e) {
		if ((size_t)(e - p) > n && strncasecmp(p, name, n) == 0) {
			for (q = p + n; q < e && (*q == ' ' || *q == '\t'); q++)
				;
			if (q < e && *q == ':')
				return true;
		}
		q = memchr(p, '\n', (size_t)(e - p));
		if (q == NULL)
			break;
		p = q + 1;
	}
	return false;
}

/* address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")" */
static bool
shape_addrlist(struct shape *sh, const struct val *v)
{
	size_t	i, j;
	bool	group = false;

	if (v->t == V_NIL)
		return true;
	if (v->t != V_LIST)
		return sfail(sh, "address list neither NIL nor a list");
	for (i = 0; i < v->n; i++) {
		const struct val *a = &v->kid[i];

		if (a->t != V_LIST || a->n != 4)
			return sfail(sh, "address not a list of 4");
		for (j = 0; j < 4; j++)
			if (!is_nstr(&a->kid[j]))
				return sfail(sh, "address field not nstring");
		if (a->kid[3].t == V_NIL) {
			if (a->kid[2].t == V_NIL) {
				/* group end: (NIL NIL NIL NIL) */
				if (!group || a->kid[0].t != V_NIL ||
				    a->kid[1].t != V_NIL)
					return sfail(sh, "stray group end");
				group = false;
			} else {
				/* group start: (NIL NIL "name" NIL) */
				if (group)
					return sfail(sh, "nested group");
				if (a->kid[0].t != V_NIL ||
				    a->kid[1].t != V_NIL)
					return sfail(sh, "group start with a "
					    "name or route");
				group = true;
			}
		} else if (a->kid[2].t == V_NIL)
			return sfail(sh, "address with a host, no mailbox");
	}
	if (group)
		return sfail(sh, "group not ended");
	return true;
}

static bool
shape_envelope(struct shape *sh, const struct val *v)
{
	int	i;

	if (v->t != V_LIST || v->n != 10)
		return sfail(sh, "envelope not a list of 10");
	if (!is_nstr(&v->kid[0]) || !is_nstr(&v->kid[1]) ||
	    !is_nstr(&v->kid[8]) || !is_nstr(&v->kid[9]))
		return sfail(sh, "envelope date/subject/in-reply-to/message-id "
		    "not nstring");
	for (i = 2; i < 8; i++)
		if (!shape_addrlist(sh, &v->kid[i]))
			return false;
	/*
	 * RFC 9051 7.5.2: Sender and Reply-To, absent or empty, are From.
	 * (Present with junk that holds no address, NIL is defensible.)
	 */
	if (sh->msg != NULL && v->kid[2].t != V_NIL &&
	    ((v->kid[3].t == V_NIL && !has_field(sh, "Sender")) ||
	    (v->kid[4].t == V_NIL && !has_field(sh, "Reply-To"))))
		return sfail(sh, "From given, Sender or Reply-To absent, but "
		    "NIL");
	return true;
}

/* body-fld-param = "(" string SP string *(SP string SP string) ")" / nil */
static bool
shape_params(struct shape *sh, const struct val *v)
{
	size_t	i;

	if (v->t == V_NIL)
		return true;
	if (v->t != V_LIST || v->n == 0 || v->n % 2 != 0)
		return sfail(sh, "parameters not NIL or pairs");
	for (i = 0; i < v->n; i++)
		if (!is_str(&v->kid[i]))
			return sfail(sh, "parameter not a string");
	return true;
}

/* body-fld-dsp SP body-fld-lang SP body-fld-loc, at v->kid[i...] */
static bool
shape_ext_common(struct shape *sh, const struct val *v, size_t i)
{
	const struct val *d = &v->kid[i], *l = &v->kid[i + 1];
	size_t	j;

	if (d->t != V_NIL && (d->t != V_LIST || d->n != 2 ||
	    !is_str(&d->kid[0]) || !shape_params(sh, &d->kid[1])))
		return sfail(sh, "bad body-fld-dsp");
	if (l->t == V_LIST) {
		for (j = 0; j < l->n; j++)
			if (!is_str(&l->kid[j]))
				return sfail(sh, "language not strings");
	} else if (!is_nstr(l))
		return sfail(sh, "bad body-fld-lang");
	if (!is_nstr(&v->kid[i + 2]))
		return sfail(sh, "bad body-fld-loc");
	return true;
}

/* lines of [p, p+n), as mime.c counts them (a last line without LF too) */
static uint32_t
lines_of(const char *p, size_t n)
{
	uint32_t	c = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		if (p[i] == '\n')
			c++;
	if (n > 0 && p[n - 1] != '\n')
		c++;
	return c;
}

static bool
val_equal(const struct val *a, const struct val *b)
{
	size_t	i;

	if (a->t != b->t)
		return false;
	switch (a->t) {
	case V_NIL:
		return true;
	case V_NUM:
		return a->num == b->num;
	case V_STR:
		return a->len == b->len && a->quoted == b->quoted &&
		    memcmp(a->s, b->s, a->len) == 0;
	default:
		if (a->n != b->n)
			return false;
		for (i = 0; i < a->n; i++)
			if (!val_equal(&a->kid[i], &b->kid[i]))
				return false;
		return true;
	}
}

/* ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 [NIL NIL NIL NIL]) */
static bool
standin_body(const struct val *v, bool ext)
{
	return v->t == V_LIST && v->n == (ext ? 12u : 8u) &&
	    str_is(&v->kid[0], "text") && str_is(&v->kid[1], "plain") &&
	    v->kid[2].t == V_LIST && v->kid[2].n == 2 &&
	    str_is(&v->kid[2].kid[0], "charset") &&
	    str_is(&v->kid[2].kid[1], "us-ascii") && v->kid[3].t == V_NIL &&
	    v->kid[4].t == V_NIL && str_is(&v->kid[5], "7bit") &&
	    v->kid[6].t == V_NUM && v->kid[6].num == 0 &&
	    v->kid[7].t == V_NUM && v->kid[7].num == 0 && (!ext ||
	    (v->kid[8].t == V_NIL && v->kid[9].t == V_NIL &&
	    v->kid[10].t == V_NIL && v->kid[11].t == V_NIL));
}

/*
 * A body; ext: BODYSTRUCTURE (with extension data).  Matches the
 * entities in pre-order.
 */
static bool
shape_body(struct shape *sh, const struct val *v, bool ext, int depth)
{
	struct mime_ent	 e;
	size_t		 k, i, me = sh->ent++;

	if (depth > 200)
		return sfail(sh, "body nested over 200 deep");
	if (v->t != V_LIST || v->n == 0)
		return sfail(sh, "body not a list");
	if (mime_ent(sh->mi->parts, sh->mi->nparts, me, &e) == -1)
		return sfail(sh, "more bodies than entities");
	if (v->kid[0].t == V_LIST) {
		/* body-type-mpart = 1*body SP media-subtype [SP ext-mpart] */
		for (k = 0; k < v->n && v->kid[k].t == V_LIST; k++)
			if (!shape_body(sh, &v->kid[k], ext, depth + 1))
				return false;
		if (!(e.flags & MIME_MULTIPART))
			return sfail(sh, "multipart body, entity not multipart");
		if (e.nchild != k)
			return sfail(sh, "multipart: children differ from the "
			    "entity's nchild");
		if (k >= v->n || !is_str(&v->kid[k]))
			return sfail(sh, "multipart without a subtype string");
		if (!ext)
			return v->n == k + 1 ? true : sfail(sh, "BODY multipart "
			    "with extension data");
		if (v->n != k + 5)
			return sfail(sh, "BODYSTRUCTURE multipart: not params, "
			    "dsp, lang, loc");
		return shape_params(sh, &v->kid[k + 1]) &&
		    shape_ext_common(sh, v, k + 2);
	}
	/* body-type-1part */
	if (e.flags & MIME_MULTIPART)
		return sfail(sh, "entity multipart, body not");
	if (v->n < 7 || !is_str(&v->kid[0]) || !is_str(&v->kid[1]) ||
	    !shape_params(sh, &v->kid[2]) || !is_nstr(&v->kid[3]) ||
	    !is_nstr(&v->kid[4]) || !is_str(&v->kid[5]) ||
	    v->kid[6].t != V_NUM)
		return sfail(sh, "body-fields: type subtype params id desc enc "
		    "octets");
	if (v->kid[6].num != e.body_len)
		return sfail(sh, "body-fld-octets is not the entity's body_len");
	i = 7;
	if (str_is(&v->kid[0], "MESSAGE") && (str_is(&v->kid[1], "RFC822") ||
	    str_is(&v->kid[1], "GLOBAL"))) {
		/* body-type-msg: envelope SP body SP body-fld-lines */
		if (v->n < 10 || v->kid[9].t != V_NUM)
			return sfail(sh, "message/rfc822 without envelope, body "
			    "and lines");
		if (!(e.flags & MIME_MESSAGE)) {
			/*
			 * Not opened (encoded, or too deep): an empty envelope
			 * and an empty text/plain stand in, no entity behind.
			 */
			static const struct val nil = { V_NIL, NULL, 0, false,
			    0, NULL, 0, 0 };
			size_t j;

			if (v->kid[7].t != V_LIST || v->kid[7].n != 10)
				return sfail(sh, "stand-in envelope not 10 NIL");
			for (j = 0; j < 10; j++)
				if (!val_equal(&v->kid[7].kid[j], &nil))
					return sfail(sh, "stand-in envelope not "
					    "all NIL");
			if (!standin_body(&v->kid[8], ext))
				return sfail(sh, "stand-in body is not an empty "
				    "text/plain");
			if (e.nchild != 0)
				return sfail(sh, "unopened message with a child");
			if (v->kid[9].num != e.lines)
				return sfail(sh, "message lines differ from the "
				    "entity");
			i = 10;
			goto ext;
		}
		{
			/* the envelope is of the child's header */
			struct mime_ent c;

			if (mime_ent(sh->mi->parts, sh->mi->nparts, sh->ent,
			    &c) == -1)
				return sfail(sh, "message without a child");
			sh->hdr_off = c.hdr_off;
			sh->hdr_len = c.hdr_len;
		}
		if (!shape_envelope(sh, &v->kid[7]) ||
		    !shape_body(sh, &v->kid[8], ext, depth + 1))
			return false;
		if (e.nchild != 1)
			return sfail(sh, "message entity without one child");
		if (v->kid[9].num != e.lines)
			return sfail(sh, "message lines differ from the entity");
		i = 10;
	} else {
		if (e.flags & MIME_MESSAGE)
			return sfail(sh, "entity MIME_MESSAGE, body not "
			    "message/rfc822");
		if (e.nchild != 0)
			return sfail(sh, "leaf entity with children");
		if (str_is(&v->kid[0], "TEXT")) {
			if (v->n < 8 || v->kid[7].t != V_NUM)
				return sfail(sh, "text body without lines");
			if (v->kid[7].num != e.lines)
				return sfail(sh, "text lines differ from the "
				    "entity");
			i = 8;
		}
	}
	if ((e.flags & MIME_TEXT) != 0 != str_is(&v->kid[0], "TEXT"))
		return sfail(sh, "MIME_TEXT flag and the type disagree");
ext:
	if (!ext)
		return v->n == i ? true : sfail(sh, "BODY 1part with extension "
		    "data");
	/* body-ext-1part: md5 SP dsp SP lang SP loc */
	if (v->n != i + 4)
		return sfail(sh, "BODYSTRUCTURE 1part: not md5 dsp lang loc");
	if (!is_nstr(&v->kid[i]))
		return sfail(sh, "bad body-fld-md5");
	return shape_ext_common(sh, v, i + 1);
}

/* BODY == BODYSTRUCTURE without extension data */
static bool
body_matches(const struct val *bs, const struct val *b)
{
	size_t	i, k;

	if (bs->t != V_LIST || b->t != V_LIST)
		return false;
	if (bs->kid[0].t == V_LIST) {
		for (k = 0; k < bs->n && bs->kid[k].t == V_LIST; k++)
			if (k >= b->n || !body_matches(&bs->kid[k], &b->kid[k]))
				return false;
		return b->n == k + 1 && val_equal(&bs->kid[k], &b->kid[k]);
	}
	if (b->n > bs->n)
		return false;
	for (i = 0; i < b->n; i++) {
		if (i == 8 && b->n == 10) {
			if (!body_matches(&bs->kid[8], &b->kid[8]))
				return false;
		} else if (!val_equal(&bs->kid[i], &b->kid[i]))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* the entity table alone */

static void
check_table(const struct mime_info *mi, const char *msg, size_t len)
{
	struct mime_ent	 e, c;
	size_t		 i, k, ch;

	FZ_CHECK(mi->nparts >= 1 && mi->parts != NULL, "no entities");
	for (i = 0; i < mi->nparts; i++) {
		FZ_CHECK(mime_ent(mi->parts, mi->nparts, i, &e) == 0, "ent");
		FZ_CHECK((uint64_t)e.hdr_off + e.hdr_len == e.body_off,
		    "entity %zu: hdr_off %u + hdr_len %u != body_off %u", i,
		    e.hdr_off, e.hdr_len, e.body_off);
		FZ_CHECK((uint64_t)e.body_off + e.body_len <= len,
		    "entity %zu: body %u+%u past the message (%zu)", i,
		    e.body_off, e.body_len, len);
		FZ_CHECK(e.lines == lines_of(msg + e.body_off, e.body_len),
		    "entity %zu: lines %u, counted %u", i, e.lines,
		    lines_of(msg + e.body_off, e.body_len));
		FZ_CHECK((e.flags >> 8) <= MIME_ENC_OTHER && (e.flags & 0xf8) ==
		    0, "entity %zu: flags 0x%x", i, e.flags);
		FZ_CHECK(!((e.flags & MIME_MULTIPART) && (e.flags &
		    MIME_MESSAGE)), "entity %zu: multipart and message", i);
		FZ_CHECK(e.next == 0 || (e.next > i && e.next < mi->nparts),
		    "entity %zu: next %u", i, e.next);
		if (!(e.flags & (MIME_MULTIPART | MIME_MESSAGE))) {
			FZ_CHECK(e.nchild == 0, "leaf %zu has %u children", i,
			    e.nchild);
			continue;
		}
		FZ_CHECK(e.nchild >= 1 && i + 1 < mi->nparts,
		    "entity %zu: container without children", i);
		if (e.flags & MIME_MESSAGE)
			FZ_CHECK(e.nchild == 1, "message %zu: %u children", i,
			    e.nchild);
		/* the children: i+1, then along next; inside and in order */
		ch = i + 1;
		for (k = 0; k < e.nchild; k++) {
			FZ_CHECK(ch != 0 && ch < mi->nparts, "entity %zu: child "
			    "%zu missing", i, k);
			FZ_CHECK(mime_ent(mi->parts, mi->nparts, ch, &c) == 0,
			    "ent");
			FZ_CHECK(c.hdr_off >= e.body_off && (uint64_t)c.body_off +
			    c.body_len <= (uint64_t)e.body_off + e.body_len,
			    "entity %zu: child %zu [%u,%u+%u) outside the body "
			    "[%u,+%u)", i, ch, c.hdr_off, c.body_off, c.body_len,
			    e.body_off, e.body_len);
			if (e.flags & MIME_MESSAGE)
				FZ_CHECK(c.hdr_off == e.body_off && c.body_off +
				    c.body_len == e.body_off + e.body_len,
				    "message %zu: child is not the whole body",
				    i);
			if (k + 1 < e.nchild) {
				FZ_CHECK(c.next != 0, "entity %zu: child %zu "
				    "of %u has no next", i, k, e.nchild);
				ch = c.next;
			} else
				FZ_CHECK(c.next == 0, "entity %zu: last child "
				    "has a next", i);
		}
	}
	FZ_CHECK(mime_ent(mi->parts, mi->nparts, 0, &e) == 0 &&
	    e.hdr_off == 0 && e.body_off + e.body_len == len &&
	    e.hdr_len == mi->header_len, "entity 0 is not the message");
	FZ_CHECK(mime_ent(mi->parts, mi->nparts, mi->nparts, &e) == -1,
	    "mime_ent past the end");
}

/* ------------------------------------------------------------------ */

static bool
utf8_nul_ok(const char *s, size_t n)
{
	const char	*z;

	while (n > 0) {
		z = memchr(s, '\0', n);
		if (z == NULL)
			return utf8_valid(s, n);
		if (!utf8_valid(s, (size_t)(z - s)))
			return false;
		n -= (size_t)(z - s) + 1;
		s = z + 1;
	}
	return true;
}

static void
check_sb(const struct sbuf *b, const char *what, bool utf8)
{
	if (b->s == NULL) {
		FZ_CHECK(b->len == 0, "%s: NULL with length %zu", what, b->len);
		return;
	}
	FZ_CHECK(b->len < b->cap && b->s[b->len] == '\0', "%s: not "
	    "NUL-terminated at its length", what);
	if (utf8)
		FZ_CHECK(utf8_nul_ok(b->s, b->len), "%s: not UTF-8: [%s]", what,
		    fz_esc(b->s, b->len));
}

static void
check_doc(const struct search_doc *d)
{
	struct sbuf	again = { 0 };
	bool		utf8 = !fz_known("iconv-utf8");

	check_sb(&d->subject, "subject", utf8);
	check_sb(&d->from, "from", utf8);
	check_sb(&d->to, "to", utf8);
	check_sb(&d->cc, "cc", utf8);
	check_sb(&d->bcc, "bcc", utf8);
	check_sb(&d->body, "body", utf8);
	check_sb(&d->mimehdr, "mimehdr", false);
	check_sb(&d->sort_subject, "sort_subject", false);
	check_sb(&d->sort_from, "sort_from", false);
	check_sb(&d->sort_to, "sort_to", false);
	check_sb(&d->sort_cc, "sort_cc", false);
	check_sb(&d->display_from, "display_from", false);
	check_sb(&d->display_to, "display_to", false);
	check_sb(&d->message_id, "message_id", false);
	check_sb(&d->in_reply_to, "in_reply_to", false);
	check_sb(&d->refs, "refs", false);
	/* RFC 5256 2.1: the base subject of a base subject is itself */
	if (d->sort_subject.s != NULL) {
		base_subject(&again, d->sort_subject.s, d->sort_subject.len);
		FZ_CHECK(again.s != NULL && again.len == d->sort_subject.len &&
		    memcmp(again.s, d->sort_subject.s, again.len) == 0,
		    "base_subject not idempotent: [%s] -> [%s]",
		    fz_esc(d->sort_subject.s, d->sort_subject.len),
		    fz_esc(again.s, again.len));
		sb_free(&again);
	}
}

static void
check_one(const char *what, const char *s, const struct mime_info *mi,
    const char *msg, size_t len, struct val *out)
{
	const char	*why;
	size_t		 at = 0;

	FZ_CHECK(s != NULL, "%s is NULL", what);
	FZ_CHECK(read_all(s, out, &why, &at), "%s: %s at %zu: [%s] in [%s]",
	    what, why, at, fz_esc(s + at, strnlen(s + at, 40)),
	    fz_esc(s, strlen(s)));
	(void)mi;
	(void)msg;
	(void)len;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init_process();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_info	 mi;
	struct search_doc	 d;
	struct val		 env, body, bs;
	struct shape		 sh;
	char			*msg = (char *)fz_dup_exact(data, size);

	mime_parse(msg, size, &mi);
	check_table(&mi, msg, size);

	check_one("ENVELOPE", mi.envelope, &mi, msg, size, &env);
	check_one("BODYSTRUCTURE", mi.bodystructure, &mi, msg, size, &bs);
	check_one("BODY", mi.body, &mi, msg, size, &body);
	memset(&sh, 0, sizeof(sh));
	sh.mi = &mi;
	sh.msg = msg;
	sh.len = size;
	sh.hdr_off = 0;
	sh.hdr_len = mi.header_len;
	FZ_CHECK(shape_envelope(&sh, &env), "ENVELOPE: %s: [%s]", sh.err,
	    fz_esc(mi.envelope, strlen(mi.envelope)));
	sh.ent = 0;
	FZ_CHECK(shape_body(&sh, &bs, true, 0), "BODYSTRUCTURE: %s "
	    "(body %zu): [%s]", sh.err, sh.ent - 1, fz_esc(mi.bodystructure,
	    strlen(mi.bodystructure)));
	FZ_CHECK(sh.ent == mi.nparts, "BODYSTRUCTURE has %zu bodies, the "
	    "table %zu entities", sh.ent, mi.nparts);
	sh.ent = 0;
	FZ_CHECK(shape_body(&sh, &body, false, 0), "BODY: %s (body %zu): "
	    "[%s]", sh.err, sh.ent - 1, fz_esc(mi.body, strlen(mi.body)));
	FZ_CHECK(body_matches(&bs, &body), "BODY is not BODYSTRUCTURE less "
	    "its extension data: [%s] vs [%s]", fz_esc(mi.body,
	    strlen(mi.body)), fz_esc(mi.bodystructure,
	    strlen(mi.bodystructure)));
	val_free(&env);
	val_free(&bs);
	val_free(&body);

	mime_doc(msg, size, &mi, &d);
	check_doc(&d);
	mime_doc_free(&d);
	mime_info_free(&mi);
	free(msg);
	return 0;
}
