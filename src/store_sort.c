/*
 * store_sort.c: the keys SORT and THREAD order by (RFC 5256, RFC 5957),
 * read for a set of messages of one mailbox.  They were computed once at
 * delivery (mime_doc) and stored in contents, so no message is parsed
 * here; only the columns a command needs are read, through the index
 * contents_sort when the schema has it (see has_index).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"
#include "db.h"
#include "sort.h"

/*
 * Beyond this many ranges per UID of their span, one scan of the span
 * (filtered here) is cheaper than one index seek per range.
 */
#define SEEK_RATIO	16

enum {
	COL_UID, COL_SIZE, COL_ARRIVAL, COL_SENT, COL_SUBJECT, COL_FROM,
	COL_TO, COL_CC, COL_DFROM, COL_DTO, COL_MSGID, COL_IRT, COL_REFS
};

/* A text column, copied to the strings arena; "" for NULL or empty. */
static const char *
keep(struct sort_rows *r, sqlite3_stmt *st, int col)
{
	const unsigned char	*t = sqlite3_column_text(st, col);
	int			 n = sqlite3_column_bytes(st, col);

	if (t == NULL || n <= 0)
		return "";
	return arena_strndup(&r->strings, t, (size_t)n);
}

static void
add_row(struct sort_rows *r, sqlite3_stmt *st, unsigned cols)
{
	struct sort_row	*w = &r->v[r->n++];

	w->uid = (uint32_t)sqlite3_column_int64(st, COL_UID);
	w->size = (uint32_t)sqlite3_column_int64(st, COL_SIZE);
	w->arrival = sqlite3_column_int64(st, COL_ARRIVAL);
	/* RFC 5256 2.2: no valid Date:, the internal date is the sent date */
	w->sent = sqlite3_column_type(st, COL_SENT) == SQLITE_NULL ?
	    w->arrival : sqlite3_column_int64(st, COL_SENT);
	w->subject = cols & SORTCOL_SUBJECT ? keep(r, st, COL_SUBJECT) : "";
	w->from = cols & SORTCOL_FROM ? keep(r, st, COL_FROM) : "";
	w->to = cols & SORTCOL_TO ? keep(r, st, COL_TO) : "";
	w->cc = cols & SORTCOL_CC ? keep(r, st, COL_CC) : "";
	w->dfrom = cols & SORTCOL_DFROM ? keep(r, st, COL_DFROM) : "";
	w->dto = cols & SORTCOL_DTO ? keep(r, st, COL_DTO) : "";
	if (cols & SORTCOL_IDS) {
		w->msgid = keep(r, st, COL_MSGID);
		w->irt = keep(r, st, COL_IRT);
		w->refs = keep(r, st, COL_REFS);
	} else
		w->msgid = w->irt = w->refs = "";
}

/*
 * Run st over UIDs lo..hi; rows whose UID is in set (from its range j on)
 * are kept.
 */
static int
read_span(struct sort_rows *r, sqlite3_stmt *st, unsigned cols,
    const struct uidmap *set, size_t j, uint32_t lo, uint32_t hi)
{
	int	rc;

	(void)sqlite3_reset(st);
	(void)sqlite3_bind_int64(st, 2, lo);
	(void)sqlite3_bind_int64(st, 3, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t uid = (uint32_t)sqlite3_column_int64(st, COL_UID);

		while (j < set->n && set->r[j].hi < uid)
			j++;
		if (j == set->n)
			break;
		if (uid >= set->r[j].lo && r->n < set->count)
			add_row(r, st, cols);
	}
	return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

/*
 * Is there an index called name?  A contents row holds the message
 * before the keys, so a key read from the row walks the message's
 * overflow pages; an index holding just the keys (contents_sort) is
 * read instead when the schema has one.
 */
static bool
has_index(sqlite3 *h, const char *name)
{
	sqlite3_stmt	*st;
	bool		 found = false;

	if (sqlite3_prepare_v2(h, "SELECT 1 FROM sqlite_schema WHERE "
	    "type = 'index' AND name = ?", -1, &st, NULL) != SQLITE_OK)
		return false;
	(void)sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	(void)sqlite3_finalize(st);
	return found;
}

/*
 * The rows of the messages of mailbox whose UIDs are in set, ascending
 * by UID; cols (SORTCOL_*) says which keys to read, the others are "".
 * UIDs no longer in the mailbox are left out.  DB_OK or a DB_* error;
 * out is to be freed with sort_rows_free() either way.
 */
int
store_sort_rows(struct db *db, int64_t mailbox, const struct uidmap *set,
    unsigned cols, struct sort_rows *out)
{
	sqlite3		*h = db_handle(db);
	sqlite3_stmt	*st = NULL;
	const char	*join_sql = " JOIN contents c ON c.id = m.content_id";
	char		*sql;
	uint64_t	 span;
	size_t		 i;
	bool		 join;
	int		 rc = SQLITE_DONE;

	memset(out, 0, sizeof(*out));
	if (set->count == 0)
		return DB_OK;
	out->v = xcalloc(set->count, sizeof(*out->v));
	join = (cols & (SORTCOL_SENT | SORTCOL_SUBJECT | SORTCOL_FROM |
	    SORTCOL_TO | SORTCOL_CC | SORTCOL_DFROM | SORTCOL_DTO |
	    SORTCOL_IDS)) != 0;
	if (join && has_index(h, "contents_sort"))
		join_sql = " JOIN contents c INDEXED BY contents_sort "
		    "ON c.id = m.content_id";
	sql = sqlite3_mprintf("SELECT m.uid, m.size, m.internaldate, %s, %s, "
	    "%s, %s, %s, %s, %s, %s, %s, %s FROM messages m%s "
	    "WHERE m.mailbox_id = ?1 AND m.uid BETWEEN ?2 AND ?3 "
	    "ORDER BY m.uid",
	    cols & SORTCOL_SENT ? "c.sentdate" : "NULL",
	    cols & SORTCOL_SUBJECT ? "c.sort_subject" : "NULL",
	    cols & SORTCOL_FROM ? "c.sort_from" : "NULL",
	    cols & SORTCOL_TO ? "c.sort_to" : "NULL",
	    cols & SORTCOL_CC ? "c.sort_cc" : "NULL",
	    cols & SORTCOL_DFROM ? "c.display_from" : "NULL",
	    cols & SORTCOL_DTO ? "c.display_to" : "NULL",
	    cols & SORTCOL_IDS ? "c.message_id" : "NULL",
	    cols & SORTCOL_IDS ? "c.in_reply_to" : "NULL",
	    cols & SORTCOL_IDS ? "c.refs" : "NULL",
	    join ? join_sql : "");
	if (sql == NULL)
		return DB_ERROR;
	rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK) {
		log_err("sort: %s", sqlite3_errmsg(h));
		return DB_ERROR;
	}
	(void)sqlite3_bind_int64(st, 1, mailbox);
	span = (uint64_t)uidmap_last(set) - set->r[0].lo + 1;
	if ((uint64_t)set->n * SEEK_RATIO > span)
		rc = read_span(out, st, cols, set, 0, set->r[0].lo,
		    uidmap_last(set));
	else
		for (i = 0, rc = SQLITE_DONE; i < set->n && rc == SQLITE_DONE;
		    i++)
			rc = read_span(out, st, cols, set, i, set->r[i].lo,
			    set->r[i].hi);
	(void)sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_err("sort: %s", sqlite3_errstr(rc));
		return db_result(db, rc);
	}
	return DB_OK;
}

void
sort_rows_free(struct sort_rows *r)
{
	free(r->v);
	arena_free(&r->strings);
	memset(r, 0, sizeof(*r));
}

/*
 * The decoded Subject of messages of one mailbox, one at a time (THREAD
 * needs it only for the few it must tell replies by): from the search
 * text, as the sort keys hold only the base subject.
 */
int
store_sort_subjects_open(struct db *db, int64_t mailbox,
    struct sort_subjects *ss)
{
	sqlite3		*h = db_handle(db);

	ss->db = db;
	ss->st = NULL;
	if (sqlite3_prepare_v2(h, "SELECT s.subject FROM messages m "
	    "JOIN search_addr s ON s.rowid = m.content_id "
	    "WHERE m.mailbox_id = ?1 AND m.uid = ?2", -1, &ss->st, NULL) !=
	    SQLITE_OK) {
		log_err("sort: %s", sqlite3_errmsg(h));
		return DB_ERROR;
	}
	(void)sqlite3_bind_int64(ss->st, 1, mailbox);
	return DB_OK;
}

/* The subject of uid into out (replacing it): DB_OK, DB_NOTFOUND, error. */
int
store_sort_subject(struct sort_subjects *ss, uint32_t uid, struct sbuf *out)
{
	const unsigned char	*t;
	int			 rc;

	out->len = 0;
	(void)sqlite3_reset(ss->st);
	(void)sqlite3_bind_int64(ss->st, 2, uid);
	if ((rc = sqlite3_step(ss->st)) == SQLITE_ROW) {
		t = sqlite3_column_text(ss->st, 0);
		sb_add(out, t != NULL ? (const char *)t : "",
		    (size_t)sqlite3_column_bytes(ss->st, 0));
		return DB_OK;
	}
	sb_add(out, "", 0);
	if (rc == SQLITE_DONE)
		return DB_NOTFOUND;
	log_err("sort: %s", sqlite3_errstr(rc));
	return db_result(ss->db, rc);
}

void
store_sort_subjects_close(struct sort_subjects *ss)
{
	(void)sqlite3_finalize(ss->st);
	ss->st = NULL;
}
