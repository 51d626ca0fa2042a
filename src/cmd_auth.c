/*
 * cmd_auth.c: the not-authenticated state (RFC 9051 6.2): STARTTLS, LOGIN
 * and AUTHENTICATE PLAIN with SASL-IR (RFC 4959).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <stdlib.h>
#include <string.h>

#include "liteimapd.h"

/*
 * RFC 9051 6.2.1.  The OK is flushed before the handshake, and whatever
 * the client sent after the command line is thrown away unread: bytes
 * pipelined before TLS must never run as commands inside it.  The
 * credentials are loaded before the OK: a key GnuTLS refuses gets a NO
 * and the session goes on without TLS (LOGINDISABLED still holds), not
 * a handshake that cannot start.
 */
int
cmd_starttls(struct session *s, struct parser *p)
{
	char	err[256];
	size_t	junk;

	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (s->tls_active)
		return resp_bad(s, "TLS is already active");
	if (!s->tls_possible)
		return resp_bad(s, "STARTTLS is not available");
	if (tls_load(s->cfg, err, sizeof(err)) == -1) {
		log_err("STARTTLS: %s", err);
		return resp_no(s, CODE_UNAVAILABLE, "TLS is not available now");
	}
	if (resp_ok(s, "Begin TLS negotiation now") == -1 ||
	    io_flush(&s->io) == -1)
		return -1;
	if ((junk = io_buffered(&s->io)) > 0) {
		log_notice("discarded %zu bytes sent after STARTTLS before "
		    "the handshake", junk);
		io_discard_input(&s->io);
	}
	s->io.tls = tls_start(&s->io, s->cfg, now_ms() + s->cfg->io_timeout,
	    err, sizeof(err));
	if (s->io.tls == NULL) {
		log_notice("TLS handshake failed: %s", err);
		s->state = STATE_LOGOUT;
		return -1;
	}
	s->tls_active = true;
	log_info("TLS established: %s", tls_describe(s->io.tls));
	return 0;
}

/* Check the credentials and enter the authenticated state, or refuse. */
static int
do_login(struct session *s, const char *user, const char *pass,
    const char *authz, const char *method)
{
	int64_t	uid;
	int	rc;

	if (session_db(s) != 0)
		return resp_no(s, CODE_UNAVAILABLE, "Service temporarily "
		    "unavailable");
	rc = auth_check(s->db, user, pass, (int)s->cfg->password_cost, &uid);
	if (rc == AUTH_ERROR)
		return resp_serverbug(s, "authentication: database error");
	if (rc != AUTH_OK)
		return session_auth_failed(s, method, CODE_AUTHENTICATIONFAILED);
	/* RFC 5530: the password was right, acting as another user is not */
	if (authz[0] != '\0' && strcmp(authz, user) != 0) {
		log_notice("%s as %s for %.64s refused", method, user, authz);
		return session_auth_failed(s, "authorization identity differs",
		    CODE_AUTHORIZATIONFAILED);
	}
	if (session_login(s, user, uid) == -1)
		return resp_no(s, CODE_LIMIT, "Too many connections for this "
		    "user");
	log_info("login: method=%s tls=%s", method,
	    s->tls_active ? "yes" : "no");
	if (io_printf(&s->io, "%s OK ", s->tag) == -1 ||
	    resp_capability(s, true) == -1)
		return -1;
	return io_printf(&s->io, "%s completed\r\n", method);
}

int
cmd_login(struct session *s, struct parser *p)
{
	struct str	user, pass;

	if (parse_sp(p) == -1 || parse_astring(p, &user) == -1 ||
	    parse_sp(p) == -1 || parse_astring(p, &pass) == -1 ||
	    parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (!session_plain_auth_allowed(s))
		return resp_no(s, CODE_PRIVACYREQUIRED, "Plaintext "
		    "authentication is disabled before STARTTLS");
	return do_login(s, user.s, pass.s, "", "LOGIN");
}

/*
 * AUTHENTICATE PLAIN [initial-response].  Without one, the response is
 * asked for with an empty continuation; "*" cancels (RFC 9051 6.2.2).
 */
int
cmd_authenticate(struct session *s, struct parser *p)
{
	struct str	 mech, resp = { NULL, 0 };
	const char	*authz, *authc, *pass;
	unsigned char	*dec;
	size_t		 n;
	bool		 ir = false;
	int		 rc;

	if (parse_sp(p) == -1 || parse_atom(p, &mech) == -1)
		return cmd_syntax(s, p);
	if (parse_peek(p) == ' ') {
		if (parse_sp(p) == -1 || parse_atom(p, &resp) == -1)
			return cmd_syntax(s, p);
		ir = true;
	}
	if (parse_eol(p) == -1)
		return cmd_syntax(s, p);
	if (strcasecmp(mech.s, "PLAIN") != 0)
		return resp_no(s, CODE_CANNOT, "Unsupported authentication "
		    "mechanism");
	if (!session_plain_auth_allowed(s))
		return resp_no(s, CODE_PRIVACYREQUIRED, "Plaintext "
		    "authentication is disabled before STARTTLS");
	if (!ir) {
		if (resp_cont(s, "") == -1 || session_read_line(s, &resp) ==
		    -1)
			return -1;
		if (strcmp(resp.s, "*") == 0)
			return resp_bad(s, "Authentication cancelled");
	}
	if (strcmp(resp.s, "=") == 0)
		resp.len = 0;	/* RFC 4959: an empty initial response */
	dec = arena_alloc(&s->arena, resp.len + 1);
	if ((n = base64_decode(resp.s, resp.len, dec, resp.len)) == SIZE_MAX)
		return resp_bad(s, "Invalid base64 in authentication data");
	/* RFC 4616: a malformed message is a failed authentication */
	if (auth_sasl_plain(dec, n, &authz, &authc, &pass) == -1) {
		explicit_bzero(dec, n);
		return session_auth_failed(s, "AUTHENTICATE: malformed PLAIN "
		    "message", CODE_AUTHENTICATIONFAILED);
	}
	rc = do_login(s, authc, pass, authz, "AUTHENTICATE");
	explicit_bzero(dec, n);
	return rc;
}
