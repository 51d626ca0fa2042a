/*
 * cmd_fetch.c: FETCH and UID FETCH (RFC 9051 6.4.5, RFC 3516 BINARY,
 * RFC 8514 SAVEDATE), and message sets: sequence sets and UID sets
 * turned into the UID ranges the client knows.
 *
 * Everything but header field filtering and BINARY decoding is sent as
 * stored: ENVELOPE and BODYSTRUCTURE come ready from delivery, message
 * bytes go from the SQLite blob straight into the output buffer.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"

#define MAX_PATH	32	/* section part depth */
#define MAX_ATTS	64
#define MAX_FIELDS	64
#define CHUNK		65536

enum fa_type {
	FA_ENVELOPE, FA_FLAGS, FA_INTERNALDATE, FA_RFC822, FA_RFC822_HEADER,
	FA_RFC822_TEXT, FA_RFC822_SIZE, FA_BODY, FA_BODYSTRUCTURE, FA_UID,
	FA_SECTION, FA_BINARY, FA_BINARY_SIZE, FA_SAVEDATE, FA_MODSEQ
};

enum sec_text { SEC_NONE, SEC_HEADER, SEC_FIELDS, SEC_FIELDS_NOT, SEC_TEXT,
	SEC_MIME };

struct fatt {
	enum fa_type	 type;
	bool		 peek;
	uint32_t	 path[MAX_PATH];
	int		 npath;
	enum sec_text	 text;
	char		**fields;
	bool		*fquoted;	/* sent quoted or as a literal */
	int		 nfields;
	bool		 partial;
	uint32_t	 origin;
	uint32_t	 count;
	char		*label;		/* "BODY[1.MIME]" as sent back */
};

struct fctx {
	struct session	*s;
	struct fatt	 a[MAX_ATTS];
	int		 n;
	bool		 full;		/* needs the parsed structure */
	bool		 sets_seen;
	bool		 want_flags;
	bool		 want_uid;
	uint64_t	 seen_modseq;	/* MODSEQ of our \Seen change, or 0 */
	uint64_t	 changedsince;	/* RFC 7162 CHANGEDSINCE, 0: none */
	bool		 want_modseq;
	uint32_t	 found;
	int		 err;		/* -1 output, -2 database */
	struct arena	 scratch;	/* per message, reset after each */
	unsigned char	*buf;		/* CHUNK bytes for blob reads */
};

/* ---- message sets ---- */

/*
 * The UID ranges (sorted, merged) of the messages the client knows that
 * set names: a sequence set, or a UID set (uid).  "$" is the saved
 * search result (RFC 5182), empty until SEARCH SAVE exists.
 */
void
msgset_uids(struct session *s, const struct seqset *set, bool uid,
    struct uidmap *out)
{
	const struct uidmap	*m = &s->sel.map;
	struct uidmap		 tmp;
	uint32_t		 lo, hi, t, max, a, b;
	size_t			 i, j;

	out->n = out->count = 0;
	if (set->saved) {
		/* RFC 5182: "$" is the saved result, less what is gone */
		struct uidmap gone;

		memset(&gone, 0, sizeof(gone));
		uidmap_diff(&s->sel.saved, m, &gone);
		uidmap_diff(&s->sel.saved, &gone, out);
		uidmap_free(&gone);
		return;
	}
	if (m->count == 0)
		return;
	memset(&tmp, 0, sizeof(tmp));
	max = uid ? uidmap_last(m) : m->count;
	for (i = 0; i < set->n; i++) {
		lo = set->r[i].lo == SEQ_STAR ? max : set->r[i].lo;
		hi = set->r[i].hi == SEQ_STAR ? max : set->r[i].hi;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (!uid) {
			if (lo > m->count)
				continue;
			if (hi > m->count)
				hi = m->count;
			lo = uidmap_uid(m, lo);
			hi = uidmap_uid(m, hi);
		}
		/* intersect lo..hi with the known UIDs */
		for (j = 0; j < m->n; j++) {
			a = m->r[j].lo > lo ? m->r[j].lo : lo;
			b = m->r[j].hi < hi ? m->r[j].hi : hi;
			if (a > b)
				continue;
			if (tmp.n > 0 && (uint64_t)a <= (uint64_t)
			    uidmap_last(&tmp) + 1) {
				/* overlaps what we have: merge */
				if (b > tmp.r[tmp.n - 1].hi) {
					tmp.count += b - tmp.r[tmp.n - 1].hi;
					tmp.r[tmp.n - 1].hi = b;
				}
				if (a < tmp.r[tmp.n - 1].lo) {
					/* out of order: rebuild below */
					uidmap_free(&tmp);
					memset(&tmp, 0, sizeof(tmp));
					goto slow;
				}
			} else if (tmp.n > 0 && a < tmp.r[tmp.n - 1].lo) {
				uidmap_free(&tmp);
				memset(&tmp, 0, sizeof(tmp));
				goto slow;
			} else
				uidmap_append(&tmp, a, b);
		}
	}
	uidmap_copy(out, &tmp);
	uidmap_free(&tmp);
	return;
slow:
	/* ranges given out of order (e.g. "5,1"): mark each known UID */
	{
		uint32_t	n;

		for (n = 1; n <= m->count; n++) {
			uint32_t u = uidmap_uid(m, n);
			bool in = false;

			for (i = 0; i < set->n && !in; i++) {
				lo = set->r[i].lo == SEQ_STAR ? max :
				    set->r[i].lo;
				hi = set->r[i].hi == SEQ_STAR ? max :
				    set->r[i].hi;
				if (lo > hi) {
					t = lo;
					lo = hi;
					hi = t;
				}
				in = uid ? u >= lo && u <= hi : n >= lo &&
				    n <= hi;
			}
			if (in)
				uidmap_append(out, u, u);
		}
	}
}

/*
 * RFC 9051 9 (seq-number): a sequence number beyond EXISTS, or "*" in an
 * empty mailbox, is a client error.  UID sets may name anything.
 */
bool
msgset_valid(struct session *s, const struct seqset *set)
{
	uint32_t	n = s->sel.map.count;
	size_t		i;

	if (s->uid || set->saved)
		return true;
	for (i = 0; i < set->n; i++)
		if ((set->r[i].lo == SEQ_STAR || set->r[i].hi == SEQ_STAR) ?
		    n == 0 : set->r[i].lo > n || set->r[i].hi > n)
			return false;
	return true;
}

/* ---- flags ---- */

/* "(\Seen kw ...)" */
int
resp_add_flags(struct session *s, unsigned flags, const char *kw, bool recent)
{
	char	buf[FLAGS_FMT_MAX];

	return io_write(&s->io, buf, flags_fmt(buf, flags, kw, recent));
}

/*
 * "(\Seen kw)" into buf (FLAGS_FMT_MAX bytes, not NUL-terminated): its
 * length.
 */
size_t
flags_fmt(char *buf, unsigned flags, const char *kw, bool recent)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} sys[] = {
		{ F_SEEN, "\\Seen" }, { F_ANSWERED, "\\Answered" },
		{ F_FLAGGED, "\\Flagged" }, { F_DELETED, "\\Deleted" },
		{ F_DRAFT, "\\Draft" },
	};
	size_t	i, n = 0, l;

	buf[n++] = '(';
	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		if (flags & sys[i].bit) {
			if (n > 1)
				buf[n++] = ' ';
			l = strlen(sys[i].name);
			memcpy(buf + n, sys[i].name, l);
			n += l;
		}
	if (recent) {
		if (n > 1)
			buf[n++] = ' ';
		/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): counted */
		memcpy(buf + n, "\\Recent", 7);
		n += 7;
	}
	while (*kw == ' ')
		kw++;
	l = strlen(kw);
	if (l > 0) {
		if (l > FLAGS_FMT_MAX - n - 3)	/* never: KEYWORDS_MAX */
			l = FLAGS_FMT_MAX - n - 3;
		if (n > 1)
			buf[n++] = ' ';
		memcpy(buf + n, kw, l);
		n += l;
	}
	while (n > 1 && buf[n - 1] == ' ')
		n--;
	buf[n++] = ')';
	return n;
}

/* "1:3,5": a set of numbers (UIDs or sequence numbers), ascending */
int
resp_add_uidset(struct session *s, const struct uidmap *m)
{
	size_t	i;

	for (i = 0; i < m->n; i++) {
		if (i > 0 && io_write(&s->io, ",", 1) == -1)
			return -1;
		if (m->r[i].lo == m->r[i].hi ? resp_add(s, "%u", m->r[i].lo) ==
		    -1 : resp_add(s, "%u:%u", m->r[i].lo, m->r[i].hi) == -1)
			return -1;
	}
	return 0;
}

/* ---- parsing fetch attributes ---- */

static int
take_name(struct parser *p, char *buf, size_t len)
{
	size_t	n = 0;
	int	c;

	while ((c = parse_peek(p)) != -1 && (isalnum(c) || c == '.' ||
	    c == '-')) {
		if (n + 1 >= len)
			return parse_fail(p, "unknown fetch attribute");
		buf[n++] = (char)toupper(c);
		p->p++;
	}
	buf[n] = '\0';
	if (n == 0)
		return parse_fail(p, "expected a fetch attribute");
	return 0;
}

/*
 * The section as echoed in the response, rebuilt from what was parsed:
 * never the client's bytes (a field name sent as a literal must not come
 * back as one, RFC 7888).
 */
static char *
section_label(struct session *s, const struct fatt *a)
{
	static const char *const texts[] = { "", "HEADER", "HEADER.FIELDS",
	    "HEADER.FIELDS.NOT", "TEXT", "MIME" };
	struct sbuf	 b = { 0 };
	char		 num[16], *out;
	int		 i;
	size_t		 k;

	sb_str(&b, "[");
	for (i = 0; i < a->npath; i++) {
		(void)snprintf(num, sizeof(num), "%s%u", i ? "." : "",
		    a->path[i]);
		sb_str(&b, num);
	}
	if (a->text != SEC_NONE) {
		if (a->npath > 0)
			sb_str(&b, ".");
		sb_str(&b, texts[a->text]);
	}
	if (a->text == SEC_FIELDS || a->text == SEC_FIELDS_NOT) {
		sb_str(&b, " (");
		for (i = 0; i < a->nfields; i++) {
			const char *fl = a->fields[i];
			bool atom = fl[0] != '\0' && !a->fquoted[i];

			for (k = 0; fl[k] != '\0'; k++)
				if ((unsigned char)fl[k] <= 0x20 ||
				    (unsigned char)fl[k] >= 0x7f ||
				    strchr("(){%*\"\\]", fl[k]) != NULL)
					atom = false;
			if (i > 0)
				sb_str(&b, " ");
			if (atom)
				sb_str(&b, fl);
			else {
				sb_str(&b, "\"");
				for (k = 0; fl[k] != '\0'; k++) {
					if (fl[k] == '"' || fl[k] == '\\')
						sb_add(&b, "\\", 1);
					if (fl[k] != '\r' && fl[k] != '\n')
						sb_add(&b, &fl[k], 1);
				}
				sb_str(&b, "\"");
			}
		}
		sb_str(&b, ")");
	}
	sb_str(&b, "]");
	out = arena_strndup(&s->arena, b.s, b.len);
	sb_free(&b);
	return out;
}

/* section-part ["." section-text] inside [], for BODY and BINARY */
static int
parse_section(struct session *s, struct parser *p, struct fatt *a,
    bool binary)
{
	char		 w[32];
	struct str	 f;
	uint32_t	 n;
	const unsigned char *start = p->p;

	if (parse_char(p, '[') == -1)
		return -1;
	while (parse_peek(p) >= '1' && parse_peek(p) <= '9') {
		if (a->npath == MAX_PATH)
			return parse_fail(p, "section too deep");
		if (parse_nz_number(p, &n) == -1)
			return -1;
		a->path[a->npath++] = n;
		if (parse_peek(p) != '.')
			break;
		p->p++;
	}
	if (parse_peek(p) != ']') {
		if (binary)
			return parse_fail(p, "invalid BINARY section");
		if (take_name(p, w, sizeof(w)) == -1)
			return -1;
		if (strcmp(w, "HEADER") == 0)
			a->text = SEC_HEADER;
		else if (strcmp(w, "TEXT") == 0)
			a->text = SEC_TEXT;
		else if (strcmp(w, "MIME") == 0 && a->npath > 0)
			a->text = SEC_MIME;
		else if (strcmp(w, "HEADER.FIELDS") == 0 ||
		    strcmp(w, "HEADER.FIELDS.NOT") == 0) {
			a->text = w[13] ? SEC_FIELDS_NOT : SEC_FIELDS;
			if (parse_sp(p) == -1 || parse_list_open(p) == -1)
				return -1;
			a->fields = arena_alloc(&s->arena, MAX_FIELDS *
			    sizeof(*a->fields));
			a->fquoted = arena_alloc(&s->arena, MAX_FIELDS *
			    sizeof(*a->fquoted));
			do {
				if (a->nfields > 0 && parse_sp(p) == -1)
					return -1;
				if (a->nfields == MAX_FIELDS)
					return parse_fail(p, "too many header "
					    "fields");
				a->fquoted[a->nfields] = parse_peek(p) == '"' ||
				    parse_peek(p) == '{';
				if (parse_astring(p, &f) == -1)
					return -1;
				a->fields[a->nfields++] = f.s;
			} while (parse_peek(p) == ' ');
			if (parse_list_close(p) == -1)
				return -1;
		} else
			return parse_fail(p, "invalid section");
	} else if (a->npath > 0 && p->p[-1] == '.')
		return parse_fail(p, "invalid section");
	if (parse_char(p, ']') == -1)
		return -1;
	(void)start;
	a->label = section_label(s, a);
	if (parse_peek(p) == '<') {
		p->p++;
		if (parse_number(p, &a->origin) == -1 || parse_char(p, '.') ==
		    -1 || parse_nz_number(p, &a->count) == -1 ||
		    parse_char(p, '>') == -1)
			return parse_fail(p, "invalid partial");
		a->partial = true;
	}
	return 0;
}

static int
parse_att(struct fctx *c, struct parser *p)
{
	static const struct {
		const char	*name;
		enum fa_type	 type;
	} simple[] = {
		{ "ENVELOPE", FA_ENVELOPE }, { "FLAGS", FA_FLAGS },
		{ "INTERNALDATE", FA_INTERNALDATE }, { "RFC822", FA_RFC822 },
		{ "RFC822.HEADER", FA_RFC822_HEADER },
		{ "RFC822.TEXT", FA_RFC822_TEXT },
		{ "RFC822.SIZE", FA_RFC822_SIZE }, { "BODY", FA_BODY },
		{ "BODYSTRUCTURE", FA_BODYSTRUCTURE }, { "UID", FA_UID },
		{ "SAVEDATE", FA_SAVEDATE }, { "MODSEQ", FA_MODSEQ },
	};
	struct fatt	*a;
	char		 w[32];
	size_t		 i;

	if (c->n == MAX_ATTS)
		return parse_fail(p, "too many fetch attributes");
	a = &c->a[c->n++];
	memset(a, 0, sizeof(*a));
	if (take_name(p, w, sizeof(w)) == -1)
		return -1;
	if (parse_peek(p) == '[') {
		if (strcmp(w, "BODY") == 0 || strcmp(w, "BODY.PEEK") == 0) {
			a->type = FA_SECTION;
			a->peek = strcmp(w, "BODY.PEEK") == 0;
		} else if (strcmp(w, "BINARY") == 0 ||
		    strcmp(w, "BINARY.PEEK") == 0) {
			a->type = FA_BINARY;
			a->peek = strcmp(w, "BINARY.PEEK") == 0;
		} else if (strcmp(w, "BINARY.SIZE") == 0)
			a->type = FA_BINARY_SIZE;
		else
			return parse_fail(p, "unknown fetch attribute");
		if (parse_section(c->s, p, a, a->type != FA_SECTION) == -1)
			return -1;
		if (a->type == FA_BINARY_SIZE && a->partial)
			return parse_fail(p, "BINARY.SIZE takes no partial");
		if (!a->peek && a->type != FA_BINARY_SIZE)
			c->sets_seen = true;
		c->full = true;
		return 0;
	}
	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (strcmp(w, simple[i].name) == 0)
			break;
	if (i == sizeof(simple) / sizeof(simple[0]))
		return parse_fail(p, "unknown fetch attribute");
	a->type = simple[i].type;
	switch (a->type) {
	case FA_RFC822:
	case FA_RFC822_TEXT:
		c->sets_seen = true;
		/* FALLTHROUGH */
	case FA_RFC822_HEADER:
	case FA_ENVELOPE:
	case FA_BODY:
	case FA_BODYSTRUCTURE:
		c->full = true;
		break;
	case FA_FLAGS:
		c->want_flags = true;
		break;
	case FA_UID:
		c->want_uid = true;
		break;
	case FA_MODSEQ:
		c->want_modseq = true;
		c->s->enabled |= EN_CONDSTORE;	/* RFC 7162 3.1 */
		break;
	default:
		break;
	}
	return 0;
}

/* What of the messages row the attributes need (store_fetch). */
static int
row_level(const struct fctx *c)
{
	int	i;

	if (c->full)
		return ROW_LEVEL_FULL;
	for (i = 0; i < c->n; i++)
		if (c->a[i].type != FA_FLAGS && c->a[i].type != FA_UID &&
		    c->a[i].type != FA_MODSEQ)
			return ROW_LEVEL_LIGHT;
	return ROW_LEVEL_FLAGS;
}

static void
add_macro(struct fctx *c, const char *m)
{
	static const enum fa_type fast[] = { FA_FLAGS, FA_INTERNALDATE,
	    FA_RFC822_SIZE };
	size_t	i;

	for (i = 0; i < 3; i++) {
		memset(&c->a[c->n], 0, sizeof(c->a[0]));
		c->a[c->n++].type = fast[i];
	}
	c->want_flags = true;
	if (strcmp(m, "FAST") == 0)
		return;
	memset(&c->a[c->n], 0, sizeof(c->a[0]));
	c->a[c->n++].type = FA_ENVELOPE;
	c->full = true;
	if (strcmp(m, "FULL") == 0) {
		memset(&c->a[c->n], 0, sizeof(c->a[0]));
		c->a[c->n++].type = FA_BODY;
	}
}

/* ---- sections ---- */

/*
 * The entity a section path names (RFC 9051 6.4.5 part numbering), or
 * -1.  Parts of a message/rfc822 part are those of the message in it;
 * a non-multipart entity has only part 1, itself.
 */
static int
find_entity(const struct store_row *r, const uint32_t *path, int npath,
    struct mime_ent *e, bool *msg)
{
	size_t		i = 0, j;
	uint32_t	k, c;
	int		d;

	if (mime_ent(r->parts, r->nparts, 0, e) == -1)
		return -1;
	*msg = true;		/* the root is a message */
	for (d = 0; d < npath; d++) {
		if (!*msg && (e->flags & MIME_MESSAGE)) {
			/* into the encapsulated message */
			i = i + 1;
			if (mime_ent(r->parts, r->nparts, i, e) == -1)
				return -1;
		}
		k = path[d];
		if (e->flags & MIME_MULTIPART) {
			if (k > e->nchild)
				return -1;
			j = i + 1;
			for (c = 1; c < k; c++) {
				struct mime_ent t;

				if (mime_ent(r->parts, r->nparts, j, &t) == -1 ||
				    t.next == 0)
					return -1;
				j = t.next;
			}
			i = j;
			if (mime_ent(r->parts, r->nparts, i, e) == -1)
				return -1;
			*msg = false;
		} else {
			if (k != 1)
				return -1;
			*msg = false;	/* part 1 of a single part: its body */
		}
	}
	return (int)i;
}

/* Header fields of [hdr, hdr+len) named (or not named) in a->fields. */
static char *
filter_fields(struct arena *ar, const char *h, size_t len,
    const struct fatt *a, size_t *outlen)
{
	char		*out = arena_alloc(ar, len + 3);
	const char	*p = h, *end = h + len, *line, *eol, *colon;
	size_t		 o = 0, nlen;
	bool		 keep = false;
	int		 i;

	while (p < end) {
		line = p;
		eol = memchr(p, '\n', (size_t)(end - p));
		p = eol ? eol + 1 : end;
		if (line < p && (*line == ' ' || *line == '\t')) {
			if (keep) {
				memcpy(out + o, line, (size_t)(p - line));
				o += (size_t)(p - line);
			}
			continue;
		}
		if (p - line <= 2 && (line[0] == '\r' || line[0] == '\n'))
			break;	/* the blank line */
		colon = memchr(line, ':', (size_t)(p - line));
		keep = false;
		if (colon != NULL) {
			nlen = (size_t)(colon - line);
			while (nlen > 0 && (line[nlen - 1] == ' ' ||
			    line[nlen - 1] == '\t'))
				nlen--;
			for (i = 0; i < a->nfields; i++)
				if (strlen(a->fields[i]) == nlen &&
				    strncasecmp(a->fields[i], line, nlen) == 0)
					break;
			keep = (i < a->nfields) == (a->text == SEC_FIELDS);
		}
		if (keep) {
			memcpy(out + o, line, (size_t)(p - line));
			o += (size_t)(p - line);
			if (out[o - 1] != '\n') {
				out[o++] = '\r';
				out[o++] = '\n';
			}
		}
	}
	/* the blank line ends every header fetch */
	out[o++] = '\r';
	out[o++] = '\n';
	*outlen = o;
	return out;
}

/* "{n}\r\n" then bytes [off, off+n) of the content blob. */
static int
send_blob(struct fctx *c, const struct store_row *r, uint32_t off,
    uint32_t n)
{
	struct session	*s = c->s;
	char		 hdr[32];
	unsigned char	*buf;
	uint32_t	 k;

	(void)snprintf(hdr, sizeof(hdr), "{%u}\r\n", n);
	if (io_write(&s->io, hdr, strlen(hdr)) == -1)
		return -1;
	if (c->buf == NULL)
		c->buf = arena_alloc(&s->arena, CHUNK);
	buf = c->buf;
	while (n > 0) {
		k = n < CHUNK ? n : CHUNK;
		if (store_blob_read(s->db, r->content, off, buf, k) != DB_OK) {
			c->err = -2;
			return -1;
		}
		if (io_write(&s->io, buf, k) == -1)
			return -1;
		off += k;
		n -= k;
	}
	return 0;
}

static int
send_mem(struct session *s, const char *data, size_t n, bool binary)
{
	char	hdr[32];

	(void)snprintf(hdr, sizeof(hdr), "%s{%zu}\r\n", binary &&
	    memchr(data, '\0', n) != NULL ? "~" : "", n);
	if (io_write(&s->io, hdr, strlen(hdr)) == -1)
		return -1;
	return io_write(&s->io, data, n);
}

/* Apply <origin.count> to a length: the window's start and size. */
static void
window(const struct fatt *a, uint32_t len, uint32_t *off, uint32_t *n)
{
	*off = 0;
	*n = len;
	if (!a->partial)
		return;
	*off = a->origin < len ? a->origin : len;
	*n = len - *off < a->count ? len - *off : a->count;
}

/* BODY[section], BINARY[section], BINARY.SIZE[section] for one message */
static int
send_section(struct fctx *c, const struct store_row *r, const struct fatt *a)
{
	struct session	*s = c->s;
	struct mime_ent	 e, m;
	const char	*name;
	char		*data, *dec;
	uint32_t	 off = 0, n = 0, start, len;
	size_t		 dlen, flen;
	bool		 msg = true;
	int		 i;

	name = a->type == FA_BINARY ? "BINARY" : a->type == FA_BINARY_SIZE ?
	    "BINARY.SIZE" : "BODY";
	if (a->type != FA_SECTION || a->text != SEC_NONE || a->npath != 0) {
		if (r->parts == NULL || r->nparts == 0)
			i = -1;
		else
			i = find_entity(r, a->path, a->npath, &e, &msg);
	} else {
		i = 0;
		msg = true;
	}
	if (resp_add(s, "%s%s", name, a->label) == -1)
		return -1;
	if (a->partial && a->type != FA_BINARY_SIZE && resp_add(s, "<%u>",
	    a->origin) == -1)
		return -1;
	if (io_write(&s->io, " ", 1) == -1)
		return -1;
	if (i < 0)
		return io_write(&s->io, "NIL", 3);
	if (a->type == FA_SECTION && a->npath == 0 && a->text == SEC_NONE) {
		window(a, r->size, &off, &n);
		return send_blob(c, r, off, n);
	}
	/* header and text refer to a message: the root or an rfc822 part */
	m = e;
	if ((a->text == SEC_HEADER || a->text == SEC_FIELDS || a->text ==
	    SEC_FIELDS_NOT || a->text == SEC_TEXT) && a->npath > 0) {
		if (msg || !(e.flags & MIME_MESSAGE) ||
		    mime_ent(r->parts, r->nparts, (size_t)i + 1, &m) == -1)
			return io_write(&s->io, "NIL", 3);
	}
	switch (a->text) {
	case SEC_HEADER:
		start = m.hdr_off;
		len = m.hdr_len;
		break;
	case SEC_TEXT:
		start = m.body_off;
		len = m.body_len;
		break;
	case SEC_MIME:
		start = e.hdr_off;
		len = e.hdr_len;
		break;
	case SEC_FIELDS:
	case SEC_FIELDS_NOT:
		data = arena_alloc(&c->scratch, m.hdr_len + 1);
		if (m.hdr_len > 0 && store_blob_read(s->db, r->content,
		    m.hdr_off, data, m.hdr_len) != DB_OK) {
			c->err = -2;
			return -1;
		}
		dec = filter_fields(&c->scratch, data, m.hdr_len, a, &flen);
		window(a, (uint32_t)flen, &off, &n);
		return send_mem(s, dec + off, n, false);
	default:
		/* the part itself: its body (for rfc822, the message in it) */
		start = e.body_off;
		len = e.body_len;
		break;
	}
	if (a->type == FA_SECTION) {
		window(a, len, &off, &n);
		return send_blob(c, r, start + off, n);
	}
	/* BINARY: decoded content of a leaf part */
	if (e.flags & MIME_MULTIPART)
		return io_write(&s->io, "NIL", 3);
	data = arena_alloc(&c->scratch, len + 1);
	if (len > 0 && store_blob_read(s->db, r->content, start, data, len) !=
	    DB_OK) {
		c->err = -2;
		return -1;
	}
	{
		struct sbuf	d = { 0 };
		int		rc;

		if (transfer_decode(&d, data, len, (int)(e.flags >> 8 &
		    0xf)) == -1) {
			sb_free(&d);
			c->err = -3;	/* UNKNOWN-CTE */
			return io_write(&s->io, "NIL", 3);
		}
		dlen = d.len;
		if (a->type == FA_BINARY_SIZE)
			rc = resp_add(s, "%zu", dlen);
		else {
			window(a, (uint32_t)dlen, &off, &n);
			rc = send_mem(s, d.s ? d.s + off : "", n, true);
		}
		sb_free(&d);
		return rc;
	}
}

/* One "* seq FETCH (...)" */
static int
fetch_row(void *arg, const struct store_row *r)
{
	struct fctx	*c = arg;
	struct session	*s = c->s;
	char		 date[DATETIME_LEN];
	uint32_t	 seq;
	bool		 first = true, recent;
	int		 i;

	if ((seq = uidmap_seq(&s->sel.map, r->uid)) == 0)
		return 0;	/* not known to the client yet */
	c->found++;
	if (c->changedsince != 0 && r->modseq <= c->changedsince)
		return 0;
	recent = uidmap_seq(&s->sel.recent, r->uid) != 0;
	if (resp_add_num(s, "* ", seq, " FETCH (") == -1)
		return -1;
#define SEP()								\
	do {								\
		if (!first && io_write(&s->io, " ", 1) == -1)		\
			return -1;					\
		first = false;						\
	} while (0)
	if (s->uid && !c->want_uid) {
		SEP();
		if (resp_add_num(s, "UID ", r->uid, "") == -1)
			return -1;
	}
	if (c->seen_modseq != 0 && r->modseq == c->seen_modseq &&
	    !c->want_flags) {
		/* RFC 9051 6.4.5: the \Seen we just set is reported */
		SEP();
		if (io_write(&s->io, "FLAGS ", 6) == -1 || resp_add_flags(s, r->flags,
		    r->keywords, recent) == -1)
			return -1;
	}
	if ((s->enabled & EN_CONDSTORE) && !c->want_modseq &&
	    (c->want_flags || c->changedsince != 0 || (c->seen_modseq != 0 &&
	    r->modseq == c->seen_modseq))) {
		/* RFC 7162 3.1.4.1: MODSEQ goes with FLAGS */
		SEP();
		if (resp_add_num(s, "MODSEQ (", r->modseq, ")") == -1)
			return -1;
	}
	for (i = 0; i < c->n; i++) {
		const struct fatt *a = &c->a[i];
		uint32_t off, n;

		SEP();
		switch (a->type) {
		case FA_UID:
			if (resp_add_num(s, "UID ", r->uid, "") == -1)
				return -1;
			break;
		case FA_FLAGS:
			if (io_write(&s->io, "FLAGS ", 6) == -1 || resp_add_flags(s,
			    r->flags, r->keywords, recent) == -1)
				return -1;
			break;
		case FA_INTERNALDATE:
			datetime_format(r->date, r->tz, date);
			if (resp_add(s, "INTERNALDATE \"%s\"", date) == -1)
				return -1;
			break;
		case FA_SAVEDATE:
			datetime_format(r->savedate, 0, date);
			if (resp_add(s, "SAVEDATE \"%s\"", date) == -1)
				return -1;
			break;
		case FA_MODSEQ:
			if (resp_add_num(s, "MODSEQ (", r->modseq, ")") == -1)
				return -1;
			break;
		case FA_RFC822_SIZE:
			if (resp_add_num(s, "RFC822.SIZE ", r->size, "") == -1)
				return -1;
			break;
		case FA_ENVELOPE:
			if (resp_add(s, "ENVELOPE ") == -1 || io_write(&s->io,
			    r->envelope ? r->envelope : "NIL", r->envelope ?
			    strlen(r->envelope) : 3) == -1)
				return -1;
			break;
		case FA_BODYSTRUCTURE:
		case FA_BODY:
			{
				const char *b = a->type == FA_BODY ? r->body :
				    r->bodystructure;

				if (resp_add(s, "%s ", a->type == FA_BODY ?
				    "BODY" : "BODYSTRUCTURE") == -1 ||
				    io_write(&s->io, b ? b : "NIL", b ?
				    strlen(b) : 3) == -1)
					return -1;
			}
			break;
		case FA_RFC822:
			if (resp_add(s, "RFC822 ") == -1 || send_blob(c, r, 0,
			    r->size) == -1)
				return -1;
			break;
		case FA_RFC822_HEADER:
			n = r->header_len <= r->size ? r->header_len : r->size;
			if (resp_add(s, "RFC822.HEADER ") == -1 ||
			    send_blob(c, r, 0, n) == -1)
				return -1;
			break;
		case FA_RFC822_TEXT:
			off = r->header_len <= r->size ? r->header_len :
			    r->size;
			if (resp_add(s, "RFC822.TEXT ") == -1 ||
			    send_blob(c, r, off, r->size - off) == -1)
				return -1;
			break;
		case FA_SECTION:
		case FA_BINARY:
		case FA_BINARY_SIZE:
			if (send_section(c, r, a) == -1)
				return -1;
			break;
		}
	}
#undef SEP
	arena_reset(&c->scratch);
	if (io_write(&s->io, ")", 1) == -1 || resp_end(s) == -1)
		return -1;
	return 0;
}

int
cmd_fetch(struct session *s, struct parser *p)
{
	struct fctx	*c;
	struct seqset	 set;
	struct uidmap	 uids;
	struct str	 m;
	uint64_t	 prev, mod;
	size_t		 i;
	int		 rc;

	c = arena_alloc(&s->arena, sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->s = s;
	if (parse_sp(p) == -1 || parse_seq_set(p, &set) == -1 ||
	    parse_sp(p) == -1)
		return cmd_syntax(s, p);
	if (parse_peek(p) == '(') {
		if (parse_list_open(p) == -1)
			return cmd_syntax(s, p);
		do {
			if (c->n > 0 && parse_sp(p) == -1)
				return cmd_syntax(s, p);
			if (parse_att(c, p) == -1)
				return cmd_syntax(s, p);
		} while (parse_peek(p) == ' ');
		if (parse_list_close(p) == -1)
			return cmd_syntax(s, p);
	} else {
		const unsigned char *save = p->p;

		if (parse_atom(p, &m) == 0 && (strcasecmp(m.s, "ALL") == 0 ||
		    strcasecmp(m.s, "FAST") == 0 || strcasecmp(m.s, "FULL") ==
		    0)) {
			for (i = 0; i < m.len; i++)
				m.s[i] = (char)toupper((unsigned char)m.s[i]);
			add_macro(c, m.s);
		} else {
			p->p = save;
			p->err = NULL;
			if (parse_att(c, p) == -1)
				return cmd_syntax(s, p);
		}
	}
	if (parse_peek(p) == ' ') {
		/* fetch-modifiers: (CHANGEDSINCE n [VANISHED]) */
		bool vanished = false;
		uint64_t cs = 0;

		if (parse_sp(p) == -1 || parse_list_open(p) == -1)
			return cmd_syntax(s, p);
		do {
			if (parse_peek(p) == ' ' && parse_sp(p) == -1)
				return cmd_syntax(s, p);
			if (parse_atom(p, &m) == -1)
				return cmd_syntax(s, p);
			if (strcasecmp(m.s, "CHANGEDSINCE") == 0) {
				if (parse_sp(p) == -1 || parse_number64(p, &cs) ==
				    -1 || cs == 0)
					return cmd_syntax(s, p);
			} else if (strcasecmp(m.s, "VANISHED") == 0)
				vanished = true;
			else {
				parse_fail(p, "unknown FETCH modifier");
				return cmd_syntax(s, p);
			}
		} while (parse_peek(p) == ' ');
		if (parse_list_close(p) == -1)
			return cmd_syntax(s, p);
		/* RFC 7162 3.2.6: VANISHED needs UID FETCH, QRESYNC, CHANGEDSINCE */
		if (vanished && (!s->uid || !(s->enabled & EN_QRESYNC) ||
		    cs == 0))
			return resp_bad(s, "VANISHED needs UID FETCH with "
			    "CHANGEDSINCE after ENABLE QRESYNC");
		c->changedsince = cs;
		s->enabled |= EN_CONDSTORE;
		if (vanished) {
			struct uidmap v, want;
			struct uidmap rq;

			memset(&v, 0, sizeof(v));
			memset(&want, 0, sizeof(want));
			memset(&rq, 0, sizeof(rq));
			bool trimmed;

			if (store_vanished(s->db, s->sel.id, cs, &v,
			    &trimmed) != DB_OK)
				return resp_serverbug(s, "FETCH: tombstones");
			/* only those in the requested UID set */
			for (i = 0; i < set.n; i++) {
				uint32_t lo = set.r[i].lo == SEQ_STAR ?
				    uidmap_last(&s->sel.map) : set.r[i].lo;
				uint32_t hi = set.r[i].hi == SEQ_STAR ?
				    uidmap_last(&s->sel.map) : set.r[i].hi;
				uint32_t k;

				for (k = 1; k <= v.count; k++) {
					uint32_t u = uidmap_uid(&v, k);

					if (u >= (lo < hi ? lo : hi) && u <= (lo <
					    hi ? hi : lo) && u > uidmap_last(&want))
						uidmap_append(&want, u, u);
				}
			}
			if (want.count > 0 && (resp_begin(s) == -1 ||
			    resp_add(s, "VANISHED (EARLIER) ") == -1 ||
			    resp_add_uidset(s, &want) == -1 || resp_end(s) ==
			    -1)) {
				uidmap_free(&v);
				uidmap_free(&want);
				return -1;
			}
			uidmap_free(&v);
			uidmap_free(&want);
			uidmap_free(&rq);
		}
	}
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (!msgset_valid(s, &set))
		return resp_bad(s, "Invalid message sequence number");
	memset(&uids, 0, sizeof(uids));
	msgset_uids(s, &set, s->uid, &uids);
	/* \Seen first, in its own short transaction, then the data */
	if (c->sets_seen && !s->sel.readonly && uids.count > 0) {
		struct seqset ss = { uids.r, uids.n, false };

		rc = store_flags(s->db, s->sel.id, &ss, STORE_ADD, F_SEEN, "",
		    0, NULL, &prev, &mod, NULL);
		if (rc != DB_OK) {
			uidmap_free(&uids);
			return resp_serverbug(s, "FETCH: setting \\Seen");
		}
		if (mod != prev) {
			c->seen_modseq = mod;
			if (prev == s->sel.modseq)
				s->sel.modseq = mod;
		}
	}
	for (i = 0; i < uids.n && c->err == 0; i++) {
		rc = store_fetch(s->db, s->sel.id, uids.r[i].lo, uids.r[i].hi,
		    row_level(c), fetch_row, c);
		if (rc == -1 && c->err == 0)
			c->err = -1;
		else if (rc != DB_OK && rc != -1)
			c->err = -2;
	}
	arena_free(&c->scratch);
	db_release(s->db);
	rc = c->err;
	if (rc == 0 && c->found < uids.count && c->changedsince == 0) {
		uidmap_free(&uids);
		return resp_tagged(s, RESP_OK, CODE_EXPUNGEISSUED, "Some "
		    "messages were expunged meanwhile");
	}
	uidmap_free(&uids);
	if (rc == -1)
		return -1;
	if (rc == -2)
		return resp_serverbug(s, "FETCH: reading messages");
	if (rc == -3)
		return resp_no(s, CODE_UNKNOWN_CTE, "Unknown content transfer "
		    "encoding");
	return resp_ok(s, "%sFETCH completed", s->uid ? "UID " : "");
}
