#!/usr/bin/env python3
"""Validates a JSON array of OCSF 1.6.0 Vulnerability Finding events (class
2002, the version Security Hub reads) against the OCSF schema itself, as the
pydantic-ocsf package ships it (the schema repository's JSON, turned into
models: required attributes, types, enum values).

pydantic-ocsf accepts unknown attributes (its models allow extras) and leaves
the schema's constraints and deprecations out, so this script also reads the
schema JSON it ships and refuses: any attribute the schema does not define,
anywhere in the event; a broken `just_one`/`at_least_one` constraint (a
vulnerability names exactly one of advisory, cve, cwe); a deprecated
attribute. And it checks what the models leave to the producer: the class,
category and type uids agree, every *_id enum's sibling label is the schema's
caption, and timestamps are epoch milliseconds.

Usage: check_ocsf.py FILE
"""
import json
import pathlib
import re
import sys
from enum import Enum

from pydantic import BaseModel, ValidationError

import ocsf
from ocsf.v1_6_0.events import VulnerabilityFinding

SCHEMA_VERSION = "1.6.0"
CLASS_UID = 2002
CATEGORY_UID = 2
SCHEMA = json.loads((pathlib.Path(ocsf.__file__).parent / "schemas" / "v1_6_0.json").read_text())


def schema_chain(model):
    """The schema definitions of a model's class or object, itself first, then what it extends."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(model).__name__).lower()
    table = SCHEMA["events"] if name in SCHEMA["events"] else SCHEMA["objects"]
    chain = []
    while name in table and len(chain) < 10:
        chain.append(table[name])
        name = table[name].get("extends")
    return chain


def check_schema_rules(model, raw, path, problems):
    chain = schema_chain(model)
    if not chain:
        problems.append(f"{path}: {type(model).__name__} not found in the schema")
    for definition in chain:
        constraints = definition.get("constraints") or {}
        if constraints.get("just_one"):
            present = [key for key in constraints["just_one"] if key in raw]
            if len(present) != 1:
                problems.append(f"{path}: needs exactly one of {constraints['just_one']}, has {present}")
        if constraints.get("at_least_one") and not any(key in raw for key in constraints["at_least_one"]):
            problems.append(f"{path}: needs at least one of {constraints['at_least_one']}")
        for key in raw:
            attribute = (definition.get("attributes") or {}).get(key)
            if isinstance(attribute, dict) and "@deprecated" in attribute:
                problems.append(f"{path}.{key}: deprecated ({attribute['@deprecated'].get('message')})")
    for key in raw:
        entry = SCHEMA["dictionary"]["attributes"].get(key)
        if isinstance(entry, dict) and "@deprecated" in entry:
            problems.append(f"{path}.{key}: deprecated ({entry['@deprecated'].get('message')})")


def walk(model, raw, path, problems):
    """Checks a validated model against the raw JSON it came from."""
    check_schema_rules(model, raw, path, problems)
    if model.model_extra:
        for name in sorted(model.model_extra):
            problems.append(f"{path}.{name}: not an attribute of the schema")
    for field_name, field in type(model).model_fields.items():
        key = field.alias or field_name
        if key not in raw:
            continue
        value = getattr(model, field_name)
        raw_value = raw[key]
        where = f"{path}.{key}"
        if isinstance(value, BaseModel):
            walk(value, raw_value, where, problems)
        elif isinstance(value, list):
            for index, (item, raw_item) in enumerate(zip(value, raw_value)):
                if isinstance(item, BaseModel):
                    walk(item, raw_item, f"{where}[{index}]", problems)
        if key.endswith("_id") and isinstance(value, Enum) and hasattr(type(value), "_get_label_map"):
            sibling = key[: -len("_id")]
            labels = type(value)._get_label_map()
            expected = labels.get(int(value))
            if sibling in raw and int(value) != 99 and raw[sibling] != expected:
                problems.append(f"{path}.{sibling}: {raw[sibling]!r} is not the caption {expected!r} of {key} {int(value)}")
        if (key == "time" or key.endswith("_time")) and isinstance(raw_value, int) and not 10**12 <= raw_value < 10**14:
            problems.append(f"{where}: {raw_value} is not epoch milliseconds")


def check_package_types(event, where, problems):
    """Checks `vulnerabilities[].affected_packages[].type_id` (and its `type`
    caption) against the schema JSON itself, and takes them out of the copy
    pydantic-ocsf validates: pydantic-ocsf 3.0.0 binds that attribute to the
    `os` object's TypeId enum or to the package one depending on Python's hash
    seed (its model factory caches enums by class name), which would make
    this check flip between runs. Returns the copy to validate."""
    enum = SCHEMA["objects"]["package"]["attributes"]["type_id"]["enum"]
    captions = {int(value): entry["caption"] for value, entry in enum.items()}
    captions.update({0: "Unknown", 99: "Other"})
    event = json.loads(json.dumps(event))
    for vulnerability_index, vulnerability in enumerate(event.get("vulnerabilities") or []):
        for package_index, package in enumerate(vulnerability.get("affected_packages") or []):
            at = f"{where}.vulnerabilities[{vulnerability_index}].affected_packages[{package_index}]"
            if "type_id" in package:
                type_id = package.pop("type_id")
                if type_id not in captions:
                    problems.append(f"{at}.type_id: {type_id!r} is not one of {sorted(captions)}")
                elif "type" in package and type_id != 99 and package["type"] != captions[type_id]:
                    problems.append(f"{at}.type: {package['type']!r} is not the caption {captions[type_id]!r}")
                package.pop("type", None)
    return event


def check(index, event, problems):
    where = f"event {index}"
    event = check_package_types(event, where, problems)
    try:
        model = VulnerabilityFinding.model_validate(event)
    except ValidationError as error:
        problems.append(f"{where}: {error}")
        return
    walk(model, event, where, problems)
    if event.get("class_uid") != CLASS_UID or event.get("category_uid") != CATEGORY_UID:
        problems.append(f"{where}: class_uid/category_uid are not Vulnerability Finding ({CLASS_UID}/{CATEGORY_UID})")
    if event.get("type_uid") != CLASS_UID * 100 + event.get("activity_id", 0):
        problems.append(f"{where}: type_uid {event.get('type_uid')} is not class_uid * 100 + activity_id")
    expected_names = {"class_name": "Vulnerability Finding", "category_name": "Findings"}
    for key, name in expected_names.items():
        if key in event and event[key] != name:
            problems.append(f"{where}: {key} {event[key]!r} is not {name!r}")
    if event.get("metadata", {}).get("version") != SCHEMA_VERSION:
        problems.append(f"{where}: metadata.version is not {SCHEMA_VERSION}")


def main():
    document = json.load(open(sys.argv[1]))
    problems = []
    if not isinstance(document, list):
        problems.append("not a JSON array of events")
        document = []
    for index, event in enumerate(document):
        check(index, event, problems)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)


main()
