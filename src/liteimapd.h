/*
 * liteimapd.h: shared types, named limits and the prototypes of every
 * module, grouped by the file that defines them.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#ifndef LITEIMAPD_H
#define LITEIMAPD_H

#include <sys/types.h>

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "crashpoint.h"

#define LITEIMAPD_VERSION	"0.1"
#define CONFIG_DEFAULT		"/etc/liteimapd.conf"

#define NAME_MAX_LEN	64	/* user names */
#define TAG_MAX_LEN	64	/* RFC 9051 leaves it open; clients use < 20 */
#define HASH_MAX_LEN	256	/* crypt(3) output */
#define SESSION_ID_LEN	12
#define MBOX_NAME_MAX	1024	/* bytes of UTF-8; max_mailbox_name <= this */

/* liteimapd exit codes (documented in liteimapd(8)); sysexits values */
#define EXIT_SESSION	0	/* session ended, whatever the client did */
#define EXIT_USAGE	64
#define EXIT_NOINPUT	66
#define EXIT_UNAVAIL	69	/* database unavailable */
#define EXIT_SOFTWARE	70
#define EXIT_OSERR	71	/* privilege drop, descriptors */
#define EXIT_CONFIG	78

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif
#define PRINTFLIKE(f, a) __attribute__((__format__(__printf__, f, a)))

/* arena.c: per-command bump allocator, reset after every command */
struct arena_chunk;
struct arena {
	struct arena_chunk	*head;
	size_t			 used;	/* bytes handed out since reset */
};
void	*arena_alloc(struct arena *, size_t);
char	*arena_strndup(struct arena *, const void *, size_t);
char	*arena_printf(struct arena *, const char *, ...) PRINTFLIKE(2, 3);
void	 arena_reset(struct arena *);
void	 arena_free(struct arena *);

/* util.c */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
int64_t	 now_ms(void);
int	 timingsafe_bcmp(const void *, const void *, size_t);
size_t	 base64_decode(const char *, size_t, unsigned char *, size_t);
size_t	 base64_encode(const unsigned char *, size_t, char *, size_t);
bool	 valid_username(const char *);
int	 drop_privileges(const char *, const char *, char *, size_t);

/* charset.c: text for search and sort */
struct sbuf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};
void	sb_add(struct sbuf *, const void *, size_t);
void	sb_str(struct sbuf *, const char *);
void	sb_free(struct sbuf *);
void	charset_to_utf8(struct sbuf *, const char *, const char *, size_t);
void	rfc2047_decode(struct sbuf *, const char *, size_t);
void	html_to_text(struct sbuf *, const char *, size_t);
size_t	utf8_put(uint32_t, char *);
void	utf8_fold(struct sbuf *, const char *, size_t);
bool	utf8_fold_contains(const char *, size_t, const char *, size_t);
int	transfer_decode(struct sbuf *, const char *, size_t, int);

/* config.c */
enum tls_mode { TLS_OFF, TLS_STARTTLS, TLS_IMPLICIT };
enum plain_auth { PLAIN_NO, PLAIN_LOOPBACK, PLAIN_YES };
struct config {
	char	*database;
	char	*tls_cert;
	char	*tls_key;
	char	*tls_priority;
	char	*user;
	char	*group;
	char	*hostname;
	int64_t	 tls;			/* enum tls_mode */
	int64_t	 allow_plaintext_auth;	/* enum plain_auth */
	int64_t	 log_level;		/* syslog priority */
	int64_t	 synchronous;		/* 0 off .. 3 extra */
	int64_t	 unauth_commands;
	int64_t	 unauth_idle;		/* all durations in ms */
	int64_t	 auth_idle;
	int64_t	 io_timeout;
	int64_t	 busy_timeout;
	int64_t	 auth_fail_delay;
	int64_t	 auth_fail_delay_max;
	int64_t	 max_line;
	int64_t	 max_literal;
	int64_t	 max_command_size;
	int64_t	 max_depth;
	int64_t	 max_bad_commands;
	int64_t	 max_auth_failures;
	int64_t	 password_cost;
	int64_t	 max_mailbox_name;
	int64_t	 idle_keepalive;
	int64_t	 max_user_connections;
	int64_t	 max_user_ip_connections;
	int64_t	 cache_size;
	int64_t	 mmap_size;
	int64_t	 poll_every;
	int64_t	 tombstone_horizon;
	char	*default_mailboxes;
};
void	config_init(struct config *);
int	config_load(struct config *, const char *, bool, char *, size_t);
int	config_set(struct config *, const char *, char *, size_t);
void	config_free(struct config *);

/* log.c */
void	log_init(const char *, bool, int);
void	log_set_level(int);
void	log_set_session(const char *, const char *);
void	log_set_user(const char *);
void	log_err(const char *, ...) PRINTFLIKE(1, 2);
void	log_warn(const char *, ...) PRINTFLIKE(1, 2);
void	log_notice(const char *, ...) PRINTFLIKE(1, 2);
void	log_info(const char *, ...) PRINTFLIKE(1, 2);
void	log_debug(const char *, ...) PRINTFLIKE(1, 2);
__dead void fatalx(int, const char *, ...) PRINTFLIKE(2, 3);

/* io.c: buffered, deadline-bound I/O on fds 0/1, plain or TLS */
struct tls;
struct io {
	int		 fd_in;
	int		 fd_out;
	struct tls	*tls;
	unsigned char	*in;		/* unconsumed input is in[off..len) */
	size_t		 in_off;
	size_t		 in_len;
	size_t		 in_cap;
	unsigned char	*out;
	size_t		 out_len;
	size_t		 out_cap;
	int64_t		 io_timeout;	/* ms, for writes */
	bool		 eof;
	bool		 broken;	/* write error or timeout: stop */
};
#define IO_EOF		0
#define IO_ERROR	(-1)
#define IO_TIMEOUT	(-2)
#define IO_KILLED	(-3)	/* SIGTERM: the administrator ends us */
void	io_init(struct io *, int, int, int64_t);
void	io_free(struct io *);
ssize_t	io_fill(struct io *, int64_t);
size_t	io_buffered(const struct io *);
void	io_discard_input(struct io *);
int	io_write(struct io *, const void *, size_t);
int	io_printf(struct io *, const char *, ...) PRINTFLIKE(2, 3);
int	io_flush(struct io *);
void	io_trim(struct io *);
int	io_wait_readable(int, int64_t);
int	io_wait_writable(int, int64_t);

/* tls.c: GnuTLS, loaded with dlopen only when TLS is used */
int	tls_preload(const struct config *, char *, size_t);
int	tls_load(const struct config *, char *, size_t);
struct tls *tls_start(struct io *, const struct config *, int64_t, char *,
	    size_t);
ssize_t	tls_read(struct tls *, void *, size_t, int64_t);
ssize_t	tls_write(struct tls *, const void *, size_t, int64_t);
size_t	tls_pending(struct tls *);
const char *tls_describe(struct tls *);
void	tls_close(struct tls **, int64_t);

/* mutf7.c: modified UTF-7 mailbox names (RFC 3501 5.1.3) */
char	*mutf7_decode(struct arena *, const char *, size_t);
char	*mutf7_encode(struct arena *, const char *, size_t);

/* datetime.c */
#define DATETIME_LEN	32
int	datetime_parse(const char *, int64_t *, int *);
int	datetime_parse_date(const char *, int64_t *);
void	datetime_format(int64_t, int, char [DATETIME_LEN]);
int	datetime_parse_rfc5322(const char *, int64_t *, int *);

/* mime.c: parsed once at delivery; what FETCH sends */
#define MIME_MULTIPART	0x01
#define MIME_MESSAGE	0x02	/* message/rfc822 or global: one child */
#define MIME_TEXT	0x04
#define MIME_ENC_7BIT	0
#define MIME_ENC_8BIT	1
#define MIME_ENC_BINARY	2
#define MIME_ENC_BASE64	3
#define MIME_ENC_QP	4
#define MIME_ENC_OTHER	5
#define MIME_ENT_SIZE	32	/* bytes per entity in mime_info.parts */
struct mime_ent {
	uint32_t	flags;		/* MIME_* | encoding << 8 */
	uint32_t	nchild;
	uint32_t	next;		/* next sibling's index, 0: none */
	uint32_t	hdr_off;
	uint32_t	hdr_len;	/* including the blank line */
	uint32_t	body_off;
	uint32_t	body_len;
	uint32_t	lines;
};
struct mime_info {
	char		*envelope;
	char		*bodystructure;
	char		*body;
	void		*parts;		/* nparts * MIME_ENT_SIZE, LE uint32 */
	size_t		 nparts;
	uint32_t	 header_len;
};
void	mime_parse(const char *, size_t, struct mime_info *);
void	mime_info_free(struct mime_info *);
struct search_doc {			/* decoded text and sort keys */
	struct sbuf	 subject, from, to, cc, bcc, hdr, mimehdr, body;
	bool		 has_date;
	int64_t		 sentdate;
	int		 senttz;
	struct sbuf	 sort_subject, sort_from, sort_to, sort_cc;
	struct sbuf	 display_from, display_to;
	struct sbuf	 message_id, in_reply_to, refs;
};
void	mime_doc(const char *, size_t, const struct mime_info *,
	    struct search_doc *);
void	mime_doc_free(struct search_doc *);
void	base_subject(struct sbuf *, const char *, size_t);
int	mime_ent(const void *, size_t, size_t, struct mime_ent *);

/* seqset.c: sequence sets; '*' is stored as SEQ_STAR */
#define SEQ_STAR	0	/* nz-numbers are never 0 */
struct seqrange {
	uint32_t	lo;
	uint32_t	hi;
};
struct seqset {
	struct seqrange	*r;
	size_t		 n;
	bool		 saved;		/* "$" (RFC 5182) */
};
bool	seqset_contains(const struct seqset *, uint32_t, uint32_t);

/* uidmap.c: a mailbox's UIDs as ranges; sequence number <-> UID */
struct uidmap {
	struct seqrange	*r;
	uint32_t	*cum;	/* messages before range i */
	size_t		 n;
	size_t		 cap;
	uint32_t	 count;
};
void	 uidmap_free(struct uidmap *);
int	 uidmap_load(struct uidmap *, const void *, size_t);
void	*uidmap_blob(const struct uidmap *, size_t *);
void	 uidmap_copy(struct uidmap *, const struct uidmap *);
uint32_t uidmap_last(const struct uidmap *);
uint32_t uidmap_uid(const struct uidmap *, uint32_t);
uint32_t uidmap_seq(const struct uidmap *, uint32_t);
uint32_t uidmap_seq_ceil(const struct uidmap *, uint32_t);
void	 uidmap_append(struct uidmap *, uint32_t, uint32_t);
bool	 uidmap_remove(struct uidmap *, uint32_t);
void	 uidmap_diff(const struct uidmap *, const struct uidmap *,
	    struct uidmap *);
void	 uidmap_tail(const struct uidmap *, uint32_t, struct uidmap *);
void	 uidmap_union(const struct uidmap *, const struct uidmap *,
	    struct uidmap *);
void	 uidmap_coarsen(struct uidmap *, size_t);

/* parse.c: readers named after the RFC 9051 ABNF rules */
struct str {
	char	*s;	/* NUL-terminated copy in the command arena */
	size_t	 len;	/* may contain NUL only if from a literal8 */
};
struct parser {
	const unsigned char	*p;	/* command bytes, literals inline */
	const unsigned char	*end;
	struct arena		*arena;
	const char		*err;	/* static text of the first error */
	int			 depth;
	int			 max_depth;
	bool			 utf8;	/* 8-bit allowed in quoted strings */
};
enum literal_kind { LIT_NONE, LIT_SYNC, LIT_NONSYNC, LIT_BAD, LIT_BAD_NONSYNC };
enum literal_kind parse_literal_marker(const unsigned char *, size_t,
	    uint64_t *, bool *);
void	parse_init(struct parser *, const void *, size_t, struct arena *, int);
int	parse_peek(const struct parser *);
bool	parse_at_eol(const struct parser *);
int	parse_fail(struct parser *, const char *);
int	parse_sp(struct parser *);
int	parse_eol(struct parser *);
int	parse_char(struct parser *, int);
int	parse_tag(struct parser *, struct str *);
int	parse_atom(struct parser *, struct str *);
int	parse_astring(struct parser *, struct str *);
int	parse_string(struct parser *, struct str *);
int	parse_nstring(struct parser *, struct str *, bool *);
int	parse_number(struct parser *, uint32_t *);
int	parse_nz_number(struct parser *, uint32_t *);
int	parse_number64(struct parser *, uint64_t *);
int	parse_seq_set(struct parser *, struct seqset *);
int	parse_list_open(struct parser *);
int	parse_list_close(struct parser *);
bool	parse_list_next(struct parser *);
int	parse_skip_rest(struct parser *);
bool	utf8_valid(const void *, size_t);
int	parse_literal_ref(struct parser *, const unsigned char **, size_t *,
	    bool *);

/* resp.c: the only writer of protocol bytes */
enum resp_status { RESP_OK, RESP_NO, RESP_BAD };
enum resp_code {
	CODE_NONE,
	CODE_ALERT,
	CODE_ALREADYEXISTS,
	CODE_AUTHENTICATIONFAILED,
	CODE_AUTHORIZATIONFAILED,
	CODE_CANNOT,
	CODE_CLIENTBUG,
	CODE_CONTACTADMIN,
	CODE_EXPIRED,
	CODE_INUSE,
	CODE_LIMIT,
	CODE_NONEXISTENT,
	CODE_NOPERM,
	CODE_OVERQUOTA,
	CODE_PRIVACYREQUIRED,
	CODE_SERVERBUG,
	CODE_TOOBIG,
	CODE_TRYCREATE,
	CODE_UNAVAILABLE,
	CODE_USEATTR,
	CODE_EXPUNGEISSUED,
	CODE_UNKNOWN_CTE,
	CODE_BADCHARSET
};
struct session;
const char *resp_code_name(enum resp_code);
int	resp_untagged(struct session *, const char *, ...) PRINTFLIKE(2, 3);
int	resp_tagged(struct session *, enum resp_status, enum resp_code,
	    const char *, ...) PRINTFLIKE(4, 5);
int	resp_ok(struct session *, const char *, ...) PRINTFLIKE(2, 3);
int	resp_no(struct session *, enum resp_code, const char *, ...)
	    PRINTFLIKE(3, 4);
int	resp_bad(struct session *, const char *, ...) PRINTFLIKE(2, 3);
int	resp_serverbug(struct session *, const char *);
int	resp_cont(struct session *, const char *);
int	resp_bye(struct session *, enum resp_code, const char *);
int	resp_begin(struct session *);
int	resp_add(struct session *, const char *, ...) PRINTFLIKE(2, 3);
int	resp_add_num(struct session *, const char *, uint64_t, const char *);
#define FMT_NUM_MAX	20	/* digits of a uint64_t */
char	*fmt_num(char *, uint64_t);
int	resp_add_string(struct session *, const char *, size_t);
int	resp_add_nstring(struct session *, const char *, size_t);
int	resp_end(struct session *);
int	resp_capability(struct session *, bool);

/* session.c */
enum state { STATE_NOTAUTH, STATE_AUTH, STATE_SELECTED, STATE_LOGOUT };
#define ST_NOTAUTH	(1u << STATE_NOTAUTH)
#define ST_AUTH		(1u << STATE_AUTH)
#define ST_SELECTED	(1u << STATE_SELECTED)
#define ST_ANY		(ST_NOTAUTH | ST_AUTH | ST_SELECTED)

/* ENABLE-able extensions (RFC 5161) */
#define EN_CONDSTORE	0x01
#define EN_QRESYNC	0x02
#define EN_IMAP4REV2	0x04
#define EN_UTF8		0x08

struct selected {
	int64_t		 id;
	char		 name[MBOX_NAME_MAX + 1];
	uint32_t	 uidvalidity;
	uint32_t	 uidnext;
	uint64_t	 modseq;	/* HIGHESTMODSEQ the client has seen */
	struct uidmap	 map;		/* the UIDs the client knows */
	struct uidmap	 recent;	/* \Recent in this session (rev1) */
	struct uidmap	 saved;		/* SEARCH SAVE result (RFC 5182) */
	bool		 readonly;
	bool		 pending;	/* expunges not yet reported */
	int64_t		 polled;	/* last look for changes (ms) */
};

struct db;
struct search_q;
struct session {
	const struct config	*cfg;
	struct io		 io;
	struct arena		 arena;
	struct db		*db;
	struct db		*sdb;		/* the sessions database */
	enum state		 state;
	unsigned		 enabled;	/* EN_* */
	char			 id[SESSION_ID_LEN + 1];
	char			 peer[64];	/* printable client address */
	char			 peer_ip[48];	/* the same without port */
	bool			 registered;	/* in the sessions table */
	bool			 peer_loopback;
	bool			 tls_active;
	bool			 tls_possible;	/* STARTTLS may be offered */
	char			 user[NAME_MAX_LEN + 1];
	int64_t			 user_id;
	const char		*tag;		/* of the current command */
	const char		*cmd_name;
	bool			 uid;		/* command had "UID " */
	bool			 notify_ok;	/* updates may be sent now */
	bool			 notify_expunge; /* EXPUNGE may be sent now */
	struct selected		 sel;		/* in STATE_SELECTED */
	unsigned char		*cmd;		/* the command being read */
	size_t			 cmd_len;
	size_t			 cmd_cap;
	int64_t			 idle_deadline;
	unsigned		 n_unauth_cmds;
	unsigned		 n_bad;
	unsigned		 n_auth_fail;
	bool			 id_seen;
	bool			 idling;
	int			 exit_code;
};
void	session_init(struct session *, const struct config *);
int	session_run(struct session *);
void	session_title(struct session *);
int	session_db(struct session *);
bool	session_plain_auth_allowed(const struct session *);
int	session_login(struct session *, const char *, int64_t);
extern volatile sig_atomic_t terminate_requested;
int	session_auth_failed(struct session *, const char *, enum resp_code);
int	session_read_line(struct session *, struct str *);
void	session_free(struct session *);

/* cmd.c */
struct command {
	const char	*name;
	int		(*fn)(struct session *, struct parser *);
	unsigned	 states;	/* ST_* where the command is valid */
	unsigned	 flags;
};
#define CMD_UID		0x01	/* may follow "UID" */
#define CMD_NONOTIFY	0x02	/* changes the selection: no updates */
#define CMD_SEQ		0x04	/* uses sequence numbers: no EXPUNGE */
const struct command *cmd_lookup(const char *, bool);
int	cmd_dispatch(struct session *, struct parser *);
int	cmd_syntax(struct session *, struct parser *);
int	cmd_db_error(struct session *, int, const char *);

/* cmd_any.c */
int	cmd_capability(struct session *, struct parser *);
int	cmd_noop(struct session *, struct parser *);
int	cmd_logout(struct session *, struct parser *);
int	cmd_id(struct session *, struct parser *);
int	cmd_enable(struct session *, struct parser *);

/* cmd_mbox.c */
const char *mbox_name(struct session *, const struct str *, const char **);
int	resp_add_mailbox(struct session *, const char *);
int	cmd_create(struct session *, struct parser *);
int	cmd_delete(struct session *, struct parser *);
int	cmd_rename(struct session *, struct parser *);
int	cmd_subscribe(struct session *, struct parser *);
int	cmd_unsubscribe(struct session *, struct parser *);
int	cmd_list(struct session *, struct parser *);
int	cmd_lsub(struct session *, struct parser *);
int	cmd_namespace(struct session *, struct parser *);
int	cmd_status(struct session *, struct parser *);

/* cmd_select.c */
int	cmd_select(struct session *, struct parser *);
int	cmd_examine(struct session *, struct parser *);
int	cmd_close(struct session *, struct parser *);
int	cmd_unselect(struct session *, struct parser *);
int	cmd_check(struct session *, struct parser *);
int	cmd_expunge(struct session *, struct parser *);
void	select_end(struct session *);

/* cmd_append.c */
int	cmd_append(struct session *, struct parser *);
int	parse_flag_list(struct session *, struct parser *, unsigned *,
	    const char **);

/* cmd_fetch.c */
void	msgset_uids(struct session *, const struct seqset *, bool,
	    struct uidmap *);
bool	msgset_valid(struct session *, const struct seqset *);
int	resp_add_flags(struct session *, unsigned, const char *, bool);
#define FLAGS_FMT_MAX	(KEYWORDS_MAX + 128)
size_t	flags_fmt(char *, unsigned, const char *, bool);
int	resp_add_uidset(struct session *, const struct uidmap *);
int	cmd_fetch(struct session *, struct parser *);

/* cmd_store.c */
int	cmd_store(struct session *, struct parser *);
int	cmd_copy(struct session *, struct parser *);
int	cmd_move(struct session *, struct parser *);

/* cmd_search.c */
int	search_parse(struct session *, struct parser *, struct search_q *,
	    bool);
int	search_run(struct session *, struct search_q *, struct uidmap *);
void	search_free(struct search_q *);
int	cmd_search(struct session *, struct parser *);

/* cmd_idle.c */
int	cmd_idle(struct session *, struct parser *);

/* notify.c */
int	notify_check(struct session *);
int	notify_expunged(struct session *, const struct uidmap *);

/* cmd_auth.c */
int	cmd_starttls(struct session *, struct parser *);
int	cmd_login(struct session *, struct parser *);
int	cmd_authenticate(struct session *, struct parser *);

/* db.c: the SQLite connection; with store.c the only code speaking SQL */
#define DB_OK		0
#define DB_NOTFOUND	1
#define DB_EXISTS	2
#define DB_ERROR	(-1)
#define DB_BUSY		(-2)
#define DB_READONLY	(-3)
#define DB_FULL		(-4)
#define DB_MISSING	(-5)	/* no such database file */
#define DB_FOREIGN	(-6)	/* not a liteimapd database */
#define DB_OLD		(-7)	/* schema older than this program */
#define DB_NEWER	(-8)	/* schema newer than this program */
#define DB_OPEN_CREATE	0x01	/* create the file (liteimapctl init) */
#define DB_OPEN_NOCHECK	0x02	/* do not check the schema version */
#define DB_OPEN_SESSIONS 0x04	/* the sessions database beside it */
struct sqlite3_stmt;
int	db_open(struct db **, const char *, const struct config *, int,
	    char *, size_t);
void	db_close(struct db **);
const char *db_errmsg(struct db *);
int	db_migrate(struct db *, int *, char *, size_t);
int	db_schema_version(void);
int	db_begin(struct db *);
int	db_begin_light(struct db *);
bool	db_in_txn(struct db *);
bool	db_is_mail(struct db *);
int	db_commit(struct db *);
void	db_rollback(struct db *);
int	db_result(struct db *, int);
int64_t	db_data_version(struct db *);
void	db_release(struct db *);
void	db_notify(struct db *);

/* store.c, store_msg.c: the mail model */
#define F_SEEN		0x01
#define F_ANSWERED	0x02
#define F_FLAGGED	0x04
#define F_DELETED	0x08
#define F_DRAFT		0x10
struct store_mailbox {
	int64_t		id;
	char		name[MBOX_NAME_MAX + 1];
	char		special_use[32];
	uint32_t	uidvalidity;
	uint32_t	uidnext;
	uint32_t	recent_uid;
	uint32_t	messages;
	uint32_t	unseen;
	uint32_t	deleted;
	uint64_t	highestmodseq;
	uint64_t	size;
	bool		noselect;
	uint32_t	unseen_from;	/* no message below it lacks \Seen */
};
struct store_msg {			/* a message to append */
	const char	*data;
	size_t		 len;
	unsigned	 flags;		/* F_* */
	const char	*keywords;	/* " kw1 kw2 " or "" */
	int64_t		 date;
	int		 tz;
};
int	store_mailbox_get(struct db *, int64_t, const char *,
	    struct store_mailbox *, struct uidmap *);
int	store_mailbox_get_id(struct db *, int64_t, struct store_mailbox *,
	    struct uidmap *);
int	store_mailbox_create(struct db *, int64_t, const char *, const char *);
int	store_mailbox_delete(struct db *, int64_t, const char *);
int	store_mailbox_rename(struct db *, int64_t, const char *, const char *);
int	store_mailbox_list(struct db *, int64_t,
	    int (*)(void *, const struct store_mailbox *), void *);
int	store_subscribe(struct db *, int64_t, const char *, bool);
int	store_subscriptions(struct db *, int64_t,
	    int (*)(void *, const char *), void *);
int	store_keywords(struct db *, int64_t, int (*)(void *, const char *),
	    void *);
int	store_append(struct db *, int64_t, const struct store_msg *, size_t,
	    uint32_t *, uint32_t *);
int	store_fts_merge(struct db *, int, bool *);
#define KEYWORDS_MAX	256	/* bytes of keywords per message */
#define STORE_SET	0
#define STORE_ADD	1
#define STORE_DEL	2
struct store_row {			/* a message as FETCH reads it */
	uint32_t	 uid;
	unsigned	 flags;
	const char	*keywords;
	uint32_t	 size;
	int64_t		 date;
	int		 tz;
	uint64_t	 modseq;
	int64_t		 savedate;
	int64_t		 content;
	uint32_t	 header_len;	/* the rest only with ROW_LEVEL_FULL */
	const char	*envelope;
	const char	*bodystructure;
	const char	*body;
	const void	*parts;
	size_t		 nparts;
};
#define ROW_LEVEL_FLAGS	0		/* what store_fetch reads */
#define ROW_LEVEL_LIGHT	1
#define ROW_LEVEL_FULL	2
int	store_fetch(struct db *, int64_t, uint32_t, uint32_t, int,
	    int (*)(void *, const struct store_row *), void *);
int	store_changed(struct db *, int64_t, uint64_t,
	    int (*)(void *, const struct store_row *), void *);
int	store_blob_read(struct db *, int64_t, uint32_t, void *, uint32_t);
struct flag_note {			/* a message a STORE went over */
	uint32_t	 uid;
	unsigned	 flags;		/* before the STORE */
	uint64_t	 modseq;	/* before the STORE */
	const char	*keywords;	/* in flag_notes.kw, or "" */
};
struct flag_notes {			/* what store_flags saw, if it says */
	struct flag_note *v;
	size_t		 n;
	size_t		 cap;
	bool		 filled;	/* all the messages it found are here */
	struct arena	 kw;
};
void	flag_notes_free(struct flag_notes *);
int	store_flags(struct db *, int64_t, const struct seqset *, int,
	    unsigned, const char *, uint64_t, struct uidmap *, uint64_t *,
	    uint64_t *, struct flag_notes *);
int	store_vanished(struct db *, int64_t, uint64_t, struct uidmap *,
	    bool *);
int	store_trim_tombstones(struct db *, int64_t, int64_t);
int	store_copy(struct db *, int64_t, const struct seqset *, int64_t, bool,
	    struct uidmap *, uint32_t *, uint32_t *);
#define SEARCH_MAX_BINDS	256
#define SEARCH_MAX_SETS		64
struct search_bind {
	bool		 is_text;
	const char	*text;
	size_t		 len;
	int64_t		 ival;
};
struct search_q {			/* a compiled SEARCH */
	const char		*where;	/* SQL over messages m, contents c */
	bool			 join;
	bool			 fts;	/* start from the full-text index */
	struct search_bind	 binds[SEARCH_MAX_BINDS];
	size_t			 nbinds;
	struct uidmap		*sets[SEARCH_MAX_SETS];
	size_t			 nsets;
	bool			 uses_modseq;	/* MODSEQ key: report it */
	uint64_t		 modseq;	/* highest of the hits */
};
int	store_search(struct db *, int64_t, const struct search_q *,
	    int (*)(void *, uint32_t, uint64_t), void *);
int	store_expunge(struct db *, int64_t, const struct seqset *,
	    struct uidmap *, uint64_t *);
int	store_claim_recent(struct db *, int64_t, uint32_t, uint32_t *);
int	store_first_unseen(struct db *, int64_t, uint32_t *);
int	store_user_defaults(struct db *, int64_t, const char *);
int64_t	proc_started(pid_t);
int	store_session_add(struct db *, const char *, const char *, int64_t,
	    int64_t);
int	sessions_open(struct db **, const struct config *, bool);
int	store_session_reap(struct db *);
int	store_session_end(struct db *);
int	store_session_list(struct db *, int (*)(void *, const char *, int64_t,
	    const char *, int64_t), void *);
struct store_user {
	int64_t	id;
	char	name[NAME_MAX_LEN + 1];
	char	hash[HASH_MAX_LEN];
};
int	store_user_get(struct db *, const char *, struct store_user *);
int	store_user_some_hash(struct db *, char *, size_t);
int	store_user_add(struct db *, const char *, const char *);
int	store_user_set_password(struct db *, const char *, const char *);
int	store_user_del(struct db *, const char *);
int	store_user_list(struct db *, int (*)(void *, const char *, int64_t),
	    void *);

/* auth.c */
#define AUTH_OK		0
#define AUTH_FAIL	1
#define AUTH_ERROR	(-1)
int	auth_hash(const char *, int, char *, size_t);
int	auth_check(struct db *, const char *, const char *, int, int64_t *);
int	auth_sasl_plain(const unsigned char *, size_t, const char **,
	    const char **, const char **);

#endif /* LITEIMAPD_H */
