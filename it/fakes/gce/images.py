"""compute.images.*: insert (from rawDisk.source, sourceDisk or sourceImage), get, list, delete,
patch, setLabels with labelFingerprint, deprecate, getFromFamily, and IAM policies with etags.

An image exists from the moment insert is accepted (status PENDING while it imports, READY after),
as in the API; an import that fails ends the operation with the error and leaves no image.
"""

import base64
import os
import re
import shutil

import tarball
from app import answer, handles
from errors import already_exists, condition_not_met, invalid, not_found
from store import check_name, fingerprint, link, list_page, parse_ref, short_path

LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
MEMBER = re.compile(r"^(user|group|serviceAccount|domain|principal|principalSet|deleted:user|"
                    r"deleted:group|deleted:serviceAccount|projectOwner|projectEditor|"
                    r"projectViewer):\S+$|^(allUsers|allAuthenticatedUsers)$")
# What images.patch changes. Labels are not among them: they change only through setLabels with
# the label fingerprint (recorded: a PATCH with new labels left the labels as they were).
MUTABLE = {"family", "description", "guestOsFeatures", "licenses"}


def check_labels(labels, where="resource.labels"):
    if not isinstance(labels, dict):
        return
    if len(labels) > 64:
        raise invalid(f"Invalid value for field '{where}': at most 64 labels are allowed.")
    for k, v in labels.items():
        if not LABEL_KEY.match(k):
            raise invalid(f"Invalid value for field '{where}': Label key '{k}' violates format "
                          "constraints. The key must start with a lowercase character, can only "
                          "contain lowercase letters, numeric characters, underscores and dashes. "
                          "The key can be at most 63 characters long.")
        if not isinstance(v, str) or not LABEL_VALUE.match(v):
            raise invalid(f"Invalid value for field '{where}': Label value '{v}' violates format "
                          "constraints. The value can only contain lowercase letters, numeric "
                          "characters, underscores and dashes. The value can be at most 63 "
                          "characters long.")


def find_image(ctx, project, key):
    """An image by name or numeric id."""
    image = ctx.store.find(project, "global", "images", key)
    if image is None and key.isdigit():
        image = next((r for r in ctx.store.all(project, "global", "images") if r["id"] == key),
                     None)
    if image is None:
        raise not_found(short_path(project, "global", "images", key))
    return image


def image_file(ctx, project, name):
    folder = os.path.join(ctx.settings.state_dir, "images", project)
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, name + ".raw")


def resolve_image_ref(ctx, ref, project):
    """An image a template or disk names: a link, or projects/P/global/images/family/F."""
    m = re.match(r"^(?:https?://[^/]+/compute/v1/)?(?:projects/([^/]+)/)?global/images/family/"
                 r"([^/]+)$", ref or "")
    if m:
        return newest_in_family(ctx, m.group(1) or project, m.group(2))
    parsed = parse_ref(ref, project)
    if parsed is None or parsed[1:3] != ("global", "images"):
        raise invalid(f"Invalid value for field 'sourceImage': '{ref}'. The URL is malformed.")
    return find_image(ctx, parsed[0], parsed[3])


def newest_in_family(ctx, project, family):
    candidates = [i for i in ctx.store.all(project, "global", "images")
                  if i.get("family") == family and i.get("status") == "READY"
                  and i.get("deprecated", {}).get("state", "ACTIVE") == "ACTIVE"]
    if not candidates:
        raise not_found(f"projects/{project}/global/images/family/{family}")
    return max(candidates, key=lambda i: i["creationTimestamp"])


@handles("compute.images.insert")
def insert(ctx, req):
    body = req.body
    name = body.get("name")
    check_name(name)
    check_labels(body.get("labels"))
    if body.get("family") is not None:
        check_name(body["family"], "resource.family")
    sources = [k for k in ("rawDisk", "sourceDisk", "sourceImage", "sourceSnapshot") if body.get(k)]
    if len(sources) != 1:
        raise invalid("Invalid value for field 'resource': exactly one of rawDisk, sourceDisk, "
                      "sourceImage or sourceSnapshot must be given.")
    project = req.project
    with ctx.store.lock:
        if ctx.store.find(project, "global", "images", name) is not None:
            # A retry with the same requestId gets the first answer, not a conflict.
            if req.request_id() and (project, req.request_id()) in ctx.ops.by_request_id:
                return 200, answer(ctx.ops.by_request_id[(project, req.request_id())])
            raise already_exists(short_path(project, "global", "images", name))
        image = {k: v for k, v in body.items() if k != "name"}
        image.setdefault("labels", {})
        image["labelFingerprint"] = fingerprint(image["labels"])
        image["status"] = "PENDING"
        image["sourceType"] = "RAW"
        image.setdefault("storageLocations", ["us"])
        if not image["labels"]:
            del image["labels"]
        if "rawDisk" in image:
            image["rawDisk"].setdefault("containerType", "TAR")
        source_disk = None
        source_image = None
        if body.get("sourceDisk"):
            source_disk = ctx.store.find_ref(body["sourceDisk"], project, "disks")
            if source_disk is None:
                raise not_found(body["sourceDisk"].split("compute/v1/")[-1])
            image["sourceDiskId"] = source_disk["id"]
        if body.get("sourceImage"):
            source_image = resolve_image_ref(ctx, body["sourceImage"], project)
            image["sourceImageId"] = source_image["id"]
        image = ctx.store.insert(project, "global", "images", name, image, "compute#image")
        target = image_file(ctx, project, name)

    def work():
        try:
            if "rawDisk" in body:
                archive, archive_size = tarball.fetch(ctx.settings.gcs_endpoint,
                                                      body["rawDisk"].get("source"),
                                                      os.path.dirname(target))
                try:
                    size = tarball.extract_disk(archive, target)
                finally:
                    os.unlink(archive)
                extra = {"archiveSizeBytes": str(archive_size)}
            else:
                src = source_disk.get("_file") if source_disk else source_image.get("_file")
                if src and os.path.exists(src):
                    shutil.copyfile(src, target)
                    size = os.path.getsize(target)
                else:
                    size = int((source_disk or source_image).get("diskSizeGb", "10")) << 30
                    with open(target, "wb") as f:
                        f.truncate(size)
                extra = {}
        except Exception:
            with ctx.store.lock:
                ctx.store.delete(project, "global", "images", name)
            raise
        with ctx.store.lock:
            image.update(extra)
            image.update(status="READY", diskSizeGb=str(max(1, size >> 30)), _file=target)

    op = ctx.ops.start(project, "global", "insert", image["selfLink"], image["id"], work,
                       req.request_id(),
                       rollback=lambda: ctx.store.delete(project, "global", "images", name))
    return 200, op


def public(image):
    """The image without the fake's own bookkeeping (keys starting with '_')."""
    return answer(image)


@handles("compute.images.get")
def get(ctx, req):
    with ctx.store.lock:
        return 200, public(find_image(ctx, req.project, req.params["image"]))


@handles("compute.images.getFromFamily")
def get_from_family(ctx, req):
    with ctx.store.lock:
        return 200, public(newest_in_family(ctx, req.project, req.params["family"]))


@handles("compute.images.list")
def list_images(ctx, req):
    with ctx.store.lock:
        items = [public(i) for i in ctx.store.all(req.project, "global", "images")]
    return 200, list_page(items, req.query, "compute#imageList",
                          link(req.project, "global", "images"), f"projects/{req.project}/global/images")


@handles("compute.images.delete")
def delete(ctx, req):
    project = req.project
    with ctx.store.lock:
        image = find_image(ctx, project, req.params["image"])

    def work():
        with ctx.store.lock:
            gone = ctx.store.delete(project, "global", "images", image["name"])
        if gone and gone.get("_file") and os.path.exists(gone["_file"]):
            os.unlink(gone["_file"])

    return 200, ctx.ops.start(project, "global", "delete", image["selfLink"], image["id"], work,
                              req.request_id())


@handles("compute.images.patch")
def patch(ctx, req):
    project = req.project
    with ctx.store.lock:
        image = find_image(ctx, project, req.params["image"])
        for key, value in req.body.items():
            if key in MUTABLE:
                continue
            if key in ("name",) and value != image["name"]:
                raise invalid(f"Invalid value for field 'resource.{key}': '{value}'. The field "
                              "cannot be changed.")
        if "family" in req.body and req.body["family"]:
            check_name(req.body["family"], "resource.family")
        updates = {k: v for k, v in req.body.items() if k in MUTABLE}

    def work():
        with ctx.store.lock:
            image.update(updates)

    return 200, ctx.ops.start(project, "global", "patch", image["selfLink"], image["id"], work,
                              req.request_id())


@handles("compute.images.setLabels")
def set_labels(ctx, req):
    project = req.project
    body = req.body
    with ctx.store.lock:
        image = find_image(ctx, project, req.params["resource"])
        if "labelFingerprint" not in body:
            raise invalid("Required field 'labelFingerprint' not specified")
        if body["labelFingerprint"] != image["labelFingerprint"]:
            raise condition_not_met("Labels fingerprint either invalid or resource labels have "
                                    "changed")
        labels = body.get("labels") or {}
        check_labels(labels, "labels")

        def work():
            image["labels"] = labels
            if not labels:
                image.pop("labels")
            image["labelFingerprint"] = fingerprint(labels)

        return 200, ctx.ops.start(project, "global", "setLabels", image["selfLink"], image["id"],
                                  work, req.request_id(), finished=True)


@handles("compute.images.deprecate")
def deprecate(ctx, req):
    project = req.project
    status = dict(req.body)
    with ctx.store.lock:
        image = find_image(ctx, project, req.params["image"])
        state = status.get("state", "ACTIVE")
        replacement = status.get("replacement")
        if replacement:
            parsed = parse_ref(replacement, project)
            if parsed is None or parsed[1:3] != ("global", "images"):
                raise invalid(f"Invalid value for field 'deprecationStatus.replacement': "
                              f"'{replacement}'. The URL is malformed.")
            find_image(ctx, parsed[0], parsed[3])

    def work():
        with ctx.store.lock:
            if state == "ACTIVE":
                image.pop("deprecated", None)
            else:
                image["deprecated"] = status

    return 200, ctx.ops.start(project, "global", "setDeprecation", image["selfLink"], image["id"],
                              work, req.request_id())


def policy_of(image):
    if "_policy" not in image:
        # "ACAB" is the etag Compute Engine gives a resource that never had a policy.
        image["_policy"] = {"version": 1, "etag": "ACAB", "_n": 0}
    return image["_policy"]


def policy_answer(policy):
    out = {k: v for k, v in answer(policy).items() if not k.startswith("_")}
    if not out.get("bindings"):
        out.pop("bindings", None)
    return out


def bump_policy(image, bindings=None):
    """Changes the policy as another caller would (tests use it to make an etag stale)."""
    p = policy_of(image)
    p["_n"] += 1
    p["etag"] = base64.b64encode(b"\x06" + p["_n"].to_bytes(6, "big")).decode()
    if bindings is not None:
        p["bindings"] = bindings


@handles("compute.images.getIamPolicy")
def get_iam_policy(ctx, req):
    with ctx.store.lock:
        image = find_image(ctx, req.project, req.params["resource"])
        return 200, policy_answer(policy_of(image))


@handles("compute.images.setIamPolicy")
def set_iam_policy(ctx, req):
    body = req.body
    policy = body.get("policy") or {}
    with ctx.store.lock:
        image = find_image(ctx, req.project, req.params["resource"])
        current = policy_of(image)
        etag = policy.get("etag") or body.get("etag")
        if etag and etag != current["etag"]:
            raise condition_not_met("There were concurrent policy changes. Please retry the whole "
                                    "read-modify-write with exponential backoff. The request's "
                                    "ETag does not match the ETag of the policy.")
        bindings = policy.get("bindings", body.get("bindings", []))
        for b in bindings:
            role = b.get("role", "")
            if not role.startswith("roles/") and not role.startswith("projects/"):
                raise invalid(f"Role ({role}) does not exist in the resource's hierarchy.")
            for member in b.get("members", []):
                if not MEMBER.match(member):
                    raise invalid(f"Invalid principal ({member}): it must start with user:, "
                                  "group:, serviceAccount:, domain: or be allUsers.")
        bump_policy(image, [dict(b) for b in bindings])
        if "version" in policy:
            current["version"] = policy["version"]
        return 200, policy_answer(current)


@handles("compute.images.testIamPermissions")
def test_iam_permissions(ctx, req):
    with ctx.store.lock:
        find_image(ctx, req.project, req.params["resource"])
    return 200, {"permissions": list(req.body.get("permissions", []))}
