/*
 * fuzz_session.c: a whole preauthenticated session ("liteimapd -u alice")
 * on a temporary database: the input is everything the client sends,
 * then EOF.  It runs in-process (so libFuzzer sees the coverage) with
 * fds 0/1 on memfds; the database is copied back from a template before
 * every input, so each input replays alone.
 *
 * Checks: no crash, leak or hang (libFuzzer, ASan, UBSan); session_run
 * returns 0; the output follows the response grammar of
 * fz_check_responses (every line CRLF-ended, literals of exactly the
 * announced size, balanced data responses, tags from the client, nothing
 * after BYE, no [SERVERBUG] on a healthy database).
 *
 * FUZZ_DEBUG=1 logs to stderr; FUZZ_SHOW=1 prints the server's output;
 * FUZZ_KNOWN skips inputs that would find a known bug (fz_skip_known).
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_env_setup();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session		s;
	struct fz_resp_ctx	x;
	const char		*why;
	int			rc;

	if (fz_skip_known(data, size))
		return 0;
	fz_db_reset();
	fz_set_input(data, size);
	fz_session_begin(&s, STATE_AUTH);
	session_title(&s);
	rc = session_run(&s);
	fz_session_end(&s);
	if (getenv("FUZZ_SHOW") != NULL)
		(void)fwrite(fzio.outbuf, 1, fzio.outlen, stderr);
	FZ_CHECK(rc == EXIT_SESSION, "session_run returned %d", rc);
	memset(&x, 0, sizeof(x));
	x.in = data;
	x.inlen = size;
	x.allow_serverbug = getenv("FUZZ_ALLOW_SERVERBUG") != NULL;
	why = fz_check_responses(&x, fzio.outbuf, fzio.outlen);
	FZ_CHECK(why == NULL, "response %zu: %s at offset %zu: [%s]", x.nresp,
	    why, x.where, fz_esc(fzio.outbuf + (x.where > 60 ? x.where - 60 :
	    0), (x.where > 60 ? 60 : x.where) + 40));
	return 0;
}
