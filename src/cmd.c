/*
 * cmd.c: the command table and dispatch.  Every RFC 9051 command (and the
 * extensions we speak) is listed with the states it is valid in, so an
 * unknown command and a command in the wrong state are told apart here,
 * once, before any handler runs.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <string.h>

#include "liteimapd.h"
#include "sort.h"

#define ST_AUTHSEL	(ST_AUTH | ST_SELECTED)

/* fn NULL: in the protocol, not in this version yet */
static const struct command commands[] = {
	/* RFC 9051 6.1: any state */
	{ "CAPABILITY",	cmd_capability,	ST_ANY, 0 },
	{ "NOOP",	cmd_noop,	ST_ANY, 0 },
	{ "LOGOUT",	cmd_logout,	ST_ANY, 0 },
	{ "ID",		cmd_id,		ST_ANY, 0 },		/* RFC 2971 */
	/* 6.2: not authenticated */
	{ "STARTTLS",	cmd_starttls,	ST_NOTAUTH, 0 },
	{ "AUTHENTICATE", cmd_authenticate, ST_NOTAUTH, 0 },
	{ "LOGIN",	cmd_login,	ST_NOTAUTH, 0 },
	/* 6.3: authenticated */
	{ "ENABLE",	cmd_enable,	ST_AUTH, 0 },		/* RFC 5161 */
	{ "SELECT",	cmd_select,	ST_AUTHSEL, CMD_NONOTIFY },
	{ "EXAMINE",	cmd_examine,	ST_AUTHSEL, CMD_NONOTIFY },
	{ "CREATE",	cmd_create,	ST_AUTHSEL, 0 },
	{ "DELETE",	cmd_delete,	ST_AUTHSEL, 0 },
	{ "RENAME",	cmd_rename,	ST_AUTHSEL, 0 },
	{ "SUBSCRIBE",	cmd_subscribe,	ST_AUTHSEL, 0 },
	{ "UNSUBSCRIBE", cmd_unsubscribe, ST_AUTHSEL, 0 },
	{ "LIST",	cmd_list,	ST_AUTHSEL, 0 },
	{ "LSUB",	cmd_lsub,	ST_AUTHSEL, 0 },	/* RFC 3501 */
	{ "NAMESPACE",	cmd_namespace,	ST_AUTHSEL, 0 },
	{ "STATUS",	cmd_status,	ST_AUTHSEL, 0 },
	{ "APPEND",	cmd_append,	ST_AUTHSEL, 0 },
	{ "IDLE",	cmd_idle,	ST_AUTHSEL, 0 },
	/* 6.4: selected */
	{ "CLOSE",	cmd_close,	ST_SELECTED, CMD_NONOTIFY },
	{ "UNSELECT",	cmd_unselect,	ST_SELECTED, CMD_NONOTIFY },
	{ "CHECK",	cmd_check,	ST_SELECTED, 0 },	/* RFC 3501 */
	{ "EXPUNGE",	cmd_expunge,	ST_SELECTED, CMD_UID },
	{ "SEARCH",	cmd_search,	ST_SELECTED, CMD_UID | CMD_SEQ },
	{ "FETCH",	cmd_fetch,	ST_SELECTED, CMD_UID | CMD_SEQ },
	{ "STORE",	cmd_store,	ST_SELECTED, CMD_UID | CMD_SEQ },
	{ "COPY",	cmd_copy,	ST_SELECTED, CMD_UID | CMD_SEQ },
	{ "MOVE",	cmd_move,	ST_SELECTED, CMD_UID | CMD_SEQ },
	{ "SORT",	cmd_sort,	ST_SELECTED, CMD_UID | CMD_SEQ },
	{ "THREAD",	cmd_thread,	ST_SELECTED, CMD_UID | CMD_SEQ },
	{ "UID",	NULL,		ST_SELECTED, 0 },	/* prefix */
};

/*
 * The command named name (case-insensitive), or NULL.  after_uid: the
 * name followed "UID", so only commands with a UID form count.
 */
const struct command *
cmd_lookup(const char *name, bool after_uid)
{
	size_t	i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcasecmp(commands[i].name, name) == 0) {
			if (after_uid && !(commands[i].flags & CMD_UID))
				return NULL;
			return &commands[i];
		}
	return NULL;
}

static const char *
state_name(enum state st)
{
	switch (st) {
	case STATE_NOTAUTH:
		return "not authenticated";
	case STATE_AUTH:
		return "authenticated";
	case STATE_SELECTED:
		return "selected";
	default:
		return "logout";
	}
}

/* A syntax error in the arguments: tier 1, BAD with the reason. */
int
cmd_syntax(struct session *s, struct parser *p)
{
	return resp_bad(s, "%s%s: %s", s->uid ? "UID " : "", s->cmd_name ?
	    s->cmd_name : "Command", p->err != NULL ? p->err : "syntax error");
}

/*
 * Read the tag and command name, check the state, run the handler.  The
 * parser holds one whole command.  Returns -1 when output failed.
 */
int
cmd_dispatch(struct session *s, struct parser *p)
{
	const struct command	*c;
	struct str		 tag, name;
	bool			 uid = false;

	s->tag = NULL;
	s->cmd_name = NULL;
	s->uid = false;
	s->notify_ok = false;
	if (parse_tag(p, &tag) == -1) {
		/* RFC 9051 7.1.3: untagged BAD when no tag can be found */
		return resp_bad(s, "Invalid tag");
	}
	if (parse_peek(p) != ' ') {
		/* "A+1": the tag cannot be told; answering "A" would lie */
		return resp_bad(s, "Invalid tag");
	}
	s->tag = tag.s;
	if (parse_sp(p) == -1 || parse_atom(p, &name) == -1)
		return resp_bad(s, "Missing command");
	if (strcasecmp(name.s, "UID") == 0) {
		uid = true;
		if (parse_sp(p) == -1 || parse_atom(p, &name) == -1)
			return resp_bad(s, "UID: missing command");
	}
	if ((c = cmd_lookup(name.s, uid)) == NULL || (uid == false &&
	    strcmp(c->name, "UID") == 0))
		return resp_bad(s, "Unknown command %s%.40s",
		    uid ? "UID " : "", name.s);
	s->cmd_name = c->name;
	s->uid = uid;
	/* RFC 9051 7.5.1: no EXPUNGE while sequence numbers are in use */
	s->notify_ok = !(c->flags & CMD_NONOTIFY);
	s->notify_expunge = uid || !(c->flags & CMD_SEQ);
	if (!(c->states & (1u << s->state)))
		return resp_bad(s, "%s%s is not valid in the %s state",
		    uid ? "UID " : "", c->name, state_name(s->state));
	if (c->fn == NULL)
		return resp_no(s, CODE_CANNOT, "%s%s is not implemented in "
		    "this version", uid ? "UID " : "", c->name);
	return c->fn(s, p);
}

/*
 * Tier 2/3 for a store result: a busy, read-only or full database is the
 * client's to know about (try again, or tell the admin); anything else
 * is our bug, detailed in the log.
 */
int
cmd_db_error(struct session *s, int rc, const char *what)
{
	switch (rc) {
	case DB_BUSY:
		return resp_no(s, CODE_INUSE, "Mail store is busy, try again");
	case DB_READONLY:
		log_err("%s: the database is read-only", what);
		return resp_no(s, CODE_UNAVAILABLE, "Mail store is read-only, "
		    "contact the administrator");
	case DB_FULL:
		log_err("%s: the disk is full", what);
		return resp_no(s, CODE_OVERQUOTA, "Mail store is full, "
		    "contact the administrator");
	default:
		return resp_serverbug(s, what);
	}
}
