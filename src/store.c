/*
 * store.c: the mail model over db.c.  Users now; mailboxes and messages
 * join them as the schema grows.  Every statement is prepared (no SQL is
 * ever built from client input) and cached for the session's lifetime.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "liteimapd.h"
#include "db.h"

/* A user by name: DB_OK, DB_NOTFOUND or an error. */
int
store_user_get(struct db *db, const char *name, struct store_user *u)
{
	sqlite3_stmt	*st;
	const char	*h;
	int		 rc;

	if ((st = db_stmt(db, STMT_USER_GET, "SELECT id, name, password "
	    "FROM users WHERE name = ? AND disabled = 0")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		(void)sqlite3_reset(st);
		return DB_NOTFOUND;
	}
	if (rc != SQLITE_ROW) {
		rc = db_result(db, rc);
		(void)sqlite3_reset(st);
		return rc;
	}
	u->id = sqlite3_column_int64(st, 0);
	(void)strlcpy(u->name, (const char *)sqlite3_column_text(st, 1),
	    sizeof(u->name));
	h = (const char *)sqlite3_column_text(st, 2);
	if (h == NULL || strlcpy(u->hash, h, sizeof(u->hash)) >=
	    sizeof(u->hash))
		u->hash[0] = '\0';	/* never matches */
	(void)sqlite3_reset(st);
	return DB_OK;
}

/* Some user's password hash, as the model of a dummy for unknown users. */
int
store_user_some_hash(struct db *db, char *hash, size_t len)
{
	sqlite3_stmt	*st;
	const char	*h;
	int		 rc;

	if ((st = db_stmt(db, STMT_USER_SOME_HASH, "SELECT password FROM "
	    "users ORDER BY id DESC LIMIT 1")) == NULL)
		return DB_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (h = (const char *)sqlite3_column_text(st,
	    0)) != NULL && strlcpy(hash, h, len) < len)
		rc = DB_OK;
	else
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_NOTFOUND :
		    db_result(db, rc);
	(void)sqlite3_reset(st);
	return rc;
}

static int
step_change(struct db *db, sqlite3_stmt *st)
{
	bool	own = !db_in_txn(db) && db_is_mail(db);
	int	rc, rc2;

	/* alone, a transaction of its own: it queues and is synced */
	if (own && (rc = db_begin(db)) != DB_OK)
		return rc;
	rc = sqlite3_step(st);
	(void)sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		rc = db_result(db, rc);
		if (own)
			db_rollback(db);
		return rc;
	}
	rc = sqlite3_changes(db_handle(db)) > 0 ? DB_OK : DB_NOTFOUND;
	if (own && (rc2 = db_commit(db)) != DB_OK)
		return rc2;
	return rc;
}

/* DB_OK, DB_EXISTS or an error. */
int
store_user_add(struct db *db, const char *name, const char *hash)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, STMT_USER_ADD, "INSERT INTO users (name, "
	    "password) VALUES (?, ?)")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	return step_change(db, st);
}

/* DB_OK, DB_NOTFOUND or an error. */
int
store_user_set_password(struct db *db, const char *name, const char *hash)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, STMT_USER_PASSWD, "UPDATE users SET password = "
	    "? WHERE name = ?")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return step_change(db, st);
}

/* DB_OK, DB_NOTFOUND or an error; the user's mail goes with them. */
int
store_user_del(struct db *db, const char *name)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, STMT_USER_DEL, "DELETE FROM users WHERE name = "
	    "?")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return step_change(db, st);
}

/* Call fn for every user by name; a non-zero return stops the walk. */
int
store_user_list(struct db *db, int (*fn)(void *, const char *, int64_t),
    void *arg)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, STMT_USER_LIST, "SELECT name, id FROM users "
	    "ORDER BY name")) == NULL)
		return DB_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1)) != 0)
			break;
	(void)sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK :
	    db_result(db, rc);
}

/* ---- mailboxes ---- */

#define MBOX_COLS	"id, name, coalesce(special_use, ''), uidvalidity, " \
	"uidnext, recent_uid, messages, unseen, deleted, highestmodseq, " \
	"size, noselect, uidmap, unseen_from"

static void
row_mailbox(sqlite3_stmt *st, struct store_mailbox *mb)
{
	mb->id = sqlite3_column_int64(st, 0);
	(void)strlcpy(mb->name, (const char *)sqlite3_column_text(st, 1),
	    sizeof(mb->name));
	(void)strlcpy(mb->special_use, (const char *)sqlite3_column_text(st,
	    2), sizeof(mb->special_use));
	mb->uidvalidity = (uint32_t)sqlite3_column_int64(st, 3);
	mb->uidnext = (uint32_t)sqlite3_column_int64(st, 4);
	mb->recent_uid = (uint32_t)sqlite3_column_int64(st, 5);
	mb->messages = (uint32_t)sqlite3_column_int64(st, 6);
	mb->unseen = (uint32_t)sqlite3_column_int64(st, 7);
	mb->deleted = (uint32_t)sqlite3_column_int64(st, 8);
	mb->highestmodseq = (uint64_t)sqlite3_column_int64(st, 9);
	mb->size = (uint64_t)sqlite3_column_int64(st, 10);
	mb->noselect = sqlite3_column_int(st, 11) != 0;
	mb->unseen_from = (uint32_t)sqlite3_column_int64(st, 13);
}

static int
mailbox_fetch(struct db *db, sqlite3_stmt *st, struct store_mailbox *mb,
    struct uidmap *map)
{
	int	rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		row_mailbox(st, mb);
		rc = DB_OK;
		if (map != NULL && uidmap_load(map, sqlite3_column_blob(st, 12),
		    (size_t)sqlite3_column_bytes(st, 12)) == -1) {
			log_err("mailbox %lld: corrupt uidmap",
			    (long long)mb->id);
			rc = DB_ERROR;
		}
	} else if (rc == SQLITE_DONE)
		rc = DB_NOTFOUND;
	else if ((rc = db_result(db, rc)) == DB_OK)
		rc = DB_ERROR;	/* neither a row nor the end: never success */
	(void)sqlite3_reset(st);
	return rc;
}

/* A mailbox by name (UTF-8, canonical); map gets its UIDs if not NULL. */
int
store_mailbox_get(struct db *db, int64_t user, const char *name,
    struct store_mailbox *mb, struct uidmap *map)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, STMT_MBOX_GET, "SELECT " MBOX_COLS " FROM "
	    "mailboxes WHERE user_id = ? AND name = ?")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, user);
	(void)sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return mailbox_fetch(db, st, mb, map);
}

int
store_mailbox_get_id(struct db *db, int64_t id, struct store_mailbox *mb,
    struct uidmap *map)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, STMT_MBOX_GET_ID, "SELECT " MBOX_COLS " FROM "
	    "mailboxes WHERE id = ?")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, id);
	return mailbox_fetch(db, st, mb, map);
}

/* A UIDVALIDITY never used before in this database. */
static int
next_uidvalidity(struct db *db, uint32_t *v)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, STMT_UIDVALIDITY, "UPDATE meta SET value = "
	    "max(value + 1, unixepoch()) WHERE key = 'last_uidvalidity' "
	    "RETURNING value")) == NULL)
		return DB_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = (uint32_t)sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_ROW ? DB_OK : db_result(db, rc);
	(void)sqlite3_reset(st);
	return rc == DB_OK && *v == 0 ? DB_ERROR : rc;
}

/* Create one level; a \Noselect placeholder of that name is revived. */
static int
create_one(struct db *db, int64_t user, const char *name, const char *use,
    bool must_be_new)
{
	struct store_mailbox	 mb;
	sqlite3_stmt		*st;
	uint32_t		 uv = 0;
	int			 rc;
	bool			 found;

	memset(&mb, 0, sizeof(mb));
	rc = store_mailbox_get(db, user, name, &mb, NULL);
	found = rc == DB_OK;
	if (rc == DB_OK && !(mb.noselect && must_be_new))
		return must_be_new ? DB_EXISTS : DB_OK;
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return rc;
	if ((rc = next_uidvalidity(db, &uv)) != DB_OK)
		return rc;
	if (found) {
		if ((st = db_stmt(db, STMT_MBOX_REVIVE, "UPDATE mailboxes SET "
		    "noselect = 0, uidvalidity = ?, special_use = ? "
		    "WHERE id = ?")) == NULL)
			return DB_ERROR;
		(void)sqlite3_bind_int64(st, 3, mb.id);
	} else {
		if ((st = db_stmt(db, STMT_MBOX_INSERT, "INSERT INTO mailboxes "
		    "(uidvalidity, special_use, user_id, name) "
		    "VALUES (?, ?, ?, ?)")) == NULL)
			return DB_ERROR;
		(void)sqlite3_bind_int64(st, 3, user);
		(void)sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
	}
	(void)sqlite3_bind_int64(st, 1, uv);
	if (use != NULL && use[0] != '\0')
		(void)sqlite3_bind_text(st, 2, use, -1, SQLITE_STATIC);
	return step_change(db, st);
}

/*
 * Create name and any missing superiors (RFC 9051 6.3.4).  DB_EXISTS if
 * it exists already.  use: a special-use attribute or NULL.
 */
int
store_mailbox_create(struct db *db, int64_t user, const char *name,
    const char *use)
{
	char	 part[MBOX_NAME_MAX + 1];
	char	*slash;
	int	 rc;

	memset(part, 0, sizeof(part));
	if (strlcpy(part, name, sizeof(part)) >= sizeof(part))
		return DB_ERROR;
	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	for (slash = strchr(part, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		rc = create_one(db, user, part, NULL, false);
		*slash = '/';
		if (rc != DB_OK)
			goto fail;
	}
	if ((rc = create_one(db, user, name, use, true)) != DB_OK)
		goto fail;
	return db_commit(db);
fail:
	db_rollback(db);
	return rc;
}

/* Are there mailboxes below name? */
static int
has_children(struct db *db, int64_t user, const char *name, bool *yes)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, STMT_MBOX_CHILDREN, "SELECT 1 FROM mailboxes "
	    "WHERE user_id = ?1 AND name > ?2 || '/' AND name < ?2 || '0' "
	    "LIMIT 1")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, user);
	(void)sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK : db_result(db, rc);
	(void)sqlite3_reset(st);
	return rc;
}

/*
 * RFC 9051 6.3.5: a mailbox with inferiors loses its messages and
 * becomes \Noselect; one without is removed.  DB_NOTFOUND, DB_EXISTS
 * (a \Noselect mailbox that still has inferiors) or DB_OK.
 */
int
store_mailbox_delete(struct db *db, int64_t user, const char *name)
{
	struct store_mailbox	 mb;
	sqlite3_stmt		*st;
	bool			 kids;
	int			 rc;

	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	if ((rc = store_mailbox_get(db, user, name, &mb, NULL)) != DB_OK ||
	    (rc = has_children(db, user, name, &kids)) != DB_OK)
		goto fail;
	if (kids && mb.noselect) {
		rc = DB_EXISTS;
		goto fail;
	}
	if (kids) {
		if ((st = db_stmt(db, STMT_MBOX_EMPTY, "DELETE FROM messages "
		    "WHERE mailbox_id = ?")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, mb.id);
		if ((rc = step_change(db, st)) != DB_OK && rc != DB_NOTFOUND)
			goto fail;
		if ((st = db_stmt(db, STMT_MBOX_NOSELECT, "UPDATE mailboxes SET "
		    "noselect = 1, special_use = NULL, uidmap = x'', "
		    "highestmodseq = highestmodseq + 1 WHERE id = ?")) == NULL)
			goto dberr;
	} else if ((st = db_stmt(db, STMT_MBOX_DELETE, "DELETE FROM mailboxes "
	    "WHERE id = ?")) == NULL)
		goto dberr;
	(void)sqlite3_bind_int64(st, 1, mb.id);
	if ((rc = step_change(db, st)) != DB_OK)
		goto fail;
	return db_commit(db);
dberr:
	rc = DB_ERROR;
fail:
	db_rollback(db);
	return rc;
}

/*
 * RFC 9051 6.3.6: rename a mailbox and its inferiors; renaming INBOX
 * moves its messages to a new mailbox and leaves INBOX empty.  The
 * caller has checked that to is not below from.
 */
int
store_mailbox_rename(struct db *db, int64_t user, const char *from,
    const char *to)
{
	struct store_mailbox	 mb, dst;
	sqlite3_stmt		*st;
	char			 parent[MBOX_NAME_MAX + 1], *slash;
	int			 rc;

	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	if ((rc = store_mailbox_get(db, user, from, &mb, NULL)) != DB_OK)
		goto fail;
	rc = store_mailbox_get(db, user, to, &dst, NULL);
	if (rc != DB_NOTFOUND) {
		if (rc == DB_OK)
			rc = DB_EXISTS;
		goto fail;
	}
	(void)strlcpy(parent, to, sizeof(parent));
	for (slash = strchr(parent, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		rc = create_one(db, user, parent, NULL, false);
		*slash = '/';
		if (rc != DB_OK)
			goto fail;
	}
	if (strcmp(from, "INBOX") == 0) {
		if ((rc = create_one(db, user, to, NULL, true)) != DB_OK ||
		    (rc = store_mailbox_get(db, user, to, &dst, NULL)) != DB_OK)
			goto fail;
		if ((st = db_stmt(db, STMT_INBOX_MOVE, "UPDATE messages SET "
		    "mailbox_id = ?2 WHERE mailbox_id = ?1")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, mb.id);
		(void)sqlite3_bind_int64(st, 2, dst.id);
		if ((rc = step_change(db, st)) != DB_OK && rc != DB_NOTFOUND)
			goto fail;
		/* the counters and UIDs go along; INBOX keeps its UIDNEXT */
		if ((st = db_stmt(db, STMT_INBOX_MOVE_DONE, "UPDATE mailboxes "
		    "SET (messages, unseen, deleted, size, uidmap, uidnext, "
		    "highestmodseq, recent_uid, unseen_from) = (SELECT "
		    "messages, unseen, deleted, size, uidmap, uidnext, "
		    "highestmodseq + 1, recent_uid, unseen_from FROM mailboxes "
		    "WHERE id = ?1) WHERE id = ?2; "))
		    == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, mb.id);
		(void)sqlite3_bind_int64(st, 2, dst.id);
		if ((rc = step_change(db, st)) != DB_OK)
			goto fail;
		/* the change log: every message moved, at the new MODSEQ */
		if ((st = db_stmt(db, STMT_INBOX_MOVE_CHANGES, "INSERT INTO "
		    "changes (mailbox_id, modseq, uids) SELECT id, "
		    "highestmodseq, uidmap FROM mailboxes WHERE id = ? AND "
		    "uidmap != x''")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, dst.id);
		if ((rc = step_change(db, st)) != DB_OK && rc != DB_NOTFOUND)
			goto fail;
		if ((st = db_stmt(db, STMT_MBOX_EMPTY_INBOX, "UPDATE mailboxes "
		    "SET messages = 0, unseen = 0, deleted = 0, size = 0, "
		    "uidmap = x'', highestmodseq = highestmodseq + 1, "
		    "unseen_from = uidnext WHERE id = ?")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, mb.id);
	} else {
		if ((st = db_stmt(db, STMT_MBOX_RENAME, "UPDATE mailboxes SET "
		    "name = ?3 || substr(name, length(?2) + 1) WHERE "
		    "user_id = ?1 AND (name = ?2 OR (name > ?2 || '/' AND "
		    "name < ?2 || '0'))")) == NULL)
			goto dberr;
		(void)sqlite3_bind_int64(st, 1, user);
		(void)sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
		(void)sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	}
	if ((rc = step_change(db, st)) != DB_OK)
		goto fail;
	return db_commit(db);
dberr:
	rc = DB_ERROR;
fail:
	db_rollback(db);
	return rc;
}

/* Every mailbox of the user in name order; fn returning non-zero stops. */
int
store_mailbox_list(struct db *db, int64_t user,
    int (*fn)(void *, const struct store_mailbox *), void *arg)
{
	struct store_mailbox	 mb;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = db_stmt(db, STMT_MBOX_LIST, "SELECT " MBOX_COLS " FROM "
	    "mailboxes WHERE user_id = ? ORDER BY name")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, user);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_mailbox(st, &mb);
		if (fn(arg, &mb) != 0)
			break;
	}
	(void)sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK :
	    db_result(db, rc);
}

/* Subscribe (on) or unsubscribe; DB_NOTFOUND if it was not subscribed. */
int
store_subscribe(struct db *db, int64_t user, const char *name, bool on)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = on ? db_stmt(db, STMT_SUB_ADD, "INSERT OR IGNORE INTO "
	    "subscriptions (user_id, name) VALUES (?, ?)") :
	    db_stmt(db, STMT_SUB_DEL, "DELETE FROM subscriptions WHERE "
	    "user_id = ? AND name = ?");
	if (st == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, user);
	(void)sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = step_change(db, st);
	return on && rc == DB_NOTFOUND ? DB_OK : rc;
}

int
store_subscriptions(struct db *db, int64_t user,
    int (*fn)(void *, const char *), void *arg)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, STMT_SUB_LIST, "SELECT name FROM subscriptions "
	    "WHERE user_id = ? ORDER BY name")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, user);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, (const char *)sqlite3_column_text(st, 0)) != 0)
			break;
	(void)sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK :
	    db_result(db, rc);
}

/* Keywords used in a mailbox, for FLAGS and PERMANENTFLAGS. */
int
store_keywords(struct db *db, int64_t mailbox,
    int (*fn)(void *, const char *), void *arg)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, STMT_KEYWORDS, "SELECT keyword FROM "
	    "mailbox_keywords WHERE mailbox_id = ? ORDER BY keyword")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, mailbox);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, (const char *)sqlite3_column_text(st, 0)) != 0)
			break;
	(void)sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK :
	    db_result(db, rc);
}

/*
 * Take \Recent (RFC 3501) for UIDs up to upto: *from_r gets the highest
 * UID some session had already taken, so (from_r, upto] are this
 * session's.  Writes only when there is something to take.
 */
int
store_claim_recent(struct db *db, int64_t mailbox, uint32_t upto,
    uint32_t *from_r)
{
	struct store_mailbox	 mb;
	sqlite3_stmt		*st;
	int			 rc;

	*from_r = upto;
	if ((rc = db_begin_light(db)) != DB_OK)
		return rc;
	if ((rc = store_mailbox_get_id(db, mailbox, &mb, NULL)) != DB_OK)
		goto fail;
	if (mb.recent_uid >= upto) {
		db_rollback(db);
		return DB_OK;
	}
	if ((st = db_stmt(db, STMT_CLAIM_RECENT, "UPDATE mailboxes SET "
	    "recent_uid = ? WHERE id = ?")) == NULL) {
		rc = DB_ERROR;
		goto fail;
	}
	(void)sqlite3_bind_int64(st, 1, upto);
	(void)sqlite3_bind_int64(st, 2, mailbox);
	if ((rc = step_change(db, st)) != DB_OK)
		goto fail;
	if ((rc = db_commit(db)) == DB_OK)
		*from_r = mb.recent_uid;
	return rc;
fail:
	db_rollback(db);
	return rc;
}

/*
 * The lowest UID without \Seen, or 0: walking the primary key from the
 * mailbox's unseen_from, below which every message has \Seen (schema
 * 10), usually the message itself.
 */
int
store_first_unseen(struct db *db, int64_t mailbox, uint32_t *uid)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, STMT_FIRST_UNSEEN, "SELECT uid FROM messages "
	    "WHERE mailbox_id = ?1 AND uid >= (SELECT unseen_from FROM "
	    "mailboxes WHERE id = ?1) AND flags & 1 = 0 ORDER BY uid LIMIT 1"))
	    == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, mailbox);
	*uid = 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*uid = (uint32_t)sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK : db_result(db, rc);
	(void)sqlite3_reset(st);
	return rc;
}

/*
 * A new user's mailboxes: INBOX, then spec, "Name:\Use Name2:\Use2 ...",
 * each subscribed.
 */
int
store_user_defaults(struct db *db, int64_t user, const char *spec)
{
	char	 buf[1024], *p, *tok, *use;
	int	 rc;

	if (strlcpy(buf, spec, sizeof(buf)) >= sizeof(buf))
		return DB_ERROR;
	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	rc = store_mailbox_create(db, user, "INBOX", NULL);
	if (rc == DB_EXISTS)
		rc = DB_OK;
	if (rc == DB_OK)
		rc = store_subscribe(db, user, "INBOX", true);
	for (p = buf; rc == DB_OK && (tok = strsep(&p, " \t")) != NULL;) {
		if (*tok == '\0')
			continue;
		if ((use = strchr(tok, ':')) != NULL)
			*use++ = '\0';
		rc = store_mailbox_create(db, user, tok, use);
		if (rc == DB_EXISTS)
			rc = DB_OK;
		if (rc == DB_OK)
			rc = store_subscribe(db, user, tok, true);
	}
	if (rc != DB_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

/* ---- live sessions (connection accounting) ---- */

/* A process's start time (clock ticks since boot), 0 if it is gone. */
int64_t
proc_started(pid_t pid)
{
	char	 path[64], buf[1024], *p, *end;
	ssize_t	 n;
	int	 fd, field;
	long long v;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* after the ")" of the command name: field 3 on; start is 22 */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return 0;
	errno = 0;
	v = strtoll(p + 1, &end, 10);
	if (end == p + 1 || errno != 0)
		return 0;
	return (int64_t)v;
}

static bool
row_alive(sqlite3_stmt *st)
{
	pid_t	pid = (pid_t)sqlite3_column_int64(st, 0);

	return proc_started(pid) == sqlite3_column_int64(st, 1);
}

/*
 * Register this process as a session of user from addr, unless the user
 * has max_user (or max_ip from that address) live sessions already:
 * then DB_EXISTS.  Rows of dead processes are removed on the way.
 */
int
store_session_add(struct db *db, const char *user, const char *addr,
    int64_t max_user, int64_t max_ip)
{
	sqlite3_stmt	*st;
	int64_t		 nuser = 0, nip = 0, me = (int64_t)getpid();
	int		 rc;

	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	if ((st = db_stmt(db, STMT_SESS_OF_USER, "SELECT pid, started, addr "
	    "FROM sessions WHERE user = ?")) == NULL)
		goto dberr;
	(void)sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!row_alive(st) || sqlite3_column_int64(st, 0) == me)
			continue;
		nuser++;
		if (strcmp((const char *)sqlite3_column_text(st, 2), addr) == 0)
			nip++;
	}
	(void)sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		rc = db_result(db, rc);
		goto fail;
	}
	if ((rc = store_session_reap(db)) != DB_OK)
		goto fail;
	if (nuser >= max_user || nip >= max_ip) {
		rc = DB_EXISTS;
		goto fail;
	}
	if ((st = db_stmt(db, STMT_SESS_ADD, "INSERT OR REPLACE INTO sessions "
	    "(pid, started, user, addr) VALUES (?, ?, ?, ?)")) == NULL)
		goto dberr;
	(void)sqlite3_bind_int64(st, 1, me);
	(void)sqlite3_bind_int64(st, 2, proc_started(getpid()));
	(void)sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(st, 4, addr, -1, SQLITE_STATIC);
	if ((rc = step_change(db, st)) != DB_OK)
		goto fail;
	return db_commit(db);
dberr:
	rc = DB_ERROR;
fail:
	db_rollback(db);
	return rc;
}

/* Remove the rows of processes that are gone. */
int
store_session_reap(struct db *db)
{
	sqlite3_stmt	*st, *del;
	int64_t		 dead[64];
	size_t		 n = 0, i;
	int		 rc;

	if ((st = db_stmt(db, STMT_SESS_ALL, "SELECT pid, started FROM "
	    "sessions")) == NULL)
		return DB_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!row_alive(st) && n < sizeof(dead) / sizeof(dead[0]))
			dead[n++] = sqlite3_column_int64(st, 0);
	(void)sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_result(db, rc);
	for (i = 0; i < n; i++) {
		if ((del = db_stmt(db, STMT_SESS_DEL, "DELETE FROM sessions "
		    "WHERE pid = ?")) == NULL)
			return DB_ERROR;
		(void)sqlite3_bind_int64(del, 1, dead[i]);
		if ((rc = step_change(db, del)) != DB_OK && rc != DB_NOTFOUND)
			return rc;
	}
	return DB_OK;
}

/* This process's session is over. */
int
store_session_end(struct db *db)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, STMT_SESS_DEL, "DELETE FROM sessions WHERE "
	    "pid = ?")) == NULL)
		return DB_ERROR;
	(void)sqlite3_bind_int64(st, 1, (int64_t)getpid());
	rc = step_change(db, st);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

/* Every live session (user, pid, addr, since), by user. */
int
store_session_list(struct db *db, int (*fn)(void *, const char *, int64_t,
    const char *, int64_t), void *arg)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, STMT_SESS_LIST, "SELECT pid, started, user, "
	    "addr, since FROM sessions ORDER BY user, pid")) == NULL)
		return DB_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!row_alive(st))
			continue;
		if (fn(arg, (const char *)sqlite3_column_text(st, 2),
		    sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 3),
		    sqlite3_column_int64(st, 4)) != 0)
			break;
	}
	(void)sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK :
	    db_result(db, rc);
}

/*
 * The sessions database, "<database>-sessions" (created on demand); with
 * must_exist, DB_MISSING when there is none (nobody ever logged in).
 */
int
sessions_open(struct db **dbp, const struct config *cfg, bool must_exist)
{
	char	path[4200], err[256];
	int	rc;

	if ((size_t)snprintf(path, sizeof(path), "%s-sessions",
	    cfg->database) >= sizeof(path))
		return DB_ERROR;
	if (must_exist && access(path, F_OK) == -1)
		return DB_MISSING;
	if ((rc = db_open(dbp, path, cfg, DB_OPEN_CREATE | DB_OPEN_SESSIONS,
	    err, sizeof(err))) != DB_OK)
		log_warn("sessions: %s", err);
	return rc;
}
