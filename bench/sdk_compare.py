#!/usr/bin/env python3
"""appgov SDK/packer detection vs APKiD's tracker and protection rules.

Started by `bench/sdk-compare`, which prepares bench/.venv-sdk first (this
script runs with that venv's python, so it can start the APKiD driver with
sys.executable). Standard library only otherwise.

For every corpus file it runs `appgov scan F --format json` and
`peers/apkid_trackers.py scan F`, maps APKiD's tracker names to our SDK ids
with bench/sdk-map.tsv, and prints per file: what each tool found, the
agreements, and the differences with the verdict recorded for each in
bench/sdk-verdicts.tsv (who is right, and the evidence). Totals of true/false
positives and negatives for both tools follow from those verdicts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
DRIVER = BENCH / "peers" / "apkid_trackers.py"
MAP = BENCH / "sdk-map.tsv"
VERDICTS = BENCH / "sdk-verdicts.tsv"
SDKS_TOML = REPO / "crates" / "appgov-knowledge" / "data" / "sdks.toml"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_SETS = ["apk/*.apk", "apk-signing/*.apk", "aab/*.aab", "xapk/*.xapk"]

# Verdicts for a difference. For an APKiD-only item: their_fp (we are right),
# our_fn (they are right) or granularity. For an appgov-only item: our_fp,
# their_fn, granularity, or out_of_scope (true, but APKiD has no such tracker).
VERDICTS_APKID = {"their_fp", "our_fn", "granularity"}
VERDICTS_OURS = {"our_fp", "their_fn", "granularity", "out_of_scope"}


# --------------------------------------------------------------------------
# data files


def read_tsv(path: Path) -> list[list[str]]:
    rows = []
    with open(path, encoding="utf-8") as f:
        header_seen = False
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if not header_seen:
                header_seen = True  # first non-comment line is the header
                continue
            rows.append(line.split("\t"))
    return rows


def load_map(path: Path):
    """{apkid name: (set of our ids, relation, reason)}, trackers and packers apart."""
    trackers, packers = {}, {}
    for r in read_tsv(path):
        if len(r) < 4:
            raise SystemExit(f"{path}: need 4 tab-separated columns: {r}")
        name, ids, rel, why = r[0], r[1], r[2], r[3]
        ids_set = set() if ids.strip() in ("", "-") else {x.strip() for x in ids.split(",")}
        target = packers if name.startswith("packer:") else trackers
        target[name.removeprefix("packer:")] = (ids_set, rel, why)
    return trackers, packers


def load_verdicts(path: Path) -> dict[tuple[str, str, str], tuple[str, str]]:
    out = {}
    if not path.exists():
        return out
    for r in read_tsv(path):
        if len(r) < 5:
            raise SystemExit(f"{path}: need 5 tab-separated columns: {r}")
        out[(r[0], r[1], r[2])] = (r[3], r[4])
    return out


def catalog_ids(name: str = "sdks.toml", table: str = "sdk") -> set[str]:
    import tomllib

    with open(SDKS_TOML.parent / name, "rb") as f:
        return {s["id"] for s in tomllib.load(f)[table]}


# --------------------------------------------------------------------------
# running the tools


def find_appgov(args) -> str:
    if args.appgov:
        return args.appgov
    target = os.environ.get("CARGO_TARGET_DIR") or str(REPO / "target")
    binary = os.path.join(target, "release", "appgov")
    if not args.no_build:
        print(f"-- cargo build --release -p appgov-cli (target {target})", flush=True)
        r = subprocess.run(["cargo", "build", "--release", "-p", "appgov-cli"], cwd=REPO)
        if r.returncode != 0:
            raise SystemExit("sdk-compare: the appgov build failed")
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"sdk-compare: no appgov binary at {binary} (use --appgov PATH)")
    return binary


def run_appgov(binary: str, path: str) -> dict:
    r = subprocess.run([binary, "scan", path, "--format", "json", "-q"], capture_output=True, text=True)
    try:
        d = json.loads(r.stdout)
    except json.JSONDecodeError:
        return {"error": f"exit {r.returncode}, no JSON: {r.stderr.strip()[-300:]}", "sdks": {}, "packers": {}}
    sdks = {s["id"]: s for s in d.get("sdks") or []}
    packers = {p["id"]: p for p in d.get("packers") or []}
    return {"error": d.get("error"), "sdks": sdks, "packers": packers}


def run_apkid(path: str) -> dict:
    r = subprocess.run([sys.executable, str(DRIVER), "scan", path], capture_output=True, text=True)
    try:
        d = json.loads(r.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return {"error": f"exit {r.returncode}: {r.stderr.strip()[-300:]}", "trackers": {}, "protections": {}}
    # APKiD reports unreadable entries and goes on with the other entries.
    d["entry_errors"] = r.stderr.count("Exception scanning") + r.stderr.count("[E] ")
    return d


def tool_versions(binary: str) -> dict:
    v = {}
    r = subprocess.run([binary, "--version"], capture_output=True, text=True)
    v["appgov"] = r.stdout.strip()
    g = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True)
    if g.returncode == 0:
        v["appgov"] += f" (git {g.stdout.strip()})"
    r = subprocess.run([sys.executable, str(DRIVER), "version"], capture_output=True, text=True)
    v.update(json.loads(r.stdout))
    return v


# --------------------------------------------------------------------------
# comparing


def compare_file(rel: str, ag: dict, ak: dict, tmap: dict, pmap: dict, verdicts: dict) -> dict:
    ours = set(ag["sdks"])
    theirs = set(ak.get("trackers") or {})
    covered = {}  # our id -> apkid names that cover it
    agree, apkid_only, ours_only = [], [], []
    for name in sorted(theirs):
        ids, rel_, _ = tmap.get(name, (set(), "none", ""))
        hit = sorted(ids & ours)
        for i in hit:
            covered.setdefault(i, []).append(name)
        if hit:
            agree.append({"apkid": name, "ours": hit, "relation": rel_,
                          "level": ak["trackers"][name].get("level")})
        else:
            apkid_only.append(name)
    mapped_anywhere = set().union(*(v[0] for v in tmap.values())) if tmap else set()
    for i in sorted(ours - set(covered)):
        ours_only.append(i)

    diffs = []
    for name in apkid_only:
        t = ak["trackers"][name]
        v = verdicts.get((rel, "apkid", name))
        diffs.append({
            "side": "apkid", "name": name, "level": t.get("level"),
            "mapped_to": sorted(tmap.get(name, (set(),))[0]) or None,
            "apkid_strings": t.get("strings"),
            "verdict": v[0] if v else None, "evidence": v[1] if v else None,
        })
    for i in ours_only:
        v = verdicts.get((rel, "appgov", i))
        ev = [f'{e["kind"]}:{e.get("location") or ""}={e["value"]}' for e in ag["sdks"][i]["evidence"]]
        diffs.append({
            "side": "appgov", "name": i, "exodus_counterpart": i in mapped_anywhere,
            "appgov_evidence": ev,
            "verdict": v[0] if v else None, "evidence": v[1] if v else None,
        })

    # protections: APKiD packer/protector/obfuscator vs our packers
    pours = set(ag["packers"])
    ptheirs = set(ak.get("protections") or {})
    pagree, pdiffs, pcovered = [], [], set()
    for name in sorted(ptheirs):
        ids = pmap.get(name, (set(), "none", ""))[0]
        hit = sorted(ids & pours)
        pcovered.update(hit)
        if hit:
            pagree.append({"apkid": name, "ours": hit})
        else:
            v = verdicts.get((rel, "apkid-packer", name))
            pdiffs.append({"side": "apkid-packer", "name": name,
                           "tags": ak["protections"][name].get("tags"),
                           "rules": ak["protections"][name].get("rules"),
                           "verdict": v[0] if v else None, "evidence": v[1] if v else None})
    for i in sorted(pours - pcovered):
        v = verdicts.get((rel, "appgov-packer", i))
        pdiffs.append({"side": "appgov-packer", "name": i,
                       "verdict": v[0] if v else None, "evidence": v[1] if v else None})

    return {
        "file": rel,
        "appgov_error": ag.get("error"),
        "apkid_error": ak.get("error"),
        "apkid_entry_errors": ak.get("entry_errors", 0),
        "appgov": sorted(ours),
        "apkid": sorted(theirs),
        "agree": agree,
        "diffs": diffs,
        "appgov_packers": sorted(pours),
        "apkid_protections": sorted(ptheirs),
        "packer_agree": pagree,
        "packer_diffs": pdiffs,
    }


def totals(rows: list[dict]) -> dict:
    t = {k: 0 for k in (
        "files", "files_with_findings", "agree_pairs", "ours_tp_agree", "theirs_tp_agree",
        "our_fp", "our_fn", "their_fp", "their_fn", "granularity", "out_of_scope", "unjudged",
        "packer_agree", "packer_our_fp", "packer_our_fn", "packer_their_fp", "packer_their_fn",
        "packer_unjudged", "apkid_errors", "appgov_errors")}
    for r in rows:
        t["files"] += 1
        if r["appgov"] or r["apkid"] or r["appgov_packers"] or r["apkid_protections"]:
            t["files_with_findings"] += 1
        t["apkid_errors"] += bool(r["apkid_error"])
        t["appgov_errors"] += bool(r["appgov_error"])
        t["agree_pairs"] += len(r["agree"])
        t["theirs_tp_agree"] += len(r["agree"])
        t["ours_tp_agree"] += len({i for a in r["agree"] for i in a["ours"]})
        for d in r["diffs"]:
            v = d["verdict"]
            if v is None:
                t["unjudged"] += 1
            elif v in t:
                t[v] += 1
        t["packer_agree"] += len(r["packer_agree"])
        for d in r["packer_diffs"]:
            v = d["verdict"]
            if v is None:
                t["packer_unjudged"] += 1
            elif f"packer_{v}" in t:
                t[f"packer_{v}"] += 1
    # Scores on the comparable scope (trackers both tools know of):
    # appgov TP = agreeing SDK ids + what APKiD missed; APKiD TP = agreeing
    # tracker names + what we missed. Granularity and out-of-scope items are
    # neither right nor wrong and stay out.
    t["ours"] = score(t["ours_tp_agree"] + t["their_fn"], t["our_fp"], t["our_fn"])
    t["theirs"] = score(t["theirs_tp_agree"] + t["our_fn"], t["their_fp"], t["their_fn"])
    t["ours_packers"] = score(t["packer_agree"] + t["packer_their_fn"], t["packer_our_fp"], t["packer_our_fn"])
    t["theirs_packers"] = score(t["packer_agree"] + t["packer_our_fn"], t["packer_their_fp"], t["packer_their_fn"])
    return t


def score(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r}


def pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.0f} %"


# --------------------------------------------------------------------------
# output


def render(rows: list[dict], tot: dict, versions: dict, tmap: dict) -> str:
    L = []
    w = L.append
    w("# SDK detection: appgov vs APKiD (Exodus tracker rules)")
    w("")
    w(f"Run {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}; "
      f"{versions.get('appgov')}; APKiD {versions.get('apkid')} (yara-python-dex "
      f"{versions.get('yara_python_dex')}, libyara {versions.get('libyara')}); "
      f"{len(tmap)} APKiD tracker names mapped in bench/sdk-map.tsv.")
    w("")
    w("## Per file (files where either tool reported something)")
    w("")
    w("| file | appgov SDKs | APKiD trackers | agree | differences |")
    w("|---|---|---|---|---|")
    for r in rows:
        if not (r["appgov"] or r["apkid"] or r["apkid_error"] or r["appgov_error"]):
            continue
        agree = "; ".join(f'{a["apkid"]} = {"+".join(a["ours"])}' for a in r["agree"]) or "–"
        diffs = "; ".join(
            f'{"APKiD" if d["side"] == "apkid" else "appgov"} only: {d["name"]} → {d["verdict"] or "UNJUDGED"}'
            for d in r["diffs"]) or "–"
        ak = ", ".join(r["apkid"]) or "–"
        if r["apkid_error"]:
            ak += f' (error: {r["apkid_error"]})'
        ag = ", ".join(r["appgov"]) or "–"
        if r["appgov_error"]:
            ag += f' (error: {r["appgov_error"]})'
        w(f'| {r["file"]} | {ag} | {ak} | {agree} | {diffs} |')
    quiet = [r["file"] for r in rows if not (r["appgov"] or r["apkid"] or r["apkid_error"] or r["appgov_error"])]
    w("")
    w(f"No SDK from either tool ({len(quiet)} files): " + ", ".join(quiet))
    w("")
    partial = [f'{r["file"]} ({r["apkid_entry_errors"]})' for r in rows if r["apkid_entry_errors"]]
    if partial:
        w("APKiD skipped unreadable zip entries (count) in: " + ", ".join(partial))
        w("")
    w("## Differences and verdicts")
    w("")
    for r in rows:
        for d in r["diffs"]:
            who = "APKiD only" if d["side"] == "apkid" else "appgov only"
            extra = ""
            if d["side"] == "apkid":
                s = d.get("apkid_strings") or {}
                extra = f' (APKiD hit level: {d["level"]}; matched ' + "; ".join(
                    f'{k}: {", ".join(v)}' for k, v in sorted(s.items())) + ")"
            else:
                extra = f' (appgov evidence: {"; ".join(d["appgov_evidence"])})'
            w(f'- **{r["file"]}**: {who} `{d["name"]}` → **{d["verdict"] or "UNJUDGED"}**{extra}. '
              f'{d["evidence"] or ""}')
    w("")
    w("## Protections (APKiD packer/protector/obfuscator rules vs packers.toml)")
    w("")
    w("| file | appgov packers | APKiD | agree | differences |")
    w("|---|---|---|---|---|")
    for r in rows:
        if not (r["appgov_packers"] or r["apkid_protections"]):
            continue
        agree = "; ".join(f'{a["apkid"]} = {"+".join(a["ours"])}' for a in r["packer_agree"]) or "–"
        diffs = "; ".join(f'{d["side"]}: {d["name"]} → {d["verdict"] or "UNJUDGED"} {d["evidence"] or ""}'
                          for d in r["packer_diffs"]) or "–"
        w(f'| {r["file"]} | {", ".join(r["appgov_packers"]) or "–"} | '
          f'{", ".join(r["apkid_protections"]) or "–"} | {agree} | {diffs} |')
    w("")
    w("## Totals")
    w("")
    w(f'{tot["files"]} files, {tot["files_with_findings"]} with a finding from either tool; '
      f'APKiD errors: {tot["apkid_errors"]}, appgov errors: {tot["appgov_errors"]}.')
    w("")
    w(f'Agreements: {tot["agree_pairs"]} APKiD trackers matched to {tot["ours_tp_agree"]} appgov SDK ids. '
      f'Differences: our FP {tot["our_fp"]}, our FN {tot["our_fn"]}, their FP {tot["their_fp"]}, '
      f'their FN {tot["their_fn"]}, granularity {tot["granularity"]}, appgov-only outside the Exodus '
      f'list (verified true) {tot["out_of_scope"]}, unjudged {tot["unjudged"]}.')
    w("")
    w("| tool | TP | FP | FN | precision | recall |")
    w("|---|---|---|---|---|---|")
    for label, key in (("appgov (trackers both know)", "ours"), ("APKiD trackers", "theirs"),
                       ("appgov packers", "ours_packers"), ("APKiD protections", "theirs_packers")):
        s = tot[key]
        w(f'| {label} | {s["tp"]} | {s["fp"]} | {s["fn"]} | {pct(s["precision"])} | {pct(s["recall"])} |')
    w("")
    return "\n".join(L)


def check_map(tmap: dict) -> int:
    """Compare the map with what APKiD's rules say about our own evidence."""
    r = subprocess.run([sys.executable, str(DRIVER), "derive", str(SDKS_TOML)], capture_output=True, text=True)
    if r.returncode:
        print(r.stderr)
        return 2
    d = json.loads(r.stdout)
    ids = catalog_ids()
    problems = 0
    for name, (mids, rel_, _) in sorted(tmap.items()):
        if name not in d["tracker_names"]:
            print(f"map: '{name}' is not an APKiD {d['apkid_version']} tracker name")
            problems += 1
        for i in mids - ids:
            print(f"map: '{name}' -> unknown SDK id '{i}'")
            problems += 1
    for sid, names in sorted(d["fired"].items()):
        for name, ev in sorted(names.items()):
            mids = tmap.get(name, (set(),))[0]
            if sid not in mids:
                rel_ = tmap.get(name, (None, "absent"))[1]
                print(f"derived, not in map: {sid} <- '{name}' ({', '.join(ev)}; map relation: {rel_})")
    n_fired = len({n for v in d["fired"].values() for n in v})
    print(f"{len(d['tracker_names'])} APKiD tracker names; {n_fired} fire on our catalog's evidence; "
          f"{len(tmap)} in the map; {problems} problem(s)")
    return 1 if problems else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--files", nargs="*", help="paths, globs or parts of corpus file names (default: "
                    + ", ".join(DEFAULT_SETS) + ")")
    ap.add_argument("--with-malformed", action="store_true", help="also apk-malformed/*.apk")
    ap.add_argument("--appgov", help="appgov binary to use (no build)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--check-map", action="store_true", help="only check bench/sdk-map.tsv against the catalog")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()

    tmap, pmap = load_map(MAP)
    if args.check_map:
        return check_map(tmap)
    unknown = {i for v in tmap.values() for i in v[0]} - catalog_ids()
    unknown |= {i for v in pmap.values() for i in v[0]} - catalog_ids("packers.toml", "packer")
    if unknown:
        print(f"warning: bench/sdk-map.tsv names ids missing from the catalog: {sorted(unknown)}")
    verdicts = load_verdicts(VERDICTS)

    corpus = Path(args.corpus)
    sets = DEFAULT_SETS + (["apk-malformed/*.apk"] if args.with_malformed else [])
    all_files = sorted(p for s in sets for p in glob.glob(str(corpus / s)))
    if args.files:
        chosen = []
        for f in args.files:
            if os.path.exists(f):
                chosen.append(os.path.abspath(f))
            else:
                chosen += [p for p in all_files if f in p or glob.fnmatch.fnmatch(p, f)]
        files = sorted(dict.fromkeys(chosen))
    else:
        files = all_files
    if not files:
        raise SystemExit(f"sdk-compare: no files under {corpus}")

    binary = find_appgov(args)
    versions = tool_versions(binary)
    rows = []
    for i, f in enumerate(files, 1):
        rel = os.path.relpath(f, corpus) if f.startswith(str(corpus)) else f
        print(f"[{i}/{len(files)}] {rel}", file=sys.stderr, flush=True)
        rows.append(compare_file(rel, run_appgov(binary, f), run_apkid(f), tmap, pmap, verdicts))

    # verdicts that no longer match a difference (stale after a catalog change)
    live = {(r["file"], d["side"], d["name"]) for r in rows for d in r["diffs"] + r["packer_diffs"]}
    ran = {r["file"] for r in rows}
    stale = sorted(k for k in verdicts if k[0] in ran and k not in live)

    tot = totals(rows)
    md = render(rows, tot, versions, tmap)
    if stale:
        md += "\nVerdicts with no matching difference in this run (resolved or stale):\n\n"
        md += "\n".join(f"- {f} {side} {name}: {verdicts[(f, side, name)][0]}" for f, side, name in stale) + "\n"
    print(md)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "sdk-compare.md"), "w", encoding="utf-8") as f:
        f.write(md)
    with open(os.path.join(args.out, "sdk-compare.json"), "w", encoding="utf-8") as f:
        json.dump({"versions": versions, "files": rows, "totals": tot,
                   "stale_verdicts": [list(k) for k in stale]}, f, indent=1, ensure_ascii=False, default=sorted)
    print(f"-- wrote {args.out}/sdk-compare.md and sdk-compare.json", file=sys.stderr)
    if tot["unjudged"] or tot["packer_unjudged"]:
        print(f"-- {tot['unjudged'] + tot['packer_unjudged']} difference(s) have no verdict in "
              f"{VERDICTS.name}: look at the package and add one", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
