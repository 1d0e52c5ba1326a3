#!/usr/bin/env python3
"""Regenerates the key table of docs/configuration.md from the config schema.

    java -jar cli/target/unideploy.jar config schema > config-samples/unideploy.schema.json
    python3 scripts/generate-config-docs.py config-samples/unideploy.schema.json docs/configuration.md

The table is the rows after the header line '| key | type | default | meaning |'; everything else
in the file is kept. ConfigSamplesTest fails when a key of the schema is missing from the table.
"""
import json
import sys


def kind_of(prop):
    if "enum" in prop:
        return " \\| ".join("`" + str(v) + "`" for v in prop["enum"])
    if "anyOf" in prop and any("pattern" in a for a in prop["anyOf"]):
        return "duration"
    if "anyOf" in prop:
        return " or ".join(kind_of(a) for a in prop["anyOf"])
    kind = prop.get("type", "")
    if kind == "array":
        return "list of " + kind_of(prop.get("items", {}))
    if kind == "object" and "additionalProperties" in prop and "properties" not in prop:
        values = prop["additionalProperties"]
        return "map of " + (kind_of(values) if isinstance(values, dict) else "any")
    return " or ".join(kind) if isinstance(kind, list) else kind


def rows(schema, prefix=""):
    for name, prop in schema.get("properties", {}).items():
        path = prefix + name
        kind = kind_of(prop)
        default = prop.get("default")
        if default is None or default == [] or default == {}:
            default = ""
        else:
            default = "`" + json.dumps(default).strip('"') + "`"
        meaning = " ".join(prop.get("description", "").split()).replace("|", "\\|")
        yield f"| `{path}` | {kind} | {default} | {meaning} |"
        yield from rows(prop, path + ".")
        items = prop.get("items")
        if isinstance(items, dict):
            for shape in [items] + items.get("anyOf", []):
                if "properties" in shape:
                    yield from rows(shape, path + "[].")
        values = prop.get("additionalProperties")
        if isinstance(values, dict) and "properties" in values:
            yield from rows(values, path + ".<name>.")


def main(schema_file, doc_file):
    with open(schema_file) as f:
        schema = json.load(f)
    with open(doc_file) as f:
        lines = f.read().split("\n")
    header = lines.index("| key | type | default | meaning |")
    end = header + 2
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    table = lines[header : header + 2] + list(rows(schema))
    with open(doc_file, "w") as f:
        f.write("\n".join(lines[:header] + table + lines[end:]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
