#!/usr/bin/env python3
"""Prints an account SAS (query string) for an Azurite account and its well-known key, so that curl
can reach its blobs in the bench scripts
(https://learn.microsoft.com/rest/api/storageservices/create-account-sas, version 2019-12-12).

Usage: azurite-sas.py ACCOUNT KEY_BASE64
"""
import base64
import hashlib
import hmac
import sys
import urllib.parse

account, key = sys.argv[1], sys.argv[2]
f = dict(sp="rwdlac", ss="b", srt="sco", st="2020-01-01T00:00:00Z", se="2099-01-01T00:00:00Z",
         spr="http,https", sv="2019-12-12")
sts = "\n".join([account, f["sp"], f["ss"], f["srt"], f["st"], f["se"], "", f["spr"], f["sv"], ""])
sig = base64.b64encode(hmac.new(base64.b64decode(key), sts.encode(), hashlib.sha256).digest()).decode()
print(urllib.parse.urlencode(dict(f, sig=sig)))
