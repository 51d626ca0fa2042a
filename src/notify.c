/*
 * notify.c: what other processes (sessions, local delivery) changed in
 * the selected mailbox, reported as the RFC allows: new messages as
 * EXISTS (and RECENT for IMAP4rev1), removed ones as EXPUNGE, but never
 * EXPUNGE while a command that uses sequence numbers runs (RFC 9051
 * 7.5.1), so numbers never shift under the client mid-command.
 *
 * The mailbox row carries UIDNEXT, HIGHESTMODSEQ and the UID ranges, so
 * the check is one indexed row read and a diff of ranges.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <string.h>

#include "liteimapd.h"

struct nctx {
	struct session	*s;
	uint32_t	 old_uidnext;	/* newer ones came with EXISTS */
	int		 rc;
};

static int
changed_row(void *arg, const struct store_row *r)
{
	struct nctx	*c = arg;
	struct session	*s = c->s;
	uint32_t	 seq;

	if (r->uid >= c->old_uidnext ||
	    (seq = uidmap_seq(&s->sel.map, r->uid)) == 0)
		return 0;
	if (resp_add_num(s, "* ", seq, " FETCH (") == -1 ||
	    resp_add_num(s, "UID ", r->uid, " FLAGS ") == -1 ||
	    resp_add_flags(s, r->flags, r->keywords,
	    uidmap_seq(&s->sel.recent, r->uid) != 0) == -1 ||
	    ((s->enabled & EN_CONDSTORE) && resp_add_num(s, " MODSEQ (",
	    r->modseq, ")") == -1) ||
	    io_write(&s->io, ")", 1) == -1 || resp_end(s) == -1) {
		c->rc = -1;
		return 1;
	}
	return 0;
}

/*
 * Report that the UIDs in gone were expunged, forgetting them: one
 * "* VANISHED" under QRESYNC (RFC 7162 3.2.10), else "* n EXPUNGE" each,
 * numbered as they are after the ones before (RFC 9051 7.5.1).  UIDs
 * the client never knew are skipped.
 */
int
notify_expunged(struct session *s, const struct uidmap *gone)
{
	struct uidmap	known;
	uint32_t	i, uid, seq;
	int		rc = 0;

	memset(&known, 0, sizeof(known));
	for (i = 1; i <= gone->count; i++) {
		uid = uidmap_uid(gone, i);
		if ((seq = uidmap_seq(&s->sel.map, uid)) == 0)
			continue;
		uidmap_append(&known, uid, uid);
		(void)uidmap_remove(&s->sel.map, uid);
		(void)uidmap_remove(&s->sel.recent, uid);
		if (!(s->enabled & EN_QRESYNC) && rc == 0)
			rc = resp_untagged(s, "%u EXPUNGE", seq);
	}
	if ((s->enabled & EN_QRESYNC) && known.count > 0 && rc == 0)
		rc = resp_begin(s) == -1 || resp_add(s, "VANISHED ") == -1 ||
		    resp_add_uidset(s, &known) == -1 || resp_end(s) == -1 ?
		    -1 : 0;
	uidmap_free(&known);
	return rc;
}

/* Returns -1 when output failed or the session had to end. */
int
notify_check(struct session *s)
{
	struct selected		*sel = &s->sel;
	struct store_mailbox	 mb;
	struct uidmap		 now, diff;
	uint32_t		 i, from, old_count;
	bool			 rev1 = !(s->enabled & EN_IMAP4REV2);
	int			 rc = 0;

	if (s->state != STATE_SELECTED || !s->notify_ok)
		return 0;
	/*
	 * poll_every (as in Net::IMAP::Server): look at most that often;
	 * 0 looks after every command.  NOOP, CHECK and IDLE always look.
	 */
	if (s->cfg->poll_every > 0 && !s->idling && s->cmd_name != NULL &&
	    strcmp(s->cmd_name, "NOOP") != 0 && strcmp(s->cmd_name, "CHECK") !=
	    0 && now_ms() - sel->polled < s->cfg->poll_every && !sel->pending)
		return 0;
	sel->polled = now_ms();
	memset(&now, 0, sizeof(now));
	memset(&diff, 0, sizeof(diff));
	if (store_mailbox_get_id(s->db, sel->id, &mb, &now) != DB_OK ||
	    mb.uidvalidity != sel->uidvalidity || mb.noselect) {
		uidmap_free(&now);
		log_notice("selected mailbox %s was deleted or replaced",
		    sel->name);
		(void)resp_bye(s, CODE_NONE, "The selected mailbox was deleted "
		    "by another session");
		return -1;
	}
	if (mb.highestmodseq == sel->modseq && mb.uidnext == sel->uidnext &&
	    !(sel->pending && s->notify_expunge)) {
		uidmap_free(&now);
		return 0;
	}
	/* expunged elsewhere: known UIDs that are gone */
	uidmap_diff(&sel->map, &now, &diff);
	sel->pending = diff.count > 0;
	if (diff.count > 0 && s->notify_expunge) {
		rc = notify_expunged(s, &diff);
		sel->pending = false;
	}
	/* new messages: UIDs above the last one the client knows */
	old_count = sel->map.count;
	uidmap_tail(&now, sel->uidnext, &diff);
	for (i = 0; i < diff.n; i++)
		uidmap_append(&sel->map, diff.r[i].lo, diff.r[i].hi);
	if (sel->map.count != old_count && rc == 0) {
		/* EXAMINE takes nothing, but sees what nobody took (3501) */
		if (rev1 && sel->readonly)
			from = mb.recent_uid;
		if (rev1 && (sel->readonly || store_claim_recent(s->db, sel->id,
		    mb.uidnext - 1, &from) == DB_OK)) {
			uidmap_tail(&now, from + 1, &diff);
			for (i = 0; i < diff.n; i++)
				if (diff.r[i].lo > uidmap_last(&sel->recent))
					uidmap_append(&sel->recent,
					    diff.r[i].lo, diff.r[i].hi);
		}
		rc = resp_untagged(s, "%u EXISTS", sel->map.count);
		if (rc == 0 && rev1)
			rc = resp_untagged(s, "%u RECENT", sel->recent.count);
	}
	/* flags changed by others: a FETCH for each known message */
	if (rc == 0 && mb.highestmodseq > sel->modseq) {
		struct nctx nc = { s, sel->uidnext, 0 };

		if (store_changed(s->db, sel->id, sel->modseq, changed_row,
		    &nc) != DB_OK && nc.rc == 0)
			log_err("notify: reading changed messages: %s",
			    db_errmsg(s->db));
		rc = nc.rc;
	}
	sel->uidnext = mb.uidnext;
	if (!sel->pending)
		sel->modseq = mb.highestmodseq;
	uidmap_free(&now);
	uidmap_free(&diff);
	return rc;
}
