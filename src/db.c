/*
 * db.c: the SQLite connection.  Opening checks that the file is a
 * liteimapd database of the version this program speaks; statements are
 * prepared once and cached; writes are short BEGIN IMMEDIATE
 * transactions.  With store.c, the only code that speaks SQL.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <signal.h>
#include <time.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "liteimapd.h"
#include "db.h"

#define APPLICATION_ID	1279872321	/* 'LIMA' */
#define QUEUE_TICK_MS	50		/* queue_enter() looks at the clock */
#define CHECKPOINT_FRAMES 1000		/* SQLite's wal_autocheckpoint */

struct db {
	char		*notify;	/* "<database>-notify", touched on commit */
	sqlite3		*h;
	sqlite3_blob	*blob;		/* open on some contents.data */
	sqlite3_stmt	*stmt[STMT_MAX];
	int		 depth;		/* nested db_begin() calls */
	int		 sync;		/* the configured synchronous level */
	bool		 failed;	/* an inner level rolled back */
	bool		 light;		/* a light transaction: not synced */
	bool		 post_sync;	/* commits synced after the queue */
	bool		 committing;	/* in db_commit()'s COMMIT */
	bool		 wal_dirty;	/* committed, not yet synced */
	int64_t		 busy_timeout;	/* ms */
	int64_t		 busy_since;	/* when the current wait began */
	bool		 queued;	/* busy_since set by queue_enter() */
	bool		 qheld;		/* this process holds the queue */
	bool		 qtried;	/* qfd opened or found unusable */
	int		 qfd;		/* "<database>-notify", or -1 */
	unsigned	 once;		/* bits db_first() has answered */
};

static int	wal_note(void *, sqlite3 *, const char *, int);
static int	wal_sync(struct db *);

/* sql.c, generated from sql/ by the Makefile */
extern const struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
} migrations[];
extern const int nmigrations;

/*
 * Another process holds the lock SQLite needs: wait a little and retry,
 * for busy_timeout in all.  SQLite's own handler sleeps 1, 2, 5, 10 ...
 * 100 ms, while a write transaction here holds the lock for well under a
 * millisecond: with ten writers most of the time went to sleeping on a
 * lock that was free.  Here the sleeps start at 50 us and double up to
 * 1.6 ms, with jitter so that waiters do not retry in step.
 */
static int
busy_wait(void *arg, int count)
{
	struct db	*db = arg;
	struct timespec	 ts;
	int64_t		 now = now_ms();
	long		 us;

	if (count == 0 && !db->queued)
		db->busy_since = now;
	else if (now - db->busy_since >= db->busy_timeout)
		return 0;
	us = 50L << (count < 5 ? count : 5);
	us += (long)arc4random_uniform((uint32_t)us);
	ts.tv_sec = 0;
	ts.tv_nsec = us * 1000;
	(void)nanosleep(&ts, NULL);
	return 1;
}

int
db_schema_version(void)
{
	return migrations[nmigrations - 1].version;
}

const char *
db_errmsg(struct db *db)
{
	return db != NULL && db->h != NULL ? sqlite3_errmsg(db->h) :
	    "no database";
}

/* Map an SQLite result code to ours. */
int
db_result(struct db *db, int rc)
{
	(void)db;
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return DB_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_BUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
		return DB_READONLY;
	case SQLITE_FULL:
		return DB_FULL;
	case SQLITE_NOTADB:
		return DB_FOREIGN;
	case SQLITE_CONSTRAINT:
		return DB_EXISTS;
	default:
		return DB_ERROR;
	}
}

static int
pragma_int(struct db *db, const char *sql, int *v)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL)) != SQLITE_OK)
		return db_result(db, rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	(void)sqlite3_finalize(st);
	return rc == SQLITE_ROW ? DB_OK : db_result(db, rc);
}

static const char *
open_error(int rc)
{
	switch (rc) {
	case DB_MISSING:
		return "no such database (run \"liteimapctl init\")";
	case DB_FOREIGN:
		return "not a liteimapd database";
	case DB_OLD:
		return "database schema is older than this program (run "
		    "\"liteimapctl init\" to migrate)";
	case DB_NEWER:
		return "database schema is newer than this program";
	case DB_BUSY:
		return "database is locked";
	case DB_READONLY:
		return "database cannot be opened for writing";
	default:
		return "cannot open database";
	}
}

/*
 * Open path.  DB_OPEN_CREATE makes a missing file (liteimapctl init);
 * otherwise a missing file, a foreign file or another schema version is
 * an error.  On failure *dbp is NULL and err says why.
 */
int
db_open(struct db **dbp, const char *path, const struct config *cfg,
    int flags, char *err, size_t errlen)
{
	static const char *const syncs[] = { "OFF", "NORMAL", "FULL",
	    "EXTRA" };
	static bool	 configured;
	struct db	*db;
	struct stat	 st;
	char		 sql[256];
	int		 rc, appid = 0, ver = 0, tables = 0;

	*dbp = NULL;
	if (!configured) {
		/*
		 * No bulk allocation for the page cache: by default each
		 * connection allocates (and so dirties) 20 pages up front, 86
		 * KiB of an idle session's private memory per database.
		 * Before sqlite3_initialize; SQLITE_MISUSE if it ran already.
		 */
		(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
		/*
		 * Our programs run one thread: no mutex calls around every
		 * API call and allocation, no allocation statistics (4-8 %
		 * of a FETCH FLAGS of 10,000 messages).
		 */
		(void)sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
		(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		configured = true;
	}
	if (!(flags & DB_OPEN_CREATE) && stat(path, &st) == -1) {
		rc = errno == ENOENT ? DB_MISSING : DB_ERROR;
		(void)snprintf(err, errlen, "%s: %s", path, rc == DB_MISSING ?
		    open_error(rc) : strerror(errno));
		return rc;
	}
	db = xcalloc(1, sizeof(*db));
	db->qfd = -1;
	rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE |
	    (flags & DB_OPEN_CREATE ? SQLITE_OPEN_CREATE : 0) |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = db_result(db, rc);
		(void)snprintf(err, errlen, "%s: %s (%s)", path,
		    open_error(rc), db->h ? sqlite3_errmsg(db->h) : "");
		goto fail;
	}
	(void)sqlite3_extended_result_codes(db->h, 1);

	db->busy_timeout = cfg->busy_timeout;
	(void)sqlite3_busy_handler(db->h, busy_wait, db);
	/*
	 * The page cache is per process: 256 KiB (not SQLite's 2 MiB) keeps
	 * an idle session small; the kernel's page cache is shared anyway.
	 */
	/*
	 * The last connection to close checkpoints and removes the WAL (the
	 * default, kept on purpose): a process that opens the database with
	 * nobody else there must rebuild the WAL index from every frame, so
	 * the WAL must be short when that happens.  journal_size_limit gives
	 * back the space of a large transaction's WAL after a checkpoint.
	 */
	(void)snprintf(sql, sizeof(sql), "PRAGMA foreign_keys = ON; "
	    "PRAGMA synchronous = %s; PRAGMA cache_size = -%lld; "
	    "PRAGMA mmap_size = %lld; "
	    "PRAGMA journal_size_limit = 4194304",
	    /* full is NORMAL plus db_commit()'s own sync: see wal_sync() */
	    syncs[(cfg->synchronous & 3) == 2 ? 1 : cfg->synchronous & 3],
	    (long long)(cfg->cache_size / 1024),
	    (long long)cfg->mmap_size);
	if ((rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = pragma_int(db, "PRAGMA application_id", &appid)) != DB_OK ||
	    (rc = pragma_int(db, "PRAGMA user_version", &ver)) != DB_OK) {
		if (rc > 0)
			rc = db_result(db, rc);
		(void)snprintf(err, errlen, "%s: %s (%s)", path,
		    open_error(rc), sqlite3_errmsg(db->h));
		goto fail;
	}
	if (flags & DB_OPEN_SESSIONS) {
		/*
		 * The live sessions, apart from the mail: disposable (dead
		 * rows are reaped), so never synced, and a session that only
		 * reads mail leaves the mail database's WAL empty.
		 */
		if ((rc = sqlite3_exec(db->h, "PRAGMA journal_mode = WAL; "
		    "PRAGMA synchronous = OFF; CREATE TABLE IF NOT EXISTS "
		    "sessions (pid INTEGER PRIMARY KEY, started INTEGER NOT NULL, "
		    "user TEXT NOT NULL, addr TEXT NOT NULL, since INTEGER NOT "
		    "NULL DEFAULT (unixepoch())) STRICT", NULL, NULL, NULL)) !=
		    SQLITE_OK) {
			rc = db_result(db, rc);
			(void)snprintf(err, errlen, "%s: %s", path,
			    sqlite3_errmsg(db->h));
			goto fail;
		}
		db->sync = 0;
		*dbp = db;
		return DB_OK;
	}
	if (appid != APPLICATION_ID) {
		/* an empty file is ours to fill; anything else is not */
		if (appid != 0 || ver != 0 || (pragma_int(db, "SELECT count(*) "
		    "FROM sqlite_schema", &tables) == DB_OK && tables > 0) ||
		    !(flags & DB_OPEN_CREATE)) {
			rc = appid == 0 && ver == 0 && tables == 0 ?
			    DB_OLD : DB_FOREIGN;
			(void)snprintf(err, errlen, "%s: %s", path,
			    open_error(rc));
			goto fail;
		}
	}
	if (!(flags & (DB_OPEN_NOCHECK | DB_OPEN_CREATE))) {
		if (ver < db_schema_version() || ver > db_schema_version()) {
			rc = ver < db_schema_version() ? DB_OLD : DB_NEWER;
			(void)snprintf(err, errlen, "%s: %s (version %d, this "
			    "program uses %d)", path, open_error(rc), ver,
			    db_schema_version());
			goto fail;
		}
	}
	db->sync = (int)(cfg->synchronous & 3);
	if (asprintf(&db->notify, "%s-notify", path) == -1)
		db->notify = NULL;
	db->post_sync = db->sync == 2;	/* see wal_sync() */
	(void)sqlite3_wal_hook(db->h, wal_note, db);
	*dbp = db;
	return DB_OK;
fail:
	db_close(&db);
	return rc;
}

void
db_close(struct db **dbp)
{
	struct db	*db = *dbp;
	size_t		 i;

	if (db == NULL)
		return;
	if (db->blob != NULL)
		(void)sqlite3_blob_close(db->blob);
	for (i = 0; i < STMT_MAX; i++)
		(void)sqlite3_finalize(db->stmt[i]);
	(void)sqlite3_close(db->h);
	if (db->qfd != -1)
		(void)close(db->qfd);
	free(db->notify);
	free(db);
	*dbp = NULL;
}

/*
 * Bring the schema to this program's version: WAL mode, then every
 * migration newer than the file, each in its own transaction.  *from_r
 * gets the version found.
 */
int
db_migrate(struct db *db, int *from_r, char *err, size_t errlen)
{
	int	i, rc, ver = 0;
	char	*msg = NULL;

	if ((rc = sqlite3_exec(db->h, "PRAGMA journal_mode = WAL", NULL, NULL,
	    &msg)) != SQLITE_OK)
		goto sqlfail;
	if ((rc = pragma_int(db, "PRAGMA user_version", &ver)) != DB_OK) {
		(void)snprintf(err, errlen, "%s", sqlite3_errmsg(db->h));
		return rc;
	}
	*from_r = ver;
	if (ver > db_schema_version()) {
		(void)snprintf(err, errlen, "database schema version %d is "
		    "newer than this program's %d", ver, db_schema_version());
		return DB_NEWER;
	}
	for (i = 0; i < nmigrations; i++) {
		if (migrations[i].version <= ver)
			continue;
		if ((rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL,
		    &msg)) != SQLITE_OK)
			goto sqlfail;
		if ((rc = sqlite3_exec(db->h, migrations[i].sql, NULL, NULL,
		    &msg)) != SQLITE_OK ||
		    (rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, &msg)) !=
		    SQLITE_OK) {
			(void)sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
			goto sqlfail;
		}
	}
	return DB_OK;
sqlfail:
	(void)snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db->h));
	sqlite3_free(msg);
	return db_result(db, rc);
}

/* A cached prepared statement, reset and unbound, ready to bind. */
sqlite3_stmt *
db_stmt(struct db *db, enum stmt_id id, const char *sql)
{
	sqlite3_stmt	*st = db->stmt[id];

	if (st != NULL) {
		(void)sqlite3_reset(st);
		(void)sqlite3_clear_bindings(st);
		return st;
	}
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &db->stmt[id], NULL) != SQLITE_OK) {
		log_err("database: cannot prepare statement %d: %s", (int)id,
		    sqlite3_errmsg(db->h));
		return NULL;
	}
	return db->stmt[id];
}

sqlite3 *
db_handle(struct db *db)
{
	return db->h;
}

/* True the first time bit is asked for on this connection (set-up). */
bool
db_first(struct db *db, unsigned bit)
{
	if (db->once & bit)
		return false;
	db->once |= bit;
	return true;
}

static void
wake(int sig)
{
	(void)sig;
}

/*
 * Writers queue for SQLite's write lock on an flock() of "<db>-notify".
 * SQLite's lock can only be polled (busy_wait() above), and a polling
 * writer sleeps through much of the time the lock is free; a writer
 * blocked in flock() is woken the moment a commit lets go (not in any
 * fixed order: the woken waiters race for it).  With ten sessions of
 * the mixed load that was 3,700 against 5,200 operations a second
 * (bench/README).  SQLite's lock stays the
 * authority: a writer that does not queue (the sqlite3 shell, a process
 * that cannot open the file) still meets busy_wait(), and a queue that
 * cannot be had is skipped.  The wait is bounded by busy_timeout: SIGALRM
 * at the deadline interrupts flock(), and then every QUEUE_TICK_MS (had
 * it come just before flock(), the next one ends the wait).  Not ticks
 * all along: each interrupted flock() goes to the back of the kernel's
 * queue and wakes the waiters queued behind it.  The checkpoints stay
 * inside the queue: see wal_note().
 */
static int
queue_enter(struct db *db)
{
	struct sigaction	 sa, osa;
	struct itimerval	 it, oit;
	sigset_t		 alrm, omask;
	int64_t			 left;
	int			 rc = DB_OK;

	if (!db->qtried && db->notify != NULL) {
		db->qfd = open(db->notify, O_RDONLY | O_CREAT | O_CLOEXEC |
		    O_NOFOLLOW, 0660);
		/* out of descriptors: next time; anything else: say it once */
		if (db->qfd != -1 || (errno != EMFILE && errno != ENFILE)) {
			db->qtried = true;
			if (db->qfd == -1)
				log_warn("%s: %s; writers wait for SQLite's "
				    "lock without queueing", db->notify,
				    strerror(errno));
		}
	}
	if (db->qfd == -1)
		return DB_OK;
	db->busy_since = now_ms();
	db->queued = true;
	if (flock(db->qfd, LOCK_EX | LOCK_NB) == 0) {
		db->qheld = true;
		return DB_OK;
	}
	if (errno != EWOULDBLOCK)
		return DB_OK;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wake;		/* no SA_RESTART: flock() returns */
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGALRM, &sa, &osa);
	(void)sigemptyset(&alrm);
	(void)sigaddset(&alrm, SIGALRM);
	(void)sigprocmask(SIG_UNBLOCK, &alrm, &omask);
	memset(&it, 0, sizeof(it));
	left = db->busy_timeout - (now_ms() - db->busy_since);
	if (left < 1)
		left = 1;
	it.it_value.tv_sec = (time_t)(left / 1000);
	it.it_value.tv_usec = (suseconds_t)(left % 1000 * 1000);
	it.it_interval.tv_usec = QUEUE_TICK_MS * 1000;
	(void)setitimer(ITIMER_REAL, &it, &oit);
	for (;;) {
		if (flock(db->qfd, LOCK_EX) == 0) {
			db->qheld = true;
			break;
		}
		if (errno != EINTR)
			break;
		if (now_ms() - db->busy_since >= db->busy_timeout) {
			rc = DB_BUSY;
			break;
		}
	}
	(void)setitimer(ITIMER_REAL, &oit, NULL);
	(void)sigprocmask(SIG_SETMASK, &omask, NULL);
	(void)sigaction(SIGALRM, &osa, NULL);
	return rc;
}

static void
queue_leave(struct db *db)
{
	if (db->qheld) {
		(void)flock(db->qfd, LOCK_UN);
		db->qheld = false;
	}
	db->queued = false;
}

/*
 * synchronous = full.  SQLite's FULL syncs the WAL inside COMMIT, with
 * the write lock held, so every writer waited for every other writer's
 * fdatasync (0.4 ms each here, most of an APPEND's time in the queue).
 * Instead SQLite runs at NORMAL (the WAL stays consistent on power
 * loss, SQLite's documented guarantee; checkpoints still sync) and
 * db_commit() syncs the WAL itself once it has left the queue, before it
 * returns, so before the client is told OK: what is acknowledged is on
 * disk, and the syncs of several writers overlap.  Other sessions may
 * see the change a fraction of a millisecond before it is durable; a
 * power loss in that moment loses what was never acknowledged (and a
 * UID someone saw may come again).  synchronous = extra keeps SQLite's
 * sync inside the lock.  Light transactions are not synced at all.
 * The WAL is SQLite's own file handle (SQLITE_FCNTL_JOURNAL_POINTER).
 */
static int
wal_sync(struct db *db)
{
	sqlite3_file	*wal = NULL;
	int		 rc;

	db->wal_dirty = false;
	rc = sqlite3_file_control(db->h, "main", SQLITE_FCNTL_JOURNAL_POINTER,
	    &wal);
	if (rc == SQLITE_OK && (wal == NULL || wal->pMethods == NULL))
		rc = SQLITE_IOERR;
	if (rc == SQLITE_OK) {
		CRASHPOINT("commit-sync");	/* committed, not yet synced */
		errno = 0;
		rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
	}
	if (rc != SQLITE_OK)
		log_err("syncing the WAL after a commit: %s (SQLite %d)",
		    errno != 0 ? strerror(errno) : "no WAL file", rc);
	return rc;
}

/*
 * After every commit of this connection (SQLite calls it in place of its
 * automatic checkpoint, which this replaces with the same threshold):
 * checkpoint when the WAL is long, inside COMMIT and so inside the
 * queue (every write goes through db_begin(); store.c step_change()
 * gives a single statement a transaction of its own).  Outside the
 * queue, writers added frames while it ran, it never caught up, the
 * WAL was never started over and grew, and the same load did 4,350
 * operations a second instead of 5,300 (a checkpoint out of the queue
 * and a short one in it: 4,650 against 4,950).  A commit that
 * is not db_commit()'s (should one happen) is synced here.
 */
static int
wal_note(void *arg, sqlite3 *h, const char *name, int frames)
{
	struct db	*db = arg;

	db->wal_dirty = true;
	if (frames >= CHECKPOINT_FRAMES)
		(void)sqlite3_wal_checkpoint_v2(h, name,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	/* the statement then fails, though its change is committed */
	if (!db->committing && db->post_sync)
		return wal_sync(db);
	return SQLITE_OK;
}

/*
 * Transactions nest: only the outermost db_begin() starts one (BEGIN
 * IMMEDIATE, so the write lock is taken at once and a busy database
 * waits busy_timeout here, not half-way) and only the outermost
 * db_commit() commits.  A rollback at any level dooms the whole.
 */

int
db_begin(struct db *db)
{
	int	rc;

	if (db->depth > 0) {
		db->depth++;
		return DB_OK;
	}
	if ((rc = queue_enter(db)) != DB_OK) {
		queue_leave(db);
		return rc;
	}
	rc = db_result(db, sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL));
	db->queued = false;
	if (rc == DB_OK) {
		db->depth = 1;
		db->failed = false;
	} else
		queue_leave(db);
	return rc;
}

/*
 * A transaction that changes flags only (STORE, \Seen, \Recent): with
 * synchronous = full its COMMIT does not wait for the disk, as Dovecot's
 * mail_fsync = optimized does not for flags.  The WAL keeps it in order:
 * the next synced commit (any APPEND) makes it durable too; a power loss
 * before that may lose it, a killed process never does, and the database
 * stays consistent either way.  synchronous = extra syncs these too.
 */
int
db_begin_light(struct db *db)
{
	int	rc;

	if ((rc = db_begin(db)) == DB_OK && db->depth == 1)
		db->light = true;
	return rc;
}

bool
db_in_txn(struct db *db)
{
	return db->depth > 0;
}

/* The mail database (not the live sessions'): its writers queue. */
bool
db_is_mail(struct db *db)
{
	return db->notify != NULL;
}

int
db_commit(struct db *db)
{
	int	rc;

	if (db->depth == 0)
		return DB_ERROR;
	if (--db->depth > 0)
		return DB_OK;
	if (db->failed) {
		(void)sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		queue_leave(db);
		db->light = false;
		return DB_ERROR;
	}
	CRASHPOINT("commit-before");
	db->committing = true;
	rc = db_result(db, sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL));
	db->committing = false;
	if (rc != DB_OK)
		(void)sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	queue_leave(db);
	/*
	 * A failed sync: the change is committed and others see it, but it
	 * is not acknowledged (the command fails, and says so).
	 */
	if (rc == DB_OK) {
		if (db->post_sync && !db->light && db->wal_dirty &&
		    wal_sync(db) != SQLITE_OK)
			rc = DB_ERROR;
		db_notify(db);
	}
	db->light = false;
	return rc;
}

void
db_rollback(struct db *db)
{
	if (db->depth == 0)
		return;
	if (--db->depth > 0) {
		db->failed = true;
		return;
	}
	if (!sqlite3_get_autocommit(db->h))
		(void)sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	queue_leave(db);
	db->light = false;
}

/*
 * Read len bytes at off of message content id straight into buf (the
 * output buffer): one blob handle, moved from row to row.
 */
int
store_blob_read(struct db *db, int64_t id, uint32_t off, void *buf,
    uint32_t len)
{
	int	rc;

	if (db->blob != NULL)
		rc = sqlite3_blob_reopen(db->blob, id);
	else
		rc = sqlite3_blob_open(db->h, "main", "content_data", "data", id, 0,
		    &db->blob);
	if (rc != SQLITE_OK) {
		if (db->blob != NULL) {
			(void)sqlite3_blob_close(db->blob);
			db->blob = NULL;
		}
		return db_result(db, rc);
	}
	return db_result(db, sqlite3_blob_read(db->blob, buf, (int)len,
	    (int)off));
}

/*
 * PRAGMA data_version: changes when another connection commits.  One
 * cheap read of the WAL index; -1 on error.
 */
int64_t
db_data_version(struct db *db)
{
	int	v = -1;

	if (pragma_int(db, "PRAGMA data_version", &v) != DB_OK)
		return -1;
	return v;
}


/*
 * Close the blob handle: an open one holds a read transaction, which
 * would freeze this connection's view of the database (no other
 * process's change seen, no upgrade to a write).  After every command.
 */
void
db_release(struct db *db)
{
	if (db != NULL && db->blob != NULL) {
		(void)sqlite3_blob_close(db->blob);
		db->blob = NULL;
	}
}

/*
 * Tell sessions in IDLE that a commit is visible: touch "<db>-notify",
 * which they watch with inotify.  The -wal file itself is written before
 * the commit can be seen (the commit lands in the mmapped -shm, which
 * inotify does not report), so only a touch after COMMIT is a reliable
 * signal.  Best effort: IDLE also polls.
 */
void
db_notify(struct db *db)
{
	int	fd;

	CRASHPOINT("commit-after");	/* committed, not yet announced */
	if (db->notify == NULL)
		return;
	if (utimensat(AT_FDCWD, db->notify, NULL, 0) == 0)
		return;
	if (errno == ENOENT && (fd = open(db->notify, O_WRONLY | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW, 0660)) != -1)
		(void)close(fd);
}
