"""The reference side of bench/gcp-upload.sh: a resumable upload of a file with Google's own
Python client (google-cloud-storage), as a user who made the tarball with tar would upload it.

Usage: gcs-python-upload.py ENDPOINT BUCKET OBJECT FILE CHUNK_MIB
"""
import json
import sys
import time

from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

endpoint, bucket, name, path, chunk_mib = sys.argv[1:6]
start = time.monotonic()
client = storage.Client(project="unideploy-bench", credentials=AnonymousCredentials(),
                        client_options={"api_endpoint": endpoint})
blob = client.bucket(bucket).blob(name, chunk_size=int(chunk_mib) << 20)
blob.upload_from_filename(path, content_type="application/gzip")
blob.reload()
print(json.dumps({"uploadSeconds": round(time.monotonic() - start, 3), "objectBytes": blob.size,
                  "crc32c": blob.crc32c}))
