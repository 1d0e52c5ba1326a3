"""Imports a Compute Engine image tarball the way images.insert with rawDisk.source does.

The object is fetched from the storage endpoint (fake-gcs-server) to a temporary file, then
checked: gzip, a tar in the old-GNU format (`tar --format=oldgnu`, magic "ustar  \\0"), exactly one
member, a regular file named disk.raw whose size is a whole number of GiB. The disk is extracted
sparse (zero blocks and sparse-tar holes become holes). Any failure raises the ApiError that ends
the operation, with a message that says what was wrong, as the import does.
See https://cloud.google.com/compute/docs/import/import-existing-image#requirements.
"""

import gzip
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zlib

from errors import ApiError

GIB = 1 << 30
BLOCK = 1 << 20
OLDGNU_MAGIC = b"ustar  \x00"
_SOURCE = re.compile(r"^(?:https://(?:storage\.googleapis\.com|storage\.cloud\.google\.com)/"
                     r"([^/]+)/(.+)|gs://([^/]+)/(.+))$")


def import_error(message, status=400, code="INVALID_FIELD_VALUE"):
    e = ApiError(status, "invalid", message)
    e.operation_code = code
    return e


def parse_source(source):
    """(bucket, object) of a rawDisk.source URL."""
    m = _SOURCE.match(source or "")
    if not m:
        raise import_error(
            f"Invalid value for field 'resource.rawDisk.source': '{source}'. The URL must be of "
            "the form https://storage.googleapis.com/BUCKET/OBJECT.")
    bucket = m.group(1) or m.group(3)
    obj = urllib.parse.unquote(m.group(2) or m.group(4))
    return bucket, obj


def fetch(gcs_endpoint, source, into_dir):
    """Downloads the object to a temporary file in into_dir; returns (path, size)."""
    bucket, obj = parse_source(source)
    url = (f"{gcs_endpoint.rstrip('/')}/storage/v1/b/{urllib.parse.quote(bucket, safe='')}/o/"
           f"{urllib.parse.quote(obj, safe='')}?alt=media")
    fd, path = tempfile.mkstemp(prefix="import-", suffix=".tar.gz", dir=into_dir)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as r:
            shutil.copyfileobj(r, out, BLOCK)
        return path, os.path.getsize(path)
    except urllib.error.HTTPError as e:
        os.unlink(path)
        if e.code == 404:
            raise import_error(f"The resource '{source}' was not found", 404, "RESOURCE_NOT_FOUND")
        raise import_error(f"Could not read '{source}' from Cloud Storage: HTTP {e.code}", 400)
    except OSError as e:
        os.unlink(path)
        raise import_error(f"Could not read '{source}' from Cloud Storage: {e}", 400)


def extract_disk(archive, target):
    """Checks the tarball and writes disk.raw to target, sparse; returns the disk's size."""
    with open(archive, "rb") as f:
        if f.read(2) != b"\x1f\x8b":
            raise import_error("The image archive is not gzip-compressed: compress it with gzip "
                               "(tar --format=oldgnu -Sczf image.tar.gz disk.raw).")
    try:
        with gzip.open(archive, "rb") as g:
            header = g.read(512)
    except (OSError, EOFError, zlib.error) as e:
        raise import_error(f"The image archive is not a valid gzip stream: {e}.")
    if len(header) < 512 or header[257:265] != OLDGNU_MAGIC:
        raise import_error("The image archive is not a tar in the old GNU format: create it with "
                           "tar --format=oldgnu.")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            if len(members) != 1 or members[0].name != "disk.raw":
                names = ", ".join(m.name for m in members[:5]) or "(none)"
                raise import_error("The image archive must contain exactly one file, disk.raw; it "
                                   f"contains {len(members)}: {names}.")
            m = members[0]
            if not m.isfile():
                raise import_error("disk.raw in the image archive is not a regular file.")
            if m.size == 0 or m.size % GIB != 0:
                raise import_error(f"The size of disk.raw ({m.size} bytes) must be a multiple of "
                                   "1 GB (1073741824 bytes).")
            src = tar.extractfile(m)
            with open(target, "wb") as out:
                _copy_sparse(src, out, m.size)
            return m.size
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        if os.path.exists(target):
            os.unlink(target)
        raise import_error(f"The image archive could not be read: {e}.")


def _copy_sparse(src, out, size):
    zero = bytes(BLOCK)
    done = 0
    while done < size:
        block = src.read(min(BLOCK, size - done))
        if not block:
            raise EOFError(f"disk.raw ends after {done} of {size} bytes")
        if block == zero[:len(block)]:
            out.seek(len(block), os.SEEK_CUR)
        else:
            out.write(block)
        done += len(block)
    out.truncate(size)
