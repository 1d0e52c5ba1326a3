"""Process plumbing of the fake instances: forking QEMU so that it dies with the fake, picking
free loopback ports, signalling a process group."""

import os
import queue
import socket
import subprocess
import threading


def wrapped(qemu_cmd, max_lifetime):
    """`qemu_cmd` under a parent-death signal and a hard lifetime cap.

    setpriv --pdeathsig KILL: the kernel kills the child when its parent dies (prctl(2)
    PR_SET_PDEATHSIG), so `timeout` dies with the fake and QEMU with `timeout`; timeout(1) ends
    QEMU at the cap with SIGTERM (exit 124), and SIGKILL 10 s later if needed.
    """
    return (["setpriv", "--pdeathsig", "KILL", "--",
             "timeout", "--kill-after=10", f"{max_lifetime:g}s",
             "setpriv", "--pdeathsig", "KILL", "--"] + list(qemu_cmd))


def popen(*args, **kwargs):
    """subprocess.Popen, forked from the one long-lived spawner thread (see _Spawner)."""
    return _SPAWNER.popen(*args, **kwargs)


class _Spawner:
    """Starts every QEMU from one thread that lives as long as the process.

    PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not the process
    (prctl(2): "the parent thread"), and the fakes start instances from short-lived request and
    boot threads: forked from those, a QEMU would be killed as soon as its thread returned.
    """

    def __init__(self):
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread = None

    def popen(self, *args, **kwargs):
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fakecloud-vm-spawner", daemon=True)
                self._thread.start()
        box, done = {}, threading.Event()
        self._queue.put((args, kwargs, box, done))
        done.wait()
        if "error" in box:
            raise box["error"]
        return box["proc"]

    def _run(self):
        while True:
            args, kwargs, box, done = self._queue.get()
            try:
                box["proc"] = subprocess.Popen(*args, **kwargs)
            except BaseException as e:  # handed to the caller's thread
                box["error"] = e
            finally:
                done.set()


_SPAWNER = _Spawner()
_PORTS_LOCK = threading.Lock()
_PORTS_IN_USE = set()  # handed to a Vm of this process and not released yet


def reserve_port():
    """A loopback port the kernel reports free and no Vm of this process holds."""
    with _PORTS_LOCK:
        for _ in range(100):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            if port not in _PORTS_IN_USE:
                _PORTS_IN_USE.add(port)
                return port
    raise OSError("no free loopback port found after 100 tries")


def release_ports(ports):
    with _PORTS_LOCK:
        _PORTS_IN_USE.difference_update(ports)


def signal_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
