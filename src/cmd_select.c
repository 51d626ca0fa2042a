/*
 * cmd_select.c: entering and leaving the selected state (RFC 9051 6.3.2,
 * 6.3.3, 6.4.1, 6.4.2) and EXPUNGE / UID EXPUNGE (6.4.3, RFC 4315).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"

#define SYSTEM_FLAGS	"\\Answered \\Flagged \\Deleted \\Seen \\Draft"

/* Leave the selected state, forgetting the mailbox. */
void
select_end(struct session *s)
{
	if (s->state != STATE_SELECTED)
		return;
	uidmap_free(&s->sel.map);
	uidmap_free(&s->sel.recent);
	uidmap_free(&s->sel.saved);
	memset(&s->sel, 0, sizeof(s->sel));
	s->state = STATE_AUTH;
	session_title(s);
}

struct kwbuf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

static int
add_keyword(void *arg, const char *kw)
{
	struct kwbuf	*b = arg;
	size_t		 n = strlen(kw);

	if (b->len + n + 2 > b->cap) {
		b->cap = (b->len + n + 2) * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	b->s[b->len++] = ' ';
	memcpy(b->s + b->len, kw, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

struct qrctx {
	struct session	*s;
	uint64_t	 since;
	int		 rc;
};

static int
qr_row(void *arg, const struct store_row *r)
{
	struct qrctx	*c = arg;
	struct session	*s = c->s;
	uint32_t	 seq;

	if ((seq = uidmap_seq(&s->sel.map, r->uid)) == 0)
		return 0;
	if (resp_add_num(s, "* ", seq, " FETCH (") == -1 ||
	    resp_add_num(s, "UID ", r->uid, " FLAGS ") == -1 ||
	    resp_add_flags(s, r->flags, r->keywords, false) == -1 ||
	    resp_add_num(s, " MODSEQ (", r->modseq, "))") == -1 ||
	    resp_end(s) == -1) {
		c->rc = -1;
		return 1;
	}
	return 0;
}

/*
 * RFC 7162 3.2.5: what changed since the client's MODSEQ: VANISHED
 * (EARLIER) for expunged UIDs (among known, if given), then FETCH for
 * every message changed.
 */
static int
qresync_report(struct session *s, uint64_t since, const struct seqset *known)
{
	struct qrctx	 c = { s, since, 0 };
	struct uidmap	 v, out;
	uint32_t	 i, u;
	size_t		 k;

	memset(&v, 0, sizeof(v));
	memset(&out, 0, sizeof(out));
	bool		 trimmed;

	if (store_vanished(s->db, s->sel.id, since, &v, &trimmed) != DB_OK)
		return -2;
	for (i = 1; i <= v.count; i++) {
		u = uidmap_uid(&v, i);
		if (known != NULL) {
			bool in = false;

			for (k = 0; k < known->n && !in; k++)
				in = u >= known->r[k].lo && (known->r[k].hi ==
				    SEQ_STAR || u <= known->r[k].hi);
			if (!in)
				continue;
		}
		uidmap_append(&out, u, u);
	}
	uidmap_free(&v);
	if (out.count > 0 && (resp_begin(s) == -1 || resp_add(s,
	    "VANISHED (EARLIER) ") == -1 || resp_add_uidset(s, &out) == -1 ||
	    resp_end(s) == -1)) {
		uidmap_free(&out);
		return -1;
	}
	uidmap_free(&out);
	if (store_changed(s->db, s->sel.id, since, qr_row, &c) != DB_OK &&
	    c.rc == 0)
		return -2;
	return c.rc;
}

static int
do_select(struct session *s, struct parser *p, bool readonly)
{
	struct selected		*sel = &s->sel;
	struct store_mailbox	 mb;
	struct str		 raw, w;
	struct seqset		 qr_known;
	struct kwbuf		 kw = { NULL, 0, 0 };
	uint32_t		 qr_uv = 0;
	uint64_t		 qr_mod = 0;
	bool			 condstore = false, qresync = false;
	const char		*name, *err;
	uint32_t		 from, first;
	bool			 rev1 = !(s->enabled & EN_IMAP4REV2);
	int			 rc;

	memset(&qr_known, 0, sizeof(qr_known));
	if (parse_sp(p) == -1 || parse_astring(p, &raw) == -1)
		return cmd_syntax(s, p);
	if (parse_peek(p) == ' ') {
		/* select-params: CONDSTORE, QRESYNC (...) (RFC 7162) */
		if (parse_sp(p) == -1 || parse_list_open(p) == -1)
			return cmd_syntax(s, p);
		do {
			if (parse_peek(p) == ' ' && parse_sp(p) == -1)
				return cmd_syntax(s, p);
			if (parse_atom(p, &w) == -1)
				return cmd_syntax(s, p);
			if (strcasecmp(w.s, "CONDSTORE") == 0)
				condstore = true;
			else if (strcasecmp(w.s, "QRESYNC") == 0) {
				if (!(s->enabled & EN_QRESYNC))
					return resp_bad(s, "QRESYNC is not "
					    "enabled");
				if (parse_sp(p) == -1 || parse_list_open(p) ==
				    -1 || parse_number(p, &qr_uv) == -1 ||
				    parse_sp(p) == -1 || parse_number64(p,
				    &qr_mod) == -1)
					return cmd_syntax(s, p);
				if (parse_peek(p) == ' ' && (parse_sp(p) == -1 ||
				    parse_seq_set(p, &qr_known) == -1))
					return cmd_syntax(s, p);
				if (parse_peek(p) == ' ') {
					/* seq-match-data: accepted, unused */
					struct seqset a, b;

					if (parse_sp(p) == -1 ||
					    parse_list_open(p) == -1 ||
					    parse_seq_set(p, &a) == -1 ||
					    parse_sp(p) == -1 ||
					    parse_seq_set(p, &b) == -1 ||
					    parse_list_close(p) == -1)
						return cmd_syntax(s, p);
				}
				if (parse_list_close(p) == -1)
					return cmd_syntax(s, p);
				qresync = true;
			} else {
				parse_fail(p, "unknown SELECT parameter");
				return cmd_syntax(s, p);
			}
		} while (parse_peek(p) == ' ');
		if (parse_list_close(p) == -1)
			return cmd_syntax(s, p);
	}
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (condstore || qresync)
		s->enabled |= EN_CONDSTORE;
	if (s->state == STATE_SELECTED) {
		/* RFC 9051 7.1: the old mailbox is closed first */
		select_end(s);
		if (resp_untagged(s, "OK [CLOSED] Previous mailbox closed") ==
		    -1)
			return -1;
	}
	if ((name = mbox_name(s, &raw, &err)) == NULL)
		return resp_no(s, CODE_NONEXISTENT, "%s", err);
	memset(sel, 0, sizeof(*sel));
	rc = store_mailbox_get(s->db, s->user_id, name, &mb, &sel->map);
	if (rc == DB_NOTFOUND || (rc == DB_OK && mb.noselect)) {
		uidmap_free(&sel->map);
		return resp_no(s, CODE_NONEXISTENT, "Mailbox does not exist");
	}
	if (rc != DB_OK) {
		uidmap_free(&sel->map);
		return resp_serverbug(s, "SELECT: reading the mailbox");
	}
	sel->id = mb.id;
	(void)strlcpy(sel->name, mb.name, sizeof(sel->name));
	sel->uidvalidity = mb.uidvalidity;
	sel->uidnext = mb.uidnext;
	sel->modseq = mb.highestmodseq;
	sel->readonly = readonly;
	sel->polled = now_ms();		/* SELECT is a fresh look */
	if (rev1) {
		/* RFC 3501: one session sees a message as \Recent; not EXAMINE */
		from = mb.recent_uid;
		if (!readonly && mb.uidnext - 1 > mb.recent_uid &&
		    store_claim_recent(s->db, mb.id, mb.uidnext - 1, &from) !=
		    DB_OK)
			from = mb.uidnext - 1;
		uidmap_tail(&sel->map, from + 1, &sel->recent);
	}
	s->state = STATE_SELECTED;
	session_title(s);
	if (store_keywords(s->db, mb.id, add_keyword, &kw) != DB_OK) {
		free(kw.s);
		return resp_serverbug(s, "SELECT: reading keywords");
	}
	rc = resp_untagged(s, "FLAGS (" SYSTEM_FLAGS "%s)", kw.s ? kw.s : "");
	if (rc == 0)
		rc = readonly ? resp_untagged(s, "OK [PERMANENTFLAGS ()] "
		    "Read-only mailbox") : resp_untagged(s, "OK [PERMANENTFLAGS "
		    "(" SYSTEM_FLAGS "%s \\*)] Flags permitted", kw.s ? kw.s :
		    "");
	free(kw.s);
	if (rc == 0)
		rc = resp_untagged(s, "%u EXISTS", sel->map.count);
	if (rc == 0 && rev1) {
		rc = resp_untagged(s, "%u RECENT", sel->recent.count);
		if (rc == 0 && mb.unseen > 0 && store_first_unseen(s->db,
		    mb.id, &first) == DB_OK && first != 0)
			rc = resp_untagged(s, "OK [UNSEEN %u] First unseen",
			    uidmap_seq(&sel->map, first));
	}
	if (rc == 0)
		rc = resp_untagged(s, "OK [UIDVALIDITY %u] UIDs valid",
		    mb.uidvalidity);
	if (rc == 0)
		rc = resp_untagged(s, "OK [UIDNEXT %u] Predicted next UID",
		    mb.uidnext);
	if (rc == 0 && (s->enabled & EN_CONDSTORE))
		rc = resp_untagged(s, "OK [HIGHESTMODSEQ %llu] Highest",
		    (unsigned long long)mb.highestmodseq);
	if (rc == 0 && qresync && qr_uv == mb.uidvalidity)
		rc = qresync_report(s, qr_mod, qr_known.n > 0 ? &qr_known :
		    NULL);
	if (rc == 0 && !rev1) {
		/* RFC 9051 6.3.2: the mailbox's name as the server knows it */
		if (resp_begin(s) == -1 || resp_add(s, "LIST () \"/\" ") == -1 ||
		    resp_add_mailbox(s, mb.name) == -1 || resp_end(s) == -1)
			return -1;
	}
	if (rc == -1)
		return -1;
	log_debug("%s %s: %u messages", readonly ? "examine" : "select",
	    mb.name, sel->map.count);
	return resp_tagged(s, RESP_OK, CODE_NONE, "[%s] %s completed",
	    readonly ? "READ-ONLY" : "READ-WRITE", readonly ? "EXAMINE" :
	    "SELECT");
}

int
cmd_select(struct session *s, struct parser *p)
{
	return do_select(s, p, false);
}

int
cmd_examine(struct session *s, struct parser *p)
{
	return do_select(s, p, true);
}

/*
 * Expunge and report: all \Deleted messages, or those with UIDs in set.
 * RFC 9051 7.5.1: each EXPUNGE carries the number as it is after the
 * ones before it.
 */
static int
expunge(struct session *s, const struct seqset *uids, bool silent,
    int *dbrc)
{
	struct uidmap	gone;
	uint64_t	modseq;
	uint32_t	i, uid;
	int		rc;

	memset(&gone, 0, sizeof(gone));
	rc = store_expunge(s->db, s->sel.id, uids, &gone, &modseq);
	if (rc != DB_OK) {
		uidmap_free(&gone);
		*dbrc = rc;
		return 1;
	}
	log_debug("expunged %u messages from %s", gone.count, s->sel.name);
	if (s->cfg->tombstone_horizon > 0 && gone.count > 0 &&
	    db_begin(s->db) == DB_OK) {
		if (store_trim_tombstones(s->db, s->sel.id,
		    s->cfg->tombstone_horizon / 1000) == DB_OK)
			(void)db_commit(s->db);
		else
			db_rollback(s->db);
	}
	if (silent) {
		for (i = 1; i <= gone.count; i++) {
			uid = uidmap_uid(&gone, i);
			(void)uidmap_remove(&s->sel.map, uid);
			(void)uidmap_remove(&s->sel.recent, uid);
		}
		rc = 0;
	} else
		rc = notify_expunged(s, &gone);
	uidmap_free(&gone);
	return rc;
}

static int
expunge_failed(struct session *s, int rc, int dbrc)
{
	if (rc == -1)
		return -1;
	return cmd_db_error(s, dbrc, "EXPUNGE");
}

/* RFC 9051 6.4.1: expunge silently (unless read-only), then deselect. */
int
cmd_close(struct session *s, struct parser *p)
{
	int	rc, dbrc = DB_OK;

	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (!s->sel.readonly && (rc = expunge(s, NULL, true, &dbrc)) != 0)
		return expunge_failed(s, rc, dbrc);
	select_end(s);
	return resp_ok(s, "CLOSE completed");
}

/* RFC 3691 / RFC 9051 6.4.2 */
int
cmd_unselect(struct session *s, struct parser *p)
{
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	select_end(s);
	return resp_ok(s, "UNSELECT completed");
}

/* RFC 3501 6.4.1: our writes are durable at once; nothing to do. */
int
cmd_check(struct session *s, struct parser *p)
{
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	return resp_ok(s, "CHECK completed");
}

/* Resolve "*" in a UID set against the largest UID the client knows. */
static void
resolve_uids(struct session *s, struct seqset *set)
{
	uint32_t	max = uidmap_last(&s->sel.map), t;
	size_t		i;

	for (i = 0; i < set->n; i++) {
		if (set->r[i].lo == SEQ_STAR)
			set->r[i].lo = max;
		if (set->r[i].hi == SEQ_STAR)
			set->r[i].hi = max;
		if (set->r[i].lo > set->r[i].hi) {
			t = set->r[i].lo;
			set->r[i].lo = set->r[i].hi;
			set->r[i].hi = t;
		}
	}
}

/* EXPUNGE, and UID EXPUNGE uid-set (RFC 4315 2.1) */
int
cmd_expunge(struct session *s, struct parser *p)
{
	struct seqset	set;
	int		rc, dbrc = DB_OK;

	if (s->uid && (parse_sp(p) == -1 || parse_seq_set(p, &set) == -1))
		return cmd_syntax(s, p);
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (s->uid && set.saved)
		return resp_bad(s, "UID EXPUNGE: no saved search result");
	if (s->sel.readonly)
		return resp_no(s, CODE_CANNOT, "Mailbox is read-only");
	if (s->uid)
		resolve_uids(s, &set);
	if ((rc = expunge(s, s->uid ? &set : NULL, false, &dbrc)) != 0)
		return expunge_failed(s, rc, dbrc);
	return resp_ok(s, "%sEXPUNGE completed", s->uid ? "UID " : "");
}
