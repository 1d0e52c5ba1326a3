"""The disk behind an AMI: the EBS snapshot its RegisterImage named, rebuilt from the blocks that
the EBS direct API (PutSnapshotBlock) stored in moto.

moto's RegisterImage keeps no block device mapping (it makes an empty snapshot of its own), so the
snapshot each AMI was registered with is recorded here from the request itself.
"""

import os
import threading

BLOCK = 512 * 1024  # the EBS direct API's block size
GIB = 1 << 30


class Disks:
    def __init__(self, state_dir, log):
        self.dir = os.path.join(state_dir, "disks")
        os.makedirs(self.dir, exist_ok=True)
        self.log = log
        self.lock = threading.Lock()
        self.images = {}  # ami id -> {"snapshot": id, "firmware": bios|uefi}

    def registered(self, ami, params):
        """Records what RegisterImage named for `ami`: the root snapshot and the boot mode."""
        root = params.get("RootDeviceName")
        snapshot = None
        for key, value in params.items():
            if key.startswith("BlockDeviceMapping.") and key.endswith(".Ebs.SnapshotId"):
                n = key.split(".")[1]
                if snapshot is None or params.get(f"BlockDeviceMapping.{n}.DeviceName") == root:
                    snapshot = value
        if snapshot is None:
            return
        firmware = "uefi" if params.get("BootMode", "").startswith("uefi") else "bios"
        with self.lock:
            self.images[ami] = {"snapshot": snapshot, "firmware": firmware}
        self.log(f"{ami}: root snapshot {snapshot}, {firmware}")

    def copied(self, source_ami, ami):
        with self.lock:
            if source_ami in self.images:
                self.images[ami] = dict(self.images[source_ami])

    def image(self, ami):
        with self.lock:
            return self.images.get(ami)

    def disk(self, snapshot_id):
        """A raw file with the snapshot's blocks (sparse), made once; None if moto has no blocks."""
        path = os.path.join(self.dir, snapshot_id + ".raw")
        with self.lock:
            if os.path.exists(path):
                return path
            from moto.ebs.models import ebs_backends
            snap = None
            for account in list(ebs_backends.values()):
                for backend in list(account.values()):
                    snap = backend.snapshots.get(snapshot_id) or snap
            if snap is None or not snap.blocks:
                return None
            tmp = path + ".part"
            with open(tmp, "wb") as f:
                f.truncate(int(snap.volume_size) * GIB)
                for idx, block in sorted(snap.blocks.items()):
                    data = block.block_data
                    if isinstance(data, str):
                        data = data.encode("latin-1")
                    f.seek(int(idx) * BLOCK)
                    f.write(data)
            os.replace(tmp, path)
            self.log(f"{snapshot_id}: {len(snap.blocks)} blocks -> {path}")
            return path
