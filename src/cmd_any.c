/*
 * cmd_any.c: commands valid in any state (RFC 9051 6.1) and the small
 * session-wide ones: CAPABILITY, NOOP, LOGOUT, ID (RFC 2971), ENABLE
 * (RFC 5161).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdio.h>
#include <string.h>

#include "liteimapd.h"

#define ID_MAX_PAIRS	30	/* RFC 2971 3.3 */
#define ID_MAX_FIELD	30
#define ID_MAX_VALUE	1024

/* Extensions ENABLE knows, and which of them this version implements. */
static const struct {
	const char	*name;
	unsigned	 flag;
} enables[] = {
	{ "CONDSTORE", EN_CONDSTORE },
	{ "QRESYNC", EN_QRESYNC },
	{ "IMAP4rev2", EN_IMAP4REV2 },
	{ "UTF8=ACCEPT", EN_UTF8 },
};
#define EN_IMPLEMENTED	(EN_UTF8 | EN_IMAP4REV2 | EN_CONDSTORE | EN_QRESYNC)

int
cmd_capability(struct session *s, struct parser *p)
{
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (resp_capability(s, false) == -1)
		return -1;
	return resp_ok(s, "CAPABILITY completed");
}

int
cmd_noop(struct session *s, struct parser *p)
{
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	return resp_ok(s, "NOOP completed");
}

/* RFC 9051 6.1.3: BYE first, then the tagged OK. */
int
cmd_logout(struct session *s, struct parser *p)
{
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	log_info("logout");
	if (resp_untagged(s, "BYE liteimapd logging out") == -1)
		return -1;
	s->state = STATE_LOGOUT;
	return resp_ok(s, "LOGOUT completed");
}

/* ID ("name" "x" ...) / ID NIL: log what the client says of itself. */
int
cmd_id(struct session *s, struct parser *p)
{
	struct str	field, value;
	char		desc[512];
	size_t		n = 0, dl = 0;
	bool		nil;

	desc[0] = '\0';
	if (parse_sp(p) == -1)
		return cmd_syntax(s, p);
	if (parse_peek(p) != '(') {
		if (parse_nstring(p, &value, &nil) == -1 || !nil)
			return cmd_syntax(s, p);
	} else {
		if (parse_list_open(p) == -1)
			return cmd_syntax(s, p);
		while (parse_list_next(p)) {
			if (n > 0 && parse_sp(p) == -1)
				return cmd_syntax(s, p);
			if (parse_string(p, &field) == -1 || parse_sp(p) ==
			    -1 || parse_nstring(p, &value, &nil) == -1)
				return cmd_syntax(s, p);
			if (++n > ID_MAX_PAIRS || field.len > ID_MAX_FIELD ||
			    value.len > ID_MAX_VALUE) {
				parse_fail(p, "too many or too long ID fields");
				return cmd_syntax(s, p);
			}
			if (dl < sizeof(desc) - 1) {
				int k = snprintf(desc + dl, sizeof(desc) - dl,
				    "%s%.30s=%.60s", dl ? " " : "", field.s,
				    nil ? "NIL" : value.s);
				dl = k < 0 ? dl : dl + (size_t)k;
				if (dl >= sizeof(desc))
					dl = sizeof(desc) - 1;
			}
		}
		if (parse_list_close(p) == -1)
			return cmd_syntax(s, p);
	}
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (!s->id_seen)
		log_info("client id: %s", desc[0] ? desc : "NIL");
	s->id_seen = true;
	if (resp_untagged(s, "ID (\"name\" \"liteimapd\" \"version\" \""
	    LITEIMAPD_VERSION "\")") == -1)
		return -1;
	return resp_ok(s, "ID completed");
}

/*
 * RFC 5161: enable what we implement, ignore what we do not, list what
 * this command newly enabled.
 */
int
cmd_enable(struct session *s, struct parser *p)
{
	struct str	cap;
	char		list[128];
	unsigned	newly = 0;
	size_t		i;

	if (parse_sp(p) == -1)
		return cmd_syntax(s, p);
	for (;;) {
		if (parse_atom(p, &cap) == -1)
			return cmd_syntax(s, p);
		for (i = 0; i < sizeof(enables) / sizeof(enables[0]); i++)
			if (strcasecmp(enables[i].name, cap.s) == 0 &&
			    (enables[i].flag & EN_IMPLEMENTED) &&
			    !(s->enabled & enables[i].flag))
				newly |= enables[i].flag;
		if (parse_peek(p) != ' ')
			break;
		if (parse_sp(p) == -1)
			return cmd_syntax(s, p);
	}
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	/* RFC 7162 3.2.3: QRESYNC implies CONDSTORE */
	if ((newly & EN_QRESYNC) && !(s->enabled & EN_CONDSTORE))
		newly |= EN_CONDSTORE;
	s->enabled |= newly;
	list[0] = '\0';
	for (i = 0; i < sizeof(enables) / sizeof(enables[0]); i++)
		if (newly & enables[i].flag) {
			(void)strlcat(list, " ", sizeof(list));
			(void)strlcat(list, enables[i].name, sizeof(list));
		}
	if (resp_untagged(s, "ENABLED%s", list) == -1)
		return -1;
	return resp_ok(s, "ENABLE completed");
}
