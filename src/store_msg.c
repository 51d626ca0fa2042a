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
		if ((st = db_stmt(db, STMT_KEYWORD_ADD, "INSERT OR IGNORE INTO "
		    "mailbox_keywords (mailbox_id, keyword) VALUES (?, ?)")) ==
		    NULL)
			return DB_ERROR;
		(void)sqlite3_bind_int64(st, 1, mailbox);
		(void)sqlite3_bind_text(st, 2, p, (int)(e - p), SQLITE_STATIC);
		if ((rc = step_done(db, st)) != DB_OK)
			return rc;
	}
	return DB_OK;
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
	struct uidmap		 map;
	sqlite3_stmt		*st;
	int64_t			 now = (int64_t)time(NULL), content;
	uint64_t		 modseq;
	size_t			 i;
	int			 rc;

	memset(&map, 0, sizeof(map));
	if ((rc = db_begin(db)) != DB_OK)
		return rc;
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
		    "(size, data) VALUES (?, ?)")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, (sqlite3_int64)msgs[i].len);
		(void)sqlite3_bind_blob64(st, 2, msgs[i].data, msgs[i].len,
		    SQLITE_STATIC);
		if ((rc = step_done(db, st)) != DB_OK)
			goto fail;
		content = sqlite3_last_insert_rowid(db_handle(db));
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
		if (msgs[i].keywords[0] != '\0' &&
		    (rc = note_keywords(db, mailbox, msgs[i].keywords)) != DB_OK)
			goto fail;
	}
	if (n > 0) {
		uidmap_append(&map, mb.uidnext, mb.uidnext + (uint32_t)n - 1);
		if ((rc = save_map(db, mailbox, &map, mb.uidnext + (uint32_t)n,
		    modseq)) != DB_OK)
			goto fail;
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
	uidmap_free(&map);
	return rc;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
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
		if ((rc = save_map(db, mailbox, &map, mb.uidnext, modseq)) !=
		    DB_OK)
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
