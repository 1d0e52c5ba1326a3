"""The QEMU command line of a fake instance: machine, firmware, disk controller, user-mode network
with forwarded ports, serial console to a file, QMP on a Unix socket.

Fixed choices: -nodefaults (the guest sees only what a cloud would give it) and an explicit
format= on the drive (probing is unsafe); q35 for UEFI (OVMF is developed against it), i440fx
"pc" with its PIIX IDE otherwise.
"""

import os
import shutil

# Combined images first: they need no writable vars copy (same order as the Java Firmware class).
OVMF_CANDIDATES = ("/usr/share/ovmf/OVMF.fd", "/usr/share/OVMF/OVMF_CODE.fd",
                   "/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/qemu/OVMF.fd")


class QemuArgsError(Exception):
    """QEMU or its firmware is missing; the message says what to install."""


def qemu_args(vm, ports, qmp_sock):
    """The qemu-system-x86_64 argument list of `vm` with host `ports` {guest: host} and QMP on
    `qmp_sock`."""
    binary = os.environ.get("FAKE_QEMU_BINARY") or os.environ.get("UNIDEPLOY_QEMU") or "qemu-system-x86_64"
    if shutil.which(binary) is None:
        raise QemuArgsError(f"{binary} not found: install qemu-system-x86 "
                            "(apt-get install qemu-system-x86) or set FAKE_QEMU_BINARY")
    a = [binary, "-name", vm.name, "-nodefaults", "-no-user-config", "-display", "none",
         "-machine", "q35" if vm.firmware == "uefi" else "pc",
         "-accel", vm.accel, "-m", str(vm.memory_mib), "-smp", "1"]
    if vm.accel == "kvm":
        a += ["-cpu", "host"]
    if vm.no_reboot:
        a.append("-no-reboot")
    if vm.firmware == "uefi":
        a += _ovmf_args(vm)
    a += ["-drive", f"file={escape(vm.overlay)},if=none,id=disk0,format=qcow2"]
    a += {
        "virtio-blk": ["-device", "virtio-blk-pci,drive=disk0,bootindex=0"],
        "virtio-scsi": ["-device", "virtio-scsi-pci,id=scsi0",
                        "-device", "scsi-hd,drive=disk0,bus=scsi0.0,bootindex=0"],
        "nvme": ["-device", "nvme,drive=disk0,serial=fakecloud0,bootindex=0"],
        # On q35 bus ide.0 is the ICH9 AHCI controller's first port (SATA).
        "ide": ["-device", "ide-hd,drive=disk0,bus=ide.0,bootindex=0"],
    }[vm.controller]
    fwd = "".join(f",hostfwd=tcp:127.0.0.1:{h}-:{g}" for g, h in sorted(ports.items()))
    a += ["-netdev", f"user,id=net0{fwd}", "-device", f"{vm.nic},netdev=net0"]
    # append=on: the console of every start of this instance goes on in one file, as on a cloud.
    a += ["-chardev", f"file,id=ser0,path={escape(vm.serial_log)},append=on", "-serial", "chardev:ser0"]
    a += ["-qmp", f"unix:{escape(qmp_sock)},server=on,wait=off", "-pidfile", vm.pid_file]
    return a


def _ovmf_args(vm):
    for fw in OVMF_CANDIDATES:
        if os.path.isfile(fw):
            break
    else:
        raise QemuArgsError(f"UEFI firmware not found at {', '.join(OVMF_CANDIDATES)}: "
                            "apt-get install ovmf")
    if "_CODE" not in os.path.basename(fw):
        return ["-bios", fw]
    vars_copy = os.path.join(vm.workdir, "OVMF_VARS.fd")
    if not os.path.exists(vars_copy):
        shutil.copyfile(fw.replace("_CODE", "_VARS"), vars_copy)
    return ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={escape(fw)}",
            "-drive", f"if=pflash,format=raw,unit=1,file={escape(vars_copy)}"]


def escape(path):
    """QEMU option values separate keys with commas; a literal comma is doubled."""
    return path.replace(",", ",,")
