#!/usr/bin/env python3
"""One round of bench/local-rollout.sh: a local blue-green deploy of N instances of the HTTP guest,
timed against plain QEMU booting the same image N times in parallel, while a client keeps asking
the stable endpoint.

Round: deploy v1 (untimed, N instances); with v1 serving, boot the v2 image N times in parallel
with plain qemu-system-x86_64 (the command line of a running unideploy instance, with its own
ports and files) and time each until GET / answers 200: the slowest is the reference; stop them;
then `unideploy deploy` v2 (timed, the client running) and read when v2 went in service from the
journal (the attach step done) and from the client (its first v2 answer). Prints one JSON line.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime


def get(port, timeout=5.0, read_timeout=30.0):
    """GET / on 127.0.0.1:port on a fresh connection; the body, or raises."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.settimeout(read_timeout)
        s.sendall(b"GET / HTTP/1.0\r\nHost: bench\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split(b" ")
    if len(status) < 2 or status[1] != b"200":
        raise IOError("not a 200 answer: %r" % head[:80])
    return body.decode("latin-1").strip()


class Client(threading.Thread):
    """A request to the endpoint every 20 ms, each answer and failure with its time."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop = False
        self.answers = []  # (monotonic time, body)
        self.failures = []  # (monotonic time, error)

    def run(self):
        while not self.stop:
            t = time.monotonic()
            try:
                self.answers.append((t, get(self.port)))
            except Exception as e:  # noqa: BLE001 - every failure counts
                self.failures.append((t, repr(e)))
            time.sleep(0.02)


class Prober(threading.Thread):
    """Watches a group's instances appear in the local records and times each one's boot: from
    when its QEMU is recorded to its first 200 on its own host port (not through the balancer)."""

    def __init__(self, records):
        super().__init__(daemon=True)
        self.records = records
        self.stop = False
        self.seen = {}  # instance -> monotonic time its pid was first recorded
        self.ready = {}  # instance -> monotonic time of its first 200

    def run(self):
        while not self.stop:
            try:
                with open(self.records) as f:
                    instances = json.load(f).get("instances", [])
            except (OSError, ValueError):
                instances = []
            for i in instances:
                name, ports = i["name"], i.get("ports") or []
                if i.get("pid", 0) > 0 and ports and name not in self.seen:
                    self.seen[name] = time.monotonic()
                    threading.Thread(target=self.probe, args=(name, ports[0]["host"]),
                                     daemon=True).start()
            time.sleep(0.02)

    def probe(self, name, port):
        # One thread per instance, so that one slow guest delays no other verdict.
        if first_answer(port, lambda: self.stop, time.monotonic() + 300) is not None:
            self.ready[name] = time.monotonic()


def cli(jar, args, log):
    """Runs the CLI; its progress lines go to the log, each with the seconds since the start."""
    t0 = time.monotonic()
    command = os.environ.get("UNIDEPLOY_CLI", "java -jar " + jar).split()
    p = subprocess.Popen(command + args, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    out = []
    reader = threading.Thread(target=lambda: out.append(p.stdout.read()), daemon=True)
    reader.start()
    for line in p.stderr:
        log.write("%7.2f %s" % (time.monotonic() - t0, line))
    reader.join()
    log.write("%7.2f exit %d\n" % (time.monotonic() - t0, p.wait()))
    log.flush()
    return subprocess.CompletedProcess(p.args, p.returncode, "".join(out), None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def instance_pids(jar, home):
    out = subprocess.run(
        ["java", "-jar", jar, "instances", "list", "--home", home, "--output", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True,
    ).stdout
    return [int(i["attributes"]["pid"]) for i in json.loads(out)["instances"]]


def qemu_argv(pid):
    """The QEMU part of a running instance's command line (after wrappers such as setpriv)."""
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0") if a]
    for i, a in enumerate(argv):
        if os.path.basename(a).startswith("qemu-system"):
            return argv[i:]
    raise SystemExit("pid %d is not QEMU: %s" % (pid, argv))


def reference_argv(template, image, port, work):
    """The instance's QEMU command with another disk, host port and files."""
    out = []
    skip = False
    for i, a in enumerate(template):
        if skip:
            skip = False
            continue
        if a in ("-pidfile", "-qmp", "-serial", "-D", "-name") and i + 1 < len(template):
            skip = True  # Replaced below: each reference QEMU gets its own.
            continue
        if a == "-daemonize":
            continue
        if a.startswith("file=") and "id=disk0" in a:
            parts = [p if not p.startswith("file=") else "file=" + image for p in a.split(",")]
            out.append(",".join(parts))
            continue
        if "hostfwd=" in a:
            parts = []
            for p in a.split(","):
                if p.startswith("hostfwd="):
                    guest = p.rsplit("-:", 1)[1]
                    p = "hostfwd=tcp:127.0.0.1:%d-:%s" % (port, guest)
                parts.append(p)
            out.append(",".join(parts))
            continue
        out.append(a)
    out += ["-serial", "file:" + os.path.join(work, "serial.log"), "-name", "reference"]
    return out


def first_answer(port, stop, deadline):
    """Seconds until GET / on port first answers 200 (short timeouts: a forwarded port accepts at
    once and may hold the connection while the guest boots), or None past the deadline."""
    t0 = time.monotonic()
    while not stop() and time.monotonic() < deadline:
        try:
            get(port, timeout=1, read_timeout=1)
            return time.monotonic() - t0
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.02)
    return None


def reference(template, image, n, work):
    """Boots n plain QEMU at once; seconds from each spawn to its first 200, and all stopped."""
    procs, times, threads = [], [None] * n, []
    deadline = time.monotonic() + 300
    try:
        for k in range(n):
            d = os.path.join(work, "ref-%d" % k)
            os.makedirs(d, exist_ok=True)
            port = free_port()
            with open(os.path.join(d, "qemu.log"), "wb") as log:
                p = subprocess.Popen(reference_argv(template, image, port, d),
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            procs.append(p)

            def probe(k=k, port=port, p=p):
                times[k] = first_answer(port, lambda: p.poll() is not None, deadline)

            threads.append(threading.Thread(target=probe, daemon=True))
            threads[-1].start()
        for t in threads:
            t.join()
    finally:
        for p in procs:
            p.send_signal(signal.SIGKILL)
            p.wait()
    if None in times:
        raise SystemExit("reference boots did not all answer within 300 s: see %s" % work)
    return times


def journal_times(path):
    """When each rollout step of the last rollout started and finished (wall clock)."""
    entries = [json.loads(l) for l in open(path) if l.strip()]
    rollout = [e for e in entries if e.get("step") == "rollout"]
    begin = [e for e in rollout if e["kind"] == "begin"][-1]
    rid = begin["data"]["id"]
    steps = begin["data"]["plan"]["steps"]
    out = []
    for e in rollout:
        if e["data"].get("id") != rid or e["kind"] not in ("step-started", "step-done"):
            continue
        s = steps[e["data"]["index"]]
        out.append((parse(e["at"]), e["kind"], s["action"], s.get("group")))
    return begin, out


def parse(at):
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def main():
    jar, v1, v2, work, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    home, state = os.path.join(work, "home"), os.path.join(work, "state")
    config = os.path.join(work, "unideploy.yaml")
    with open(config, "w") as f:
        f.write(
            "app: bench\n"
            "health:\n"
            "  serial: \"^READY unideploy-http-guest\"\n"
            "  http: /\n"
            "  timeout: 240s\n"
            "  consecutive: %s\n"
            "%s"
            "deploy:\n"
            "  strategy: blue-green\n"
            "  instances: %d\n"
            "  ports: [80]\n"
            "  keepPrevious: 1\n"
            "providers:\n"
            "  local:\n"
            "    accelerator: tcg\n"
            "    memory: 256\n"
            % (os.environ.get("HEALTH_CONSECUTIVE", "2"),
               # unset: unideploy's own default for the local provider
               "  interval: %s\n" % os.environ["HEALTH_INTERVAL"] if os.environ.get("HEALTH_INTERVAL") else "",
               n)
        )
    common = ["--provider", "local", "--config", config, "--home", home, "--state", state,
              "--output", "json", "--no-verify"]
    log = open(os.path.join(work, "cli.log"), "a")
    r1 = cli(jar, ["deploy", "--image", v1, "--version", "1"] + common, log)
    if r1.returncode != 0:
        raise SystemExit("deploy v1 failed: see %s/cli.log" % work)
    port = int(json.loads(r1.stdout)["endpoint"].rsplit(":", 1)[1])

    template = qemu_argv(instance_pids(jar, home)[0])
    ref = reference(template, v2, n, work)

    client = Client(port)
    client.start()
    prober = Prober(os.path.join(home, "instances", "bench-v002.json"))
    prober.start()
    t0_wall, t0 = time.time(), time.monotonic()
    r2 = cli(jar, ["deploy", "--image", v2, "--version", "2"] + common, log)
    t_exit = time.monotonic() - t0
    time.sleep(0.5)
    client.stop = prober.stop = True
    client.join()
    prober.join()
    if r2.returncode != 0:
        raise SystemExit("deploy v2 failed: see %s/cli.log" % work)

    begin, steps = journal_times(os.path.join(state, "journal", "bench-local.jsonl"))
    target = begin["data"]["plan"]["target"]
    attached = [t for t, k, a, g in steps if k == "step-done" and a == "ATTACH" and g == target][0]
    first_v2 = [t for t, body in client.answers if body.endswith(" v2")]
    last_v1 = [t for t, body in client.answers if body.endswith(" v1")]
    phases = []
    for t, k, a, g in steps:
        phases.append("%+.2f %s %s %s" % (t - t0_wall, k, a, g or ""))
    at = lambda kind, action: [t - t0_wall for t, k, a, g in steps  # noqa: E731
                               if k == kind and a == action and g == target][0]
    own = [prober.ready[n] - prober.seen[n] for n in prober.ready]
    all_ready = max(prober.ready.values()) - t0 if len(own) == n else None
    print(json.dumps({
        "instances": n,
        "consecutive": os.environ.get("HEALTH_CONSECUTIVE", "2"),
        "interval": os.environ.get("HEALTH_INTERVAL") or "default (500ms locally)",
        "reference_boots_s": [round(x, 2) for x in sorted(ref)],
        "reference_slowest_s": round(max(ref), 2),
        "in_service_s": round(attached - t0_wall, 2),
        "first_v2_answer_s": round(first_v2[0] - t0, 2) if first_v2 else None,
        "last_v1_answer_s": round(last_v1[-1] - t0, 2) if last_v1 else None,
        "deploy_exit_s": round(t_exit, 2),
        # Where the time went: before the group is created (JVM start, hashing, publishing),
        # starting the QEMUs, the instances' own boots (each timed on its own port), the gate's
        # wait after the last instance answered, and attaching.
        "create_started_s": round(at("step-started", "CREATE"), 2),
        "create_done_s": round(at("step-done", "CREATE"), 2),
        "own_boots_s": sorted(round(x, 2) for x in own),
        "all_answer_s": round(all_ready, 2) if all_ready is not None else None,
        "gate_done_s": round(at("step-done", "GATE"), 2),
        "requests": len(client.answers) + len(client.failures),
        "failed": len(client.failures),
        "failures": client.failures[:5],
        "steps": phases,
    }))
    subprocess.run(["java", "-jar", jar, "instances", "stop", "--all", "--home", home],
                   stdout=subprocess.DEVNULL, stderr=log, check=False)


if __name__ == "__main__":
    main()
