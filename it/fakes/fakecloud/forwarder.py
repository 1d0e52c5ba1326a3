"""Makes a fake instance's private address reachable: listens on (ip, port) and relays each connection
to the loopback port QEMU forwards to the guest. A test network with a 127.x.y.0/24 subnet gives
instances private IPs this machine can listen on."""

import socket
import threading


class Forwarder:
    def __init__(self, ip, port, target):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((ip, port))
        self.sock.listen(64)
        self.target = target
        self.closed = False
        threading.Thread(target=self._accept, daemon=True, name=f"fwd-{ip}:{port}").start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client):
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target()), timeout=10)
        except (OSError, TypeError):
            client.close()
            return
        upstream.settimeout(None)

        def pipe(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        t = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
        t.start()
        pipe(client, upstream)
        t.join()
        client.close()
        upstream.close()

    def close(self):
        self.closed = True
        self.sock.close()
