/*
 * store.c: the mail model over db.c.  Users now; mailboxes and messages
 * join them as the schema grows.  Every statement is prepared (no SQL is
 * ever built from client input) and cached for the session's lifetime.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <string.h>

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
	int	rc = sqlite3_step(st);

	(void)sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_result(db, rc);
	return sqlite3_changes(db_handle(db)) > 0 ? DB_OK : DB_NOTFOUND;
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
