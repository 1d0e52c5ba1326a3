"""A minimal client of QEMU's machine protocol (QMP) on a Unix socket: one command per connection.

QMP: https://www.qemu.org/docs/master/interop/qemu-qmp-ref.html. A chardev socket server serves
one client at a time, so callers serialise their commands (Vm holds a lock around each).
"""

import json
import socket
import time

MAX_REPLY = 1 << 20  # no answer of ours is near this; a bigger one is a broken peer, not a reply


class QmpError(Exception):
    """QMP could not be reached or answered with an error."""


def command(path, name, arguments=None, timeout=5.0):
    """Runs one command and returns its "return" value.

    Connects, reads the greeting, negotiates capabilities, sends the command and skips the
    asynchronous events QEMU may interleave before the answer.
    """
    deadline = time.monotonic() + timeout
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            reader = _Lines(s, deadline)
            greeting = reader.message()
            if "QMP" not in greeting:
                raise QmpError(f"no QMP greeting on {path}: {greeting!r}")
            _call(s, reader, "qmp_capabilities", None)
            return _call(s, reader, name, arguments)
    except OSError as e:
        raise QmpError(f"QMP on {path}: {e}") from e


def _call(s, reader, name, arguments):
    msg = {"execute": name}
    if arguments is not None:
        msg["arguments"] = arguments
    s.sendall(json.dumps(msg).encode() + b"\n")
    while True:
        reply = reader.message()
        if "return" in reply:
            return reply["return"]
        if "error" in reply:
            err = reply["error"]
            raise QmpError(f"QMP {name}: {err.get('class')}: {err.get('desc')}")
        # Anything else is an event ({"event": ...}); the answer follows.


class _Lines:
    """Reads newline-delimited JSON messages until a deadline."""

    def __init__(self, sock, deadline):
        self.sock = sock
        self.deadline = deadline
        self.buf = b""

    def message(self):
        while b"\n" not in self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise QmpError("QMP did not answer in time")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise QmpError("QMP closed the connection")
            self.buf += chunk
            if len(self.buf) > MAX_REPLY:
                raise QmpError(f"QMP answer longer than {MAX_REPLY} bytes")
        line, self.buf = self.buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError as e:
            raise QmpError(f"QMP sent something that is not JSON: {line[:200]!r}") from e
