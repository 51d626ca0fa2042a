/*
 * db.h: what db.c shares with store.c only: the statement cache.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#ifndef DB_H
#define DB_H

#include <sqlite3.h>

enum stmt_id {
	STMT_USER_GET,
	STMT_USER_SOME_HASH,
	STMT_USER_ADD,
	STMT_USER_PASSWD,
	STMT_USER_DEL,
	STMT_USER_LIST,
	STMT_MAX
};

sqlite3_stmt	*db_stmt(struct db *, enum stmt_id, const char *);
sqlite3		*db_handle(struct db *);

#endif
