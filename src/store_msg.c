/*
 * store_msg.c: messages in mailboxes: append and expunge, each one
 * transaction that also moves the mailbox's UIDNEXT, HIGHESTMODSEQ and
 * uidmap, so other sessions see all of a change or none of it.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liteimapd.h"
#include "db.h"

struct sbuf_kw {
	char	s[KEYWORDS_MAX + 4];
	size_t	len;
};

/* Text from a growing buffer ("" when empty). */
static void
bind_sb(sqlite3_stmt *st, int i, const struct sbuf *b)
{
	(void)sqlite3_bind_text(st, i, b->s ? b->s : "", (int)b->len,
	    SQLITE_STATIC);
}

static int
step_done(struct db *db, sqlite3_stmt *st)
{
	int	rc = sqlite3_step(st);

	(void)sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : db_result(db, rc);
}

/* Record keywords " a b " as used in the mailbox (for FLAGS). */
static int
note_keywords(struct db *db, int64_t mailbox, const char *kw)
{
	sqlite3_stmt	*st;
	const char	*p, *e;
	int		 rc;

	for (p = kw; *p != '\0'; p = e) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		/* keywords are case-insensitive: the first spelling stays */
		if ((st = db_stmt(db, STMT_KEYWORD_ADD, "INSERT INTO "
		    "mailbox_keywords (mailbox_id, keyword) SELECT ?1, ?2 "
		    "WHERE NOT EXISTS (SELECT 1 FROM mailbox_keywords WHERE "
		    "mailbox_id = ?1 AND keyword = ?2 COLLATE NOCASE)")) == NULL)
			return DB_ERROR;
		(void)sqlite3_bind_int64(st, 1, mailbox);
		(void)sqlite3_bind_text(st, 2, p, (int)(e - p), SQLITE_STATIC);
		if ((rc = step_done(db, st)) != DB_OK)
			return rc;
	}
	return DB_OK;
}

/* ---- the change log (schema 9, sql/009-changes.sql) ---- */

/*
 * Rows newer than the last CHANGES_KEEP MODSEQs stay as they are: a
 * session that checks for changes reads the few rows after its MODSEQ.
 * Sized for many busy sessions: with 50 clients writing, a session is
 * some hundred MODSEQs behind when it looks, and a folded row of up to
 * CHANGES_RANGES ranges costs a lookup per range.
 */
#define CHANGES_KEEP	1024
#define CHANGES_RANGES	1024	/* at most in the row they fold into */

/*
 * Add a row's UID ranges to acc.  A row that does not parse names every
 * UID (a superset is always right here, a subset never).
 */
static void
changes_merge(struct uidmap *acc, const void *blob, size_t len)
{
	struct uidmap	 row, out;

	memset(&row, 0, sizeof(row));
	memset(&out, 0, sizeof(out));
	if (uidmap_load(&row, blob, len) == -1) {
		log_err("change log: a malformed row, reading every message");
		row.n = row.count = 0;
		uidmap_append(&row, 1, UINT32_MAX);
	}
	uidmap_union(acc, &row, &out);
	uidmap_copy(acc, &out);
	uidmap_free(&row);
	uidmap_free(&out);
}

/* One row of the change log: uids at modseq. */
static int
changes_put(struct db *db, int64_t mailbox, uint64_t modseq,
    const struct uidmap *uids)
{
	sqlite3_stmt	*st;
	void		*blob;
	size_t		 len;
	int		 rc;

	if ((st = db_stmt(db, STMT_CHANGES_ADD, "INSERT INTO changes "
	    "(mailbox_id, modseq, uids) VALUES (?, ?, ?)")) == NULL)
		return DB_ERROR;
	blob = uidmap_blob(uids, &len);
	(void)sqlite3_bind_int64(st, 1, mailbox);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)modseq);
	(void)sqlite3_bind_blob(st, 3, blob, (int)len, SQLITE_STATIC);
	rc = step_done(db, st);
	free(blob);
	return rc;
}

/*
 * Fold the rows with MODSEQ upto or below into one at the highest of
 * their MODSEQs, naming every UID they named (in at most CHANGES_RANGES
 * ranges, so a little more).  A question about "after n" below that
 * MODSEQ reads it and finds the same messages; one about n at or above
 * it never needed the rows.
 */
static int
changes_fold(struct db *db, int64_t mailbox, uint64_t upto)
{
	struct uidmap	 acc;
	sqlite3_stmt	*st;
	uint64_t	 top = 0;
	int		 rc;

	memset(&acc, 0, sizeof(acc));
	if ((st = db_stmt(db, STMT_CHANGES_FOLD_READ, "SELECT modseq, uids "
	    "FROM changes WHERE mailbox_id = ? AND modseq <= ?")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, mailbox);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)upto);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((uint64_t)sqlite3_column_int64(st, 0) > top)
			top = (uint64_t)sqlite3_column_int64(st, 0);
		changes_merge(&acc, sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
	}
	(void)sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		uidmap_free(&acc);
		return db_result(db, rc);
	}
	uidmap_coarsen(&acc, CHANGES_RANGES);
	if ((st = db_stmt(db, STMT_CHANGES_FOLD_DEL, "DELETE FROM changes "
	    "WHERE mailbox_id = ? AND modseq <= ?")) == NULL) {
		uidmap_free(&acc);
		return DB_ERROR;
	}
	(void)sqlite3_bind_int64(st, 1, mailbox);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)upto);
	if ((rc = step_done(db, st)) == DB_OK && top > 0 && acc.n > 0)
		rc = changes_put(db, mailbox, top, &acc);
	uidmap_free(&acc);
	return rc;
}

/*
 * Record that the transaction gave the messages uids of mailbox the
 * MODSEQ modseq (the UIDs may be more than those that changed).  When
 * the second oldest row is CHANGES_KEEP MODSEQs older than it need be,
 * every row older than the newest CHANGES_KEEP MODSEQs is folded into
 * one: at most 2 * CHANGES_KEEP + 1 rows, a fold every CHANGES_KEEP
 * MODSEQs or so, and one probe of the index to know.
 */
static int
changes_add(struct db *db, int64_t mailbox, uint64_t modseq,
    const struct uidmap *uids)
{
	sqlite3_stmt	*st;
	int		 rc, old;

	if (uids->n == 0)
		return DB_OK;
	rc = changes_put(db, mailbox, modseq, uids);
	if (rc != DB_OK || modseq <= 2 * CHANGES_KEEP)
		return rc;
	if ((st = db_stmt(db, STMT_CHANGES_OLD, "SELECT modseq FROM changes "
	    "WHERE mailbox_id = ? ORDER BY modseq LIMIT 1 OFFSET 1")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, mailbox);
	rc = sqlite3_step(st);
	old = rc == SQLITE_ROW && (uint64_t)sqlite3_column_int64(st, 0) <=
	    modseq - 2 * CHANGES_KEEP;
	(void)sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_result(db, rc);
	if (!old)
		return DB_OK;
	return changes_fold(db, mailbox, modseq - CHANGES_KEEP);
}

static int
cmp_range(const void *a, const void *b)
{
	const struct seqrange *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * The UIDs lo..hi of each range of a resolved set, as a sorted map: a
 * sort and one pass (a set may hold a range per message).
 */
static void
map_of_ranges(struct uidmap *out, const struct seqrange *r, size_t n)
{
	struct seqrange	*v;
	size_t		 i, k = 0;

	out->n = out->count = 0;
	if (n == 0)
		return;
	v = xreallocarray(NULL, n, sizeof(*v));
	memcpy(v, r, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_range);
	for (i = 1; i < n; i++) {
		if ((uint64_t)v[i].lo <= (uint64_t)v[k].hi + 1) {
			if (v[i].hi > v[k].hi)
				v[k].hi = v[i].hi;
		} else
			v[++k] = v[i];
	}
	for (i = 0; i <= k; i++)
		uidmap_append(out, v[i].lo, v[i].hi);
	free(v);
}

static int
save_map(struct db *db, int64_t mailbox, const struct uidmap *map,
    uint32_t uidnext, uint64_t modseq)
{
	sqlite3_stmt	*st;
	void		*blob;
	size_t		 len;
	int		 rc;

	if ((st = db_stmt(db, STMT_MBOX_APPENDED, "UPDATE mailboxes SET "
	    "uidnext = ?, highestmodseq = ?, uidmap = ? WHERE id = ?")) == NULL)
		return DB_ERROR;
	blob = uidmap_blob(map, &len);
	(void)sqlite3_bind_int64(st, 1, uidnext);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)modseq);
	(void)sqlite3_bind_blob(st, 3, blob, (int)len, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 4, mailbox);
	rc = step_done(db, st);
	free(blob);
	return rc;
}

/*
 * Append n messages to a mailbox in one transaction, all or nothing
 * (MULTIAPPEND, RFC 3502).  They get consecutive UIDs from *first_uid_r
 * and share one new MODSEQ.  DB_NOTFOUND if the mailbox is gone or not
 * selectable; DB_FULL when the UIDs would run out.
 */
int
store_append(struct db *db, int64_t mailbox, const struct store_msg *msgs,
    size_t n, uint32_t *uidvalidity_r, uint32_t *first_uid_r)
{
	struct store_mailbox	 mb;
	struct uidmap		 map, added;
	struct mime_info	*mi;
	struct search_doc	*sd;
	sqlite3_stmt		*st;
	int64_t			 now = (int64_t)time(NULL), content, *ids;
	uint64_t		 modseq;
	size_t			 i;
	int			 rc;

	memset(&map, 0, sizeof(map));
	memset(&added, 0, sizeof(added));
	/* parse before taking the write lock */
	mi = xcalloc(n ? n : 1, sizeof(*mi));
	sd = xcalloc(n ? n : 1, sizeof(*sd));
	ids = xcalloc(n ? n : 1, sizeof(*ids));
	for (i = 0; i < n; i++) {
		mime_parse(msgs[i].data, msgs[i].len, &mi[i]);
		mime_doc(msgs[i].data, msgs[i].len, &mi[i], &sd[i]);
	}
	if ((rc = db_begin(db)) != DB_OK)
		goto out;
	if ((rc = store_mailbox_get_id(db, mailbox, &mb, &map)) != DB_OK)
		goto fail;
	if (mb.noselect) {
		rc = DB_NOTFOUND;
		goto fail;
	}
	if ((uint64_t)mb.uidnext + n > UINT32_MAX) {
		log_err("mailbox %lld: UIDs exhausted", (long long)mailbox);
		rc = DB_FULL;
		goto fail;
	}
	modseq = mb.highestmodseq + 1;
	for (i = 0; i < n; i++) {
		if ((st = db_stmt(db, STMT_CONTENT_ADD, "INSERT INTO contents "
		    "(size, header_len, envelope, bodystructure, body, "
		    "parts, sentdate, senttz, sort_subject, sort_from, sort_to, "
		    "sort_cc, display_from, display_to, message_id, in_reply_to, "
		    "refs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		    "?, ?)")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, (sqlite3_int64)msgs[i].len);
		(void)sqlite3_bind_int64(st, 2, mi[i].header_len);
		(void)sqlite3_bind_text(st, 3, mi[i].envelope, -1,
		    SQLITE_STATIC);
		(void)sqlite3_bind_text(st, 4, mi[i].bodystructure, -1,
		    SQLITE_STATIC);
		(void)sqlite3_bind_text(st, 5, mi[i].body, -1, SQLITE_STATIC);
		(void)sqlite3_bind_blob(st, 6, mi[i].parts, (int)(mi[i].nparts *
		    MIME_ENT_SIZE), SQLITE_STATIC);
		if (sd[i].has_date) {
			(void)sqlite3_bind_int64(st, 7, sd[i].sentdate);
			(void)sqlite3_bind_int(st, 8, sd[i].senttz);
		}
		bind_sb(st, 9, &sd[i].sort_subject);
		bind_sb(st, 10, &sd[i].sort_from);
		bind_sb(st, 11, &sd[i].sort_to);
		bind_sb(st, 12, &sd[i].sort_cc);
		bind_sb(st, 13, &sd[i].display_from);
		bind_sb(st, 14, &sd[i].display_to);
		bind_sb(st, 15, &sd[i].message_id);
		bind_sb(st, 16, &sd[i].in_reply_to);
		bind_sb(st, 17, &sd[i].refs);
		if ((rc = step_done(db, st)) != DB_OK)
			goto fail;
		content = ids[i] = sqlite3_last_insert_rowid(db_handle(db));
		if ((st = db_stmt(db, STMT_DATA_ADD, "INSERT INTO content_data "
		    "(id, data) VALUES (?, ?)")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, content);
		(void)sqlite3_bind_blob64(st, 2, msgs[i].data, msgs[i].len,
		    SQLITE_STATIC);
		if ((rc = step_done(db, st)) != DB_OK)
			goto fail;
		CRASHPOINT("append-content");
		if ((st = db_stmt(db, STMT_MSG_ADD, "INSERT INTO messages "
		    "(mailbox_id, uid, content_id, size, flags, keywords, "
		    "modseq, internaldate, internaltz, savedate) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, mailbox);
		(void)sqlite3_bind_int64(st, 2, mb.uidnext + (uint32_t)i);
		(void)sqlite3_bind_int64(st, 3, content);
		(void)sqlite3_bind_int64(st, 4, (sqlite3_int64)msgs[i].len);
		(void)sqlite3_bind_int(st, 5, (int)msgs[i].flags);
		(void)sqlite3_bind_text(st, 6, msgs[i].keywords, -1,
		    SQLITE_STATIC);
		(void)sqlite3_bind_int64(st, 7, (sqlite3_int64)modseq);
		(void)sqlite3_bind_int64(st, 8, msgs[i].date);
		(void)sqlite3_bind_int(st, 9, msgs[i].tz);
		(void)sqlite3_bind_int64(st, 10, now);
		if ((rc = step_done(db, st)) != DB_OK)
			goto fail;
		CRASHPOINT("append-message");
		if (msgs[i].keywords[0] != '\0' &&
		    (rc = note_keywords(db, mailbox, msgs[i].keywords)) != DB_OK)
			goto fail;
	}
	if (n > 0) {
		uidmap_append(&map, mb.uidnext, mb.uidnext + (uint32_t)n - 1);
		if ((rc = save_map(db, mailbox, &map, mb.uidnext + (uint32_t)n,
		    modseq)) != DB_OK)
			goto fail;
		added.n = added.count = 0;
		uidmap_append(&added, mb.uidnext, mb.uidnext + (uint32_t)n - 1);
		if ((rc = changes_add(db, mailbox, modseq, &added)) != DB_OK)
			goto fail;
	}
	/*
	 * The full-text rows last, after every other statement of the
	 * transaction: a statement that opens a statement journal (foreign
	 * keys, triggers) makes FTS5 write out its pending terms
	 * (xSavepoint), so interleaved each message became its own index
	 * segment, all merged again later: twice the CPU of an import.
	 */
	for (i = 0; i < n; i++) {
		if ((st = db_stmt(db, STMT_SEARCH_ADD, "INSERT INTO search_text "
		    "(rowid, hdr, mimehdr, body) VALUES (?, ?, ?, ?)")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, ids[i]);
		bind_sb(st, 2, &sd[i].hdr);
		bind_sb(st, 3, &sd[i].mimehdr);
		bind_sb(st, 4, &sd[i].body);
		if ((rc = step_done(db, st)) != DB_OK)
			goto fail;
		if ((st = db_stmt(db, STMT_ADDR_ADD, "INSERT INTO search_addr "
		    "(rowid, subject, from_, to_, cc, bcc) VALUES (?, ?, ?, ?, ?, "
		    "?)")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, ids[i]);
		bind_sb(st, 2, &sd[i].subject);
		bind_sb(st, 3, &sd[i].from);
		bind_sb(st, 4, &sd[i].to);
		bind_sb(st, 5, &sd[i].cc);
		bind_sb(st, 6, &sd[i].bcc);
		if ((rc = step_done(db, st)) != DB_OK)
			goto fail;
		CRASHPOINT("append-fts");
	}
	if ((rc = db_commit(db)) != DB_OK)
		goto out;
	*uidvalidity_r = mb.uidvalidity;
	*first_uid_r = mb.uidnext;
	goto out;
dberr:
	rc = DB_ERROR;
fail:
	db_rollback(db);
out:
	for (i = 0; i < n; i++) {
		mime_info_free(&mi[i]);
		mime_doc_free(&sd[i]);
	}
	free(mi);
	free(sd);
	free(ids);
	uidmap_free(&map);
	uidmap_free(&added);
	return rc;
}

/*
 * Merge the full-text index's segments, up to pages pages of work in
 * each table, in one short transaction; *more: there was work, call
 * again.  FTS5 merges as it goes (automerge 8), a little with every
 * write, but a bulk load leaves merges of its large segments half done,
 * and every APPEND afterwards paid for them: at 100,000 imported
 * messages the first 30,000 APPENDs of the mixed load took 28 ms at the
 * 99th percentile instead of 13, and 10 clients did 5,400 operations a
 * second instead of 7,100.  liteimapctl import settles the index with
 * this when it is done (5 s after 90 s of import there).  FTS5 says a
 * 'merge' that changed fewer than 2 rows found nothing to do.
 */
int
store_fts_merge(struct db *db, int pages, bool *more)
{
	sqlite3_stmt	*st;
	int64_t		 before;
	int		 rc, i;

	*more = false;
	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	for (i = 0; i < 2; i++) {
		st = i == 0 ? db_stmt(db, STMT_TEXT_MERGE, "INSERT INTO "
		    "search_text (search_text, rank) VALUES ('merge', ?)") :
		    db_stmt(db, STMT_ADDR_MERGE, "INSERT INTO search_addr "
		    "(search_addr, rank) VALUES ('merge', ?)");
		if (st == NULL) {
			db_rollback(db);
			return DB_ERROR;
		}
		(void)sqlite3_bind_int(st, 1, pages);
		before = sqlite3_total_changes64(db_handle(db));
		if ((rc = step_done(db, st)) != DB_OK) {
			db_rollback(db);
			return rc;
		}
		if (sqlite3_total_changes64(db_handle(db)) - before >= 2)
			*more = true;
	}
	return db_commit(db);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Move the mailbox's unseen_from up to its first message without \Seen
 * at or above from (or above unseen_from, if that is higher), or to
 * UIDNEXT when there is none: after the messages below from got \Seen
 * or were expunged.  It walks the primary key over the seen messages in
 * between, once: the next walk starts where this one stopped.
 */
static int
unseen_advance(struct db *db, int64_t mailbox, uint32_t from)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, STMT_UNSEEN_ADVANCE, "UPDATE mailboxes SET "
	    "unseen_from = coalesce((SELECT uid FROM messages WHERE "
	    "mailbox_id = ?1 AND uid >= max(?2, mailboxes.unseen_from) AND "
	    "flags & 1 = 0 ORDER BY uid LIMIT 1), uidnext) WHERE id = ?1")) ==
	    NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, mailbox);
	(void)sqlite3_bind_int64(st, 2, from);
	return step_done(db, st);
}

/* Run a DELETE ... RETURNING uid, adding the UIDs to the array. */
static int
collect(struct db *db, sqlite3_stmt *st, uint32_t **uids, size_t *n,
    size_t *cap)
{
	int	rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*uids = xreallocarray(*uids, *cap, sizeof(**uids));
		}
		(*uids)[(*n)++] = (uint32_t)sqlite3_column_int64(st, 0);
	}
	(void)sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : db_result(db, rc);
}

/*
 * Remove the messages flagged \Deleted, all of them or those whose UIDs
 * are in uids (ranges already resolved, no "*").  gone gets the UIDs
 * removed, *modseq_r the MODSEQ of the change (tombstones keep it for
 * QRESYNC).
 */
int
store_expunge(struct db *db, int64_t mailbox, const struct seqset *uids,
    struct uidmap *gone, uint64_t *modseq_r)
{
	struct store_mailbox	 mb;
	struct uidmap		 map;
	sqlite3_stmt		*st;
	uint32_t		*del = NULL;
	size_t			 n = 0, cap = 0, i;
	uint64_t		 modseq;
	int			 rc;

	memset(&map, 0, sizeof(map));
	gone->n = gone->count = 0;
	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	if ((rc = store_mailbox_get_id(db, mailbox, &mb, &map)) != DB_OK)
		goto fail;
	modseq = mb.highestmodseq + 1;
	if (uids == NULL) {
		if ((st = db_stmt(db, STMT_EXPUNGE_ALL, "DELETE FROM messages "
		    "WHERE mailbox_id = ? AND flags & 8 RETURNING uid")) ==
		    NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, mailbox);
		if ((rc = collect(db, st, &del, &n, &cap)) != DB_OK)
			goto fail;
	} else
		for (i = 0; i < uids->n; i++) {
			if ((st = db_stmt(db, STMT_EXPUNGE_UID, "DELETE FROM "
			    "messages WHERE mailbox_id = ? AND flags & 8 AND "
			    "uid BETWEEN ? AND ? RETURNING uid")) == NULL)
				goto dberr;
			(void)sqlite3_bind_int64(st, 1, mailbox);
			(void)sqlite3_bind_int64(st, 2, uids->r[i].lo);
			(void)sqlite3_bind_int64(st, 3, uids->r[i].hi);
			if ((rc = collect(db, st, &del, &n, &cap)) != DB_OK)
				goto fail;
		}
	CRASHPOINT("expunge-deleted");
	if (n > 0) {
		qsort(del, n, sizeof(*del), cmp_u32);
		for (i = 0; i < n; i++) {
			if (i > 0 && del[i] == del[i - 1])
				continue;
			(void)uidmap_remove(&map, del[i]);
			uidmap_append(gone, del[i], del[i]);
			if ((st = db_stmt(db, STMT_TOMBSTONE, "INSERT OR REPLACE "
			    "INTO expunged (mailbox_id, uid, modseq) "
			    "VALUES (?, ?, ?)")) == NULL)
				goto dberr;
			(void)sqlite3_bind_int64(st, 1, mailbox);
			(void)sqlite3_bind_int64(st, 2, del[i]);
			(void)sqlite3_bind_int64(st, 3, (sqlite3_int64)modseq);
			if ((rc = step_done(db, st)) != DB_OK)
				goto fail;
		}
		CRASHPOINT("expunge-tombstones");
		if ((rc = save_map(db, mailbox, &map, mb.uidnext, modseq)) !=
		    DB_OK || (rc = unseen_advance(db, mailbox, 0)) != DB_OK)
			goto fail;
	}
	if ((rc = db_commit(db)) == DB_OK)
		*modseq_r = n > 0 ? modseq : mb.highestmodseq;
	goto out;
dberr:
	rc = DB_ERROR;
fail:
	db_rollback(db);
out:
	free(del);
	uidmap_free(&map);
	return rc;
}

/* ---- reading messages ---- */

#define ROW_FLAGS	"m.uid, m.flags, m.keywords, m.modseq"
#define ROW_LIGHT	ROW_FLAGS ", m.size, m.internaldate, m.internaltz, " \
	"m.savedate, m.content_id"

/*
 * Call fn for each message with lo <= UID <= hi, in UID order, with
 * what level asks for: ROW_LEVEL_FLAGS UID, flags, keywords and MODSEQ
 * only (the rest of the row zero); ROW_LEVEL_LIGHT the whole messages
 * row; ROW_LEVEL_FULL also the parsed structure from contents (ENVELOPE,
 * BODYSTRUCTURE ...).  fn returning non-zero stops the walk (and is
 * returned).
 */
int
store_fetch(struct db *db, int64_t mailbox, uint32_t lo, uint32_t hi,
    int level, int (*fn)(void *, const struct store_row *), void *arg)
{
	struct store_row	 r;
	sqlite3_stmt		*st;
	int			 rc, stop = 0;

	switch (level) {
	case ROW_LEVEL_FULL:
		st = db_stmt(db, STMT_FETCH_FULL, "SELECT " ROW_LIGHT ", "
		    "c.header_len, c.envelope, c.bodystructure, c.body, "
		    "c.parts FROM messages m JOIN contents c ON c.id = "
		    "m.content_id WHERE m.mailbox_id = ? AND m.uid BETWEEN ? "
		    "AND ? ORDER BY m.uid");
		break;
	case ROW_LEVEL_LIGHT:
		st = db_stmt(db, STMT_FETCH_LIGHT, "SELECT " ROW_LIGHT " FROM "
		    "messages m WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND "
		    "? ORDER BY m.uid");
		break;
	default:
		st = db_stmt(db, STMT_FETCH_FLAGS, "SELECT " ROW_FLAGS " FROM "
		    "messages m WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND "
		    "? ORDER BY m.uid");
		break;
	}
	if (st == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, mailbox);
	(void)sqlite3_bind_int64(st, 2, lo);
	(void)sqlite3_bind_int64(st, 3, hi);
	memset(&r, 0, sizeof(r));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.uid = (uint32_t)sqlite3_column_int64(st, 0);
		r.flags = (unsigned)sqlite3_column_int(st, 1);
		r.keywords = (const char *)sqlite3_column_text(st, 2);
		r.modseq = (uint64_t)sqlite3_column_int64(st, 3);
		if (level >= ROW_LEVEL_LIGHT) {
			r.size = (uint32_t)sqlite3_column_int64(st, 4);
			r.date = sqlite3_column_int64(st, 5);
			r.tz = sqlite3_column_int(st, 6);
			r.savedate = sqlite3_column_int64(st, 7);
			r.content = sqlite3_column_int64(st, 8);
		}
		if (level == ROW_LEVEL_FULL) {
			r.header_len = (uint32_t)sqlite3_column_int64(st, 9);
			r.envelope = (const char *)sqlite3_column_text(st, 10);
			r.bodystructure = (const char *)sqlite3_column_text(st,
			    11);
			r.body = (const char *)sqlite3_column_text(st, 12);
			r.parts = sqlite3_column_blob(st, 13);
			r.nparts = (size_t)sqlite3_column_bytes(st, 13) /
			    MIME_ENT_SIZE;
		}
		if (r.keywords == NULL)
			r.keywords = "";
		if ((stop = fn(arg, &r)) != 0)
			break;
	}
	(void)sqlite3_reset(st);
	if (stop != 0)
		return stop;
	return rc == SQLITE_DONE ? DB_OK : db_result(db, rc);
}

/*
 * Messages changed after MODSEQ since (flags set by anyone, messages
 * added), by UID: those of the UIDs the change log names after since
 * whose MODSEQ is above it.
 */
int
store_changed(struct db *db, int64_t mailbox, uint64_t since,
    int (*fn)(void *, const struct store_row *), void *arg)
{
	struct store_row	 r;
	struct uidmap		 uids;
	sqlite3_stmt		*st;
	size_t			 i;
	int			 rc, stop = 0;

	memset(&uids, 0, sizeof(uids));
	if ((st = db_stmt(db, STMT_CHANGES_SINCE, "SELECT uids FROM changes "
	    "WHERE mailbox_id = ? AND modseq > ?")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, mailbox);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		changes_merge(&uids, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
	(void)sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		uidmap_free(&uids);
		return db_result(db, rc);
	}
	memset(&r, 0, sizeof(r));
	rc = SQLITE_DONE;
	for (i = 0; i < uids.n && stop == 0 && rc == SQLITE_DONE; i++) {
		if ((st = db_stmt(db, STMT_CHANGED, "SELECT " ROW_FLAGS
		    " FROM messages m WHERE m.mailbox_id = ? AND m.uid "
		    "BETWEEN ? AND ? AND m.modseq > ? ORDER BY m.uid")) ==
		    NULL) {
			uidmap_free(&uids);
			return DB_ERROR;
		}
		(void)sqlite3_bind_int64(st, 1, mailbox);
		(void)sqlite3_bind_int64(st, 2, uids.r[i].lo);
		(void)sqlite3_bind_int64(st, 3, uids.r[i].hi);
		(void)sqlite3_bind_int64(st, 4, (sqlite3_int64)since);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			r.uid = (uint32_t)sqlite3_column_int64(st, 0);
			r.flags = (unsigned)sqlite3_column_int(st, 1);
			r.keywords = (const char *)sqlite3_column_text(st, 2);
			r.modseq = (uint64_t)sqlite3_column_int64(st, 3);
			if (r.keywords == NULL)
				r.keywords = "";
			if ((stop = fn(arg, &r)) != 0)
				break;
		}
		(void)sqlite3_reset(st);
	}
	uidmap_free(&uids);
	return stop != 0 || rc == SQLITE_DONE ? DB_OK : db_result(db, rc);
}

/* ---- changing flags ---- */

static bool
kw_has(const char *list, const char *kw, size_t n)
{
	const char	*p = list;

	while ((p = strcasestr(p, kw)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' ||
		    p[n] == '\0'))
			return true;
		p++;
	}
	return false;
}

/* The keyword list after op (STORE_ADD/DEL/SET) with kw, in the arena. */
static char *
kw_apply(struct sbuf_kw *out, const char *old, int op, const char *kw)
{
	const char	*p, *e, *src[2] = { old, kw };
	int		 i;

	out->len = 0;
	out->s[0] = '\0';
	for (i = op == STORE_SET ? 1 : 0; i < 2; i++) {
		if (i == 1 && op == STORE_DEL)
			break;
		for (p = src[i]; *p != '\0'; p = e) {
			while (*p == ' ')
				p++;
			if (*p == '\0')
				break;
			for (e = p; *e != '\0' && *e != ' '; e++)
				;
			if (i == 0 && op == STORE_DEL) {
				char tmp[256];

				(void)snprintf(tmp, sizeof(tmp), "%.*s",
				    (int)(e - p), p);
				if (kw_has(kw, tmp, (size_t)(e - p)))
					continue;
			}
			{
				char tmp[256];

				(void)snprintf(tmp, sizeof(tmp), "%.*s",
				    (int)(e - p), p);
				if (out->len > 0 && kw_has(out->s, tmp,
				    (size_t)(e - p)))
					continue;
			}
			if (out->len + (size_t)(e - p) + 3 > sizeof(out->s))
				continue;	/* over the per-message limit */
			if (out->len == 0)
				out->s[out->len++] = ' ';
			memcpy(out->s + out->len, p, (size_t)(e - p));
			out->len += (size_t)(e - p);
			out->s[out->len++] = ' ';
			out->s[out->len] = '\0';
		}
	}
	return out->s;
}

/*
 * The mailbox's new HIGHESTMODSEQ after a change of flags, and its
 * counters of unseen and deleted messages moved by what the change did
 * (kept here, not by a trigger: a trigger would update the mailbox row
 * once per message); unseen_from lowered to lower when a message there
 * lost \Seen (UINT32_MAX: none did).
 */
static int
bump_modseq(struct db *db, int64_t mailbox, uint64_t modseq, int64_t unseen,
    int64_t deleted, uint32_t lower)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, STMT_MBOX_MODSEQ, "UPDATE mailboxes SET "
	    "highestmodseq = ?1, unseen = unseen + ?2, deleted = deleted + ?3, "
	    "unseen_from = min(unseen_from, ?4) WHERE id = ?5")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, (sqlite3_int64)modseq);
	(void)sqlite3_bind_int64(st, 2, unseen);
	(void)sqlite3_bind_int64(st, 3, deleted);
	(void)sqlite3_bind_int64(st, 4, lower);
	(void)sqlite3_bind_int64(st, 5, mailbox);
	return step_done(db, st);
}

/*
 * Where unseen_from may move after \Seen was set on every message of
 * the ranges r (sorted): past each range that holds it.  0: it stays.
 */
static uint32_t
unseen_past(uint32_t from, const struct seqrange *r, size_t n)
{
	uint32_t	 at = from;
	size_t		 i;

	for (i = 0; i < n; i++)
		if (r[i].lo <= at && at <= r[i].hi && r[i].hi < UINT32_MAX)
			at = r[i].hi + 1;
	return at != from ? at : 0;
}

/*
 * imap_note(uid, flags, keywords, modseq, cond): note the message the
 * bulk UPDATE of store_flags() is looking at, as it was, and return
 * cond.  What a STORE reports is then known without reading the rows
 * again (0.6 ms of 5 for 10,000 messages).  The process runs one STORE
 * at a time: the notes it fills are these.
 */
static struct flag_notes	*cur_notes;

static void
fn_note(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct flag_notes	*fn = cur_notes;
	struct flag_note	*e;
	const unsigned char	*kw;
	int			 len;

	(void)argc;
	if (fn != NULL) {
		if (fn->n == fn->cap) {
			fn->cap = fn->cap ? fn->cap * 2 : 256;
			fn->v = xreallocarray(fn->v, fn->cap, sizeof(*fn->v));
		}
		e = &fn->v[fn->n++];
		e->uid = (uint32_t)sqlite3_value_int64(argv[0]);
		e->flags = (unsigned)sqlite3_value_int(argv[1]);
		kw = sqlite3_value_text(argv[2]);
		len = sqlite3_value_bytes(argv[2]);
		e->keywords = kw == NULL || len == 0 ? "" :
		    arena_strndup(&fn->kw, kw, (size_t)len);
		e->modseq = (uint64_t)sqlite3_value_int64(argv[3]);
	}
	sqlite3_result_value(ctx, argv[4]);
}

void
flag_notes_free(struct flag_notes *fn)
{
	free(fn->v);
	arena_free(&fn->kw);
	memset(fn, 0, sizeof(*fn));
}

/*
 * STORE: change the flags of the messages with UIDs in uids (resolved
 * ranges) in one transaction with one new MODSEQ.  op: STORE_ADD,
 * STORE_DEL or STORE_SET; kw: keywords " a b " or "".  *prev_r gets the
 * HIGHESTMODSEQ before, *modseq_r after (equal when nothing changed).
 * notes (or NULL), for a change of system flags alone: each message
 * found as it was before, in UID order, and notes->filled.
 */
int
store_flags(struct db *db, int64_t mailbox, const struct seqset *uids,
    int op, unsigned flags, const char *kw, uint64_t unchangedsince,
    struct uidmap *modified, uint64_t *prev_r, uint64_t *modseq_r,
    struct flag_notes *notes)
{
	struct store_mailbox	 mb;
	struct sbuf_kw		 nk;
	sqlite3_stmt		*st, *up;
	uint32_t		*cu = NULL;
	unsigned		*cf = NULL;
	char			**ck = NULL;
	size_t			 i, n = 0, cap = 0, k;
	uint64_t		 modseq;
	int64_t			 d_unseen = 0, d_deleted = 0;
	uint32_t		 lower = UINT32_MAX, from;
	bool			 skipped = false;
	unsigned		 nf;
	int			 rc;
	const char		*ok;

	if (notes != NULL) {
		notes->n = 0;
		notes->filled = false;
		arena_reset(&notes->kw);
	}
	if ((rc = db_begin_light(db)) != DB_OK)
		return rc;
	if ((rc = store_mailbox_get_id(db, mailbox, &mb, NULL)) != DB_OK)
		goto fail;
	*prev_r = *modseq_r = mb.highestmodseq;
	modseq = mb.highestmodseq + 1;
	if (kw[0] == '\0' && op != STORE_SET && unchangedsince == 0) {
		/*
		 * System flags only: UPDATEs of each range in SQL, \Seen and
		 * \Deleted each on its own, so that the number of rows
		 * changed moves the mailbox's counters.
		 */
		static const unsigned parts[] = { F_SEEN, F_DELETED,
		    ~(unsigned)(F_SEEN | F_DELETED) };
		int64_t changed = 0, c;
		unsigned part, first = flags & F_SEEN ? 0 : flags & F_DELETED ?
		    1 : 2;

		if (notes != NULL && flags != 0 && db_first(db,
		    DB_FIRST_NOTE) && sqlite3_create_function(db_handle(db),
		    "imap_note", 5, SQLITE_UTF8, NULL, fn_note, NULL, NULL) !=
		    SQLITE_OK)
			goto dberr;
		for (i = 0; i < uids->n * 3; i++) {
			if ((part = flags & parts[i % 3]) == 0)
				continue;
			/* the first UPDATE of each range notes its messages */
			if (notes != NULL && i % 3 == first)
				up = op == STORE_ADD ? db_stmt(db,
				    STMT_FLAGS_NOTE_ADD, "UPDATE messages SET "
				    "flags = flags | ?1, modseq = ?2 WHERE "
				    "mailbox_id = ?3 AND uid BETWEEN ?4 AND ?5 AND "
				    "imap_note(uid, flags, keywords, modseq, "
				    "(flags | ?1) != flags)") : db_stmt(db,
				    STMT_FLAGS_NOTE_DEL, "UPDATE messages SET "
				    "flags = flags & ~?1, modseq = ?2 WHERE "
				    "mailbox_id = ?3 AND uid BETWEEN ?4 AND ?5 AND "
				    "imap_note(uid, flags, keywords, modseq, "
				    "(flags & ?1) != 0)");
			else
				up = op == STORE_ADD ? db_stmt(db, STMT_FLAGS_BULK_ADD,
			    "UPDATE messages SET flags = flags | ?1, modseq = ?2 "
			    "WHERE mailbox_id = ?3 AND uid BETWEEN ?4 AND ?5 AND "
			    "(flags | ?1) != flags") : db_stmt(db,
			    STMT_FLAGS_BULK_DEL, "UPDATE messages SET flags = "
			    "flags & ~?1, modseq = ?2 WHERE mailbox_id = ?3 AND "
			    "uid BETWEEN ?4 AND ?5 AND (flags & ?1) != 0");
			if (up == NULL)
				goto dberr;
			(void)sqlite3_bind_int(up, 1, (int)part);
			(void)sqlite3_bind_int64(up, 2, (sqlite3_int64)modseq);
			(void)sqlite3_bind_int64(up, 3, mailbox);
			(void)sqlite3_bind_int64(up, 4, uids->r[i / 3].lo);
			(void)sqlite3_bind_int64(up, 5, uids->r[i / 3].hi);
			cur_notes = notes;
			rc = step_done(db, up);
			cur_notes = NULL;
			if (rc != DB_OK)
				goto fail;
			c = sqlite3_changes64(db_handle(db));
			changed += c;
			if (part == F_SEEN)
				d_unseen += op == STORE_ADD ? -c : c;
			else if (part == F_DELETED)
				d_deleted += op == STORE_ADD ? c : -c;
			if (part == F_SEEN && op == STORE_DEL && c > 0 &&
			    uids->r[i / 3].lo < lower)
				lower = uids->r[i / 3].lo;
		}
		if (notes != NULL && flags != 0)
			notes->filled = true;
		if (changed > 0) {
			struct uidmap asked;

			memset(&asked, 0, sizeof(asked));
			map_of_ranges(&asked, uids->r, uids->n);
			rc = changes_add(db, mailbox, modseq, &asked);
			uidmap_free(&asked);
			if (rc != DB_OK || (rc = bump_modseq(db, mailbox, modseq,
			    d_unseen, d_deleted, lower)) != DB_OK)
				goto fail;
		}
		/* every message of the ranges has \Seen now */
		if (changed > 0 && op == STORE_ADD && (flags & F_SEEN) &&
		    (from = unseen_past(mb.unseen_from, uids->r, uids->n)) !=
		    0 &&
		    (rc = unseen_advance(db, mailbox, from)) != DB_OK)
			goto fail;
		if ((rc = db_commit(db)) == DB_OK && changed > 0)
			*modseq_r = modseq;
		return rc;
	}
	/* read, compute, then write: keywords need C */
	for (i = 0; i < uids->n; i++) {
		if ((st = db_stmt(db, STMT_FLAGS_READ, "SELECT uid, flags, "
		    "keywords, modseq FROM messages WHERE mailbox_id = ? AND "
		    "uid BETWEEN ? AND ? ORDER BY uid")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, mailbox);
		(void)sqlite3_bind_int64(st, 2, uids->r[i].lo);
		(void)sqlite3_bind_int64(st, 3, uids->r[i].hi);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			unsigned of = (unsigned)sqlite3_column_int(st, 1);

			ok = (const char *)sqlite3_column_text(st, 2);
			if (ok == NULL)
				ok = "";
			/* RFC 7162 3.1.3: changed since the client looked */
			if (unchangedsince != 0 && (uint64_t)
			    sqlite3_column_int64(st, 3) > unchangedsince) {
				uint32_t u = (uint32_t)sqlite3_column_int64(st,
				    0);

				if (modified != NULL && u > uidmap_last(modified))
					uidmap_append(modified, u, u);
				skipped = true;
				continue;
			}
			nf = op == STORE_ADD ? of | flags : op == STORE_DEL ?
			    of & ~flags : flags;
			(void)kw_apply(&nk, ok, op, kw);
			if (nf == of && strcmp(nk.s, ok) == 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				cu = xreallocarray(cu, cap, sizeof(*cu));
				cf = xreallocarray(cf, cap, sizeof(*cf));
				ck = xreallocarray(ck, cap, sizeof(*ck));
			}
			cu[n] = (uint32_t)sqlite3_column_int64(st, 0);
			cf[n] = nf;
			d_unseen += (int64_t)((of & F_SEEN) != 0) -
			    (int64_t)((nf & F_SEEN) != 0);
			if ((of & F_SEEN) && !(nf & F_SEEN) && cu[n] < lower)
				lower = cu[n];
			d_deleted += (int64_t)((nf & F_DELETED) != 0) -
			    (int64_t)((of & F_DELETED) != 0);
			ck[n] = strcmp(nk.s, ok) == 0 ? NULL : xstrdup(nk.s);
			n++;
		}
		(void)sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			rc = db_result(db, rc);
			goto fail;
		}
	}
	for (k = 0; k < n; k++) {
		up = ck[k] == NULL ? db_stmt(db, STMT_FLAGS_SET, "UPDATE messages "
		    "SET flags = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?") :
		    db_stmt(db, STMT_FLAGS_SET_KW, "UPDATE messages SET flags = ?, "
		    "modseq = ?, keywords = ? WHERE mailbox_id = ? AND uid = ?");
		if (up == NULL)
			goto dberr;
		(void)sqlite3_bind_int(up, 1, (int)cf[k]);
		(void)sqlite3_bind_int64(up, 2, (sqlite3_int64)modseq);
		if (ck[k] != NULL) {
			(void)sqlite3_bind_text(up, 3, ck[k], -1, SQLITE_STATIC);
			(void)sqlite3_bind_int64(up, 4, mailbox);
			(void)sqlite3_bind_int64(up, 5, cu[k]);
		} else {
			(void)sqlite3_bind_int64(up, 3, mailbox);
			(void)sqlite3_bind_int64(up, 4, cu[k]);
		}
		if ((rc = step_done(db, up)) != DB_OK)
			goto fail;
	}
	if (n > 0) {
		struct uidmap changed;

		memset(&changed, 0, sizeof(changed));
		qsort(cu, n, sizeof(*cu), cmp_u32);
		for (k = 0; k < n; k++)
			if (cu[k] > uidmap_last(&changed))
				uidmap_append(&changed, cu[k], cu[k]);
		rc = changes_add(db, mailbox, modseq, &changed);
		uidmap_free(&changed);
		if (rc != DB_OK)
			goto fail;
		if (kw[0] != '\0' && op != STORE_DEL &&
		    (rc = note_keywords(db, mailbox, kw)) != DB_OK)
			goto fail;
		if ((rc = bump_modseq(db, mailbox, modseq, d_unseen,
		    d_deleted, lower)) != DB_OK)
			goto fail;
	}
	/* unless UNCHANGEDSINCE held some back, all have \Seen now */
	if (n > 0 && op != STORE_DEL && (flags & F_SEEN) && !skipped && (from =
	    unseen_past(mb.unseen_from, uids->r, uids->n)) != 0 &&
	    (rc = unseen_advance(db, mailbox, from)) != DB_OK)
		goto fail;
	if ((rc = db_commit(db)) == DB_OK && n > 0)
		*modseq_r = modseq;
	goto out;
dberr:
	rc = DB_ERROR;
fail:
	db_rollback(db);
out:
	for (k = 0; k < n; k++)
		free(ck[k]);
	free(cu);
	free(cf);
	free(ck);
	return rc;
}

/* ---- COPY and MOVE ---- */

/*
 * Copy the messages with UIDs in uids (resolved ranges) from src to dst
 * as new references to the same content; with move, remove them from
 * src in the same transaction.  srcu gets the source UIDs copied (in
 * order), *first_r the first new UID (the rest follow), *uv_r dst's
 * UIDVALIDITY.  DB_NOTFOUND if dst does not exist or is not selectable.
 */
int
store_copy(struct db *db, int64_t src, const struct seqset *uids,
    int64_t dst, bool move, struct uidmap *srcu, uint32_t *first_r,
    uint32_t *uv_r)
{
	struct store_mailbox	 smb, dmb;
	struct uidmap		 smap, dmap;
	sqlite3_stmt		*st;
	int64_t			 now = (int64_t)time(NULL);
	uint32_t		 base, count = 0, *del = NULL;
	size_t			 i, n = 0, cap = 0;
	uint64_t		 dmod, smod;
	int			 rc;

	memset(&smap, 0, sizeof(smap));
	memset(&dmap, 0, sizeof(dmap));
	srcu->n = srcu->count = 0;
	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	if ((rc = store_mailbox_get_id(db, src, &smb, &smap)) != DB_OK)
		goto fail;
	if ((rc = store_mailbox_get_id(db, dst, &dmb, &dmap)) != DB_OK)
		goto fail;
	if (dmb.noselect) {
		rc = DB_NOTFOUND;
		goto fail;
	}
	/* the source UIDs, in order, that still exist */
	for (i = 0; i < uids->n; i++) {
		uint32_t lo = uids->r[i].lo, hi = uids->r[i].hi, s, e;
		size_t j;

		for (j = 0; j < smap.n; j++) {
			s = smap.r[j].lo > lo ? smap.r[j].lo : lo;
			e = smap.r[j].hi < hi ? smap.r[j].hi : hi;
			if (s <= e && s > uidmap_last(srcu))
				uidmap_append(srcu, s, e);
		}
	}
	if ((uint64_t)dmb.uidnext + srcu->count > UINT32_MAX) {
		rc = DB_FULL;
		goto fail;
	}
	base = dmb.uidnext;
	dmod = dmb.highestmodseq + 1;
	for (i = 0; i < srcu->n; i++) {
		if ((st = db_stmt(db, STMT_COPY, "INSERT INTO messages "
		    "(mailbox_id, uid, content_id, size, flags, keywords, modseq, "
		    "internaldate, internaltz, savedate) SELECT ?1, ?2 + "
		    "(row_number() OVER (ORDER BY uid)) - 1, content_id, size, "
		    "flags, keywords, ?3, internaldate, internaltz, ?4 FROM "
		    "messages WHERE mailbox_id = ?5 AND uid BETWEEN ?6 AND ?7 "
		    "ORDER BY uid")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, dst);
		(void)sqlite3_bind_int64(st, 2, base + count);
		(void)sqlite3_bind_int64(st, 3, (sqlite3_int64)dmod);
		(void)sqlite3_bind_int64(st, 4, now);
		(void)sqlite3_bind_int64(st, 5, src);
		(void)sqlite3_bind_int64(st, 6, srcu->r[i].lo);
		(void)sqlite3_bind_int64(st, 7, srcu->r[i].hi);
		if ((rc = step_done(db, st)) != DB_OK)
			goto fail;
		count += (uint32_t)sqlite3_changes(db_handle(db));
	}
	CRASHPOINT("copy-inserted");
	if (count != srcu->count) {
		log_err("COPY: uidmap of mailbox %lld disagrees with its "
		    "messages", (long long)src);
		rc = DB_ERROR;
		goto fail;
	}
	if (count > 0) {
		if ((st = db_stmt(db, STMT_COPY_KEYWORDS, "INSERT OR IGNORE INTO "
		    "mailbox_keywords SELECT ?, keyword FROM mailbox_keywords "
		    "WHERE mailbox_id = ?")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, dst);
		(void)sqlite3_bind_int64(st, 2, src);
		if ((rc = step_done(db, st)) != DB_OK)
			goto fail;
		/* dst may be src: reload its map after the source's is read */
		if (dst == src)
			uidmap_copy(&dmap, &smap);
		uidmap_append(&dmap, base, base + count - 1);
		if ((rc = save_map(db, dst, &dmap, base + count, dmod)) !=
		    DB_OK)
			goto fail;
		{
			struct uidmap added;

			memset(&added, 0, sizeof(added));
			uidmap_append(&added, base, base + count - 1);
			rc = changes_add(db, dst, dmod, &added);
			uidmap_free(&added);
			if (rc != DB_OK)
				goto fail;
		}
		if (dst == src)
			uidmap_copy(&smap, &dmap);
	}
	if (move && count > 0) {
		smod = (dst == src ? dmod : smb.highestmodseq) + 1;
		for (i = 0; i < srcu->n; i++) {
			if ((st = db_stmt(db, STMT_MOVE_DEL, "DELETE FROM "
			    "messages WHERE mailbox_id = ? AND uid BETWEEN ? "
			    "AND ? RETURNING uid")) == NULL)
				goto dberr;
			(void)sqlite3_bind_int64(st, 1, src);
			(void)sqlite3_bind_int64(st, 2, srcu->r[i].lo);
			(void)sqlite3_bind_int64(st, 3, srcu->r[i].hi);
			if ((rc = collect(db, st, &del, &n, &cap)) != DB_OK)
				goto fail;
		}
		CRASHPOINT("move-deleted");
		for (i = 0; i < n; i++) {
			(void)uidmap_remove(&smap, del[i]);
			if ((st = db_stmt(db, STMT_TOMBSTONE, "INSERT OR REPLACE "
			    "INTO expunged (mailbox_id, uid, modseq) "
			    "VALUES (?, ?, ?)")) == NULL)
				goto dberr;
			(void)sqlite3_bind_int64(st, 1, src);
			(void)sqlite3_bind_int64(st, 2, del[i]);
			(void)sqlite3_bind_int64(st, 3, (sqlite3_int64)smod);
			if ((rc = step_done(db, st)) != DB_OK)
				goto fail;
		}
		if ((rc = save_map(db, src, &smap, dst == src ? base + count :
		    smb.uidnext, smod)) != DB_OK ||
		    (rc = unseen_advance(db, src, 0)) != DB_OK)
			goto fail;
	}
	if ((rc = db_commit(db)) == DB_OK) {
		*first_r = base;
		*uv_r = dmb.uidvalidity;
	}
	goto out;
dberr:
	rc = DB_ERROR;
fail:
	db_rollback(db);
out:
	free(del);
	uidmap_free(&smap);
	uidmap_free(&dmap);
	return rc;
}

/* ---- search ---- */

/* imap_uidset(uid, n): is uid in the query's n-th UID set? */
static void
fn_uidset(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct search_q	*q = sqlite3_user_data(ctx);
	sqlite3_int64		 n = sqlite3_value_int64(argv[1]);

	(void)argc;
	if (n < 0 || (size_t)n >= q->nsets) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	sqlite3_result_int(ctx, uidmap_seq(q->sets[n],
	    (uint32_t)sqlite3_value_int64(argv[0])) != 0);
}

/* imap_contains(text, folded): a case-insensitive substring test */
static void
fn_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*t = (const char *)sqlite3_value_text(argv[0]);
	const char	*needle = (const char *)sqlite3_value_text(argv[1]);

	(void)argc;
	if (t == NULL || needle == NULL) {
		sqlite3_result_int(ctx, needle != NULL && *needle == '\0');
		return;
	}
	sqlite3_result_int(ctx, utf8_fold_contains(t,
	    (size_t)sqlite3_value_bytes(argv[0]), needle,
	    (size_t)sqlite3_value_bytes(argv[1])));
}

/*
 * imap_header(headers, name, folded): a field called name whose decoded
 * value contains folded ("" = the field is present).  headers is the
 * stored "Name: value\n" text.
 */
static void
fn_header(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*h = (const char *)sqlite3_value_text(argv[0]);
	const char	*name = (const char *)sqlite3_value_text(argv[1]);
	const char	*needle = (const char *)sqlite3_value_text(argv[2]);
	const char	*p, *eol;
	struct sbuf	 f = { 0 };
	size_t		 nl;
	int		 hit = 0;

	(void)argc;
	if (h == NULL || name == NULL || needle == NULL) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	nl = strlen(name);
	for (p = h; *p != '\0' && !hit; p = *eol ? eol + 1 : eol) {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		if ((size_t)(eol - p) <= nl + 1 || strncasecmp(p, name, nl) !=
		    0 || p[nl] != ':')
			continue;
		if (*needle == '\0') {
			hit = 1;
			break;
		}
		f.len = 0;
		utf8_fold(&f, p + nl + 1, (size_t)(eol - p - nl - 1));
		hit = f.s != NULL && strstr(f.s, needle) != NULL;
	}
	sb_free(&f);
	sqlite3_result_int(ctx, hit);
}

/*
 * Run a compiled search over one mailbox: fn gets each matching UID in
 * ascending order.  The SQL text is ours (fixed fragments); every value
 * from the client is a bound parameter.
 */
int
store_search(struct db *db, int64_t mailbox, const struct search_q *q,
    int (*fn)(void *, uint32_t, uint64_t), void *arg)
{
	sqlite3		*h = db_handle(db);
	sqlite3_stmt	*st;
	char		*sql;
	size_t		 i;
	int		 rc;

	(void)sqlite3_create_function(h, "imap_uidset", 2, SQLITE_UTF8,
	    (void *)(uintptr_t)q, fn_uidset, NULL, NULL);
	(void)sqlite3_create_function(h, "imap_contains", 2, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, fn_contains, NULL, NULL);
	(void)sqlite3_create_function(h, "imap_header", 3, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, fn_header, NULL, NULL);
	/*
	 * With a text key at the top level every hit is among the contents
	 * the full-text index names: "+" keeps the planner from walking the
	 * whole mailbox by its primary key and testing each message against
	 * that list (10-20 ms at 100,000 messages, whatever the hits); it
	 * looks the named contents up in messages_content instead.
	 */
	sql = sqlite3_mprintf("SELECT m.uid, m.modseq FROM messages m%s WHERE "
	    "%sm.mailbox_id = ? AND (%s) ORDER BY m.uid", q->join ?
	    " JOIN contents c ON c.id = m.content_id" : "", q->fts ? "+" : "",
	    q->where);
	if (sql == NULL)
		return DB_ERROR;
	rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK) {
		log_err("search: %s", sqlite3_errmsg(h));
		return DB_ERROR;
	}
	(void)sqlite3_bind_int64(st, 1, mailbox);
	for (i = 0; i < q->nbinds; i++) {
		if (q->binds[i].is_text)
			(void)sqlite3_bind_text(st, (int)i + 2, q->binds[i].text,
			    (int)q->binds[i].len, SQLITE_STATIC);
		else
			(void)sqlite3_bind_int64(st, (int)i + 2,
			    q->binds[i].ival);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, (uint32_t)sqlite3_column_int64(st, 0),
		    (uint64_t)sqlite3_column_int64(st, 1)) != 0)
			break;
	(void)sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_err("search: %s", sqlite3_errmsg(h));
		return db_result(db, rc);
	}
	return DB_OK;
}

/*
 * UIDs expunged from a mailbox after MODSEQ since (QRESYNC, RFC 7162
 * 3.2.5.2), from the tombstones, in UID order.
 */
int
store_vanished(struct db *db, int64_t mailbox, uint64_t since,
    struct uidmap *out, bool *trimmed)
{
	struct store_mailbox	 mb;
	struct uidmap		 map, all;
	sqlite3_stmt		*st;
	uint32_t		 uid;
	int			 rc;

	out->n = out->count = 0;
	*trimmed = false;
	if ((st = db_stmt(db, STMT_VANISHED_HORIZON, "SELECT vanished_modseq, "
	    "uidnext FROM mailboxes WHERE id = ?")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, mailbox);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (uint64_t)sqlite3_column_int64(st, 0) > since) {
		/*
		 * Tombstones after since were trimmed: RFC 7162 3.2.5.2 lets
		 * us name every UID below UIDNEXT that is not here.
		 */
		(void)sqlite3_reset(st);
		memset(&map, 0, sizeof(map));
		memset(&all, 0, sizeof(all));
		if ((rc = store_mailbox_get_id(db, mailbox, &mb, &map)) !=
		    DB_OK) {
			uidmap_free(&map);
			return rc;
		}
		if (mb.uidnext > 1)
			uidmap_append(&all, 1, mb.uidnext - 1);
		uidmap_diff(&all, &map, out);
		uidmap_free(&map);
		uidmap_free(&all);
		*trimmed = true;
		return DB_OK;
	}
	(void)sqlite3_reset(st);
	if ((st = db_stmt(db, STMT_VANISHED, "SELECT uid FROM expunged WHERE "
	    "mailbox_id = ? AND modseq > ? ORDER BY uid")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, mailbox);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uid = (uint32_t)sqlite3_column_int64(st, 0);
		if (uid > uidmap_last(out))
			uidmap_append(out, uid, uid);
	}
	(void)sqlite3_reset(st);
	return rc == SQLITE_DONE ? DB_OK : db_result(db, rc);
}

/*
 * Forget tombstones older than horizon seconds, keeping in the mailbox
 * the highest MODSEQ forgotten (store_vanished then answers in full).
 */
int
store_trim_tombstones(struct db *db, int64_t mailbox, int64_t horizon)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (horizon <= 0)
		return DB_OK;
	if ((st = db_stmt(db, STMT_TRIM_MARK, "UPDATE mailboxes SET "
	    "vanished_modseq = max(vanished_modseq, (SELECT coalesce(max("
	    "modseq), 0) FROM expunged WHERE mailbox_id = ?1 AND at < ?2)) "
	    "WHERE id = ?1")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, mailbox);
	(void)sqlite3_bind_int64(st, 2, (int64_t)time(NULL) - horizon);
	if ((rc = step_done(db, st)) != DB_OK)
		return rc;
	if ((st = db_stmt(db, STMT_TRIM, "DELETE FROM expunged WHERE "
	    "mailbox_id = ? AND at < ?")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, mailbox);
	(void)sqlite3_bind_int64(st, 2, (int64_t)time(NULL) - horizon);
	return step_done(db, st);
}
