/*
 * cmd_store.c: STORE (RFC 9051 6.4.6), COPY (6.4.7, COPYUID of RFC 4315)
 * and MOVE (RFC 6851), each one transaction.  COPY adds references to
 * the same stored content: no message bytes are copied.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"

/*
 * Up to this many messages a STORE keeps what it changed in memory to
 * report it (24 bytes each); beyond, it reads them back, a row at a time.
 */
#define NOTES_MAX	100000

struct sctx {
	struct session	*s;
	uint64_t	 modseq;	/* of this STORE */
	uint64_t	 prev;
	struct uidmap	*modified;
	bool		 silent;
	bool		 unchanged;	/* UNCHANGEDSINCE given */
};

/* n bytes of str at p: the end */
static char *
put(char *p, const char *str, size_t n)
{
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): counted */
	memcpy(p, str, n);
	return p + n;
}

static int
store_row_flags(void *arg, const struct store_row *r)
{
	struct sctx	*c = arg;
	struct session	*s = c->s;
	char		 line[FLAGS_FMT_MAX + 4 * FMT_NUM_MAX + 64], *p;
	uint32_t	 seq;

	if ((seq = uidmap_seq(&s->sel.map, r->uid)) == 0 ||
	    (c->modified != NULL && uidmap_seq(c->modified, r->uid) != 0))
		return 0;
	/*
	 * .SILENT (here only with UNCHANGEDSINCE, see cmd_store): nothing
	 * but, RFC 7162 3.1.3, a FETCH with the new MODSEQ of each message
	 * stored, for the client's cache
	 */
	if (c->silent && (r->modseq == c->modseq || r->modseq <= c->prev)) {
		if (!c->unchanged || r->modseq != c->modseq ||
		    r->modseq <= c->prev)
			return 0;
		if (resp_add_num(s, "* ", seq, " FETCH (") == -1 || (s->uid &&
		    resp_add_num(s, "UID ", r->uid, " ") == -1) ||
		    resp_add_num(s, "MODSEQ (", r->modseq, "))") == -1)
			return -1;
		return resp_end(s);
	}
	/* the whole line at once: 10,000 of them for STORE 1:* */
	p = line;
	p = put(p, "* ", 2);
	p = fmt_num(p, seq);
	p = put(p, " FETCH (", 8);
	if (s->uid) {
		p = put(p, "UID ", 4);
		p = fmt_num(p, r->uid);
		p = put(p, " ", 1);
	}
	p = put(p, "FLAGS ", 6);
	p += flags_fmt(p, r->flags, r->keywords, s->sel.recent.n > 0 &&
	    uidmap_seq(&s->sel.recent, r->uid) != 0);
	if (s->enabled & EN_CONDSTORE) {
		p = put(p, " MODSEQ (", 9);
		p = fmt_num(p, r->modseq);
		p = put(p, ")", 1);
	}
	p = put(p, ")\r\n", 3);
	return io_write(&s->io, line, (size_t)(p - line));
}

/*
 * The FETCH responses of a STORE of system flags (op, flags) from the
 * messages as store_flags noted them before: a message the STORE changed
 * has this STORE's MODSEQ, the others keep theirs.
 */
static int
report_notes(struct sctx *c, const struct flag_notes *notes, int op,
    unsigned flags)
{
	struct store_row	 r;
	size_t			 i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < notes->n; i++) {
		r.uid = notes->v[i].uid;
		r.keywords = notes->v[i].keywords;
		r.flags = op == STORE_ADD ? notes->v[i].flags | flags :
		    notes->v[i].flags & ~flags;
		r.modseq = r.flags != notes->v[i].flags ? c->modseq :
		    notes->v[i].modseq;
		if (store_row_flags(c, &r) == -1)
			return -1;
	}
	return 0;
}

/*
 * STORE sequence-set SP (["+" / "-"] "FLAGS" [".SILENT"]) SP
 *     (flag-list / (flag *(SP flag)))
 */
int
cmd_store(struct session *s, struct parser *p)
{
	struct sctx	 c = { s, 0, 0, NULL, false, false };
	struct seqset	 set, ss;
	struct uidmap	 uids;
	struct str	 w;
	const char	*kw = "", *name;
	unsigned	 flags = 0;
	uint64_t	 prev, mod, unchanged = 0;
	struct uidmap	 modified;
	struct flag_notes notes;
	size_t		 i;
	bool		 silent, has_unchanged = false;
	int		 op = STORE_SET, rc;

	if (parse_sp(p) == -1 || parse_seq_set(p, &set) == -1 ||
	    parse_sp(p) == -1)
		return cmd_syntax(s, p);
	if (parse_peek(p) == '(') {
		/* store-modifiers: (UNCHANGEDSINCE n), RFC 7162 3.1.3 */
		if (parse_list_open(p) == -1 || parse_atom(p, &w) == -1 ||
		    strcasecmp(w.s, "UNCHANGEDSINCE") != 0 || parse_sp(p) ==
		    -1 || parse_number64(p, &unchanged) == -1 ||
		    parse_list_close(p) == -1 || parse_sp(p) == -1) {
			parse_fail(p, "expected (UNCHANGEDSINCE n)");
			return cmd_syntax(s, p);
		}
		s->enabled |= EN_CONDSTORE;
		has_unchanged = true;
	}
	if (parse_atom(p, &w) == -1)
		return cmd_syntax(s, p);
	name = w.s;
	if (*name == '+' || *name == '-') {
		op = *name == '+' ? STORE_ADD : STORE_DEL;
		name++;
	}
	silent = strcasecmp(name, "FLAGS.SILENT") == 0;
	if (!silent && strcasecmp(name, "FLAGS") != 0) {
		parse_fail(p, "expected FLAGS, +FLAGS or -FLAGS");
		return cmd_syntax(s, p);
	}
	if (parse_sp(p) == -1)
		return cmd_syntax(s, p);
	if (parse_peek(p) == '(') {
		if (parse_flag_list(s, p, &flags, &kw) == -1)
			return cmd_syntax(s, p);
	} else {
		/* flag *(SP flag): read them as if in parentheses */
		const unsigned char *st = p->p, *e;
		char *buf;
		struct parser q;

		for (e = st; e < p->end && *e != '\r'; e++)
			;
		buf = arena_printf(&s->arena, "(%.*s)\r\n", (int)(e - st), st);
		parse_init(&q, buf, strlen(buf), &s->arena, p->max_depth);
		if (parse_flag_list(s, &q, &flags, &kw) == -1 ||
		    !parse_at_eol(&q)) {
			parse_fail(p, q.err ? q.err : "invalid flag");
			return cmd_syntax(s, p);
		}
		p->p = e;
	}
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (!msgset_valid(s, &set))
		return resp_bad(s, "Invalid message sequence number");
	if (s->sel.readonly)
		return resp_no(s, CODE_CANNOT, "Mailbox is read-only");
	memset(&uids, 0, sizeof(uids));
	memset(&modified, 0, sizeof(modified));
	memset(&notes, 0, sizeof(notes));
	msgset_uids(s, &set, s->uid, &uids);
	if (uids.count > 0) {
		ss.r = uids.r;
		ss.n = uids.n;
		ss.saved = false;
		/* UNCHANGEDSINCE 0 can never hold: all are "modified" */
		if (has_unchanged && unchanged == 0) {
			uidmap_copy(&modified, &uids);
			prev = mod = s->sel.modseq;
			rc = DB_OK;
		} else
			rc = store_flags(s->db, s->sel.id, &ss, op, flags, kw,
			    unchanged, &modified, &prev, &mod, silent ||
			    uids.count > NOTES_MAX ? NULL : &notes);
		if (rc != DB_OK) {
			uidmap_free(&uids);
			flag_notes_free(&notes);
			return cmd_db_error(s, rc, "STORE");
		}
		/* our change needs no second report from notify */
		if (mod != prev && prev == s->sel.modseq)
			s->sel.modseq = mod;
		c.modseq = mod;
		c.modified = &modified;
		c.silent = silent;
		c.unchanged = has_unchanged;
		c.prev = prev;
		/*
		 * .SILENT without UNCHANGEDSINCE reports nothing here: the
		 * rows above prev are all ours, and what others changed
		 * before (at or below prev) comes from notify_check.
		 */
		rc = 0;
		if (notes.filled)	/* what the messages were, and the STORE */
			rc = report_notes(&c, &notes, op, flags);
		else if (!(silent && !has_unchanged))
			for (i = 0; rc == 0 && i < uids.n; i++)
				if (store_fetch(s->db, s->sel.id, uids.r[i].lo,
				    uids.r[i].hi, ROW_LEVEL_FLAGS,
				    store_row_flags, &c) == -1)
					rc = -1;
		flag_notes_free(&notes);
		if (rc == -1) {
			uidmap_free(&uids);
			uidmap_free(&modified);
			return -1;
		}
	}
	uidmap_free(&uids);
	if (modified.count > 0) {
		/* RFC 7162 3.1.3: [MODIFIED set], numbers as the command used */
		struct uidmap out;
		uint32_t k, v;

		memset(&out, 0, sizeof(out));
		for (k = 1; k <= modified.count; k++) {
			v = uidmap_uid(&modified, k);
			if (!s->uid)
				v = uidmap_seq(&s->sel.map, v);
			if (v > uidmap_last(&out))
				uidmap_append(&out, v, v);
		}
		/* what others changed comes before the tagged reply */
		if (s->notify_ok && notify_check(s) == -1) {
			uidmap_free(&out);
			uidmap_free(&modified);
			return -1;
		}
		s->notify_ok = false;
		rc = io_printf(&s->io, "%s OK [MODIFIED ", s->tag) == -1 ||
		    resp_add_uidset(s, &out) == -1 || io_printf(&s->io,
		    "] Conditional %sSTORE failed for some\r\n", s->uid ? "UID " :
		    "") == -1 ? -1 : 0;
		uidmap_free(&out);
		uidmap_free(&modified);
		return rc;
	}
	uidmap_free(&modified);
	return resp_ok(s, "%sSTORE completed", s->uid ? "UID " : "");
}

/* "1:3,7" from UID ranges, in the arena */
static char *
uidset_str(struct session *s, const struct uidmap *m)
{
	size_t	 cap = m->n * 24 + 1, o = 0, i;
	char	*out = arena_alloc(&s->arena, cap);

	out[0] = '\0';
	for (i = 0; i < m->n && o < cap; i++) {
		if (m->r[i].lo == m->r[i].hi)
			o += (size_t)snprintf(out + o, cap - o, "%s%u",
			    i ? "," : "", m->r[i].lo);
		else
			o += (size_t)snprintf(out + o, cap - o, "%s%u:%u",
			    i ? "," : "", m->r[i].lo, m->r[i].hi);
	}
	return out;
}

static int
copy_or_move(struct session *s, struct parser *p, bool move)
{
	struct store_mailbox	 mb;
	struct seqset		 set, ss;
	struct uidmap		 uids, srcu;
	struct str		 raw;
	const char		*name, *err;
	char			*src, *dst;
	uint32_t		 first = 0, uv = 0;
	int			 rc;

	if (parse_sp(p) == -1 || parse_seq_set(p, &set) == -1 ||
	    parse_sp(p) == -1 || parse_astring(p, &raw) == -1 ||
	    parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (!msgset_valid(s, &set))
		return resp_bad(s, "Invalid message sequence number");
	if ((name = mbox_name(s, &raw, &err)) == NULL)
		return resp_no(s, CODE_CANNOT, "%s", err);
	if (move && s->sel.readonly)
		return resp_no(s, CODE_CANNOT, "Mailbox is read-only");
	rc = store_mailbox_get(s->db, s->user_id, name, &mb, NULL);
	if (rc == DB_NOTFOUND || (rc == DB_OK && mb.noselect))
		return resp_no(s, CODE_TRYCREATE, "Mailbox does not exist");
	if (rc != DB_OK)
		return resp_serverbug(s, "COPY: reading the mailbox");
	memset(&uids, 0, sizeof(uids));
	memset(&srcu, 0, sizeof(srcu));
	msgset_uids(s, &set, s->uid, &uids);
	if (uids.count == 0) {
		uidmap_free(&uids);
		return resp_ok(s, "%s%s completed", s->uid ? "UID " : "",
		    move ? "MOVE" : "COPY");
	}
	ss.r = uids.r;
	ss.n = uids.n;
	ss.saved = false;
	rc = store_copy(s->db, s->sel.id, &ss, mb.id, move, &srcu, &first,
	    &uv);
	uidmap_free(&uids);
	if (rc != DB_OK) {
		uidmap_free(&srcu);
		if (rc == DB_NOTFOUND)
			return resp_no(s, CODE_TRYCREATE, "Mailbox does not "
			    "exist");
		return cmd_db_error(s, rc, move ? "MOVE" : "COPY");
	}
	if (srcu.count == 0) {
		uidmap_free(&srcu);
		return resp_tagged(s, RESP_OK, CODE_EXPUNGEISSUED, "Messages "
		    "were expunged meanwhile");
	}
	src = uidset_str(s, &srcu);
	dst = srcu.count == 1 ? arena_printf(&s->arena, "%u", first) :
	    arena_printf(&s->arena, "%u:%u", first, first + srcu.count - 1);
	log_debug("%s %u messages to %s", move ? "moved" : "copied",
	    srcu.count, name);
	if (!move) {
		uidmap_free(&srcu);
		return resp_tagged(s, RESP_OK, CODE_NONE, "[COPYUID %u %s %s] "
		    "COPY completed", uv, src, dst);
	}
	/* RFC 6851 4.3: COPYUID untagged, then the expunges */
	if (resp_untagged(s, "OK [COPYUID %u %s %s] Moved", uv, src, dst) ==
	    -1) {
		uidmap_free(&srcu);
		return -1;
	}
	if (notify_expunged(s, &srcu) == -1) {
		uidmap_free(&srcu);
		return -1;
	}
	uidmap_free(&srcu);
	return resp_ok(s, "%sMOVE completed", s->uid ? "UID " : "");
}

int
cmd_copy(struct session *s, struct parser *p)
{
	return copy_or_move(s, p, false);
}

int
cmd_move(struct session *s, struct parser *p)
{
	return copy_or_move(s, p, true);
}
