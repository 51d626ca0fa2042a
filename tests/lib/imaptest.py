"""Helpers for liteimapd tests: used by tests/run and by Python integration
tests in tests/integ/ (tests/run puts tests/lib on PYTHONPATH).

Typical integration test:

    #!/usr/bin/env python3
    import imaptest

    def test(env):
        env.setup_db()
        env.add_user('alice', 'secret')
        s = env.spawn(user='alice')             # liteimapd -u alice on pipes
        s.expect('* PREAUTH *')
        untagged, tagged = s.command('A1', 'CAPABILITY')
        imaptest.check(tagged.startswith('A1 OK'), 'CAPABILITY failed: ' + tagged)
        s.send('A2 LOGOUT')
        s.expect('* BYE *')
        s.expect('A2 OK *')
        s.expect_eof()
        imaptest.check(s.wait() == 0, 'bad exit status')

    imaptest.main(test)

Server lines are returned as *logical lines*: a line ending in a literal
announcement {n} continues with the n literal bytes and then the rest up
to the next CRLF; the CRLF after {n} is dropped.  Bytes are shown with
render(): CR, LF, other control characters and invalid UTF-8 appear as the
escapes \\r \\n \\xNN; everything else (backslash included) is verbatim.

Patterns for expect() use the tests/sessions `S:` syntax: a trailing `*`
matches the rest of the line, `$name` matches a run of non-space characters
and binds it on first use (later uses must be equal), `$$` is a literal $.
"""

import os
import pwd
import re
import select
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(TESTS_DIR)


def _env_float(name, default):
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return float(default)


# Seconds to wait for one server line (or for the server to exit).
DEFAULT_TIMEOUT = _env_float('SESSION_TIMEOUT', 10)


class Failure(Exception):
    """A test failure with a readable message."""


class Timeout(Failure):
    """Nothing (or not enough) arrived in time; .partial is what did."""

    def __init__(self, msg, partial=''):
        Failure.__init__(self, msg)
        self.partial = partial


class IncompleteLine(Failure):
    """The peer closed the connection in the middle of a line."""

    def __init__(self, msg, partial=''):
        Failure.__init__(self, msg)
        self.partial = partial


class SkipTest(Exception):
    """Raised by skip(); main() turns it into exit status 77."""


def fail(msg):
    raise Failure(msg)


def skip(msg):
    raise SkipTest(msg)


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def need_cmd(cmd):
    if shutil.which(cmd) is None:
        skip('%s not installed' % cmd)


# ---------------------------------------------------------------- rendering

_ESC_RE = re.compile('[\x00-\x08\x0a-\x1f\x7f\udc80-\udcff]')


def _esc(m):
    c = m.group(0)
    if c == '\r':
        return '\\r'
    if c == '\n':
        return '\\n'
    o = ord(c)
    if o >= 0xdc80:
        o -= 0xdc00
    return '\\x%02x' % o


def render(data):
    """Bytes -> str, showing CR, LF, control bytes and bad UTF-8 as escapes."""
    return _ESC_RE.sub(_esc, bytes(data).decode('utf-8', 'surrogateescape'))


def unescape(text):
    """Decode the X: escapes \\r \\n \\t \\\\ \\xNN; other text is UTF-8."""
    out = bytearray()
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c != '\\':
            j = text.find('\\', i)
            if j < 0:
                j = n
            out += text[i:j].encode('utf-8')
            i = j
            continue
        if i + 1 >= n:
            raise ValueError('backslash at end of line')
        e = text[i + 1]
        if e == 'r':
            out += b'\r'
        elif e == 'n':
            out += b'\n'
        elif e == 't':
            out += b'\t'
        elif e == '\\':
            out += b'\\'
        elif e == 'x':
            h = text[i + 2:i + 4]
            if len(h) != 2 or not re.fullmatch('[0-9A-Fa-f]{2}', h):
                raise ValueError('bad \\x escape at column %d' % (i + 1))
            out.append(int(h, 16))
            i += 2
        else:
            raise ValueError('unknown escape \\%s at column %d' % (e, i + 1))
        i += 2
    return bytes(out)


# ---------------------------------------------------------------- patterns

_VAR_RE = re.compile(r'\$(\$|[A-Za-z0-9_]+)')


def compile_pattern(pat, bindings):
    """S: pattern -> (compiled regex, {group: var}) given current bindings."""
    any_rest = pat.endswith('*')
    if any_rest:
        pat = pat[:-1]
    rx = []
    groups = {}
    seen = {}
    pos = 0
    for m in _VAR_RE.finditer(pat):
        rx.append(re.escape(pat[pos:m.start()]))
        pos = m.end()
        name = m.group(1)
        if name == '$':
            rx.append(re.escape('$'))
        elif name in bindings:
            rx.append(re.escape(bindings[name]))
        elif name in seen:
            rx.append('(?P=%s)' % seen[name])
        else:
            g = 'v%d' % len(seen)
            seen[name] = g
            groups[g] = name
            rx.append(r'(?P<%s>\S+)' % g)
    rx.append(re.escape(pat[pos:]))
    if any_rest:
        rx.append('.*')
    return re.compile(''.join(rx), re.S), groups


def match_pattern(pat, line, bindings):
    """True if line matches the S: pattern; new $vars are added to bindings."""
    rx, groups = compile_pattern(pat, bindings)
    m = rx.fullmatch(line)
    if m is None:
        return False
    for g, name in groups.items():
        bindings[name] = m.group(g)
    return True


# ---------------------------------------------------------------- connections

_LITERAL_RE = re.compile(rb'~?\{(\d+)\+?\}\Z')


class Conn:
    """A line-oriented IMAP client connection with timeouts.

    Subclasses provide _recv(timeout) -> bytes (b'' at EOF, None on
    timeout), _send(data, deadline) and close_write()/close()."""

    def __init__(self, timeout=None):
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        self.buf = bytearray()
        self.eof = False
        self.bindings = {}
        self.proc = None
        self.log_path = None
        self.log_file = None
        self.write_closed = False

    # -- low level
    def _fill(self, deadline):
        """Read more into buf; False at EOF; raises Timeout."""
        if self.eof:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout('timeout', render(self.buf))
        data = self._recv(left)
        if data is None:
            raise Timeout('timeout', render(self.buf))
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _deadline(self, timeout):
        return time.monotonic() + (self.timeout if timeout is None else timeout)

    def send_raw(self, data, timeout=None):
        """Send bytes as they are.  Raises BrokenPipeError if the peer is gone."""
        if isinstance(data, str):
            data = data.encode('utf-8')
        self._send(data, self._deadline(timeout))

    def send(self, line, timeout=None):
        """Send one line; CRLF is appended."""
        if isinstance(line, str):
            line = line.encode('utf-8')
        self.send_raw(line + b'\r\n', timeout)

    def readline(self, timeout=None):
        """Next logical server line as str (see render()), None at clean EOF.

        Raises Timeout or IncompleteLine."""
        deadline = self._deadline(timeout)
        off = 0
        scan = 0
        parts = []
        while True:
            idx = self.buf.find(b'\r\n', scan)
            if idx < 0:
                scan = max(off, len(self.buf) - 1)
                if not self._fill(deadline):
                    if not self.buf:
                        return None
                    partial = render(self.buf)
                    del self.buf[:]
                    raise IncompleteLine('connection closed in mid-line',
                                         partial)
                continue
            seg = bytes(self.buf[off:idx])
            off = idx + 2
            parts.append(seg)
            m = _LITERAL_RE.search(seg)
            if m is None:
                break
            n = int(m.group(1))
            while len(self.buf) < off + n:
                if not self._fill(deadline):
                    partial = render(self.buf)
                    del self.buf[:]
                    raise IncompleteLine('connection closed inside a literal',
                                         partial)
            parts.append(bytes(self.buf[off:off + n]))
            off += n
            scan = off
        del self.buf[:off]
        return render(b''.join(parts))

    def pending(self):
        """What has been received but not yet read, rendered."""
        return render(self.buf)

    # -- conveniences for integration tests
    def expect(self, pattern, timeout=None):
        """Read one line and match it against an S: pattern; return it."""
        try:
            line = self.readline(timeout)
        except Timeout as e:
            raise Timeout('timeout waiting for: %s (partial: %r)'
                          % (pattern, e.partial), e.partial)
        except IncompleteLine as e:
            raise Failure('expected %r, got incomplete line at EOF: %r'
                          % (pattern, e.partial))
        if line is None:
            raise Failure('expected %r, got EOF' % pattern)
        if not match_pattern(pattern, line, self.bindings):
            raise Failure('expected %r, got %r' % (pattern, line))
        return line

    def expect_re(self, regex, timeout=None):
        """Read one line, re.fullmatch it; return the match object."""
        line = self.readline(timeout)
        if line is None:
            raise Failure('expected /%s/, got EOF' % regex)
        m = re.fullmatch(regex, line)
        if m is None:
            raise Failure('expected /%s/, got %r' % (regex, line))
        return m

    def expect_eof(self, timeout=None):
        line = self.readline(timeout)
        if line is not None:
            raise Failure('expected EOF, got %r' % line)

    def command(self, tag, cmd, timeout=None):
        """Send 'tag cmd', read until the tagged reply.

        Returns (list of other lines, tagged line).  Does not handle
        continuation requests: send literals with send_raw()/expect('+ *')."""
        self.send('%s %s' % (tag, cmd), timeout)
        lines = []
        while True:
            line = self.readline(timeout)
            if line is None:
                raise Failure('EOF while waiting for %s reply to %s'
                              % (tag, cmd))
            if line.startswith(tag + ' '):
                return lines, line
            lines.append(line)

    # -- process side
    def wait(self, timeout=None):
        """Wait for the server process; return its exit status (negative for
        a signal).  Kills it and raises Timeout if it does not exit."""
        if self.proc is None:
            raise Failure('no process attached to this connection')
        try:
            return self.proc.wait(self.timeout if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            kill_proc(self.proc)
            raise Timeout('server did not exit within %gs' %
                          (self.timeout if timeout is None else timeout))

    def stderr_text(self):
        """The server's stderr (its -d log) so far."""
        try:
            if self.log_file is not None and not self.log_file.closed:
                # pread: the offset is shared with the running server.
                fd = self.log_file.fileno()
                data = os.pread(fd, os.fstat(fd).st_size, 0)
            elif self.log_path:
                with open(self.log_path, 'rb') as f:
                    data = f.read()
            else:
                return ''
        except OSError:
            return ''
        return data.decode('utf-8', 'backslashreplace')

    def kill(self):
        if self.proc is not None:
            kill_proc(self.proc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        if self.proc is not None and self.proc.poll() is None:
            kill_proc(self.proc)


class PipeConn(Conn):
    """Talks to a child process through two pipes (its stdin, its stdout)."""

    def __init__(self, wfd, rfd, timeout=None):
        Conn.__init__(self, timeout)
        self.wfd = wfd
        self.rfd = rfd
        os.set_blocking(wfd, False)

    def _recv(self, timeout):
        r, _, _ = select.select([self.rfd], [], [], max(timeout, 0))
        if not r:
            return None
        return os.read(self.rfd, 65536)

    def _send(self, data, deadline):
        if self.wfd is None:
            raise BrokenPipeError('input already closed')
        view = memoryview(data)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout('timeout writing to server (not reading?)')
            # Keep reading meanwhile, so that a server blocked on writing
            # its output to us goes on reading its input.
            rl = [self.rfd] if self.rfd is not None and not self.eof else []
            r, w, _ = select.select(rl, [self.wfd], [], left)
            if r:
                chunk = os.read(self.rfd, 65536)
                if chunk:
                    self.buf += chunk
                else:
                    self.eof = True
            if not w:
                continue
            try:
                n = os.write(self.wfd, view)
            except BlockingIOError:
                continue
            view = view[n:]

    def close_write(self):
        if self.wfd is not None:
            os.close(self.wfd)
            self.wfd = None
        self.write_closed = True

    def close(self):
        self.close_write()
        if self.rfd is not None:
            os.close(self.rfd)
            self.rfd = None


class SockConn(Conn):
    """Talks over a socket (socketpair to a child, or TCP); can do TLS."""

    def __init__(self, sock, timeout=None):
        Conn.__init__(self, timeout)
        self.sock = sock

    def _recv(self, timeout):
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return self.sock.recv(65536)
        self.sock.settimeout(max(timeout, 0.001))
        try:
            return self.sock.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            return None
        except (ConnectionResetError, ssl.SSLZeroReturnError, ssl.SSLEOFError):
            return b''

    def _send(self, data, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout('timeout writing to server')
        self.sock.settimeout(left)
        try:
            self.sock.sendall(data)
        except socket.timeout:
            raise Timeout('timeout writing to server (not reading?)')

    def starttls(self, server_hostname='localhost', context=None,
                 timeout=None):
        """Do a TLS handshake now (after 'A1 OK' to STARTTLS, or at once for
        implicit TLS).  Fails if the server sent anything more in plain
        text (STARTTLS command injection)."""
        if self.buf:
            raise Failure('plaintext data after STARTTLS reply: %r'
                          % render(self.buf))
        if context is None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        self.sock = context.wrap_socket(self.sock,
                                        server_hostname=server_hostname)
        return self.sock

    def close_write(self):
        if not self.write_closed:
            try:
                self.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        self.write_closed = True

    def close(self):
        self.write_closed = True
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------- processes

def kill_proc(proc, sig=signal.SIGKILL):
    """Kill a process started with start_new_session=True (its whole group)."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass


def status_text(rc):
    if rc is None:
        return 'still running'
    if rc < 0:
        try:
            return 'killed by signal %s' % signal.Signals(-rc).name
        except ValueError:
            return 'killed by signal %d' % -rc
    return 'exit status %d' % rc


def tail(text, n=20):
    lines = text.splitlines()
    return lines[-n:]


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def port_listening(port):
    """True if something listens on TCP port (checked in /proc/net/tcp*, so
    that no connection is made: with socket activation a connection would
    start a server)."""
    want = ':%04X' % port
    for name in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if (len(fields) > 3 and fields[1].endswith(want)
                            and fields[3] == '0A'):
                        return True
        except (OSError, StopIteration):
            continue
    return False


def wait_port(port, timeout=10, proc=None):
    """Wait until port listens; False on timeout or if proc exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_listening(port):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def binaries():
    """(liteimapd, liteimapctl, wrap argv) from the environment."""
    build = os.environ.get('BUILD') or 'build'
    build = os.path.join(REPO, build)
    d = os.environ.get('LITEIMAPD') or os.path.join(build, 'liteimapd')
    c = os.environ.get('LITEIMAPCTL') or os.path.join(build, 'liteimapctl')
    wrap = os.environ.get('LITEIMAPD_WRAP')
    if wrap is None:
        wrap = os.environ.get('WRAP', '')
    return os.path.abspath(d), os.path.abspath(c), shlex.split(wrap)


def make_cert(directory):
    """Make a self-signed localhost cert: returns (cert, key) paths or None
    if neither certtool nor openssl is available or generation failed."""
    cert = os.path.join(directory, 'cert.pem')
    key = os.path.join(directory, 'key.pem')
    if shutil.which('certtool'):
        tmpl = os.path.join(directory, 'cert.tmpl')
        with open(tmpl, 'w') as f:
            f.write('cn = "localhost"\ndns_name = "localhost"\n'
                    'ip_address = "127.0.0.1"\nip_address = "::1"\n'
                    'expiration_days = 30\ntls_www_server\nsigning_key\n')
        cmds = [['certtool', '--generate-privkey', '--key-type=ecdsa',
                 '--no-text', '--outfile', key],
                ['certtool', '--generate-self-signed', '--load-privkey', key,
                 '--template', tmpl, '--no-text', '--outfile', cert]]
    elif shutil.which('openssl'):
        cmds = [['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key,
                 '-out', cert, '-days', '30', '-subj', '/CN=localhost',
                 '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']]
    else:
        return None
    for cmd in cmds:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode != 0:
            sys.stderr.write('%s failed: %s\n' % (
                cmd[0], r.stderr.decode(errors='replace').strip()))
            return None
    # A throwaway test key: readable by the unprivileged server user too.
    for f in (cert, key):
        os.chmod(f, 0o644)
    return cert, key


_CONF_RE = re.compile(r'\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$')


def default_server_user():
    """The `user` for test configs.  liteimapd started as root drops to
    it (and refuses root), so as root tests use $TEST_USER or nobody and
    hand their test directory to that user (see TestEnv.fix_owner); as
    anyone else the key is unused and we name ourselves."""
    if os.geteuid() == 0:
        return os.environ.get('TEST_USER') or 'nobody'
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def config_user(extra=()):
    """The user the server will run as, given extra config lines."""
    user = default_server_user()
    for line in extra:
        m = _CONF_RE.match(line)
        if m and m.group(1) == 'user':
            user = m.group(2)
    return user


def config_text(directory, cert=None, extra=()):
    """The test config: defaults, then extra 'key = value' lines (an extra
    line replaces a default with the same key; lines that do not parse as
    key = value are written as they are)."""
    defaults = [('database', os.path.join(directory, 'mail.db')),
                ('password_cost', '1'),
                ('log_level', 'debug'),
                ('auth_fail_delay', '0'),
                ('user', default_server_user())]
    if cert:
        defaults += [('tls_cert', cert[0]), ('tls_key', cert[1])]
    keys = set()
    for line in extra:
        m = _CONF_RE.match(line)
        if m:
            keys.add(m.group(1))
    out = ['# generated by tests/lib/imaptest.py']
    out += ['%s = %s' % kv for kv in defaults if kv[0] not in keys]
    out += list(extra)
    return '\n'.join(out) + '\n'


class TestEnv:
    """A fresh test directory with config, cert and (after setup_db) a
    database.  All processes it starts are killed by cleanup()."""

    def __init__(self, directory=None, config=(), cert=True, timeout=None):
        if directory is None:
            directory = tempfile.mkdtemp(prefix='imap.')
        os.makedirs(directory, exist_ok=True)
        self.dir = os.path.abspath(directory)
        self.cfg = os.path.join(self.dir, 'liteimapd.conf')
        self.liteimapd, self.liteimapctl, self.wrap = binaries()
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        if cert is True:
            cert = make_cert(self.dir)
        self.cert = cert or None
        self.procs = []
        self.nspawn = 0
        self.write_config(config)

    def write_config(self, extra=()):
        with open(self.cfg, 'w') as f:
            f.write(config_text(self.dir, self.cert, extra))
        self.server_user = config_user(extra)

    def fix_owner(self):
        """As root, give the test directory to the server's user, so that
        liteimapd can use the database after dropping privileges (SQLite
        run by root gives new -wal/-shm files the database's owner).  The
        directories above it must be searchable by that user."""
        if os.geteuid() != 0:
            return
        try:
            pw = pwd.getpwnam(self.server_user)
        except KeyError:
            return
        if pw.pw_uid == 0:
            return
        for root, dirs, files in os.walk(self.dir):
            for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                try:
                    os.lchown(name, pw.pw_uid, pw.pw_gid)
                except OSError:
                    pass

    def check_binaries(self, *which):
        for path in which or (self.liteimapd, self.liteimapctl):
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                raise Failure('%s not found or not executable (run make)'
                              % path)

    def ctl(self, *args, input=None, check=True, timeout=60):
        """Run liteimapctl -c CFG ARGS; returns CompletedProcess (text)."""
        self.check_binaries(self.liteimapctl)
        argv = self.wrap + [self.liteimapctl, '-c', self.cfg] + list(args)
        self.fix_owner()    # liteimapctl as root also becomes the user
        try:
            r = subprocess.run(argv, input=input, capture_output=True,
                               text=True, errors='backslashreplace',
                               timeout=timeout, cwd=self.dir)
        except subprocess.TimeoutExpired:
            raise Failure('liteimapctl %s: timeout' % ' '.join(args))
        self.fix_owner()
        if check and r.returncode != 0:
            raise Failure('liteimapctl %s: %s: %s' % (
                ' '.join(args), status_text(r.returncode),
                ' / '.join(tail(r.stderr + r.stdout, 5)) or '(no output)'))
        return r

    def setup_db(self):
        self.ctl('init')

    def add_user(self, name, password):
        self.ctl('user', 'add', name, '--password-stdin',
                 input=password + '\n')

    def argv(self, user=None, args=()):
        a = self.wrap + [self.liteimapd, '-c', self.cfg, '-d']
        if user is not None:
            a += ['-u', user]
        return a + list(args)

    def spawn(self, user=None, args=(), env=None, transport='pipe'):
        """Start liteimapd -c CFG -d [-u USER] ARGS on pipes (transport
        'pipe') or on one end of a socketpair ('socket').  Returns a Conn
        with .proc and .log_path (its stderr)."""
        self.check_binaries(self.liteimapd)
        self.fix_owner()
        self.nspawn += 1
        log_path = os.path.join(self.dir, 'liteimapd.%d.log' % self.nspawn)
        e = dict(os.environ)
        e.update(env or {})
        # Kept open: stderr_text() reads through it, whatever happens to
        # the directory.
        log = open(log_path, 'w+b')
        try:
            if transport == 'socket':
                a, b = socket.socketpair()
                try:
                    proc = subprocess.Popen(self.argv(user, args), stdin=b,
                                            stdout=b, stderr=log, env=e,
                                            cwd=self.dir,
                                            start_new_session=True)
                finally:
                    b.close()
                conn = SockConn(a, self.timeout)
            else:
                proc = subprocess.Popen(self.argv(user, args),
                                        stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=log,
                                        env=e, cwd=self.dir,
                                        start_new_session=True)
                # The Conn owns the descriptors from now on.
                wfd = os.dup(proc.stdin.fileno())
                rfd = os.dup(proc.stdout.fileno())
                proc.stdin.close()
                proc.stdout.close()
                proc.stdin = proc.stdout = None
                conn = PipeConn(wfd, rfd, self.timeout)
        except BaseException:
            log.close()
            raise
        conn.proc = proc
        conn.log_path = log_path
        conn.log_file = log
        self.procs.append(proc)
        return conn

    def listen(self, port=None, args=(), env=None, timeout=10):
        """Start systemd-socket-activate -a --inetd on 127.0.0.1:port
        running liteimapd -c CFG -d ARGS per connection; returns the port.
        Its log (and every session's stderr) goes to self.dir/listen.PORT.log."""
        need_cmd('systemd-socket-activate')
        self.check_binaries(self.liteimapd)
        self.fix_owner()
        if port is None:
            port = free_port()
        # systemd-socket-activate gives its children an almost empty
        # environment: pass what matters explicitly.
        e = {}
        for k in ('TMPDIR', 'ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS',
                  'VALGRIND_OPTS'):
            if k in os.environ:
                e[k] = os.environ[k]
        e.update(env or {})
        argv = ['systemd-socket-activate', '-a', '--inetd',
                '-l', '127.0.0.1:%d' % port]
        argv += ['-E%s=%s' % kv for kv in e.items()]
        argv += self.argv(None, args)
        log_path = os.path.join(self.dir, 'listen.%d.log' % port)
        with open(log_path, 'ab') as log:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=log, cwd=self.dir,
                                    start_new_session=True)
        self.procs.append(proc)
        if not wait_port(port, timeout, proc):
            with open(log_path, 'rb') as f:
                text = f.read().decode(errors='replace')
            raise Failure('listener on port %d did not start (%s): %s' % (
                port, status_text(proc.poll()), ' / '.join(tail(text, 5))))
        return port

    def connect(self, port, host='127.0.0.1', tls=False):
        """TCP connection to port; tls=True does the handshake at once."""
        sock = socket.create_connection((host, port), timeout=self.timeout)
        conn = SockConn(sock, self.timeout)
        if tls:
            conn.starttls()
        return conn

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                kill_proc(p, signal.SIGTERM)
                if p.poll() is None:
                    kill_proc(p)
        self.procs = []


def main(test, **kw):
    """Run test(env) with a fresh TestEnv in $TMPDIR and exit: 0 pass, 1
    fail (message on stderr), 77 skip (reason as the last line)."""
    env = None
    code = 1
    directory = None
    try:
        directory = tempfile.mkdtemp(prefix='imap.')
        env = TestEnv(directory, **kw)
        test(env)
        code = 0
    except SkipTest as e:
        sys.stdout.flush()
        print(str(e))
        code = 77
    except Failure as e:
        sys.stdout.flush()
        print('FAIL: %s' % e, file=sys.stderr)
        code = 1
    finally:
        if env is not None:
            env.cleanup()
        if directory is not None:
            if code in (0, 77):
                shutil.rmtree(directory, ignore_errors=True)
            else:
                print('test dir kept: %s' % directory, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(code)
