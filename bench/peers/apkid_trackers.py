"""APKiD driver for `bench/sdk-compare`: trackers and packers of one package.

Runs inside bench/.venv-sdk (apkid + yara-python-dex, see requirements-sdk.txt).

    python apkid_trackers.py scan FILE      one JSON object on stdout
    python apkid_trackers.py derive SDKS    which APKiD tracker rules fire on
                                            each catalog SDK's own evidence
    python apkid_trackers.py version

`scan` does what `apkid --scan-trackers --json FILE` does (same Scanner, same
compiled rules: apkid/rules/trackers.yarc holds every APKiD rule plus the
tracker rules), but keeps which rule strings matched, so the comparison can
tell a class-level hit (`$code_signature2`, the slash form that dex type
descriptors use) from a hit on a dotted string constant (`$code_signature`) or
on a host name (`$network_signature`). APKiD's own JSON drops that.

`derive` feeds every package prefix, component name and host of our catalog
(data/sdks.toml) to the same compiled rules, wrapped in a minimal buffer that
passes the rules' `is_dex` test, and prints which tracker names fire. That is
how bench/sdk-map.tsv was drafted and how `sdk-compare --check-map` finds
pairs the map lacks.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
import zipfile

import yara  # yara-python-dex provides the `yara` module
import apkid
from apkid.apkid import Options, Scanner

# APKiD tags that name a protection product (compared with packers.toml).
PROTECTION_TAGS = ("packer", "protector", "obfuscator")


def _rules(options: Options) -> yara.Rules:
    return options.rules_manager.load()


def _strings(m) -> list[tuple[int, str, bytes]]:
    """(offset, identifier, data) for yara-python 3.x tuples and 4.3+ objects."""
    out = []
    for s in m.strings:
        if isinstance(s, tuple):
            out.append((s[0], s[1], s[2]))
        else:  # yara-python >= 4.3: StringMatch with instances
            for inst in s.instances:
                out.append((inst.offset, s.identifier, inst.matched_data))
    return out


def scan(path: str) -> dict:
    options = Options(timeout=120, include_trackers=True, typing="magic", scan_depth=2)
    scanner = Scanner(_rules(options), options)
    out: dict = {"tool": "apkid", "version": apkid.__version__, "file": path, "error": None}
    trackers: dict[str, dict] = {}
    protections: dict[str, dict] = {}
    try:
        # APKiD prints some entry errors ("[E] Unsupported compression
        # method …") on stdout: keep stdout for the one JSON object.
        with open(path, "rb") as f, contextlib.redirect_stdout(sys.stderr):
            results = scanner.scan_file_obj(f, path)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        out["error"] = f"{type(e).__name__}: {e}"
        results = {}
    except Exception as e:  # noqa: BLE001 - report, never crash the comparison
        out["error"] = f"{type(e).__name__}: {e}"
        out["traceback"] = traceback.format_exc(limit=3)
        results = {}
    for entry, matches in results.items():
        inner = entry.split("!", 1)[1] if "!" in entry else os.path.basename(entry)
        for m in matches:
            desc = m.meta.get("description", m.rule)
            if "tracker" in m.tags:
                t = trackers.setdefault(desc, {"rules": set(), "entries": set(), "strings": {}})
                t["rules"].add(m.rule)
                t["entries"].add(inner)
                for _off, ident, data in _strings(m):
                    ident = ident.lstrip("$")
                    seen = t["strings"].setdefault(ident, set())
                    if len(seen) < 3:
                        seen.add(data.decode("utf-8", "replace"))
            tags = [x for x in m.tags if x in PROTECTION_TAGS]
            if tags:
                p = protections.setdefault(desc, {"tags": set(), "rules": set(), "entries": set()})
                p["tags"].update(tags)
                p["rules"].add(m.rule)
                p["entries"].add(inner)

    def plain(d: dict) -> dict:
        return {
            k: (sorted(v) if isinstance(v, set) else plain(v) if isinstance(v, dict) else v)
            for k, v in d.items()
        }

    for t in trackers.values():
        ids = set(t["strings"])
        # class: the slash form matched (a type descriptor); string: only the
        # dotted form (a string constant, e.g. a reflective class name or an
        # intent action); host: only a network signature.
        t["level"] = (
            "class" if "code_signature2" in ids
            else "string" if "code_signature" in ids
            else "host" if "network_signature" in ids
            else "other"
        )
    out["trackers"] = {k: plain(v) for k, v in sorted(trackers.items())}
    out["protections"] = {k: plain(v) for k, v in sorted(protections.items())}
    return out


def derive(sdks_toml: str) -> dict:
    import tomllib

    options = Options(include_trackers=True)
    rules = _rules(options)

    def fire(s: str) -> list[str]:
        data = b"dex\n035\x00" + b"\x00" * 0x70 + s.encode() + b"\x00"
        return sorted({m.meta.get("description", m.rule) for m in rules.match(data=data) if "tracker" in m.tags})

    with open(sdks_toml, "rb") as f:
        cat = tomllib.load(f)
    fired: dict[str, dict[str, list[str]]] = {}
    for sdk in cat["sdk"]:
        e = sdk.get("evidence", {})
        probes = [("package", p, "L" + p.replace(".", "/") + "/A;") for p in e.get("packages", [])]
        probes += [("component", c, "L" + c.rstrip("*").replace(".", "/") + ";") for c in e.get("components", [])]
        probes += [("host", h, f"https://{h}/") for h in e.get("hosts", [])]
        for kind, value, probe in probes:
            for name in fire(probe):
                fired.setdefault(sdk["id"], {}).setdefault(name, []).append(f"{kind}:{value}")
    names = sorted({r.meta.get("description", r.identifier) for r in rules if "tracker" in r.tags})
    return {"apkid_version": apkid.__version__, "tracker_names": names, "fired": fired}


def main() -> int:
    if len(sys.argv) == 2 and sys.argv[1] == "version":
        from importlib.metadata import version

        print(json.dumps({"apkid": apkid.__version__, "yara_python_dex": version("yara-python-dex"),
                          "libyara": yara.__version__}))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "scan":
        print(json.dumps(scan(sys.argv[2]), sort_keys=True))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "derive":
        print(json.dumps(derive(sys.argv[2]), sort_keys=True))
        return 0
    sys.stderr.write(f"usage: {sys.argv[0]} version | scan FILE | derive SDKS_TOML\n")
    return 64


if __name__ == "__main__":
    sys.exit(main())
