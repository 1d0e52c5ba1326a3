"""The few Blob service calls the fake makes on Azurite, signed with Shared Key, and the service
SAS URLs it hands out (https://learn.microsoft.com/rest/api/storageservices/create-service-sas).

Managed disks, boot-diagnostics logs and image contents live here, so clients upload and read
real page blobs exactly as they would on Azure.
"""
import base64
import datetime
import email.utils
import hashlib
import hmac
import http.client
import re
import urllib.parse

API_VERSION = "2021-08-06"
SAS_VERSION = "2020-12-06"


class Azurite:
    def __init__(self, endpoint, account, key_b64):
        # endpoint: http://127.0.0.1:PORT/devstoreaccount1 (path-style, as Azurite serves it)
        self.endpoint = endpoint.rstrip("/")
        self.account = account
        self.key = base64.b64decode(key_b64)
        u = urllib.parse.urlsplit(self.endpoint)
        self.host, self.port, self.prefix = u.hostname, u.port, u.path
        # Other addresses of the same account (as a custom domain is on Azure): a test's proxy in
        # front of Azurite, named by POST /_fake/blob-endpoints.
        self.aliases = set()

    def add_alias(self, endpoint):
        u = urllib.parse.urlsplit(endpoint.rstrip("/"))
        if u.scheme not in ("http", "https") or not u.hostname or u.path != self.prefix:
            raise ValueError(f"a blob endpoint of account {self.account} ends in {self.prefix}: {endpoint}")
        self.aliases.add((u.hostname, u.port))

    # --- Shared Key requests ---------------------------------------------------------------

    def request(self, method, path, query=None, headers=None, body=b"", timeout=60):
        query = query or {}
        headers = dict(headers or {})
        headers["x-ms-date"] = email.utils.formatdate(usegmt=True)
        headers["x-ms-version"] = API_VERSION
        if body:
            headers["Content-Length"] = str(len(body))
        full = self.prefix + path
        headers["Authorization"] = "SharedKey %s:%s" % (
            self.account,
            self._sign(self._string_to_sign(method, full, query, headers)),
        )
        qs = urllib.parse.urlencode(query)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, full + ("?" + qs if qs else ""), body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), data
        finally:
            conn.close()

    def _string_to_sign(self, method, path, query, headers):
        lower = {k.lower(): str(v).strip() for k, v in headers.items()}
        names = [
            "content-encoding", "content-language", "content-length", "content-md5",
            "content-type", "date", "if-modified-since", "if-match", "if-none-match",
            "if-unmodified-since", "range",
        ]
        lines = [method]
        for n in names:
            v = lower.get(n, "")
            lines.append("" if n == "content-length" and v == "0" else v)
        canon = "".join(f"{k}:{lower[k]}\n" for k in sorted(lower) if k.startswith("x-ms-"))
        resource = f"/{self.account}{urllib.parse.quote(path)}"
        for k in sorted(query, key=str.lower):
            resource += f"\n{k.lower()}:{query[k]}"
        return "\n".join(lines) + "\n" + canon + resource

    def _sign(self, text):
        return base64.b64encode(hmac.new(self.key, text.encode(), hashlib.sha256).digest()).decode()

    def _check(self, what, status, data, ok=(200, 201, 202)):
        if status not in ok:
            raise RuntimeError(f"Azurite {what} answered {status}: {data[:300]!r}")

    # --- operations --------------------------------------------------------------------------

    def ensure_container(self, container):
        st, _, data = self.request("PUT", f"/{container}", {"restype": "container"})
        if st not in (201, 409):
            self._check("create container", st, data)

    def create_page_blob(self, container, blob, size):
        self.ensure_container(container)
        st, _, data = self.request(
            "PUT", f"/{container}/{blob}",
            headers={"x-ms-blob-type": "PageBlob", "x-ms-blob-content-length": str(size)},
        )
        self._check("create page blob", st, data)

    def put_block_blob(self, container, blob, body):
        self.ensure_container(container)
        st, _, data = self.request(
            "PUT", f"/{container}/{blob}", headers={"x-ms-blob-type": "BlockBlob"}, body=body
        )
        self._check("put blob", st, data)

    def delete_blob(self, container, blob):
        st, _, data = self.request("DELETE", f"/{container}/{blob}")
        if st not in (202, 404):
            self._check("delete blob", st, data)

    def blob_size(self, container, blob):
        st, h, data = self.request("HEAD", f"/{container}/{blob}")
        if st == 404:
            return None
        self._check("get properties", st, data)
        return int(h["content-length"])

    def page_ranges(self, container, blob):
        st, _, data = self.request("GET", f"/{container}/{blob}", {"comp": "pagelist"})
        self._check("get page ranges", st, data)
        return [
            (int(a), int(b))
            for a, b in re.findall(rb"<PageRange><Start>(\d+)</Start><End>(\d+)</End>", data)
        ]

    def read_range(self, container, blob, start, end_inclusive):
        st, _, data = self.request(
            "GET", f"/{container}/{blob}", headers={"x-ms-range": f"bytes={start}-{end_inclusive}"}
        )
        self._check("read blob", st, data, ok=(200, 206))
        return data

    def copy_to_file(self, container, blob, out, limit=None):
        """Writes the blob's written pages into the open file out (holes stay holes)."""
        size = self.blob_size(container, blob)
        if size is None:
            raise FileNotFoundError(f"{container}/{blob}")
        end = size if limit is None else min(size, limit)
        out.truncate(end)
        for a, b in self.page_ranges(container, blob):
            a, b = max(a, 0), min(b, end - 1)
            pos = a
            while pos <= b:
                stop = min(b, pos + (8 << 20) - 1)
                out.seek(pos)
                out.write(self.read_range(container, blob, pos, stop))
                pos = stop + 1
        return size

    def split(self, url):
        """(container, blob) of a blob URL on this Azurite, or None when it is elsewhere."""
        u = urllib.parse.urlsplit(url)
        here = (u.hostname, u.port) == (self.host, self.port) or (u.hostname, u.port) in self.aliases
        if not here or not u.path.startswith(self.prefix + "/"):
            return None
        parts = urllib.parse.unquote(u.path[len(self.prefix) + 1:]).split("/", 1)
        return (parts[0], parts[1]) if len(parts) == 2 and parts[1] else None

    def sas_url(self, container, blob, permissions, seconds):
        expiry = (datetime.datetime.now(datetime.timezone.utc)
                  + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
        resource = f"/blob/{self.account}/{container}/{blob}"
        # Field order of a service SAS string-to-sign for versions 2020-12-06 and later.
        fields = [permissions, "", expiry, resource, "", "", "https,http", SAS_VERSION, "b",
                  "", "", "", "", "", "", ""]
        sig = self._sign("\n".join(fields))
        q = urllib.parse.urlencode(
            {"sv": SAS_VERSION, "sr": "b", "sp": permissions, "se": expiry,
             "spr": "https,http", "sig": sig})
        return f"{self.endpoint}/{container}/{urllib.parse.quote(blob)}?{q}"
