/*
 * mime.c: RFC 5322 and MIME (RFC 2045-2049) parsing, once per message at
 * APPEND, delivery or import.  It produces what FETCH sends without ever
 * parsing again: the ENVELOPE, BODY and BODYSTRUCTURE strings (RFC 9051
 * 7.5.2) and a table of entities with the offsets of every header and
 * body, so BODY[section] is a lookup.
 *
 * Malformed input never fails: missing or wrong boundaries, bare LF line
 * ends, 8-bit junk and truncated headers get a best-effort structure.
 * Nesting deeper than MIME_MAX_DEPTH is treated as opaque content.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"

#define MIME_MAX_DEPTH	40
#define MIME_MAX_PARTS	5000
#define MAX_PARAMS	32

/*
 * An IMAP string: quoted when 7-bit and short, else a literal.  NUL
 * bytes are dropped: no IMAP string may carry one, and these strings are
 * stored and sent as C strings.
 */
static void
sb_string(struct sbuf *b, const char *s, size_t n)
{
	char	hdr[32];
	size_t	i, nul = 0;
	bool	lit = n > 1024;

	for (i = 0; i < n; i++) {
		if (s[i] == '\0')
			nul++;
		else if ((unsigned char)s[i] >= 0x80 || s[i] == '\r' ||
		    s[i] == '\n')
			lit = true;
	}
	if (lit) {
		(void)snprintf(hdr, sizeof(hdr), "{%zu}\r\n", n - nul);
		sb_str(b, hdr);
		for (i = 0; i < n; i++)
			if (s[i] != '\0')
				sb_add(b, &s[i], 1);
		return;
	}
	sb_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '\0')
			continue;
		if (s[i] == '"' || s[i] == '\\')
			sb_add(b, "\\", 1);
		sb_add(b, &s[i], 1);
	}
	sb_add(b, "\"", 1);
}

static void
sb_nstring(struct sbuf *b, const char *s, size_t n, bool nil)
{
	if (nil)
		sb_str(b, "NIL");
	else
		sb_string(b, s, n);
}

/* ---- header fields ---- */

struct field {
	const char	*name;
	size_t		 nlen;
	const char	*val;	/* raw, folded */
	size_t		 vlen;
};

struct header {
	struct field	*f;
	size_t		 n;
	size_t		 cap;
};

/*
 * Split a header block [p, end) into fields.  Lines that are not
 * "name: value" and not continuations are skipped (junk tolerated).
 */
static void
header_split(const char *p, const char *end, struct header *h)
{
	const char	*line, *colon, *eol;
	struct field	*f = NULL;

	h->n = 0;
	while (p < end) {
		line = p;
		eol = memchr(p, '\n', (size_t)(end - p));
		p = eol ? eol + 1 : end;
		if (eol == NULL)
			eol = end;
		if (line < eol && (*line == ' ' || *line == '\t')) {
			if (f != NULL)
				f->vlen = (size_t)(eol - f->val);
			continue;
		}
		colon = memchr(line, ':', (size_t)(eol - line));
		f = NULL;
		if (colon == NULL || colon == line)
			continue;
		if (h->n == h->cap) {
			h->cap = h->cap ? h->cap * 2 : 16;
			h->f = xreallocarray(h->f, h->cap, sizeof(*h->f));
		}
		f = &h->f[h->n++];
		f->name = line;
		f->nlen = (size_t)(colon - line);
		while (f->nlen > 0 && (line[f->nlen - 1] == ' ' ||
		    line[f->nlen - 1] == '\t'))
			f->nlen--;
		f->val = colon + 1;
		f->vlen = (size_t)(eol - f->val);
	}
}

/* The first field called name, or NULL. */
static const struct field *
header_get(const struct header *h, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; i < h->n; i++)
		if (h->f[i].nlen == n && strncasecmp(h->f[i].name, name, n) ==
		    0)
			return &h->f[i];
	return NULL;
}

/*
 * Unfold a value: CRLF (or LF) followed by white space becomes that
 * white space; trailing CR and outer white space go.  Result in a.
 */
static char *
unfold(struct arena *a, const char *v, size_t n, size_t *len)
{
	char	*d = arena_alloc(a, n + 1);
	size_t	 i, o = 0;

	for (i = 0; i < n; i++) {
		if (v[i] == '\r' || v[i] == '\n')
			continue;
		d[o++] = v[i];
	}
	while (o > 0 && (d[o - 1] == ' ' || d[o - 1] == '\t'))
		o--;
	i = 0;
	while (i < o && (d[i] == ' ' || d[i] == '\t'))
		i++;
	d[o] = '\0';
	*len = o - i;
	return d + i;
}

/* ---- RFC 5322 addresses ---- */

struct addr {
	char	*name;		/* NULL: none */
	char	*route;
	char	*mailbox;
	char	*host;		/* NULL with mailbox set: group start */
	bool	 group_end;
};

struct addrlist {
	struct addr	*v;
	size_t		 n;
	size_t		 cap;
};

static void
addr_push(struct addrlist *l, struct addr a)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = a;
}

/* Skip white space and (nested) comments. */
static const char *
skip_cfws(const char *p, const char *e)
{
	int	depth;

	for (;;) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'))
			p++;
		if (p == e || *p != '(')
			return p;
		for (depth = 0; p < e; p++) {
			if (*p == '\\' && p + 1 < e)
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
	}
}

/*
 * One "word" into d: a quoted string (unquoted) or a run of atext and
 * dots.  Returns the new position; *got says whether a word was read.
 */
static const char *
take_word(const char *p, const char *e, struct sbuf *d, bool *got)
{
	*got = false;
	p = skip_cfws(p, e);
	if (p < e && *p == '"') {
		p++;
		while (p < e && *p != '"') {
			if (*p == '\\' && p + 1 < e)
				p++;
			if (*p != '\r' && *p != '\n')
				sb_add(d, p, 1);
			p++;
		}
		if (p < e)
			p++;
		*got = true;
		return p;
	}
	while (p < e && strchr("()<>[]:;@\\,\" \t\r\n", *p) == NULL) {
		sb_add(d, p, 1);
		p++;
		*got = true;
	}
	return p;
}

static char *
sb_take(struct arena *a, struct sbuf *b)
{
	char	*r = arena_strndup(a, b->s ? b->s : "", b->len);

	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
	return r;
}

/* addr-spec inside or outside <>: local-part ["@" domain] */
static const char *
take_addrspec(struct arena *a, const char *p, const char *e, struct addr *ad,
    struct sbuf *tmp)
{
	bool	got;

	tmp->len = 0;
	for (;;) {
		p = take_word(p, e, tmp, &got);
		p = skip_cfws(p, e);
		if (p < e && *p == '.') {
			sb_add(tmp, ".", 1);
			p++;
			continue;
		}
		if (!got)
			break;
		if (p < e && strchr("@>,;", *p) == NULL && *p != '\0') {
			/* obsolete phrase-like local parts: keep gathering */
			if (*p == '"' || (!strchr("()<>[]:\\", *p)))
				continue;
		}
		break;
	}
	ad->mailbox = sb_take(a, tmp);
	p = skip_cfws(p, e);
	if (p < e && *p == '@') {
		p++;
		p = skip_cfws(p, e);
		if (p < e && *p == '[') {
			const char *q = memchr(p, ']', (size_t)(e - p));

			q = q ? q + 1 : e;
			sb_add(tmp, p, (size_t)(q - p));
			p = q;
		} else {
			for (;;) {
				p = take_word(p, e, tmp, &got);
				p = skip_cfws(p, e);
				if (p < e && *p == '.') {
					sb_add(tmp, ".", 1);
					p++;
					continue;
				}
				break;
			}
		}
		ad->host = sb_take(a, tmp);
	} else
		ad->host = arena_strndup(a, "", 0);
	return p;
}

/*
 * Parse an address-list, tolerating junk: whatever cannot be read as an
 * address is skipped up to the next comma.
 */
static void
parse_addresses(struct arena *a, const char *p, const char *e,
    struct addrlist *l)
{
	struct sbuf	 phrase = { 0 }, tmp = { 0 };
	struct addr	 ad;
	const char	*q;
	bool		 got, in_group = false;

	while (p < e) {
		memset(&ad, 0, sizeof(ad));
		p = skip_cfws(p, e);
		if (p == e)
			break;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == ';' && in_group) {
			memset(&ad, 0, sizeof(ad));
			ad.group_end = true;
			addr_push(l, ad);
			in_group = false;
			p++;
			continue;
		}
		/* a phrase, then ":" (group), "<" (angle-addr) or an addr-spec */
		phrase.len = 0;
		q = p;
		for (;;) {
			size_t before = phrase.len;

			if (phrase.len > 0)
				sb_add(&phrase, " ", 1);
			p = take_word(p, e, &phrase, &got);
			if (!got) {
				phrase.len = before;
				if (phrase.s)
					phrase.s[before] = '\0';
				break;
			}
			p = skip_cfws(p, e);
			if (p < e && *p == '.') {
				/* obsolete: dots in phrases */
				sb_add(&phrase, ".", 1);
				p++;
			}
		}
		p = skip_cfws(p, e);
		if (p < e && *p == ':' && !in_group) {
			ad.mailbox = sb_take(a, &phrase);
			ad.host = NULL;
			addr_push(l, ad);
			in_group = true;
			p++;
			continue;
		}
		if (p < e && *p == '<') {
			p++;
			p = skip_cfws(p, e);
			if (p < e && *p == '@') {
				/* obsolete route: @a,@b: */
				const char *c = memchr(p, ':', (size_t)(e - p));

				if (c != NULL) {
					ad.route = arena_strndup(a, p,
					    (size_t)(c - p));
					p = c + 1;
				}
			}
			ad.name = phrase.len > 0 ? sb_take(a, &phrase) : NULL;
			p = take_addrspec(a, p, e, &ad, &tmp);
			p = skip_cfws(p, e);
			if (p < e && *p == '>')
				p++;
		} else {
			/* a bare addr-spec: re-read from the start */
			p = take_addrspec(a, q, e, &ad, &tmp);
		}
		if (ad.mailbox != NULL && (ad.mailbox[0] != '\0' ||
		    (ad.host != NULL && ad.host[0] != '\0')))
			addr_push(l, ad);
		p = skip_cfws(p, e);
		/* junk: skip to the next separator */
		while (p < e && *p != ',' && !(*p == ';' && in_group))
			p++;
	}
	if (in_group) {
		memset(&ad, 0, sizeof(ad));
		ad.group_end = true;
		addr_push(l, ad);
	}
	free(phrase.s);
	free(tmp.s);
}

/* env-from etc.: NIL or ((name adl mailbox host) ...) */
static void
sb_addresses(struct arena *a, struct sbuf *b, const struct field *f)
{
	struct addrlist	 l = { 0 };
	size_t		 i, n;
	char		*v;

	if (f == NULL) {
		sb_str(b, "NIL");
		return;
	}
	v = unfold(a, f->val, f->vlen, &n);
	parse_addresses(a, v, v + n, &l);
	if (l.n == 0) {
		sb_str(b, "NIL");
		free(l.v);
		return;
	}
	sb_str(b, "(");
	for (i = 0; i < l.n; i++) {
		struct addr *ad = &l.v[i];

		sb_str(b, "(");
		if (ad->group_end)
			sb_str(b, "NIL NIL NIL NIL");
		else {
			sb_nstring(b, ad->name, ad->name ? strlen(ad->name) : 0,
			    ad->name == NULL || ad->host == NULL);
			sb_str(b, " ");
			sb_nstring(b, ad->route, ad->route ? strlen(ad->route) :
			    0, ad->route == NULL);
			sb_str(b, " ");
			sb_nstring(b, ad->mailbox, strlen(ad->mailbox), false);
			sb_str(b, " ");
			if (ad->host == NULL)
				sb_str(b, "NIL");
			else
				sb_nstring(b, ad->host, strlen(ad->host),
				    false);
		}
		sb_str(b, ")");
	}
	sb_str(b, ")");
	free(l.v);
}

/*
 * RFC 9051 7.5.2: a Sender or Reply-To that is absent or "present but
 * empty" (no address in it) means From's value.
 */
static const struct field *
nonempty(struct arena *a, const struct field *f)
{
	struct addrlist	 l = { 0 };
	char		*v;
	size_t		 n;

	if (f == NULL)
		return NULL;
	v = unfold(a, f->val, f->vlen, &n);
	parse_addresses(a, v, v + n, &l);
	n = l.n;
	free(l.v);
	return n == 0 ? NULL : f;
}

static void
sb_field_nstring(struct arena *a, struct sbuf *b, const struct field *f)
{
	char	*v;
	size_t	 n;

	if (f == NULL) {
		sb_str(b, "NIL");
		return;
	}
	v = unfold(a, f->val, f->vlen, &n);
	sb_string(b, v, n);
}

/* RFC 9051 7.5.2 ENVELOPE of the header h */
static void
envelope(struct arena *a, struct sbuf *b, const struct header *h)
{
	const struct field	*from = nonempty(a, header_get(h, "From"));
	const struct field	*sender = nonempty(a, header_get(h, "Sender"));
	const struct field	*reply = nonempty(a, header_get(h,
	    "Reply-To"));

	sb_str(b, "(");
	sb_field_nstring(a, b, header_get(h, "Date"));
	sb_str(b, " ");
	sb_field_nstring(a, b, header_get(h, "Subject"));
	sb_str(b, " ");
	sb_addresses(a, b, from);
	sb_str(b, " ");
	sb_addresses(a, b, sender ? sender : from);
	sb_str(b, " ");
	sb_addresses(a, b, reply ? reply : from);
	sb_str(b, " ");
	sb_addresses(a, b, header_get(h, "To"));
	sb_str(b, " ");
	sb_addresses(a, b, header_get(h, "Cc"));
	sb_str(b, " ");
	sb_addresses(a, b, header_get(h, "Bcc"));
	sb_str(b, " ");
	sb_field_nstring(a, b, header_get(h, "In-Reply-To"));
	sb_str(b, " ");
	sb_field_nstring(a, b, header_get(h, "Message-ID"));
	sb_str(b, ")");
}

/* ---- Content-Type and friends ---- */

struct param {
	char	*name;
	char	*value;
};

struct ctype {
	char		*type;		/* as written, or the default */
	char		*subtype;
	struct param	 p[MAX_PARAMS];
	size_t		 np;
};

/* token: 1*<any CHAR except SPACE, CTLs, or tspecials> */
static const char *
take_token(struct arena *a, const char *p, const char *e, char **out)
{
	const char	*s;

	p = skip_cfws(p, e);
	s = p;
	while (p < e && (unsigned char)*p > 0x20 && *p != 0x7f &&
	    strchr("()<>@,;:\\\"/[]?=", *p) == NULL)
		p++;
	*out = arena_strndup(a, s, (size_t)(p - s));
	return p;
}

static const char *
take_value(struct arena *a, const char *p, const char *e, char **out)
{
	struct sbuf	v = { 0 };
	bool		got;

	p = skip_cfws(p, e);
	if (p < e && *p == '"') {
		p = take_word(p, e, &v, &got);
		*out = sb_take(a, &v);
		free(v.s);
		return p;
	}
	free(v.s);
	/* a token, or junk up to the next ';' */
	{
		const char *s = p;

		while (p < e && *p != ';' && *p != ' ' && *p != '\t' &&
		    *p != '\r' && *p != '\n')
			p++;
		*out = arena_strndup(a, s, (size_t)(p - s));
	}
	return p;
}

/* RFC 2231 7: a plain segment joined to an extended value, %-encoded */
static void
pct_encode(struct sbuf *b, const char *s)
{
	char	hex[4];

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c > 0x20 && c < 0x7f && strchr("*'%()<>@,;:\\\"/[]?=", c) ==
		    NULL)
			sb_add(b, s, 1);
		else {
			(void)snprintf(hex, sizeof(hex), "%%%02X", c);
			sb_add(b, hex, 3);
		}
	}
}

/*
 * RFC 2231: join name*0, name*1* ... into one parameter; an extended one
 * (charset'lang'%XX) stays in that form under the name "name*".
 */
static void
join_continuations(struct arena *a, struct ctype *ct)
{
	struct param	 out[MAX_PARAMS];
	size_t		 no = 0, i, j, base;
	char		*star;
	struct sbuf	 v = { 0 };
	bool		 ext;
	int		 k;

	for (i = 0; i < ct->np; i++) {
		star = strchr(ct->p[i].name, '*');
		if (star == NULL || star[1] == '\0' || (star[1] != '0' ||
		    (star[2] != '\0' && star[2] != '*'))) {
			if (star != NULL && star[1] != '\0' && star[1] >= '1' &&
			    star[1] <= '9')
				continue;	/* taken with its *0 */
			if (no < MAX_PARAMS)
				out[no++] = ct->p[i];
			continue;
		}
		base = (size_t)(star - ct->p[i].name);
		ext = star[2] == '*';
		v.len = 0;
		sb_str(&v, ct->p[i].value);
		for (k = 1; k < MAX_PARAMS; k++) {
			char want[80], want2[96];
			bool found = false;

			(void)snprintf(want, sizeof(want), "%.*s*%d",
			    (int)base, ct->p[i].name, k);
			(void)snprintf(want2, sizeof(want2), "%s*", want);
			for (j = 0; j < ct->np; j++)
				if (strcasecmp(ct->p[j].name, want) == 0 ||
				    strcasecmp(ct->p[j].name, want2) == 0) {
					if (ext && strcasecmp(ct->p[j].name,
					    want) == 0)
						pct_encode(&v, ct->p[j].value);
					else
						sb_str(&v, ct->p[j].value);
					found = true;
					break;
				}
			if (!found)
				break;
		}
		if (no < MAX_PARAMS) {
			out[no].name = arena_printf(a, "%.*s%s", (int)base,
			    ct->p[i].name, ext ? "*" : "");
			out[no].value = sb_take(a, &v);
			no++;
		}
	}
	free(v.s);
	/* cppcheck-suppress uninitvar ; out[0..no) are set above */
	memcpy(ct->p, out, no * sizeof(out[0]));
	ct->np = no;
}

/* "type/subtype; a=b; c=\"d\"" (or a disposition: "type; params") */
static void
parse_ctype(struct arena *a, const struct field *f, bool has_subtype,
    struct ctype *ct)
{
	const char	*p, *e;
	char		*v, *name, *value;
	size_t		 n;

	memset(ct, 0, sizeof(*ct));
	if (f == NULL)
		return;
	v = unfold(a, f->val, f->vlen, &n);
	p = v;
	e = v + n;
	p = take_token(a, p, e, &ct->type);
	if (has_subtype) {
		p = skip_cfws(p, e);
		if (p < e && *p == '/') {
			p = take_token(a, p + 1, e, &ct->subtype);
		} else
			ct->subtype = arena_strndup(a, "", 0);
	}
	while (p < e) {
		p = skip_cfws(p, e);
		if (p < e && *p != ';') {
			/* junk between parameters */
			while (p < e && *p != ';')
				p++;
		}
		if (p >= e)
			break;
		p++;
		p = take_token(a, p, e, &name);
		p = skip_cfws(p, e);
		if (name[0] == '\0' || p >= e || *p != '=')
			continue;
		p = take_value(a, p + 1, e, &value);
		if (ct->np < MAX_PARAMS) {
			ct->p[ct->np].name = name;
			ct->p[ct->np].value = value;
			ct->np++;
		}
	}
	join_continuations(a, ct);
}

static const char *
ct_param(const struct ctype *ct, const char *name)
{
	size_t	i;

	for (i = 0; i < ct->np; i++)
		if (strcasecmp(ct->p[i].name, name) == 0)
			return ct->p[i].value;
	return NULL;
}

static void
sb_params(struct sbuf *b, const struct ctype *ct)
{
	size_t	i;

	if (ct->np == 0) {
		sb_str(b, "NIL");
		return;
	}
	sb_str(b, "(");
	for (i = 0; i < ct->np; i++) {
		if (i > 0)
			sb_str(b, " ");
		sb_string(b, ct->p[i].name, strlen(ct->p[i].name));
		sb_str(b, " ");
		sb_string(b, ct->p[i].value, strlen(ct->p[i].value));
	}
	sb_str(b, ")");
}

/* ---- entities ---- */

struct ent {
	uint32_t	 flags;
	uint32_t	 nchild;
	uint32_t	 next;		/* index of the next sibling, 0: none */
	uint32_t	 hdr_off;
	uint32_t	 hdr_len;
	uint32_t	 body_off;
	uint32_t	 body_len;
	uint32_t	 lines;
};

struct ctx {
	struct arena	*a;
	const char	*msg;
	size_t		 len;
	struct ent	*e;
	size_t		 n;
	size_t		 cap;
	struct sbuf	 bs;		/* BODYSTRUCTURE */
	struct sbuf	 body;		/* BODY */
	struct header	 h;
};

static uint32_t
count_lines(const char *p, size_t n)
{
	uint32_t	c = 0;
	const char	*q;

	while (n > 0 && (q = memchr(p, '\n', n)) != NULL) {
		c++;
		n -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	if (n > 0)
		c++;	/* a last line without its CRLF */
	return c;
}

/* Where the header ends (after its blank line) within [p, end). */
static const char *
header_end(const char *p, const char *end, const char **body)
{
	const char	*q = p;

	/* no header at all: the body starts at once after a blank line */
	while (q < end) {
		const char *eol = memchr(q, '\n', (size_t)(end - q));

		if (eol == NULL) {
			*body = end;
			return end;
		}
		if (eol == q || (eol == q + 1 && *q == '\r')) {
			*body = eol + 1;
			return q;
		}
		q = eol + 1;
	}
	*body = end;
	return end;
}

/*
 * Find the next boundary line "--b" at a line start in [p, end); *after
 * is the start of the line that follows it, *close whether it was the
 * closing "--b--".  Returns the start of the boundary line's preceding
 * CRLF (the part ends there, RFC 2046 5.1.1), or NULL.
 */
static const char *
next_boundary(const char *p, const char *end, const char *b, size_t bl,
    const char **after, bool *close)
{
	const char	*q = p, *eol;

	while (q < end) {
		if ((size_t)(end - q) >= bl + 2 && q[0] == '-' && q[1] == '-' &&
		    memcmp(q + 2, b, bl) == 0) {
			const char *r = q + 2 + bl;

			*close = end - r >= 2 && r[0] == '-' && r[1] == '-';
			eol = memchr(r, '\n', (size_t)(end - r));
			*after = eol ? eol + 1 : end;
			if (q > p && q[-1] == '\n') {
				q--;
				if (q > p && q[-1] == '\r')
					q--;
			}
			return q;
		}
		eol = memchr(q, '\n', (size_t)(end - q));
		if (eol == NULL)
			break;
		q = eol + 1;
	}
	return NULL;
}

static size_t
new_ent(struct ctx *c)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->e = xreallocarray(c->e, c->cap, sizeof(*c->e));
	}
	memset(&c->e[c->n], 0, sizeof(c->e[0]));
	return c->n++;
}

static const char *
lower_default(const char *v, const char *def)
{
	return v != NULL && v[0] != '\0' ? v : def;
}

static void parse_entity(struct ctx *, const char *, const char *, bool, int);

/* a bodystructure string field pair to both outputs */
static void
both_str(struct ctx *c, const char *s)
{
	sb_str(&c->bs, s);
	sb_str(&c->body, s);
}

static void
both_string(struct ctx *c, const char *s)
{
	sb_string(&c->bs, s, strlen(s));
	sb_string(&c->body, s, strlen(s));
}

static int
enc_code(const char *e)
{
	if (e == NULL || strcasecmp(e, "7bit") == 0)
		return MIME_ENC_7BIT;
	if (strcasecmp(e, "8bit") == 0)
		return MIME_ENC_8BIT;
	if (strcasecmp(e, "binary") == 0)
		return MIME_ENC_BINARY;
	if (strcasecmp(e, "base64") == 0)
		return MIME_ENC_BASE64;
	if (strcasecmp(e, "quoted-printable") == 0)
		return MIME_ENC_QP;
	return MIME_ENC_OTHER;
}

/* body-ext-1part / body-ext-mpart tail: disposition, language, location */
static void
extensions(struct ctx *c, const struct header *h)
{
	struct ctype	 disp;
	const struct field *f;
	char		*v;
	size_t		 n;

	parse_ctype(c->a, header_get(h, "Content-Disposition"), false, &disp);
	if (disp.type == NULL || disp.type[0] == '\0')
		sb_str(&c->bs, " NIL");
	else {
		sb_str(&c->bs, " (");
		sb_string(&c->bs, disp.type, strlen(disp.type));
		sb_str(&c->bs, " ");
		sb_params(&c->bs, &disp);
		sb_str(&c->bs, ")");
	}
	/* Content-Language: a list of tags */
	if ((f = header_get(h, "Content-Language")) == NULL)
		sb_str(&c->bs, " NIL");
	else {
		char *tok, *save;
		size_t k = 0;

		v = unfold(c->a, f->val, f->vlen, &n);
		sb_str(&c->bs, " (");
		for (tok = strtok_r(v, " \t,", &save); tok != NULL;
		    tok = strtok_r(NULL, " \t,", &save)) {
			if (k++ > 0)
				sb_str(&c->bs, " ");
			sb_string(&c->bs, tok, strlen(tok));
		}
		if (k == 0)
			sb_str(&c->bs, "NIL");
		sb_str(&c->bs, ")");
		if (k == 0) {
			/* "()" is not valid: replace with NIL */
			c->bs.len -= 5;
			sb_str(&c->bs, "NIL");
		}
	}
	f = header_get(h, "Content-Location");
	sb_str(&c->bs, " ");
	sb_field_nstring(c->a, &c->bs, f);
}

/*
 * Parse the entity [p, end): header, body, and recursively its parts.
 * digest: the default type is message/rfc822 (multipart/digest, RFC 2046
 * 5.1.5).  Appends its BODY/BODYSTRUCTURE and its table entries.
 */
static void
parse_entity(struct ctx *c, const char *p, const char *end, bool digest,
    int depth)
{
	struct header	 h = { 0 };
	struct ctype	 ct;
	const char	*hend, *body, *q, *after, *partend;
	const char	*enc;
	size_t		 idx, bl, n, child, last = 0;
	bool		 close, multipart, message;
	char		*encv = NULL;
	const struct field *fe;
	uint32_t	 sz;

	idx = new_ent(c);
	hend = header_end(p, end, &body);
	c->e[idx].hdr_off = (uint32_t)(p - c->msg);
	c->e[idx].hdr_len = (uint32_t)(body - p);
	c->e[idx].body_off = (uint32_t)(body - c->msg);
	c->e[idx].body_len = (uint32_t)(end - body);
	c->e[idx].lines = count_lines(body, (size_t)(end - body));
	(void)hend;
	header_split(p, body, &h);
	parse_ctype(c->a, header_get(&h, "Content-Type"), true, &ct);
	if (ct.type == NULL || ct.type[0] == '\0' || ct.subtype == NULL ||
	    ct.subtype[0] == '\0') {
		/* absent or unusable: the default (RFC 2045 5.2) */
		ct.type = digest ? "message" : "text";
		ct.subtype = digest ? "rfc822" : "plain";
		if (!digest && ct_param(&ct, "charset") == NULL &&
		    ct.np < MAX_PARAMS) {
			ct.p[ct.np].name = "charset";
			ct.p[ct.np].value = "us-ascii";
			ct.np++;
		}
	}
	if ((fe = header_get(&h, "Content-Transfer-Encoding")) != NULL) {
		encv = unfold(c->a, fe->val, fe->vlen, &n);
		if (n == 0)
			encv = NULL;
	}
	enc = lower_default(encv, "7bit");
	multipart = strcasecmp(ct.type, "multipart") == 0 &&
	    ct_param(&ct, "boundary") != NULL && depth < MIME_MAX_DEPTH &&
	    c->n < MIME_MAX_PARTS;
	message = strcasecmp(ct.type, "message") == 0 &&
	    (strcasecmp(ct.subtype, "rfc822") == 0 ||
	    strcasecmp(ct.subtype, "global") == 0) &&
	    enc_code(enc) <= MIME_ENC_BINARY && depth < MIME_MAX_DEPTH &&
	    c->n < MIME_MAX_PARTS;
	c->e[idx].flags = (uint32_t)enc_code(enc) << 8 |
	    (multipart ? MIME_MULTIPART : 0) | (message ? MIME_MESSAGE : 0) |
	    (strcasecmp(ct.type, "text") == 0 ? MIME_TEXT : 0);
	if (multipart) {
		const char *b = ct_param(&ct, "boundary");
		bool dig = strcasecmp(ct.subtype, "digest") == 0;

		bl = strlen(b);
		both_str(c, "(");
		q = next_boundary(body, end, b, bl, &after, &close);
		if (q == NULL) {
			/*
			 * The boundary never occurs: all is preamble, which
			 * RFC 2046 5.1.1 ignores; one empty part remains.
			 */
			parse_entity(c, end, end, false, depth + 1);
			c->e[idx].nchild = 1;
		} else {
			while (!close && after < end) {
				partend = next_boundary(after, end, b, bl, &q,
				    &close);
				if (partend == NULL) {
					/* missing closing boundary */
					partend = end;
					q = end;
					close = true;
				}
				child = c->n;
				if (last != 0)
					c->e[last].next = (uint32_t)child;
				last = child;
				parse_entity(c, after, partend, dig, depth + 1);
				c->e[idx].nchild++;
				after = q;
				if (c->n >= MIME_MAX_PARTS)
					break;
			}
			if (c->e[idx].nchild == 0) {
				/* boundaries but no part: an empty one */
				parse_entity(c, end, end, false, depth + 1);
				c->e[idx].nchild = 1;
			}
		}
		both_str(c, " ");
		both_string(c, ct.subtype);
		sb_str(&c->bs, " ");
		sb_params(&c->bs, &ct);
		extensions(c, &h);
		both_str(c, ")");
		free(h.f);
		return;
	}
	/* basic, text or message: body-type-1part */
	both_str(c, "(");
	both_string(c, ct.type);
	both_str(c, " ");
	both_string(c, ct.subtype);
	both_str(c, " ");
	sb_params(&c->bs, &ct);
	sb_params(&c->body, &ct);
	both_str(c, " ");
	sb_field_nstring(c->a, &c->bs, header_get(&h, "Content-ID"));
	sb_field_nstring(c->a, &c->body, header_get(&h, "Content-ID"));
	both_str(c, " ");
	sb_field_nstring(c->a, &c->bs, header_get(&h, "Content-Description"));
	sb_field_nstring(c->a, &c->body, header_get(&h,
	    "Content-Description"));
	both_str(c, " ");
	both_string(c, enc);
	sz = c->e[idx].body_len;
	{
		char num[32];

		(void)snprintf(num, sizeof(num), " %u", sz);
		both_str(c, num);
	}
	if (message) {
		struct header	 eh = { 0 };
		const char	*eb;

		(void)header_end(body, end, &eb);
		header_split(body, eb, &eh);
		both_str(c, " ");
		envelope(c->a, &c->bs, &eh);
		envelope(c->a, &c->body, &eh);
		free(eh.f);
		both_str(c, " ");
		parse_entity(c, body, end, false, depth + 1);
		c->e[idx].nchild = 1;
	}
	else if (strcasecmp(ct.type, "message") == 0 &&
	    (strcasecmp(ct.subtype, "rfc822") == 0 ||
	    strcasecmp(ct.subtype, "global") == 0)) {
		/*
		 * Encoded, or too deep to open: the grammar still wants an
		 * envelope, a body and lines (RFC 9051 7.5.2).
		 */
		both_str(c, " (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
		    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		    "\"7bit\" 0 0");
		sb_str(&c->bs, " NIL NIL NIL NIL");
		both_str(c, ")");
		message = true;	/* for the line count below */
	}
	if (message || strcasecmp(ct.type, "text") == 0) {
		char num[32];

		(void)snprintf(num, sizeof(num), " %u", c->e[idx].lines);
		both_str(c, num);
	}
	/* body-ext-1part: md5 disposition language location */
	sb_str(&c->bs, " ");
	sb_field_nstring(c->a, &c->bs, header_get(&h, "Content-MD5"));
	extensions(c, &h);
	both_str(c, ")");
	free(h.f);
}

/*
 * Parse a whole message.  The strings and the entity table are malloc'ed
 * into out (free with mime_info_free).
 */
void
mime_parse(const char *msg, size_t len, struct mime_info *out)
{
	struct ctx	c;
	struct arena	a = { 0 };
	struct sbuf	env = { 0 };
	struct header	h = { 0 };
	const char	*body;

	memset(&c, 0, sizeof(c));
	memset(out, 0, sizeof(*out));
	c.a = &a;
	c.msg = msg;
	c.len = len;
	parse_entity(&c, msg, msg + len, false, 0);
	(void)header_end(msg, msg + len, &body);
	header_split(msg, body, &h);
	envelope(&a, &env, &h);
	free(h.f);
	out->envelope = env.s;
	out->bodystructure = c.bs.s;
	out->body = c.body.s;
	out->header_len = c.e[0].hdr_len;
	out->nparts = c.n;
	out->parts = xreallocarray(NULL, c.n, MIME_ENT_SIZE);
	{
		size_t	i;
		unsigned char *d = out->parts;

		for (i = 0; i < c.n; i++) {
			uint32_t v[8] = { c.e[i].flags, c.e[i].nchild,
			    c.e[i].next, c.e[i].hdr_off, c.e[i].hdr_len,
			    c.e[i].body_off, c.e[i].body_len, c.e[i].lines };
			int k;

			for (k = 0; k < 8; k++) {
				d[4 * k] = (unsigned char)v[k];
				d[4 * k + 1] = (unsigned char)(v[k] >> 8);
				d[4 * k + 2] = (unsigned char)(v[k] >> 16);
				d[4 * k + 3] = (unsigned char)(v[k] >> 24);
			}
			d += MIME_ENT_SIZE;
		}
	}
	free(c.e);
	arena_free(&a);
}

void
mime_info_free(struct mime_info *m)
{
	free(m->envelope);
	free(m->bodystructure);
	free(m->body);
	free(m->parts);
	memset(m, 0, sizeof(*m));
}

/* Entity i of a stored table (nparts entries); -1 if out of range. */
int
mime_ent(const void *parts, size_t nparts, size_t i, struct mime_ent *e)
{
	const unsigned char	*d = parts;
	uint32_t		 v[8];
	int			 k;

	if (i >= nparts)
		return -1;
	d += i * MIME_ENT_SIZE;
	for (k = 0; k < 8; k++)
		v[k] = (uint32_t)d[4 * k] | (uint32_t)d[4 * k + 1] << 8 |
		    (uint32_t)d[4 * k + 2] << 16 | (uint32_t)d[4 * k + 3] << 24;
	e->flags = v[0];
	e->nchild = v[1];
	e->next = v[2];
	e->hdr_off = v[3];
	e->hdr_len = v[4];
	e->body_off = v[5];
	e->body_len = v[6];
	e->lines = v[7];
	return 0;
}

/* ---- text for search and keys for sort (RFC 5256, RFC 5957) ---- */

/*
 * RFC 5256 2.1: the base subject of a decoded subject, folded for the
 * i;unicode-casemap comparison.
 */
void
base_subject(struct sbuf *out, const char *s, size_t n)
{
	struct sbuf	 t = { 0 };
	char		*p, *e, *q;
	bool		 changed;
	size_t		 i;

	/* (1) white space runs become one space */
	for (i = 0; i < n; i++) {
		char c = s[i] == '\t' || s[i] == '\r' || s[i] == '\n' ? ' ' :
		    s[i];

		if (c == ' ' && (t.len == 0 || t.s[t.len - 1] == ' '))
			continue;
		sb_add(&t, &c, 1);
	}
	sb_add(&t, "", 0);
	p = t.s;
	e = p + t.len;
	for (;;) {
		/* (2) trailing "(fwd)" and white space */
		do {
			changed = false;
			while (e > p && e[-1] == ' ')
				e--;
			if (e - p >= 5 && strncasecmp(e - 5, "(fwd)", 5) == 0) {
				e -= 5;
				changed = true;
			}
		} while (changed);
		/* (3), (4), (5): leaders "re:", "fw:", "fwd:", "[blob]" */
		do {
			changed = false;
			while (p < e && *p == ' ')
				p++;
			q = p;
			while (q < e && *q == '[') {
				char *c = memchr(q, ']', (size_t)(e - q));

				if (c == NULL || memchr(q + 1, '[',
				    (size_t)(c - q - 1)) != NULL)
					break;
				q = c + 1;
				while (q < e && *q == ' ')
					q++;
			}
			if (e - q >= 2 && strncasecmp(q, "re", 2) == 0)
				q += 2;
			else if (e - q >= 3 && strncasecmp(q, "fwd", 3) == 0)
				q += 3;
			else if (e - q >= 2 && strncasecmp(q, "fw", 2) == 0)
				q += 2;
			else
				q = NULL;
			if (q != NULL) {
				while (q < e && *q == ' ')
					q++;
				if (q < e && *q == '[') {
					char *c = memchr(q, ']', (size_t)(e -
					    q));

					if (c != NULL && memchr(q + 1, '[',
					    (size_t)(c - q - 1)) == NULL)
						q = c + 1;
					while (q < e && *q == ' ')
						q++;
				}
				if (q < e && *q == ':') {
					p = q + 1;
					changed = true;
					continue;
				}
			}
			/* (4) a leading blob, if something is left after it */
			if (p < e && *p == '[') {
				char *c = memchr(p, ']', (size_t)(e - p));

				if (c != NULL && memchr(p + 1, '[',
				    (size_t)(c - p - 1)) == NULL) {
					q = c + 1;
					while (q < e && *q == ' ')
						q++;
					if (q < e) {
						p = q;
						changed = true;
					}
				}
			}
		} while (changed);
		/* (6) "[fwd: ...]" */
		if (e - p >= 6 && strncasecmp(p, "[fwd:", 5) == 0 &&
		    e[-1] == ']') {
			p += 5;
			e--;
			continue;
		}
		break;
	}
	utf8_fold(out, p, (size_t)(e - p));
	sb_add(out, "", 0);
	sb_free(&t);
}

static void
decoded_field(struct arena *a, struct sbuf *out, const struct field *f)
{
	char	*v;
	size_t	 n;

	if (f == NULL)
		return;
	v = unfold(a, f->val, f->vlen, &n);
	rfc2047_decode(out, v, n);
}

/* All fields of a header, decoded, as "Name: value\n" lines. */
static void
decoded_header(struct arena *a, struct sbuf *out, const char *p,
    const char *end)
{
	struct header	h = { 0 };
	size_t		i;

	header_split(p, end, &h);
	for (i = 0; i < h.n; i++) {
		sb_add(out, h.f[i].name, h.f[i].nlen);
		sb_add(out, ": ", 2);
		decoded_field(a, out, &h.f[i]);
		sb_add(out, "\n", 1);
	}
	free(h.f);
}

/* Sort keys of the first address: its mailbox, and its display form. */
static void
first_address(struct arena *a, const struct field *f, struct sbuf *mbox,
    struct sbuf *display)
{
	struct addrlist	 l = { 0 };
	struct sbuf	 name = { 0 };
	size_t		 i, n;
	char		*v;

	if (f == NULL)
		return;
	v = unfold(a, f->val, f->vlen, &n);
	parse_addresses(a, v, v + n, &l);
	for (i = 0; i < l.n; i++) {
		struct addr *ad = &l.v[i];

		if (ad->group_end || ad->host == NULL)
			continue;
		utf8_fold(mbox, ad->mailbox, strlen(ad->mailbox));
		if (display != NULL) {
			if (ad->name != NULL && ad->name[0] != '\0') {
				rfc2047_decode(&name, ad->name,
				    strlen(ad->name));
				utf8_fold(display, name.s, name.len);
			} else {
				struct sbuf spec = { 0 };

				sb_str(&spec, ad->mailbox);
				if (ad->host[0] != '\0') {
					sb_str(&spec, "@");
					sb_str(&spec, ad->host);
				}
				utf8_fold(display, spec.s, spec.len);
				sb_free(&spec);
			}
		}
		break;
	}
	sb_free(&name);
	free(l.v);
}

/* The Content-Type of entity e: its charset and whether it is HTML. */
static void
text_type(struct arena *a, const char *msg, const struct mime_ent *e,
    char **charset, bool *html)
{
	struct header	 h = { 0 };
	struct ctype	 ct;
	const char	*cs;

	header_split(msg + e->hdr_off, msg + e->hdr_off + e->hdr_len, &h);
	parse_ctype(a, header_get(&h, "Content-Type"), true, &ct);
	free(h.f);
	cs = ct_param(&ct, "charset");
	*charset = cs ? arena_strndup(a, cs, strlen(cs)) : NULL;
	*html = ct.subtype != NULL && strcasecmp(ct.subtype, "html") == 0;
}

/*
 * What SEARCH looks at and SORT/THREAD order by, from a parsed message:
 * decoded header fields (the message's own in hdr, its parts' in
 * mimehdr: TEXT covers MIME headers too),
 * the text of every text part decoded to UTF-8, and the sort keys.
 */
void
mime_doc(const char *msg, size_t len, const struct mime_info *mi,
    struct search_doc *d)
{
	struct arena	 a = { 0 };
	struct header	 h = { 0 };
	struct mime_ent	 e;
	struct sbuf	 raw = { 0 }, txt = { 0 };
	const struct field *f;
	char		*v, *cs;
	size_t		 i, n;
	bool		 html;

	memset(d, 0, sizeof(*d));
	if (mi->nparts == 0 || mime_ent(mi->parts, mi->nparts, 0, &e) == -1)
		return;
	header_split(msg, msg + e.hdr_len, &h);
	decoded_field(&a, &d->subject, header_get(&h, "Subject"));
	decoded_field(&a, &d->from, header_get(&h, "From"));
	decoded_field(&a, &d->to, header_get(&h, "To"));
	decoded_field(&a, &d->cc, header_get(&h, "Cc"));
	decoded_field(&a, &d->bcc, header_get(&h, "Bcc"));
	if ((f = header_get(&h, "Date")) != NULL) {
		v = unfold(&a, f->val, f->vlen, &n);
		d->has_date = datetime_parse_rfc5322(v, &d->sentdate,
		    &d->senttz) == 0;
	}
	base_subject(&d->sort_subject, d->subject.s ? d->subject.s : "",
	    d->subject.len);
	first_address(&a, header_get(&h, "From"), &d->sort_from,
	    &d->display_from);
	first_address(&a, header_get(&h, "To"), &d->sort_to, &d->display_to);
	first_address(&a, header_get(&h, "Cc"), &d->sort_cc, NULL);
	if ((f = header_get(&h, "Message-ID")) != NULL) {
		v = unfold(&a, f->val, f->vlen, &n);
		sb_add(&d->message_id, v, n);
	}
	if ((f = header_get(&h, "In-Reply-To")) != NULL) {
		v = unfold(&a, f->val, f->vlen, &n);
		sb_add(&d->in_reply_to, v, n);
	}
	if ((f = header_get(&h, "References")) != NULL) {
		v = unfold(&a, f->val, f->vlen, &n);
		sb_add(&d->refs, v, n);
	}
	free(h.f);
	for (i = 0; i < mi->nparts; i++) {
		if (mime_ent(mi->parts, mi->nparts, i, &e) == -1 ||
		    (size_t)e.hdr_off + e.hdr_len > len ||
		    (size_t)e.body_off + e.body_len > len)
			break;
		decoded_header(&a, i == 0 ? &d->hdr : &d->mimehdr,
		    msg + e.hdr_off, msg + e.hdr_off + e.hdr_len);
		if (!(e.flags & MIME_TEXT) || (e.flags & (MIME_MULTIPART |
		    MIME_MESSAGE)))
			continue;
		text_type(&a, msg, &e, &cs, &html);
		raw.len = 0;
		if (transfer_decode(&raw, msg + e.body_off, e.body_len,
		    (int)(e.flags >> 8 & 0xf)) == -1)
			sb_add(&raw, msg + e.body_off, e.body_len);
		txt.len = 0;
		charset_to_utf8(&txt, cs, raw.s ? raw.s : "", raw.len);
		if (html)
			html_to_text(&d->body, txt.s ? txt.s : "", txt.len);
		else
			sb_add(&d->body, txt.s ? txt.s : "", txt.len);
		sb_add(&d->body, "\n", 1);
		arena_reset(&a);
	}
	sb_add(&d->body, "", 0);
	sb_add(&d->hdr, "", 0);
	sb_add(&d->mimehdr, "", 0);
	sb_free(&raw);
	sb_free(&txt);
	arena_free(&a);
}

void
mime_doc_free(struct search_doc *d)
{
	struct sbuf	*all[] = { &d->subject, &d->from, &d->to, &d->cc,
	    &d->bcc, &d->hdr, &d->mimehdr, &d->body, &d->sort_subject, &d->sort_from,
	    &d->sort_to, &d->sort_cc, &d->display_from, &d->display_to,
	    &d->message_id, &d->in_reply_to, &d->refs };
	size_t		 i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sb_free(all[i]);
}
