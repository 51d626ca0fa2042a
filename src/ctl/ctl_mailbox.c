/*
 * ctl_mailbox.c: liteimapctl mailbox list|create|delete, and the rules
 * for mailbox names given on the command line (UTF-8, "/" between
 * levels, "INBOX" in any case), the same rules IMAP CREATE applies.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const char *const special_uses[] = {
	"\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash", NULL
};

/*
 * Check a mailbox name from the command line and put its canonical form
 * in out.  NULL if it is valid, else why not.  The rules are those of
 * IMAP CREATE (cmd_mbox.c, mbox_name): valid UTF-8, not empty, at most
 * max_mailbox_name bytes, no control characters or wildcards, no empty
 * levels; "inbox" as the first level is INBOX.
 */
const char *
ctl_mailbox_name(const struct ctl *c, const char *in,
    char out[MBOX_NAME_MAX + 1])
{
	size_t	i, n = strlen(in);

	if (n == 0)
		return "empty mailbox name";
	if (n > (size_t)c->cfg.max_mailbox_name || n > MBOX_NAME_MAX)
		return "mailbox name too long (max_mailbox_name)";
	if (!utf8_valid(in, n))
		return "mailbox name is not valid UTF-8";
	memcpy(out, in, n + 1);
	if (strncasecmp(out, "INBOX", 5) == 0 && (out[5] == '\0' ||
	    out[5] == '/'))
		memcpy(out, "INBOX", 5);
	for (i = 0; i < n; i++) {
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			return "control character in mailbox name";
		if (out[i] == '*' || out[i] == '%')
			return "wildcard (* or %) in mailbox name";
		if (out[i] == '/' && (i == 0 || i == n - 1 ||
		    out[i + 1] == '/'))
			return "empty level in mailbox name";
	}
	return NULL;
}

/* "\Sent", "sent", ... as the canonical attribute, or NULL. */
const char *
ctl_special_use(const char *s)
{
	size_t	i;

	if (*s == '\\')
		s++;
	for (i = 0; special_uses[i] != NULL; i++)
		if (strcasecmp(special_uses[i] + 1, s) == 0)
			return special_uses[i];
	return NULL;
}

static int
mailbox_error(struct ctl *c, const char *name, int rc)
{
	(void)fprintf(stderr, "liteimapctl: %s: %s\n", name,
	    rc == DB_BUSY ? "database is locked" : db_errmsg(c->db));
	return ctl_db_exit(rc);
}

/*
 * The mailbox name of user, created (with missing superiors) and
 * subscribed if it does not exist or is only a \Noselect placeholder.
 * *created_r tells which.  EX_OK or an exit code after a message.
 */
int
ctl_mailbox_ensure(struct ctl *c, int64_t user, const char *name,
    struct store_mailbox *mb, bool *created_r)
{
	int	rc;

	*created_r = false;
	rc = store_mailbox_get(c->db, user, name, mb, NULL);
	if (rc == DB_OK && !mb->noselect)
		return EX_OK;
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return mailbox_error(c, name, rc);
	if ((rc = db_begin(c->db)) != DB_OK)
		return mailbox_error(c, name, rc);
	rc = store_mailbox_create(c->db, user, name, NULL);
	if (rc == DB_EXISTS)		/* made by someone else meanwhile */
		rc = DB_OK;
	else if (rc == DB_OK)
		*created_r = true;
	if (rc == DB_OK)
		rc = store_subscribe(c->db, user, name, true);
	if (rc == DB_OK)
		rc = db_commit(c->db);
	else
		db_rollback(c->db);
	if (rc == DB_OK)
		rc = store_mailbox_get(c->db, user, name, mb, NULL);
	if (rc == DB_OK && mb->noselect)
		rc = DB_ERROR;
	if (rc != DB_OK) {
		*created_r = false;
		return mailbox_error(c, name, rc);
	}
	return EX_OK;
}

static int
print_mailbox(void *arg, const struct store_mailbox *mb)
{
	(void)arg;
	(void)printf("%s%s%s%s%s\n", mb->name, mb->noselect ||
	    mb->special_use[0] != '\0' ? "\t" : "", mb->noselect ?
	    "\\Noselect" : "", mb->noselect && mb->special_use[0] != '\0' ?
	    " " : "", mb->special_use);
	return 0;
}

static int
mailbox_create(struct ctl *c, int64_t user, const char *name,
    const char *use)
{
	int	rc;

	if (strcmp(name, "INBOX") == 0) {
		(void)fprintf(stderr, "liteimapctl: INBOX always exists\n");
		return EX_CANTCREAT;
	}
	if ((rc = db_begin(c->db)) != DB_OK)
		return mailbox_error(c, name, rc);
	rc = store_mailbox_create(c->db, user, name, use);
	if (rc == DB_OK)
		rc = store_subscribe(c->db, user, name, true);
	if (rc == DB_OK)
		rc = db_commit(c->db);
	else
		db_rollback(c->db);
	if (rc == DB_EXISTS) {
		(void)fprintf(stderr, "liteimapctl: %s: mailbox exists\n",
		    name);
		return EX_CANTCREAT;
	}
	if (rc != DB_OK)
		return mailbox_error(c, name, rc);
	return EX_OK;
}

static int
mailbox_delete(struct ctl *c, int64_t user, const char *name)
{
	struct store_mailbox	mb;
	int			rc;

	if (strcmp(name, "INBOX") == 0) {
		(void)fprintf(stderr, "liteimapctl: INBOX cannot be deleted\n");
		return EX_DATAERR;
	}
	memset(&mb, 0, sizeof(mb));
	if ((rc = db_begin(c->db)) != DB_OK)
		return mailbox_error(c, name, rc);
	rc = store_mailbox_delete(c->db, user, name);
	/* still there: it had inferiors and is now a \Noselect level */
	if (rc == DB_OK && (rc = store_mailbox_get(c->db, user, name, &mb,
	    NULL)) == DB_NOTFOUND) {
		rc = store_subscribe(c->db, user, name, false);
		if (rc == DB_NOTFOUND)
			rc = DB_OK;
		mb.noselect = false;
	}
	if (rc == DB_OK)
		rc = db_commit(c->db);
	else
		db_rollback(c->db);
	switch (rc) {
	case DB_OK:
		if (mb.noselect)
			(void)printf("%s has mailboxes below it: its messages "
			    "are deleted, the name stays as \\Noselect\n",
			    name);
		return EX_OK;
	case DB_NOTFOUND:
		(void)fprintf(stderr, "liteimapctl: %s: no such mailbox\n",
		    name);
		return EX_NOINPUT;
	case DB_EXISTS:
		(void)fprintf(stderr, "liteimapctl: %s: is \\Noselect and has "
		    "mailboxes below it: delete those first\n", name);
		return EX_DATAERR;
	default:
		return mailbox_error(c, name, rc);
	}
}

int
ctl_mailbox(struct ctl *c, int argc, char **argv)
{
	char		 name[MBOX_NAME_MAX + 1];
	const char	*cmd, *user = NULL, *raw = NULL, *use = NULL, *err;
	int64_t		 uid;
	int		 rc, i;
	bool		 list;

	if (argc < 2)
		goto usage;
	cmd = argv[1];
	list = strcmp(cmd, "list") == 0;
	if (!list && strcmp(cmd, "create") != 0 && strcmp(cmd, "delete") != 0)
		goto usage;
	for (i = 2; i < argc; i++) {
		if (strcmp(cmd, "create") == 0 && strncmp(argv[i],
		    "--special-use", 13) == 0 && use == NULL) {
			if (argv[i][13] == '=')
				use = argv[i] + 14;
			else if (argv[i][13] == '\0' && i + 1 < argc)
				use = argv[++i];
			else
				goto usage;
			if ((use = ctl_special_use(use)) == NULL) {
				(void)fprintf(stderr, "liteimapctl: special "
				    "use must be one of \\Archive \\Drafts "
				    "\\Junk \\Sent \\Trash\n");
				return EX_DATAERR;
			}
		} else if (strcmp(argv[i], "--") == 0 && i + 1 < argc &&
		    user != NULL && raw == NULL && !list)
			raw = argv[++i];	/* a name that starts with - */
		else if (argv[i][0] == '-')
			goto usage;
		else if (user == NULL)
			user = argv[i];
		else if (raw == NULL && !list)
			raw = argv[i];
		else
			goto usage;
	}
	if (user == NULL || (raw == NULL) != list)
		goto usage;
	if (raw != NULL && (err = ctl_mailbox_name(c, raw, name)) != NULL) {
		(void)fprintf(stderr, "liteimapctl: \"%s\": %s\n", raw, err);
		return EX_DATAERR;
	}
	if ((rc = ctl_open(c)) != EX_OK ||
	    (rc = ctl_find_user(c, user, &uid)) != EX_OK)
		return rc;
	if (list) {
		if ((rc = store_mailbox_list(c->db, uid, print_mailbox,
		    NULL)) != DB_OK)
			return mailbox_error(c, user, rc);
		return EX_OK;
	}
	if (strcmp(cmd, "create") == 0)
		return mailbox_create(c, uid, name, use);
	return mailbox_delete(c, uid, name);
usage:
	(void)fprintf(stderr, "usage: liteimapctl mailbox list USER\n"
	    "       liteimapctl mailbox create USER NAME "
	    "[--special-use \\USE]\n"
	    "       liteimapctl mailbox delete USER NAME\n");
	return EX_USAGE;
}
