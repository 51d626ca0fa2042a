/*
 * cmd_search.c: SEARCH and UID SEARCH (RFC 9051 6.4.4) with ESEARCH
 * (RFC 4731), SEARCHRES (RFC 5182), WITHIN (RFC 5032) and SAVEDATE
 * (RFC 8514) keys.
 *
 * A search is compiled to one SQL statement with every client value
 * bound: flags, dates and sizes are columns; text keys of 3 or more
 * characters use the FTS5 trigram index (case-insensitive substrings of
 * the decoded text), shorter ones a folded scan of the same text; message
 * sets are UID range sets handed to an SQL function.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liteimapd.h"

#define MAX_SETS	64

/* the day number of a unix time, rounding down also before 1970 */
#define FLOORDAY(x)	"((" x " - ((" x ") % 86400 + 86400) % 86400) / 86400)"

#define RET_MIN		0x01
#define RET_MAX		0x02
#define RET_ALL		0x04
#define RET_COUNT	0x08
#define RET_SAVE	0x10

struct sctx {
	struct session	*s;
	struct parser	*p;
	struct sbuf	 sql;
	struct search_q	 q;
	bool		 join;		/* needs contents */
	bool		 fts;		/* a top-level key uses the index */
	int		 depth;		/* of the key being read */
};

static int
add_set(struct sctx *c, struct uidmap *m)
{
	if (c->q.nsets == MAX_SETS) {
		uidmap_free(m);
		return -1;
	}
	c->q.sets[c->q.nsets] = arena_alloc(&c->s->arena, sizeof(*m));
	*c->q.sets[c->q.nsets] = *m;
	return (int)c->q.nsets++;
}

static void
bind_text(struct sctx *c, const char *s, size_t n)
{
	struct search_bind *b = &c->q.binds[c->q.nbinds++];

	b->text = arena_strndup(&c->s->arena, s, n);
	b->len = n;
	b->is_text = true;
}

static void
bind_int(struct sctx *c, int64_t v)
{
	struct search_bind *b = &c->q.binds[c->q.nbinds++];

	b->is_text = false;
	b->ival = v;
}

/* Number of UTF-8 characters (what trigrams count). */
static size_t
nchars(const char *s, size_t n)
{
	size_t	i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/*
 * A substring search of term in the columns cols of table (search_text
 * or search_addr, both FTS5 trigram tables with rowid = content).  Three
 * characters or more: the trigram index answers exactly (a phrase of
 * the term's trigrams, at consecutive positions).  Fewer, or a term that
 * is not UTF-8 (the stored text is): a folded substring test of each
 * message's stored text (imap_contains).
 */
static int
text_key(struct sctx *c, const char *table, const char *const *cols,
    int ncols, const struct str *term)
{
	struct sbuf	 m = { 0 };
	size_t		 i;
	int		 k;

	if (c->q.nbinds + 4 > SEARCH_MAX_BINDS)
		return parse_fail(c->p, "search too complex");
	if (term->len == 0) {
		sb_str(&c->sql, "1");
		return 0;
	}
	if (nchars(term->s, term->len) >= 3 &&
	    utf8_valid(term->s, term->len)) {
		sb_str(&m, "{");
		for (k = 0; k < ncols; k++) {
			if (k > 0)
				sb_str(&m, " ");
			sb_str(&m, cols[k]);
		}
		sb_str(&m, "} : \"");
		for (i = 0; i < term->len; i++) {
			if (term->s[i] == '"')
				sb_add(&m, "\"", 1);
			sb_add(&m, &term->s[i], 1);
		}
		sb_str(&m, "\"");
		sb_str(&c->sql, "m.content_id IN (SELECT rowid FROM ");
		sb_str(&c->sql, table);
		sb_str(&c->sql, " WHERE ");
		sb_str(&c->sql, table);
		sb_str(&c->sql, " MATCH ?)");
		bind_text(c, m.s, m.len);
		sb_free(&m);
		/* every hit must be in what the index names */
		if (c->depth == 0)
			c->fts = true;
		return 0;
	}
	utf8_fold(&m, term->s, term->len);
	sb_str(&c->sql, "(");
	for (k = 0; k < ncols; k++) {
		if (k > 0)
			sb_str(&c->sql, " OR ");
		sb_str(&c->sql, "imap_contains((SELECT ");
		sb_str(&c->sql, cols[k]);
		sb_str(&c->sql, " FROM ");
		sb_str(&c->sql, table);
		sb_str(&c->sql, " WHERE rowid = m.content_id), ?)");
		bind_text(c, m.s ? m.s : "", m.len);
	}
	sb_str(&c->sql, ")");
	sb_free(&m);
	return 0;
}

/* date = date-text / DQUOTE date-text DQUOTE: the day number */
static int
parse_day(struct parser *p, int64_t *day)
{
	struct str	s;
	int64_t		t;

	if (parse_astring(p, &s) == -1 || datetime_parse_date(s.s, &t) == -1)
		return parse_fail(p, "invalid date");
	*day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	return 0;
}

static int parse_key(struct sctx *, int);

/* search-key *(SP search-key), ANDed, up to ")" or the end. */
static int
parse_keys(struct sctx *c, int depth, bool paren)
{
	int	n = 0;

	sb_str(&c->sql, "(");
	for (;;) {
		if (n > 0)
			sb_str(&c->sql, " AND ");
		if (parse_key(c, depth) == -1)
			return -1;
		n++;
		if (parse_peek(c->p) != ' ')
			break;
		if (parse_sp(c->p) == -1)
			return -1;
	}
	sb_str(&c->sql, ")");
	if (paren && parse_list_close(c->p) == -1)
		return -1;
	return 0;
}

static int
parse_key(struct sctx *c, int depth)
{
	static const struct {
		const char	*name;
		const char	*sql;
	} simple[] = {
		{ "ALL", "1" },
		{ "ANSWERED", "(m.flags & 2) != 0" },
		{ "UNANSWERED", "(m.flags & 2) = 0" },
		{ "DELETED", "(m.flags & 8) != 0" },
		{ "UNDELETED", "(m.flags & 8) = 0" },
		{ "FLAGGED", "(m.flags & 4) != 0" },
		{ "UNFLAGGED", "(m.flags & 4) = 0" },
		{ "SEEN", "(m.flags & 1) != 0" },
		/*
		 * no message below the mailbox's unseen_from lacks \Seen
		 * (schema 10): the bound lets UNSEEN walk only from there
		 * (?1 is the mailbox, see store_search)
		 */
		{ "UNSEEN", "((m.flags & 1) = 0 AND m.uid >= (SELECT "
		    "unseen_from FROM mailboxes WHERE id = ?1))" },
		{ "DRAFT", "(m.flags & 16) != 0" },
		{ "UNDRAFT", "(m.flags & 16) = 0" },
	};
	static const char *const c_subject[] = { "subject" };
	static const char *const c_from[] = { "from_" };
	static const char *const c_to[] = { "to_" };
	static const char *const c_cc[] = { "cc" };
	static const char *const c_bcc[] = { "bcc" };
	static const char *const c_body[] = { "body" };
	static const char *const c_text[] = { "hdr", "mimehdr", "body" };
	struct parser	*p = c->p;
	struct session	*s = c->s;
	struct str	 w, a, b;
	struct seqset	 set;
	struct uidmap	 m;
	uint64_t	 n;
	int64_t		 day = 0;
	size_t		 i;
	int		 idx, ch = parse_peek(p);

	if (depth > p->max_depth)
		return parse_fail(p, "search nested too deeply");
	if (c->q.nbinds + 4 > SEARCH_MAX_BINDS)
		return parse_fail(p, "search too complex");
	c->depth = depth;
	if (ch == '(') {
		if (parse_list_open(p) == -1)
			return -1;
		return parse_keys(c, depth + 1, true);
	}
	if ((ch >= '0' && ch <= '9') || ch == '*' || ch == '$') {
		if (parse_seq_set(p, &set) == -1)
			return -1;
		memset(&m, 0, sizeof(m));
		msgset_uids(s, &set, false, &m);
		if ((idx = add_set(c, &m)) == -1)
			return parse_fail(p, "search too complex");
		sb_str(&c->sql, "imap_uidset(m.uid, ?)");
		bind_int(c, idx);
		return 0;
	}
	if (parse_atom(p, &w) == -1)
		return parse_fail(p, "expected a search key");
	for (i = 0; i < w.len; i++)
		w.s[i] = (char)toupper((unsigned char)w.s[i]);
	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (strcmp(w.s, simple[i].name) == 0) {
			sb_str(&c->sql, simple[i].sql);
			return 0;
		}
#define ARG(x)	(parse_sp(p) == -1 || parse_astring(p, (x)) == -1)
	if (strcmp(w.s, "SUBJECT") == 0 || strcmp(w.s, "FROM") == 0 ||
	    strcmp(w.s, "TO") == 0 || strcmp(w.s, "CC") == 0 ||
	    strcmp(w.s, "BCC") == 0 || strcmp(w.s, "BODY") == 0 ||
	    strcmp(w.s, "TEXT") == 0) {
		if (ARG(&a))
			return -1;
		switch (w.s[0]) {
		case 'S':
			return text_key(c, "search_addr", c_subject, 1, &a);
		case 'F':
			return text_key(c, "search_addr", c_from, 1, &a);
		case 'T':
			return w.s[1] == 'O' ? text_key(c, "search_addr",
			    c_to, 1, &a) : text_key(c, "search_text", c_text, 3,
			    &a);
		case 'C':
			return text_key(c, "search_addr", c_cc, 1, &a);
		default:
			return w.s[1] == 'C' ? text_key(c, "search_addr",
			    c_bcc, 1, &a) : text_key(c, "search_text", c_body, 1,
			    &a);
		}
	}
	if (strcmp(w.s, "HEADER") == 0) {
		struct sbuf f = { 0 };

		if (ARG(&a) || ARG(&b))
			return -1;
		utf8_fold(&f, b.s, b.len);
		if (nchars(b.s, b.len) >= 3) {
			static const char *const c_hdr[] = { "hdr" };

			if (text_key(c, "search_text", c_hdr, 1, &b) == -1) {
				sb_free(&f);
				return -1;
			}
			sb_str(&c->sql, " AND ");
		}
		/* RFC 9051 6.4.4: the message's own header, not its parts' */
		sb_str(&c->sql, "imap_header((SELECT hdr FROM search_text "
		    "WHERE rowid = m.content_id), ?, ?)");
		bind_text(c, a.s, a.len);
		bind_text(c, f.s ? f.s : "", f.len);
		sb_free(&f);
		return 0;
	}
	if (strcmp(w.s, "KEYWORD") == 0 || strcmp(w.s, "UNKEYWORD") == 0) {
		char *k;

		if (parse_sp(p) == -1 || parse_atom(p, &a) == -1)
			return -1;
		k = arena_printf(&s->arena, " %s ", a.s);
		for (i = 0; k[i] != '\0'; i++)
			k[i] = (char)tolower((unsigned char)k[i]);
		sb_str(&c->sql, w.s[0] == 'U' ? "instr(lower(m.keywords), ?) = 0" :
		    "instr(lower(m.keywords), ?) > 0");
		bind_text(c, k, strlen(k));
		return 0;
	}
	if (strcmp(w.s, "BEFORE") == 0 || strcmp(w.s, "ON") == 0 ||
	    strcmp(w.s, "SINCE") == 0 || strcmp(w.s, "SENTBEFORE") == 0 ||
	    strcmp(w.s, "SENTON") == 0 || strcmp(w.s, "SENTSINCE") == 0 ||
	    strcmp(w.s, "SAVEDBEFORE") == 0 || strcmp(w.s, "SAVEDON") == 0 ||
	    strcmp(w.s, "SAVEDSINCE") == 0) {
		const char *col, *op, *k = w.s;

		if (parse_sp(p) == -1 || parse_day(p, &day) == -1)
			return -1;
		if (strncmp(k, "SENT", 4) == 0) {
			/* RFC 9051: the Date: header; without one, arrival */
			col = FLOORDAY("coalesce(c.sentdate + c.senttz * 60, "
			    "m.internaldate + m.internaltz * 60)");
			c->join = true;
			k += 4;
		} else if (strncmp(k, "SAVED", 5) == 0) {
			col = FLOORDAY("m.savedate");
			k += 5;
		} else
			col = FLOORDAY("(m.internaldate + m.internaltz * 60)");
		op = strcmp(k, "BEFORE") == 0 ? " < ?" : strcmp(k, "ON") == 0 ?
		    " = ?" : " >= ?";
		sb_str(&c->sql, col);
		sb_str(&c->sql, op);
		bind_int(c, day);
		return 0;
	}
	if (strcmp(w.s, "LARGER") == 0 || strcmp(w.s, "SMALLER") == 0 ||
	    strcmp(w.s, "OLDER") == 0 || strcmp(w.s, "YOUNGER") == 0 ||
	    strcmp(w.s, "MODSEQ") == 0) {
		if (parse_sp(p) == -1)
			return -1;
		if (strcmp(w.s, "MODSEQ") == 0 && parse_peek(p) == '"') {
			/* entry-name entry-type-req: accepted, not narrowed */
			if (parse_string(p, &a) == -1 || parse_sp(p) == -1 ||
			    parse_atom(p, &b) == -1 || parse_sp(p) == -1)
				return -1;
		}
		if (parse_number64(p, &n) == -1)
			return -1;
		if (w.s[0] == 'L')
			sb_str(&c->sql, "m.size > ?");
		else if (w.s[0] == 'S')
			sb_str(&c->sql, "m.size < ?");
		else if (w.s[0] == 'M') {
			sb_str(&c->sql, "m.modseq >= ?");
			c->q.uses_modseq = true;
			s->enabled |= EN_CONDSTORE;
		}
		else if (w.s[0] != 'M') {
			/* RFC 5032: OLDER n = arrived more than n s ago */
			sb_str(&c->sql, w.s[0] == 'O' ? "m.internaldate <= ?" :
			    "m.internaldate >= ?");
			n = (uint64_t)((int64_t)time(NULL) - (int64_t)n);
		}
		bind_int(c, (int64_t)n);
		return 0;
	}
	if (strcmp(w.s, "UID") == 0) {
		if (parse_sp(p) == -1 || parse_seq_set(p, &set) == -1)
			return -1;
		memset(&m, 0, sizeof(m));
		msgset_uids(s, &set, true, &m);
		if ((idx = add_set(c, &m)) == -1)
			return parse_fail(p, "search too complex");
		sb_str(&c->sql, "imap_uidset(m.uid, ?)");
		bind_int(c, idx);
		return 0;
	}
	if (strcmp(w.s, "RECENT") == 0 || strcmp(w.s, "OLD") == 0 ||
	    strcmp(w.s, "NEW") == 0) {
		memset(&m, 0, sizeof(m));
		uidmap_copy(&m, &s->sel.recent);
		if ((idx = add_set(c, &m)) == -1)
			return parse_fail(p, "search too complex");
		sb_str(&c->sql, w.s[0] == 'O' ? "NOT imap_uidset(m.uid, ?)" :
		    w.s[0] == 'N' ? "(imap_uidset(m.uid, ?) AND "
		    "(m.flags & 1) = 0)" : "imap_uidset(m.uid, ?)");
		bind_int(c, idx);
		return 0;
	}
	if (strcmp(w.s, "NOT") == 0) {
		if (parse_sp(p) == -1)
			return -1;
		sb_str(&c->sql, "NOT (");
		if (parse_key(c, depth + 1) == -1)
			return -1;
		sb_str(&c->sql, ")");
		return 0;
	}
	if (strcmp(w.s, "OR") == 0) {
		sb_str(&c->sql, "((");
		if (parse_sp(p) == -1 || parse_key(c, depth + 1) == -1)
			return -1;
		sb_str(&c->sql, ") OR (");
		if (parse_sp(p) == -1 || parse_key(c, depth + 1) == -1)
			return -1;
		sb_str(&c->sql, "))");
		return 0;
	}
#undef ARG
	return parse_fail(p, "unknown search key");
}

struct hitctx {
	struct uidmap	*m;
	struct session	*s;
	uint64_t	 modseq;	/* highest among the known hits */
};

static int
collect_uid(void *arg, uint32_t uid, uint64_t modseq)
{
	struct hitctx	*h = arg;

	if (uid > uidmap_last(h->m))
		uidmap_append(h->m, uid, uid);
	if (modseq > h->modseq && uidmap_seq(&h->s->sel.map, uid) != 0)
		h->modseq = modseq;
	return 0;
}

/* Free what a parsed search holds (search_run does it itself). */
void
search_free(struct search_q *q)
{
	size_t	i;

	for (i = 0; i < q->nsets; i++)
		uidmap_free(q->sets[i]);
	q->nsets = 0;
}

/*
 * Run a parsed search; hits gets the UIDs (known to the client) that
 * match.  For SORT and THREAD as well.  0, or -2 database error.
 */
int
search_run(struct session *s, struct search_q *q, struct uidmap *hits)
{
	struct uidmap	all, known;
	size_t		i;
	int		rc;

	struct hitctx	 h;

	memset(&all, 0, sizeof(all));
	memset(&known, 0, sizeof(known));
	h.m = &all;
	h.s = s;
	h.modseq = 0;
	rc = store_search(s->db, s->sel.id, q, collect_uid, &h);
	q->modseq = h.modseq;
	if (rc != DB_OK) {
		uidmap_free(&all);
		return -2;
	}
	/* only messages the client knows: intersect with the map */
	hits->n = hits->count = 0;
	uidmap_diff(&all, &s->sel.map, &known);
	for (i = 1; i <= all.count; i++) {
		uint32_t u = uidmap_uid(&all, i);

		if (uidmap_seq(&known, u) == 0)
			uidmap_append(hits, u, u);
	}
	uidmap_free(&all);
	uidmap_free(&known);
	for (i = 0; i < q->nsets; i++)
		uidmap_free(q->sets[i]);
	return 0;
}

/*
 * [CHARSET charset SP] search keys: into q.  Returns 0, -1 (syntax,
 * p->err) or -3 (bad charset, answered).
 */
int
search_parse(struct session *s, struct parser *p, struct search_q *out,
    bool charset_first)
{
	struct sctx	 c;
	struct str	 w, cs;
	const unsigned char *save = p->p;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.p = p;
	if (charset_first) {
		if (parse_astring(p, &cs) == -1 || parse_sp(p) == -1)
			return -1;
		goto check;
	}
	if (parse_atom(p, &w) == 0 && strcasecmp(w.s, "CHARSET") == 0) {
		if (parse_sp(p) == -1 || parse_astring(p, &cs) == -1 ||
		    parse_sp(p) == -1)
			return -1;
		goto check;
	}
	p->p = save;
	p->err = NULL;
	goto keys;
check:
	if (strcasecmp(cs.s, "UTF-8") != 0 && strcasecmp(cs.s, "US-ASCII") !=
	    0) {
		(void)resp_no(s, CODE_BADCHARSET, "Only UTF-8 and US-ASCII");
		return -3;
	}
keys:
	if (parse_keys(&c, 0, false) == -1) {
		size_t i;

		for (i = 0; i < c.q.nsets; i++)
			uidmap_free(c.q.sets[i]);
		sb_free(&c.sql);
		return -1;
	}
	c.q.where = arena_strndup(&s->arena, c.sql.s, c.sql.len);
	c.q.join = c.join;
	c.q.fts = c.fts;
	sb_free(&c.sql);
	*out = c.q;
	return 0;
}

/*
 * SEARCH [RETURN (opts)] [CHARSET x] keys.  IMAP4rev1 answers "* SEARCH",
 * RETURN or IMAP4rev2 "* ESEARCH".
 */
int
cmd_search(struct session *s, struct parser *p)
{
	struct search_q	 q;
	struct uidmap	 hits, out;
	struct str	 w;
	unsigned	 ret = 0;
	bool		 esearch = (s->enabled & EN_IMAP4REV2) != 0, first;
	const unsigned char *save;
	uint32_t	 i, v;
	int		 rc;

	if (parse_sp(p) == -1)
		return cmd_syntax(s, p);
	save = p->p;
	if (parse_atom(p, &w) == 0 && strcasecmp(w.s, "RETURN") == 0) {
		esearch = true;
		if (parse_sp(p) == -1 || parse_list_open(p) == -1)
			return cmd_syntax(s, p);
		first = true;
		while (parse_list_next(p)) {
			if (!first && parse_sp(p) == -1)
				return cmd_syntax(s, p);
			first = false;
			if (parse_atom(p, &w) == -1)
				return cmd_syntax(s, p);
			if (strcasecmp(w.s, "MIN") == 0)
				ret |= RET_MIN;
			else if (strcasecmp(w.s, "MAX") == 0)
				ret |= RET_MAX;
			else if (strcasecmp(w.s, "ALL") == 0)
				ret |= RET_ALL;
			else if (strcasecmp(w.s, "COUNT") == 0)
				ret |= RET_COUNT;
			else if (strcasecmp(w.s, "SAVE") == 0)
				ret |= RET_SAVE;
			else {
				parse_fail(p, "unknown RETURN option");
				return cmd_syntax(s, p);
			}
		}
		if (parse_list_close(p) == -1 || parse_sp(p) == -1)
			return cmd_syntax(s, p);
		if ((ret & ~RET_SAVE) == 0 && !(ret & RET_SAVE))
			ret = RET_ALL;	/* RETURN () */
	} else {
		p->p = save;
		p->err = NULL;
		ret = RET_ALL;
	}
	rc = search_parse(s, p, &q, false);
	if (rc == -3)
		return 0;
	if (rc == -1)
		return cmd_syntax(s, p);
	if (parse_eol(p) == -1) {
		search_free(&q);
		return cmd_syntax(s, p);
	}
	memset(&hits, 0, sizeof(hits));
	memset(&out, 0, sizeof(out));
	if (search_run(s, &q, &hits) != 0) {
		uidmap_free(&hits);
		if (ret & RET_SAVE) {
			/* RFC 5182 2.1: a failed SAVE leaves "$" empty */
			uidmap_free(&s->sel.saved);
			memset(&s->sel.saved, 0, sizeof(s->sel.saved));
		}
		return resp_serverbug(s, "SEARCH failed");
	}
	if (ret & RET_SAVE) {
		/* RFC 5182 2.1: with MIN or MAX alone, only those are saved */
		uidmap_free(&s->sel.saved);
		memset(&s->sel.saved, 0, sizeof(s->sel.saved));
		if ((ret & (RET_MIN | RET_MAX)) && !(ret & (RET_ALL |
		    RET_COUNT))) {
			if (hits.count > 0 && (ret & RET_MIN))
				uidmap_append(&s->sel.saved, uidmap_uid(&hits,
				    1), uidmap_uid(&hits, 1));
			if (hits.count > 1 && (ret & RET_MAX))
				uidmap_append(&s->sel.saved, uidmap_last(&hits),
				    uidmap_last(&hits));
		} else
			uidmap_copy(&s->sel.saved, &hits);
	}
	/* numbers to report: UIDs, or sequence numbers */
	for (i = 1; i <= hits.count; i++) {
		v = uidmap_uid(&hits, i);
		if (!s->uid)
			v = uidmap_seq(&s->sel.map, v);
		if (v > uidmap_last(&out))
			uidmap_append(&out, v, v);
	}
	uidmap_free(&hits);
	rc = 0;
	if (!esearch) {
		rc = resp_begin(s) == -1 || resp_add(s, "SEARCH") == -1 ? -1 : 0;
		for (i = 1; rc == 0 && i <= out.count; i++)
			rc = resp_add(s, " %u", uidmap_uid(&out, i));
		/* RFC 7162 3.1.5: the highest MODSEQ of the hits */
		if (rc == 0 && q.uses_modseq && out.count > 0)
			rc = resp_add(s, " (MODSEQ %llu)",
			    (unsigned long long)q.modseq);
		if (rc == 0)
			rc = resp_end(s);
	} else if (ret != RET_SAVE) {
		rc = resp_begin(s) == -1 || resp_add(s, "ESEARCH (TAG \"%s\")%s",
		    s->tag, s->uid ? " UID" : "") == -1 ? -1 : 0;
		if (rc == 0 && (ret & RET_MIN) && out.count > 0)
			rc = resp_add(s, " MIN %u", uidmap_uid(&out, 1));
		if (rc == 0 && (ret & RET_MAX) && out.count > 0)
			rc = resp_add(s, " MAX %u", uidmap_last(&out));
		if (rc == 0 && (ret & RET_COUNT))
			rc = resp_add(s, " COUNT %u", out.count);
		if (rc == 0 && (ret & RET_ALL) && out.count > 0)
			rc = resp_add(s, " ALL ") == -1 ? -1 :
			    resp_add_uidset(s, &out);
		if (rc == 0 && q.uses_modseq && out.count > 0)
			rc = resp_add(s, " MODSEQ %llu",
			    (unsigned long long)q.modseq);
		if (rc == 0)
			rc = resp_end(s);
	}
	uidmap_free(&out);
	if (rc == -1)
		return -1;
	return resp_ok(s, "%sSEARCH completed", s->uid ? "UID " : "");
}
