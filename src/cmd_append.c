/*
 * cmd_append.c: APPEND (RFC 9051 6.3.12) with MULTIAPPEND (RFC 3502),
 * UIDPLUS's APPENDUID (RFC 4315), the UTF8 form (RFC 6855) and flag
 * lists shared with STORE.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liteimapd.h"

#define APPEND_MAX_MESSAGES	10000	/* per MULTIAPPEND command */

static const struct {
	const char	*name;
	unsigned	 bit;
} system_flags[] = {
	{ "\\Seen", F_SEEN }, { "\\Answered", F_ANSWERED },
	{ "\\Flagged", F_FLAGGED }, { "\\Deleted", F_DELETED },
	{ "\\Draft", F_DRAFT },
};

/*
 * flag-list = "(" [flag *(SP flag)] ")": system flags into *flags,
 * keywords into *kw as " kw1 kw2 " (duplicates dropped, ignoring case).
 * \Recent cannot be set (RFC 3501 2.3.2); unknown \flags are errors.
 */
int
parse_flag_list(struct session *s, struct parser *p, unsigned *flags,
    const char **kw)
{
	struct str	 a;
	char		 buf[KEYWORDS_MAX + 2], needle[KEYWORDS_MAX + 3];
	size_t		 len = 0, i;
	bool		 sys, first = true;

	*flags = 0;
	buf[0] = '\0';
	if (parse_list_open(p) == -1)
		return -1;
	while (parse_list_next(p)) {
		if (!first && parse_sp(p) == -1)
			return -1;
		first = false;
		sys = parse_peek(p) == '\\';
		if (sys)
			p->p++;
		if (parse_atom(p, &a) == -1)
			return parse_fail(p, "invalid flag");
		if (sys) {
			for (i = 0; i < 5; i++)
				if (strcasecmp(system_flags[i].name + 1, a.s) ==
				    0)
					break;
			if (i == 5)
				return parse_fail(p, strcasecmp(a.s, "Recent")
				    == 0 ? "\\Recent cannot be set" :
				    "unknown system flag");
			*flags |= system_flags[i].bit;
			continue;
		}
		(void)snprintf(needle, sizeof(needle), " %s ", a.s);
		if (len > 0 && strcasestr(buf, needle) != NULL)
			continue;
		if (len + a.len + 2 > KEYWORDS_MAX)
			return parse_fail(p, "too many keywords");
		if (len == 0)
			buf[len++] = ' ';
		memcpy(buf + len, a.s, a.len);
		len += a.len;
		buf[len++] = ' ';
		buf[len] = '\0';
	}
	if (parse_list_close(p) == -1)
		return -1;
	*kw = arena_strndup(&s->arena, buf, len);
	return 0;
}

/*
 * APPEND mailbox 1*(SP [flag-list SP] [date-time SP]
 *     (literal / "UTF8" SP "(" literal8 ")"))
 */
int
cmd_append(struct session *s, struct parser *p)
{
	struct store_mailbox	 mb;
	struct store_msg	*msgs = NULL;
	struct str		 raw, date, kw;
	const unsigned char	*data;
	const char		*name, *err;
	size_t			 n = 0, cap = 0, len;
	uint32_t		 uv = 0, first = 0;
	bool			 bin, utf8;
	int			 rc;

	if (parse_sp(p) == -1 || parse_astring(p, &raw) == -1)
		return cmd_syntax(s, p);
	do {
		struct store_msg m;

		memset(&m, 0, sizeof(m));
		m.keywords = "";
		m.date = (int64_t)time(NULL);
		if (parse_sp(p) == -1)
			goto syntax;
		if (parse_peek(p) == '(') {
			if (parse_flag_list(s, p, &m.flags, &m.keywords) ==
			    -1 || parse_sp(p) == -1)
				goto syntax;
		}
		if (parse_peek(p) == '"') {
			if (parse_string(p, &date) == -1 || parse_sp(p) == -1)
				goto syntax;
			if (datetime_parse(date.s, &m.date, &m.tz) == -1) {
				parse_fail(p, "invalid date-time");
				goto syntax;
			}
		}
		utf8 = false;
		if (parse_peek(p) == 'U' || parse_peek(p) == 'u') {
			if (parse_atom(p, &kw) == -1 || strcasecmp(kw.s, "UTF8")
			    != 0 || parse_sp(p) == -1 || parse_char(p, '(') ==
			    -1) {
				parse_fail(p, "expected a literal");
				goto syntax;
			}
			utf8 = true;
		}
		if (parse_literal_ref(p, &data, &len, &bin) == -1)
			goto syntax;
		if (utf8 && parse_char(p, ')') == -1)
			goto syntax;
		if (bin && !utf8) {
			parse_fail(p, "binary literal needs the UTF8 form");
			goto syntax;
		}
		if (len == 0) {
			free(msgs);
			return resp_no(s, CODE_CANNOT, "Empty message");
		}
		if (memchr(data, '\0', len) != NULL) {
			/* literal8 may carry NUL; IMAP4rev1 messages may not */
			free(msgs);
			return resp_no(s, CODE_CANNOT, "NUL in message");
		}
		if (n == APPEND_MAX_MESSAGES) {
			free(msgs);
			return resp_no(s, CODE_LIMIT, "Too many messages in "
			    "one APPEND");
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			msgs = xreallocarray(msgs, cap, sizeof(*msgs));
		}
		m.data = (const char *)data;
		m.len = len;
		msgs[n++] = m;
	} while (parse_peek(p) == ' ');
	if (parse_eol(p) == -1)
		goto syntax;
	if ((name = mbox_name(s, &raw, &err)) == NULL) {
		/* not TRYCREATE: no CREATE could make this name */
		free(msgs);
		return resp_no(s, CODE_CANNOT, "%s", err);
	}
	rc = store_mailbox_get(s->db, s->user_id, name, &mb, NULL);
	if (rc == DB_NOTFOUND || (rc == DB_OK && mb.noselect)) {
		free(msgs);
		return resp_no(s, CODE_TRYCREATE, "Mailbox does not exist");
	}
	if (rc == DB_OK)
		rc = store_append(s->db, mb.id, msgs, n, &uv, &first);
	free(msgs);
	if (rc == DB_NOTFOUND)
		return resp_no(s, CODE_TRYCREATE, "Mailbox does not exist");
	if (rc != DB_OK)
		return cmd_db_error(s, rc, "APPEND");
	log_debug("appended %zu message%s to %s", n, n == 1 ? "" : "s", name);
	if (n == 1)
		return resp_tagged(s, RESP_OK, CODE_NONE, "[APPENDUID %u %u] "
		    "APPEND completed", uv, first);
	return resp_tagged(s, RESP_OK, CODE_NONE, "[APPENDUID %u %u:%u] "
	    "APPEND completed", uv, first, first + (uint32_t)n - 1);
syntax:
	free(msgs);
	return cmd_syntax(s, p);
}
