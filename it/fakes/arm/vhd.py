"""Reads an image source (a managed disk or a blob) from Azurite as Azure would: it must be a
fixed VHD (Microsoft "Virtual Hard Disk Image Format Specification", "Hard Disk Footer Format"),
a whole number of MiB plus the 512-byte footer. The data without its footer is copied to a local
sparse raw file, which scale-set instances boot."""
import os
import struct

from .errors import ArmError

MIB = 1 << 20


def bad(what, why):
    return ArmError(400, "InvalidParameter",
                    f"The source {what} is not a valid fixed VHD: {why}. Upload a fixed VHD whose "
                    "virtual size is a whole number of MiB, with its 512-byte footer at the end.")


def check_footer(footer, blob_size, what):
    if len(footer) != 512 or footer[:8] != b"conectix":
        raise bad(what, "the last 512 bytes are not a VHD footer (no 'conectix' cookie)")
    disk_type = struct.unpack(">I", footer[60:64])[0]
    if disk_type != 2:
        raise bad(what, f"disk type {disk_type} is not 2 (fixed)")
    current = struct.unpack(">Q", footer[48:56])[0]
    if current != blob_size - 512:
        raise bad(what, f"the footer's current size {current} is not the blob size less 512 ({blob_size - 512})")
    if current % MIB:
        raise bad(what, f"the virtual size {current} is not a whole number of MiB")
    stored = struct.unpack(">I", footer[64:68])[0]
    summed = (~(sum(footer[:64]) + sum(footer[68:]))) & 0xFFFFFFFF
    if stored != summed:
        raise bad(what, "the footer checksum does not match")
    return current


def copy_source(azurite, container, blob, out_path, what):
    size = azurite.blob_size(container, blob)
    if size is None:
        raise ArmError(404, "NotFound", f"The source {what} does not exist.")
    if size < 512 + MIB:
        raise bad(what, f"it is only {size} bytes")
    virtual = check_footer(azurite.read_range(container, blob, size - 512, size - 1), size, what)
    tmp = out_path + ".part"
    with open(tmp, "wb") as f:
        azurite.copy_to_file(container, blob, f, limit=virtual)
    os.replace(tmp, out_path)
    return virtual
