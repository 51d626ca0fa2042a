/*
 * store_check.c: the consistency check behind liteimapctl check.  It
 * reads the whole database in one read transaction (a WAL snapshot, so
 * sessions and deliveries go on meanwhile and cannot produce false
 * alarms) and compares what the schema keeps twice: SQLite's own
 * structure (PRAGMA integrity_check, foreign_key_check), each mailbox
 * row's UIDNEXT, HIGHESTMODSEQ, counters and uidmap against its
 * messages, the change log against the messages' MODSEQs, the tombstones of expunged UIDs, the contents nothing
 * refers to any more and the search index rows of the contents.  An
 * administrative path, not a hot one: the statements are prepared here
 * and finalized at the end, not cached.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"
#include "db.h"
#include "ctl/ctl.h"

#define DETAILS_MAX	10	/* rows named per kind of problem */

enum {
	Q_MAILBOXES,
	Q_AGGREGATE,
	Q_UIDS,
	Q_TOMBSTONES,
	Q_TOMB_LIVE,
	Q_CHANGES,
	Q_MODSEQS,
	Q_MAX
};

static const char *const queries[Q_MAX] = {
	/* Q_MAILBOXES */
	"SELECT m.id, coalesce(u.name, '?'), m.name, m.uidvalidity, "
	"m.uidnext, m.highestmodseq, m.noselect, m.recent_uid, m.messages, "
	"m.unseen, m.deleted, m.size, m.uidmap, m.unseen_from FROM mailboxes m "
	"LEFT JOIN users u ON u.id = m.user_id ORDER BY m.id",
	/* Q_AGGREGATE */
	"SELECT count(*), coalesce(sum(flags & 1 = 0), 0), "
	"coalesce(sum(flags & 8 != 0), 0), coalesce(sum(size), 0), "
	"coalesce(min(uid), 0), coalesce(max(uid), 0), "
	"coalesce(max(modseq), 0), coalesce(min(modseq), 1), "
	"min(iif(flags & 1 = 0, uid, NULL)) "
	"FROM messages WHERE mailbox_id = ?",
	/* Q_UIDS */
	"SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid",
	/* Q_TOMBSTONES */
	"SELECT count(*), coalesce(max(uid), 0), coalesce(max(modseq), 0) "
	"FROM expunged WHERE mailbox_id = ?",
	/* Q_TOMB_LIVE */
	"SELECT e.uid FROM expunged e JOIN messages m ON "
	"m.mailbox_id = e.mailbox_id AND m.uid = e.uid "
	"WHERE e.mailbox_id = ? ORDER BY e.uid",
	/* Q_CHANGES */
	"SELECT modseq, uids FROM changes WHERE mailbox_id = ? "
	"ORDER BY modseq",
	/* Q_MODSEQS */
	"SELECT uid, modseq FROM messages WHERE mailbox_id = ?",
};

struct chk {
	struct db			*db;
	sqlite3				*h;
	sqlite3_stmt			*q[Q_MAX];
	int				(*fn)(void *, const char *);
	void				*arg;
	struct store_check_stats	*st;
	bool				 stop;
	char				 where[MBOX_NAME_MAX +
					    NAME_MAX_LEN + 64];
};

static void
problem(struct chk *k, const char *fmt, ...) PRINTFLIKE(2, 3);

static void
problem(struct chk *k, const char *fmt, ...)
{
	char	msg[2 * MBOX_NAME_MAX + 512];
	va_list	ap;

	k->st->problems++;
	if (k->stop)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (k->fn(k->arg, msg) != 0)
		k->stop = true;
}

/*
 * Run sql (four columns), one problem per row: fmt has four %s for the
 * columns as text.  With count_r, only the first DETAILS_MAX rows are
 * reported and *count_r gets them all.
 */
static int
each_row(struct chk *k, const char *sql, const char *fmt, int64_t *count_r)
{
	sqlite3_stmt	*st;
	const char	*c[4];
	int		 rc, i, n = 0;

	if ((rc = sqlite3_prepare_v2(k->h, sql, -1, &st, NULL)) != SQLITE_OK)
		return db_result(k->db, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < 4; i++) {
			c[i] = (const char *)sqlite3_column_text(st, i);
			if (c[i] == NULL)
				c[i] = "NULL";
		}
		if (n++ < DETAILS_MAX || count_r == NULL)
			problem(k, fmt, c[0], c[1], c[2], c[3]);
	}
	(void)sqlite3_finalize(st);
	if (count_r != NULL)
		*count_r = n;
	return rc == SQLITE_DONE ? DB_OK : db_result(k->db, rc);
}

static int
scalar(struct chk *k, const char *sql, int64_t *v)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(k->h, sql, -1, &st, NULL)) != SQLITE_OK)
		return db_result(k->db, rc);
	*v = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	(void)sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DB_OK :
	    db_result(k->db, rc);
}

/* SQLite's own view: the file structure, indexes and foreign keys. */
static int
check_sqlite(struct chk *k)
{
	sqlite3_stmt	*st;
	const char	*t;
	int		 rc;
	int64_t		 n;

	if ((rc = sqlite3_prepare_v2(k->h, "PRAGMA integrity_check", -1, &st,
	    NULL)) != SQLITE_OK)
		return db_result(k->db, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = (const char *)sqlite3_column_text(st, 0);
		if (t != NULL && strcmp(t, "ok") != 0)
			problem(k, "integrity_check: %s", t);
	}
	(void)sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_result(k->db, rc);
	/* messages is WITHOUT ROWID: name the rows with a query of our own */
	if ((rc = each_row(k, "SELECT \"table\", count(*), parent, '' FROM "
	    "pragma_foreign_key_check GROUP BY 1, 3 ORDER BY 1, 3",
	    "foreign keys: %s: %s rows refer to missing %s rows%s",
	    NULL)) != DB_OK)
		return rc;
	if ((rc = each_row(k, "SELECT m.mailbox_id, m.uid, m.content_id, '' "
	    "FROM messages m WHERE NOT EXISTS (SELECT 1 FROM contents c "
	    "WHERE c.id = m.content_id) ORDER BY 1, 2",
	    "mailbox %s: message UID %s: its content %s is missing%s",
	    &n)) != DB_OK)
		return rc;
	/* each_row() set n (the analyzer cannot see db_result() in db.c) */
	/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
	if (n > DETAILS_MAX)
		problem(k, "%lld more messages without content",
		    (long long)(n - DETAILS_MAX));
	return DB_OK;
}

/* The uidmap blob against the UIDs of the messages, in one pass. */
static int
check_uidmap(struct chk *k, int64_t id, const void *blob, size_t len,
    int64_t count)
{
	struct uidmap	 map;
	sqlite3_stmt	*st = k->q[Q_UIDS];
	uint32_t	 uid, next = 0;
	size_t		 ri = 0;
	bool		 have, found = false;
	int		 rc;

	memset(&map, 0, sizeof(map));
	if (uidmap_load(&map, blob, len) == -1) {
		problem(k, "%s: uidmap is malformed (%zu bytes)", k->where,
		    len);
		uidmap_free(&map);
		return DB_OK;
	}
	if ((have = map.n > 0))
		next = map.r[0].lo;
	(void)sqlite3_reset(st);
	(void)sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uid = (uint32_t)sqlite3_column_int64(st, 0);
		if (!have || uid != next) {
			if (!have || uid < next)
				problem(k, "%s: UID %u has a message but is "
				    "not in the uidmap (uidmap: %u UIDs, "
				    "messages: %lld)", k->where, uid,
				    map.count, (long long)count);
			else
				problem(k, "%s: UID %u is in the uidmap but "
				    "has no message (uidmap: %u UIDs, "
				    "messages: %lld)", k->where, next,
				    map.count, (long long)count);
			found = true;
			break;
		}
		if (next == map.r[ri].hi) {
			if ((have = ++ri < map.n))
				next = map.r[ri].lo;
		} else
			next++;
	}
	(void)sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		uidmap_free(&map);
		return db_result(k->db, rc);
	}
	if (!found && have)
		problem(k, "%s: UID %u is in the uidmap but has no message "
		    "(uidmap: %u UIDs, messages: %lld)", k->where, next,
		    map.count, (long long)count);
	uidmap_free(&map);
	return DB_OK;
}

/* One mailbox row (the current row of Q_MAILBOXES) against its messages. */
/*
 * The change log (schema 9): every message with MODSEQ m must be named
 * by a row of MODSEQ m or more, or "changed since" misses it.  suf[i] is
 * the union of rows i.. (by MODSEQ), so a message needs its UID in the
 * suf of the first row at or above its MODSEQ.
 */
static int
check_changes(struct chk *k, int64_t id, int64_t hms)
{
	sqlite3_stmt	*st = k->q[Q_CHANGES];
	struct uidmap	*suf = NULL, tmp;
	int64_t		*ms = NULL, m, bad = 0;
	uint32_t	 uid;
	size_t		 n = 0, cap = 0, i, lo, hi;
	int		 rc;

	memset(&tmp, 0, sizeof(tmp));
	(void)sqlite3_reset(st);
	(void)sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			suf = xreallocarray(suf, cap, sizeof(*suf));
			ms = xreallocarray(ms, cap, sizeof(*ms));
		}
		memset(&suf[n], 0, sizeof(suf[n]));
		ms[n] = sqlite3_column_int64(st, 0);
		if (ms[n] > hms)
			problem(k, "%s: a change-log row has MODSEQ %lld, above "
			    "HIGHESTMODSEQ %lld", k->where, (long long)ms[n],
			    (long long)hms);
		if (uidmap_load(&suf[n], sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1)) == -1)
			problem(k, "%s: the change-log row of MODSEQ %lld is "
			    "malformed", k->where, (long long)ms[n]);
		n++;
	}
	(void)sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto out;
	for (i = n; i-- > 1; ) {
		uidmap_union(&suf[i - 1], &suf[i], &tmp);
		uidmap_copy(&suf[i - 1], &tmp);
	}
	st = k->q[Q_MODSEQS];
	(void)sqlite3_reset(st);
	(void)sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uid = (uint32_t)sqlite3_column_int64(st, 0);
		m = sqlite3_column_int64(st, 1);
		for (lo = 0, hi = n; lo < hi; ) {	/* first ms >= m */
			i = lo + (hi - lo) / 2;
			if (ms[i] < m)
				lo = i + 1;
			else
				hi = i;
		}
		if (lo < n && uidmap_seq(&suf[lo], uid) != 0)
			continue;
		if (bad++ < DETAILS_MAX)
			problem(k, "%s: UID %lu (MODSEQ %lld) is missing from "
			    "the change log", k->where, (unsigned long)uid,
			    (long long)m);
	}
	(void)sqlite3_reset(st);
	if (bad > DETAILS_MAX)
		problem(k, "%s: %lld more messages missing from the change log",
		    k->where, (long long)(bad - DETAILS_MAX));
out:
	for (i = 0; i < n; i++)
		uidmap_free(&suf[i]);
	free(suf);
	free(ms);
	uidmap_free(&tmp);
	return rc == SQLITE_DONE ? DB_OK : db_result(k->db, rc);
}

static int
check_mailbox(struct chk *k, sqlite3_stmt *mb)
{
	sqlite3_stmt	*st;
	int64_t		 id = sqlite3_column_int64(mb, 0);
	int64_t		 uidnext = sqlite3_column_int64(mb, 4);
	int64_t		 hms = sqlite3_column_int64(mb, 5);
	int64_t		 recent = sqlite3_column_int64(mb, 7);
	int64_t		 c_msgs = sqlite3_column_int64(mb, 8);
	int64_t		 c_unseen = sqlite3_column_int64(mb, 9);
	int64_t		 c_del = sqlite3_column_int64(mb, 10);
	int64_t		 c_size = sqlite3_column_int64(mb, 11);
	int64_t		 c_ufrom = sqlite3_column_int64(mb, 13);
	int64_t		 n, unseen, del, size, minuid, maxuid;
	int64_t		 maxms, minms;
	int64_t		 tn, tmax, tms;
	bool		 noselect = sqlite3_column_int(mb, 6) != 0;
	int		 rc;

	(void)snprintf(k->where, sizeof(k->where), "user %s, mailbox \"%s\" "
	    "(id %lld)", (const char *)sqlite3_column_text(mb, 1),
	    (const char *)sqlite3_column_text(mb, 2), (long long)id);
	if (sqlite3_column_int64(mb, 3) <= 0 || sqlite3_column_int64(mb, 3) >
	    UINT32_MAX)
		problem(k, "%s: UIDVALIDITY %lld out of range", k->where,
		    (long long)sqlite3_column_int64(mb, 3));
	if (uidnext < 1 || uidnext > (int64_t)UINT32_MAX + 1)
		problem(k, "%s: UIDNEXT %lld out of range", k->where,
		    (long long)uidnext);
	if (hms < 1)
		problem(k, "%s: HIGHESTMODSEQ %lld out of range", k->where,
		    (long long)hms);
	if (c_ufrom < 1 || c_ufrom > uidnext)
		problem(k, "%s: unseen_from %lld out of range", k->where,
		    (long long)c_ufrom);
	if (recent < 0 || recent >= uidnext)
		problem(k, "%s: recent_uid %lld is not below UIDNEXT %lld",
		    k->where, (long long)recent, (long long)uidnext);

	st = k->q[Q_AGGREGATE];
	(void)sqlite3_reset(st);
	(void)sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		(void)sqlite3_reset(st);
		return db_result(k->db, rc);
	}
	n = sqlite3_column_int64(st, 0);
	unseen = sqlite3_column_int64(st, 1);
	del = sqlite3_column_int64(st, 2);
	size = sqlite3_column_int64(st, 3);
	minuid = sqlite3_column_int64(st, 4);
	maxuid = sqlite3_column_int64(st, 5);
	maxms = sqlite3_column_int64(st, 6);
	minms = sqlite3_column_int64(st, 7);
	/* no unseen message below unseen_from (schema 10) */
	if (sqlite3_column_type(st, 8) != SQLITE_NULL &&
	    sqlite3_column_int64(st, 8) < c_ufrom)
		problem(k, "%s: UID %lld lacks \\Seen but unseen_from is %lld",
		    k->where, (long long)sqlite3_column_int64(st, 8),
		    (long long)c_ufrom);
	(void)sqlite3_reset(st);
	k->st->messages += n;

	if (c_msgs != n)
		problem(k, "%s: messages counter is %lld, the mailbox holds "
		    "%lld", k->where, (long long)c_msgs, (long long)n);
	if (c_unseen != unseen)
		problem(k, "%s: unseen counter is %lld, the mailbox holds %lld "
		    "unseen", k->where, (long long)c_unseen, (long long)unseen);
	if (c_del != del)
		problem(k, "%s: deleted counter is %lld, the mailbox holds "
		    "%lld \\Deleted", k->where, (long long)c_del,
		    (long long)del);
	if (c_size != size)
		problem(k, "%s: size counter is %lld, its messages have %lld "
		    "bytes", k->where, (long long)c_size, (long long)size);
	if (n > 0 && minuid < 1)
		problem(k, "%s: a message has UID %lld", k->where,
		    (long long)minuid);
	if (n > 0 && maxuid >= uidnext)
		problem(k, "%s: UID %lld is not below UIDNEXT %lld", k->where,
		    (long long)maxuid, (long long)uidnext);
	if (n > 0 && maxms > hms)
		problem(k, "%s: a message has MODSEQ %lld, above HIGHESTMODSEQ "
		    "%lld", k->where, (long long)maxms, (long long)hms);
	if (n > 0 && minms < 1)
		problem(k, "%s: a message has MODSEQ %lld", k->where,
		    (long long)minms);
	if (noselect && n > 0)
		problem(k, "%s: \\Noselect but holds %lld messages", k->where,
		    (long long)n);
	if ((rc = check_uidmap(k, id, sqlite3_column_blob(mb, 12),
	    (size_t)sqlite3_column_bytes(mb, 12), n)) != DB_OK)
		return rc;
	if ((rc = check_changes(k, id, hms)) != DB_OK)
		return rc;

	st = k->q[Q_TOMBSTONES];
	(void)sqlite3_reset(st);
	(void)sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		(void)sqlite3_reset(st);
		return db_result(k->db, rc);
	}
	tn = sqlite3_column_int64(st, 0);
	tmax = sqlite3_column_int64(st, 1);
	tms = sqlite3_column_int64(st, 2);
	(void)sqlite3_reset(st);
	if (tn > 0 && tmax >= uidnext)
		problem(k, "%s: expunged UID %lld is not below UIDNEXT %lld",
		    k->where, (long long)tmax, (long long)uidnext);
	if (tn > 0 && tms > hms)
		problem(k, "%s: an expunge has MODSEQ %lld, above "
		    "HIGHESTMODSEQ %lld", k->where, (long long)tms,
		    (long long)hms);
	if (tn > 0) {
		st = k->q[Q_TOMB_LIVE];
		(void)sqlite3_reset(st);
		(void)sqlite3_bind_int64(st, 1, id);
		n = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (n++ < DETAILS_MAX)
				problem(k, "%s: UID %lld is recorded as "
				    "expunged but still has a message",
				    k->where, (long long)sqlite3_column_int64(
				    st, 0));
		(void)sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_result(k->db, rc);
		if (n > DETAILS_MAX)
			problem(k, "%s: %lld more expunged UIDs with messages",
			    k->where, (long long)(n - DETAILS_MAX));
	}
	return DB_OK;
}

/*
 * A full-text table (search_text, search_addr; a constant of ours):
 * one row for each content, none for a content that is gone.
 */
static int
check_index(struct chk *k, const char *table)
{
	char	sql[256], fmt[128];
	int64_t	n = 0;
	int	rc;

	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_schema "
	    "WHERE name = '%s'", table);
	if ((rc = scalar(k, sql, &n)) != DB_OK || n == 0)
		return rc;
	(void)snprintf(sql, sizeof(sql), "SELECT c.id, '', '', '' FROM "
	    "contents c WHERE NOT EXISTS (SELECT 1 FROM %s s WHERE "
	    "s.rowid = c.id) ORDER BY c.id", table);
	(void)snprintf(fmt, sizeof(fmt), "content %%s has no %s row (SEARCH "
	    "cannot find it)%%s%%s%%s", table);
	if ((rc = each_row(k, sql, fmt, &n)) != DB_OK)
		return rc;
	if (n > DETAILS_MAX)
		problem(k, "%lld more contents without %s rows",
		    (long long)(n - DETAILS_MAX), table);
	(void)snprintf(sql, sizeof(sql), "SELECT s.rowid, '', '', '' FROM "
	    "%s s WHERE NOT EXISTS (SELECT 1 FROM contents c WHERE c.id = "
	    "s.rowid) ORDER BY 1", table);
	(void)snprintf(fmt, sizeof(fmt), "%s row %%s belongs to no "
	    "content%%s%%s%%s", table);
	if ((rc = each_row(k, sql, fmt, &n)) != DB_OK)
		return rc;
	if (n > DETAILS_MAX)
		problem(k, "%lld more %s rows without content",
		    (long long)(n - DETAILS_MAX), table);
	return DB_OK;
}

static int
check_all(struct chk *k)
{
	static const char *const tables[] = { "search_text", "search_addr" };
	sqlite3_stmt	*mb;
	int64_t		 n, last, maxuv;
	int		 rc, i, t;

	if ((rc = check_sqlite(k)) != DB_OK)
		return rc;
	for (i = 0; i < Q_MAX; i++)
		if ((rc = sqlite3_prepare_v2(k->h, queries[i], -1, &k->q[i],
		    NULL)) != SQLITE_OK)
			return db_result(k->db, rc);
	mb = k->q[Q_MAILBOXES];
	while ((rc = sqlite3_step(mb)) == SQLITE_ROW) {
		k->st->mailboxes++;
		if ((rc = check_mailbox(k, mb)) != DB_OK)
			return rc;
	}
	if (rc != SQLITE_DONE)
		return db_result(k->db, rc);

	/* content no message refers to: the delete trigger should remove it */
	if ((rc = each_row(k, "SELECT c.id, c.size, '', '' FROM contents c "
	    "WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.content_id = "
	    "c.id) ORDER BY c.id", "content %s (%s bytes) belongs to no "
	    "message%s%s", &n)) != DB_OK)
		return rc;
	if (n > DETAILS_MAX)
		problem(k, "%lld more contents belong to no message",
		    (long long)(n - DETAILS_MAX));
	if ((rc = each_row(k, "SELECT m.mailbox_id, m.uid, m.size, c.size "
	    "FROM messages m JOIN contents c ON c.id = m.content_id "
	    "WHERE m.size != c.size ORDER BY 1, 2", "mailbox %s: message UID "
	    "%s has size %s, its content %s bytes", &n)) != DB_OK)
		return rc;
	if (n > DETAILS_MAX)
		problem(k, "%lld more messages whose size is not their "
		    "content's", (long long)(n - DETAILS_MAX));
	if ((rc = each_row(k, "SELECT c.id, c.size, length(d.data), '' FROM "
	    "contents c LEFT JOIN content_data d ON d.id = c.id WHERE "
	    "d.id IS NULL OR c.size != length(d.data) ORDER BY c.id",
	    "content %s: size %s, but %s bytes of data%s", &n)) != DB_OK)
		return rc;
	if (n > DETAILS_MAX)
		problem(k, "%lld more contents whose size is wrong",
		    (long long)(n - DETAILS_MAX));

	/* the search index (schemas 4 and 6): one row per content each */
	for (t = 0; t < 2; t++)
		if ((rc = check_index(k, tables[t])) != DB_OK)
			return rc;

	/* a new mailbox must never get a UIDVALIDITY used before */
	if ((rc = scalar(k, "SELECT coalesce((SELECT value FROM meta WHERE "
	    "key = 'last_uidvalidity'), -1)", &last)) != DB_OK ||
	    (rc = scalar(k, "SELECT coalesce(max(uidvalidity), 0) FROM "
	    "mailboxes", &maxuv)) != DB_OK)
		return rc;
	if (last < 0)
		problem(k, "meta: last_uidvalidity is missing");
	else if (maxuv > last)
		problem(k, "meta: last_uidvalidity %lld is below a mailbox's "
		    "UIDVALIDITY %lld", (long long)last, (long long)maxuv);

	if ((rc = scalar(k, "SELECT count(*) FROM users", &k->st->users)) !=
	    DB_OK || (rc = scalar(k, "SELECT count(*) FROM contents",
	    &k->st->contents)) != DB_OK)
		return rc;
	return DB_OK;
}

/*
 * Check the whole database, read-only, in one snapshot.  fn gets one line
 * per problem (it stops the reports by returning non-zero; they are still
 * counted); st the totals and the number of problems.  DB_OK when the
 * check ran (whatever it found), else why it could not.
 */
int
store_check(struct db *db, int (*fn)(void *, const char *), void *arg,
    struct store_check_stats *st)
{
	struct chk	k;
	int		rc, i;

	memset(&k, 0, sizeof(k));
	memset(st, 0, sizeof(*st));
	k.db = db;
	k.h = db_handle(db);
	k.fn = fn;
	k.arg = arg;
	k.st = st;
	if ((rc = sqlite3_exec(k.h, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK)
		return db_result(db, rc);
	rc = check_all(&k);
	for (i = 0; i < Q_MAX; i++)
		(void)sqlite3_finalize(k.q[i]);
	(void)sqlite3_exec(k.h, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
