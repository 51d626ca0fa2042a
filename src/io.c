/*
 * io.c: buffered input and output on the client's descriptors (fd 0 and
 * fd 1), plain or through TLS.  Every wait has a deadline: a client that
 * stops sending or stops reading cannot hold the process forever.
 *
 * Copyright (c) 2026 The liteimapd developers.  ISC licence, see COPYING.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "liteimapd.h"

#define IN_CHUNK	16384
#define OUT_FLUSH_AT	65536

static void
set_nonblock(int fd)
{
	int	fl;

	if (isatty(fd))
		return;
	if ((fl = fcntl(fd, F_GETFL)) != -1 && !(fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void
io_init(struct io *io, int fd_in, int fd_out, int64_t io_timeout)
{
	memset(io, 0, sizeof(*io));
	io->fd_in = fd_in;
	io->fd_out = fd_out;
	io->io_timeout = io_timeout;
	set_nonblock(fd_in);
	if (fd_out != fd_in)
		set_nonblock(fd_out);
}

void
io_free(struct io *io)
{
	free(io->in);
	free(io->out);
	io->in = io->out = NULL;
}

static int
io_wait(int fd, short ev, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		n;

	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		pfd.fd = fd;
		pfd.events = ev;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return 0;
		if (n == 0) {
			if (left == 0)
				return IO_TIMEOUT;
			continue;
		}
		if (errno != EINTR && errno != EAGAIN)
			return IO_ERROR;
		if (terminate_requested)
			return IO_KILLED;
	}
}

/* Wait until fd is readable (or closed); 0, IO_TIMEOUT or IO_ERROR. */
int
io_wait_readable(int fd, int64_t deadline)
{
	return io_wait(fd, POLLIN, deadline);
}

int
io_wait_writable(int fd, int64_t deadline)
{
	return io_wait(fd, POLLOUT, deadline);
}

/* Bytes already read and not yet consumed (including TLS's own buffer). */
size_t
io_buffered(const struct io *io)
{
	return io->in_len - io->in_off;
}

/* Drop unread input: after STARTTLS, pipelined plaintext must die. */
void
io_discard_input(struct io *io)
{
	io->in_off = io->in_len = 0;
}

/*
 * Read more input, waiting until the deadline.  Returns the number of new
 * bytes, IO_EOF, IO_ERROR or IO_TIMEOUT.
 */
ssize_t
io_fill(struct io *io, int64_t deadline)
{
	ssize_t	n;
	int	rc;

	if (terminate_requested)
		return IO_KILLED;
	if (io->in_off > 0 && io->in_off == io->in_len)
		io->in_off = io->in_len = 0;
	if (io->in_cap - io->in_len < IN_CHUNK / 2) {
		if (io->in_off > 0) {
			memmove(io->in, io->in + io->in_off,
			    io->in_len - io->in_off);
			io->in_len -= io->in_off;
			io->in_off = 0;
		}
		if (io->in_cap - io->in_len < IN_CHUNK / 2) {
			io->in = xreallocarray(io->in, io->in_cap + IN_CHUNK,
			    1);
			io->in_cap += IN_CHUNK;
		}
	}
	if (io->tls != NULL) {
		n = tls_read(io->tls, io->in + io->in_len,
		    io->in_cap - io->in_len, deadline);
	} else {
		for (;;) {
			n = read(io->fd_in, io->in + io->in_len,
			    io->in_cap - io->in_len);
			if (n >= 0)
				break;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return IO_ERROR;
			if ((rc = io_wait(io->fd_in, POLLIN, deadline)) != 0)
				return rc;
		}
	}
	if (n == 0)
		io->eof = true;
	if (n > 0)
		io->in_len += (size_t)n;
	return n;
}

static int
io_write_raw(struct io *io, const unsigned char *p, size_t len)
{
	int64_t	deadline = now_ms() + io->io_timeout;
	ssize_t	n;

	while (len > 0) {
		if (io->tls != NULL) {
			n = tls_write(io->tls, p, len, deadline);
			if (n <= 0)
				return -1;
		} else {
			n = write(io->fd_out, p, len);
			if (n == -1) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN)
					return -1;
				if (io_wait(io->fd_out, POLLOUT, deadline) != 0)
					return -1;
				continue;
			}
		}
		p += n;
		len -= (size_t)n;
		/* progress earns more time: only a stalled reader times out */
		deadline = now_ms() + io->io_timeout;
	}
	return 0;
}

/* Send everything buffered.  On failure the io is marked broken. */
int
io_flush(struct io *io)
{
	if (io->broken)
		return -1;
	if (io->out_len == 0)
		return 0;
	if (io_write_raw(io, io->out, io->out_len) == -1) {
		io->broken = true;
		io->out_len = 0;
		return -1;
	}
	io->out_len = 0;
	return 0;
}

/* Queue bytes; large outputs are flushed as they grow. */
int
io_write(struct io *io, const void *p, size_t len)
{
	size_t	cap;

	if (io->broken)
		return -1;
	if (io->out_len + len > io->out_cap) {
		if (io->out_len > 0 && io->out_len + len > OUT_FLUSH_AT &&
		    io_flush(io) == -1)
			return -1;
		if (len >= OUT_FLUSH_AT) {
			if (io_write_raw(io, p, len) == -1) {
				io->broken = true;
				return -1;
			}
			return 0;
		}
		if (io->out_len + len > io->out_cap) {
			cap = io->out_cap == 0 ? 4096 : io->out_cap;
			while (cap < io->out_len + len)
				cap *= 2;
			io->out = xreallocarray(io->out, cap, 1);
			io->out_cap = cap;
		}
	}
	memcpy(io->out + io->out_len, p, len);
	io->out_len += len;
	return 0;
}

int
io_printf(struct io *io, const char *fmt, ...)
{
	char	 buf[1024], *big;
	va_list	 ap;
	int	 n, rc;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(buf))
		return io_write(io, buf, (size_t)n);
	big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	(void)vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = io_write(io, big, (size_t)n);
	free(big);
	return rc;
}

/* After a command: give back an output buffer grown for a big response. */
void
io_trim(struct io *io)
{
	if (io->out_len == 0 && io->out_cap > OUT_FLUSH_AT) {
		free(io->out);
		io->out = NULL;
		io->out_cap = 0;
	}
}
