/*
 * tls.c: TLS through GnuTLS over fds 0/1, with our own push and pull
 * functions (they work on pipes and obey our deadlines).
 *
 * GnuTLS is not linked: merely linking it costs every process about
 * 1.6 ms of CPU at start (its constructor initialises the library), more
 * than a whole plaintext session.  It is loaded with dlopen at the first
 * handshake, so only sessions that use TLS pay for it.  The certificate
 * and key are read into memory at start, before privileges are dropped.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "liteimapd.h"

#ifndef GNUTLS_SONAME
#define GNUTLS_SONAME	"libgnutls.so.30"
#endif
#define PEM_MAX		(1024 * 1024)

#define GNUTLS_FUNCS(X)							\
	X(gnutls_global_init)						\
	X(gnutls_certificate_allocate_credentials)			\
	X(gnutls_certificate_set_x509_key_mem)				\
	X(gnutls_init)							\
	X(gnutls_priority_set_direct)					\
	X(gnutls_credentials_set)					\
	X(gnutls_transport_set_ptr)					\
	X(gnutls_transport_set_push_function)				\
	X(gnutls_transport_set_pull_function)				\
	X(gnutls_transport_set_pull_timeout_function)			\
	X(gnutls_transport_set_errno)					\
	X(gnutls_handshake)						\
	X(gnutls_record_recv)						\
	X(gnutls_record_send)						\
	X(gnutls_record_check_pending)					\
	X(gnutls_bye)							\
	X(gnutls_deinit)						\
	X(gnutls_strerror)						\
	X(gnutls_error_is_fatal)					\
	X(gnutls_protocol_get_version)					\
	X(gnutls_protocol_get_name)					\
	X(gnutls_cipher_get)						\
	X(gnutls_cipher_get_name)					\
	X(gnutls_alert_get)						\
	X(gnutls_alert_get_name)

#define DECLARE(f)	static __typeof__(f) *p_##f;
GNUTLS_FUNCS(DECLARE)
#undef DECLARE

struct tls {
	gnutls_session_t	 s;
	int			 fd_in;
	int			 fd_out;
	int64_t			 deadline;	/* for pull */
	int64_t			 io_timeout;	/* for push */
	bool			 timed_out;
	char			 desc[128];
};

static gnutls_certificate_credentials_t	 creds;
static gnutls_datum_t			 pem_cert, pem_key;
static void				*libgnutls;	/* loaded for good */

static int
read_file(const char *path, gnutls_datum_t *d, char *err, size_t errlen)
{
	unsigned char	*b;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	b = xmalloc(PEM_MAX + 1);
	while ((n = read(fd, b + len, PEM_MAX - len)) > 0)
		len += (size_t)n;
	(void)close(fd);
	if (n == -1 || len == PEM_MAX || len == 0) {
		(void)snprintf(err, errlen, "%s: %s", path, n == -1 ?
		    strerror(errno) : len == 0 ? "empty file" : "too large");
		freezero(b, PEM_MAX + 1);
		return -1;
	}
	b[len] = '\0';
	d->data = b;
	d->size = (unsigned)len;
	return 0;
}

/*
 * Read the certificate and key (as root, before the privilege drop).
 * GnuTLS itself is not touched.
 */
int
tls_preload(const struct config *cfg, char *err, size_t errlen)
{
	if (pem_cert.data != NULL)
		return 0;
	if (read_file(cfg->tls_cert, &pem_cert, err, errlen) == -1)
		return -1;
	if (read_file(cfg->tls_key, &pem_key, err, errlen) == -1) {
		freezero(pem_cert.data, PEM_MAX + 1);
		pem_cert.data = NULL;
		return -1;
	}
	return 0;
}

/* Load the library and the credentials on first use. */
int
tls_load(const struct config *cfg, char *err, size_t errlen)
{
	static bool	 loaded;
	static char	 failed[256];	/* the key is gone: never again */
	int		 rc;

	if (loaded)
		return 0;
	if (failed[0] != '\0') {
		(void)strlcpy(err, failed, errlen);
		return -1;
	}
	if (tls_preload(cfg, err, errlen) == -1)
		return -1;
	/* once: a failed STARTTLS may be tried again */
	if (libgnutls == NULL && (libgnutls = dlopen(GNUTLS_SONAME,
	    RTLD_NOW | RTLD_LOCAL)) == NULL) {
		(void)snprintf(err, errlen, "cannot load %s: %s",
		    GNUTLS_SONAME, dlerror());
		return -1;
	}
#define LOAD(f)								\
	if ((p_##f = (__typeof__(f) *)dlsym(libgnutls, #f)) == NULL) { \
		(void)snprintf(err, errlen, "%s: no symbol %s",		\
		    GNUTLS_SONAME, #f);					\
		return -1;						\
	}
	GNUTLS_FUNCS(LOAD)
#undef LOAD
	if ((rc = p_gnutls_global_init()) < 0 ||
	    (rc = p_gnutls_certificate_allocate_credentials(&creds)) < 0) {
		(void)snprintf(err, errlen, "GnuTLS: %s", p_gnutls_strerror(rc));
		return -1;
	}
	rc = p_gnutls_certificate_set_x509_key_mem(creds, &pem_cert,
	    &pem_key, GNUTLS_X509_FMT_PEM);
	freezero(pem_key.data, PEM_MAX + 1);
	pem_key.data = NULL;
	if (rc < 0) {
		/*
		 * The key was wiped above and creds holds no certificate: a
		 * second STARTTLS fails the same way, not with these.
		 */
		(void)snprintf(failed, sizeof(failed), "%s, %s: %s",
		    cfg->tls_cert, cfg->tls_key, p_gnutls_strerror(rc));
		(void)strlcpy(err, failed, errlen);
		return -1;
	}
	loaded = true;
	return 0;
}

static ssize_t
tls_push(gnutls_transport_ptr_t ptr, const void *buf, size_t len)
{
	struct tls	*t = ptr;
	int64_t		 deadline = now_ms() + t->io_timeout;
	ssize_t		 n;

	for (;;) {
		if ((n = write(t->fd_out, buf, len)) >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			if (io_wait_writable(t->fd_out, deadline) == 0)
				continue;
			t->timed_out = true;
			errno = ETIMEDOUT;
		}
		p_gnutls_transport_set_errno(t->s, errno);
		return -1;
	}
}

static ssize_t
tls_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
	struct tls	*t = ptr;
	ssize_t		 n;

	for (;;) {
		if ((n = read(t->fd_in, buf, len)) >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			if (io_wait_readable(t->fd_in, t->deadline) == 0)
				continue;
			/* EAGAIN keeps the session usable for the BYE */
			t->timed_out = true;
		}
		p_gnutls_transport_set_errno(t->s, errno);
		return -1;
	}
}

static int
tls_pull_timeout(gnutls_transport_ptr_t ptr, unsigned ms)
{
	struct tls	*t = ptr;
	struct pollfd	 pfd = { t->fd_in, POLLIN, 0 };
	int		 n;

	n = poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
	return n < 0 ? -1 : n;
}

static void
tls_error(struct tls *t, int rc, char *err, size_t errlen)
{
	if (t->timed_out)
		(void)snprintf(err, errlen, "timeout");
	else if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED ||
	    rc == GNUTLS_E_WARNING_ALERT_RECEIVED)
		(void)snprintf(err, errlen, "%s: %s", p_gnutls_strerror(rc),
		    p_gnutls_alert_get_name(p_gnutls_alert_get(t->s)));
	else
		(void)snprintf(err, errlen, "%s", p_gnutls_strerror(rc));
}

/*
 * Handshake as the server on io's descriptors, by the deadline.  Returns
 * the TLS state, or NULL with the reason in err.
 */
struct tls *
tls_start(struct io *io, const struct config *cfg, int64_t deadline,
    char *err, size_t errlen)
{
	struct tls	*t;
	const char	*errpos = NULL;
	int		 rc;

	if (tls_load(cfg, err, errlen) == -1)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->fd_in = io->fd_in;
	t->fd_out = io->fd_out;
	t->deadline = deadline;
	t->io_timeout = cfg->io_timeout;
	if ((rc = p_gnutls_init(&t->s, GNUTLS_SERVER)) < 0) {
		(void)snprintf(err, errlen, "%s", p_gnutls_strerror(rc));
		free(t);
		return NULL;
	}
	if ((rc = p_gnutls_priority_set_direct(t->s, cfg->tls_priority,
	    &errpos)) < 0) {
		(void)snprintf(err, errlen, "tls_priority \"%s\": %s at \"%s\"",
		    cfg->tls_priority, p_gnutls_strerror(rc), errpos ? errpos :
		    "");
		goto fail;
	}
	if ((rc = p_gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE,
	    creds)) < 0) {
		(void)snprintf(err, errlen, "%s", p_gnutls_strerror(rc));
		goto fail;
	}
	p_gnutls_transport_set_ptr(t->s, t);
	p_gnutls_transport_set_push_function(t->s, tls_push);
	p_gnutls_transport_set_pull_function(t->s, tls_pull);
	p_gnutls_transport_set_pull_timeout_function(t->s, tls_pull_timeout);
	do {
		rc = p_gnutls_handshake(t->s);
	} while (rc < 0 && !p_gnutls_error_is_fatal(rc) && !t->timed_out);
	if (rc < 0) {
		tls_error(t, rc, err, errlen);
		goto fail;
	}
	return t;
fail:
	p_gnutls_deinit(t->s);
	free(t);
	return NULL;
}

/* Decrypted bytes; 0 at the peer's close, IO_TIMEOUT or IO_ERROR. */
ssize_t
tls_read(struct tls *t, void *buf, size_t len, int64_t deadline)
{
	ssize_t	n;

	t->deadline = deadline;
	for (;;) {
		n = p_gnutls_record_recv(t->s, buf, len);
		if (n >= 0)
			return n;
		if (t->timed_out) {
			t->timed_out = false;
			return IO_TIMEOUT;
		}
		if (n == GNUTLS_E_PREMATURE_TERMINATION)
			return IO_EOF;
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED ||
		    n == GNUTLS_E_REHANDSHAKE || !p_gnutls_error_is_fatal(
		    (int)n))
			continue;	/* renegotiation is simply ignored */
		tls_error(t, (int)n, t->desc, sizeof(t->desc));
		return IO_ERROR;
	}
}

ssize_t
tls_write(struct tls *t, const void *buf, size_t len, int64_t deadline)
{
	ssize_t	n;

	(void)deadline;		/* tls_push waits io_timeout per write */
	for (;;) {
		n = p_gnutls_record_send(t->s, buf, len);
		if (n >= 0)
			return n;
		if (!t->timed_out && (n == GNUTLS_E_AGAIN ||
		    n == GNUTLS_E_INTERRUPTED))
			continue;
		tls_error(t, (int)n, t->desc, sizeof(t->desc));
		return -1;
	}
}

size_t
tls_pending(struct tls *t)
{
	return p_gnutls_record_check_pending(t->s);
}

/* "TLS1.3 AES-256-GCM", or the last error after a failure. */
const char *
tls_describe(struct tls *t)
{
	if (t->desc[0] == '\0')
		(void)snprintf(t->desc, sizeof(t->desc), "%s %s",
		    p_gnutls_protocol_get_name(
		    p_gnutls_protocol_get_version(t->s)),
		    p_gnutls_cipher_get_name(p_gnutls_cipher_get(t->s)));
	return t->desc;
}

/* Say goodbye (without waiting for the peer's) and free. */
void
tls_close(struct tls **tp, int64_t deadline)
{
	struct tls	*t = *tp;

	if (t == NULL)
		return;
	t->deadline = deadline;
	t->io_timeout = 1000;
	(void)p_gnutls_bye(t->s, GNUTLS_SHUT_WR);
	p_gnutls_deinit(t->s);
	free(t);
	*tp = NULL;
}
