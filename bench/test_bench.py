"""Self-tests of the harness pieces that can silently go wrong.

Run: python3 -m unittest bench/test_bench.py  (standard library only; the
generator tests skip when ../shared/corpus is absent).
"""

import json
import struct
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402
import make_synthetic  # noqa: E402
import sdk_compare  # noqa: E402

CORPUS = HERE.parent.parent / "shared" / "corpus"


def data_offset(path: Path, info: zipfile.ZipInfo) -> int:
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        hdr = f.read(30)
    name_len, extra_len = struct.unpack("<HH", hdr[26:30])
    return info.header_offset + 30 + name_len + extra_len


class AppgovFacts(unittest.TestCase):
    REPORT = {
        "package": "io.appium.android.apis",
        "version_code": 25,
        "permissions": ["a", "b"],
        "signing": {"certificates": [{"sha256": "x"}]},
        "android": {
            "queries": {"providers": ["not.a.component"]},
            "components": [
                {"kind": "activity"},
                {"kind": "activity"},
                {"kind": "activity-alias"},
                {"kind": "service"},
                {"kind": "provider"},
            ],
        },
        "dex": {
            "files": [
                {"path": "classes.dex", "classes": 10, "strings": 100},
                {"path": "classes2.dex", "classes": 5, "strings": 50},
                {"path": "assets/p.apk!/classes.dex", "classes": 6, "strings": 33},
            ],
            "classes": 21,
            "strings": 183,
        },
    }

    def test_reads_counts_like_the_peers(self):
        f = harness.appgov_facts(self.REPORT)
        self.assertEqual(f["package"], "io.appium.android.apis")
        self.assertEqual(f["version_code"], "25")
        self.assertEqual(f["permissions"], 2)
        self.assertEqual(f["certs"], 1)
        # components list wins over <queries><provider>; aliases are not activities
        self.assertEqual((f["activities"], f["services"], f["receivers"], f["providers"]), (2, 1, 0, 1))
        # own classes*.dex only; nested totals kept apart
        self.assertEqual((f["dex_files"], f["classes"], f["strings"]), (2, 15, 150))
        self.assertEqual((f["classes_incl_nested"], f["strings_incl_nested"]), (21, 183))

    def test_other_shapes(self):
        f = harness.appgov_facts({"manifest": {"package": {"name": "p"}}, "dex": [{"classes": 3}, {"classes": 4}]})
        self.assertEqual(f["package"], "p")
        self.assertEqual(f["classes"], 7)
        self.assertIsNone(f["strings"])
        self.assertEqual(harness.appgov_facts({"dex": {"classes": {"count": 9}}})["classes"], 9)


class Measure(unittest.TestCase):
    def test_rss_is_the_tools_own_not_the_harness(self):
        ballast = bytearray(300 * 1024 * 1024)  # the harness grows; /bin/true must not
        ballast[::4096] = b"x" * len(ballast[::4096])
        with tempfile.TemporaryDirectory() as d:
            r = harness.measure(["/bin/true"], Path(d) / "t.out", 30)
        self.assertEqual(r.status, "ok")
        self.assertLess(r.rss_kb, 50 * 1024)
        del ballast

    def test_timeout_and_exit_codes(self):
        with tempfile.TemporaryDirectory() as d:
            r = harness.measure(["sleep", "5"], Path(d) / "t.out", 0.3)
            self.assertEqual(r.status, "timeout")
            self.assertLess(r.wall, 3)
            r = harness.measure(["sh", "-c", "exit 2"], Path(d) / "t.out", 30)
            self.assertEqual((r.status, r.exit_code), ("error", 2))
            r = harness.measure(["sh", "-c", "kill -9 $$"], Path(d) / "t.out", 30)
            self.assertEqual(r.status, "oom")


@unittest.skipUnless((CORPUS / "apk").is_dir(), "skipping: ../shared/corpus not found")
class Synthetic(unittest.TestCase):
    def build(self, out: Path) -> dict:
        base = CORPUS / "apk" / "npm-apidemos__ApiDemos-debug.apk"
        return make_synthetic.build(CORPUS, base, out, size_mb=12, dex_count=5, seed=7)

    def test_deterministic_aligned_and_complete(self):
        with tempfile.TemporaryDirectory() as d:
            a, b = Path(d) / "a.apk", Path(d) / "b.apk"
            stats = self.build(a)
            self.build(b)
            self.assertEqual(a.read_bytes(), b.read_bytes())
            self.assertGreaterEqual(a.stat().st_size, 12 * 1024 * 1024)
            self.assertEqual(stats["dex"], 5)
            z = zipfile.ZipFile(a)
            self.assertIsNone(z.testzip())
            names = z.namelist()
            self.assertEqual(names[0], "AndroidManifest.xml")
            self.assertEqual(
                [n for n in names if n.endswith(".dex")], ["classes.dex"] + [f"classes{i}.dex" for i in range(2, 6)]
            )
            self.assertFalse([n for n in names if n.upper().endswith((".SF", ".RSA", ".MF"))])
            for info in z.infolist():
                if info.filename.endswith(".dex"):
                    self.assertEqual(info.compress_type, zipfile.ZIP_DEFLATED)
                if info.filename.endswith(".so"):
                    self.assertEqual(info.compress_type, zipfile.ZIP_STORED)
                    self.assertEqual(data_offset(a, info) % 4096, 0, info.filename)
                if info.filename == "resources.arsc":
                    self.assertEqual(info.compress_type, zipfile.ZIP_STORED)
                    self.assertEqual(data_offset(a, info) % 4, 0)
            self.assertTrue(any(n.startswith("lib/arm64-v8a/") for n in names))
            json.dumps(stats)


class SdkCompare(unittest.TestCase):
    """bench/sdk_compare.py: data files parse, and the scoring follows the verdicts."""

    def test_map_and_verdicts_parse(self):
        tmap, pmap = sdk_compare.load_map(sdk_compare.MAP)
        self.assertIn("G. Ads", tmap)
        self.assertEqual(tmap["G. Ads"][0], {"google-ads-identifier"})
        self.assertIn("DexGuard", pmap)
        ids = sdk_compare.catalog_ids()
        for name, (mids, rel, why) in tmap.items():
            self.assertIn(rel, ("same", "granularity", "none"), name)
            self.assertTrue(why.strip(), name)
            self.assertLessEqual(mids, ids, name)
        verdicts = sdk_compare.load_verdicts(sdk_compare.VERDICTS)
        for (_f, side, _n), (v, ev) in verdicts.items():
            allowed = sdk_compare.VERDICTS_APKID if side.startswith("apkid") else sdk_compare.VERDICTS_OURS
            self.assertIn(v, allowed | {"our_fn", "their_fp", "our_fp", "their_fn"})
            self.assertTrue(ev.strip())

    def test_scoring(self):
        tmap = {"G. Ads": ({"google-ads-identifier"}, "same", "x"),
                "G. AdMob": ({"google-admob"}, "same", "x"),
                "G. DoubleClick": ({"google-admob"}, "granularity", "x")}
        ag = {"error": None, "packers": {},
              "sdks": {"google-admob": {"evidence": []}, "okhttp": {"evidence": []}}}
        ak = {"error": None, "protections": {},
              "trackers": {"G. AdMob": {"level": "class"}, "G. DoubleClick": {"level": "host"},
                           "G. Ads": {"level": "string"}}}
        verdicts = {("f", "apkid", "G. Ads"): ("their_fp", "e"),
                    ("f", "appgov", "okhttp"): ("out_of_scope", "e")}
        row = sdk_compare.compare_file("f", ag, ak, tmap, {}, verdicts)
        self.assertEqual([a["apkid"] for a in row["agree"]], ["G. AdMob", "G. DoubleClick"])
        self.assertEqual([(d["side"], d["name"]) for d in row["diffs"]],
                         [("apkid", "G. Ads"), ("appgov", "okhttp")])
        t = sdk_compare.totals([row])
        self.assertEqual(t["ours"], {"tp": 1, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0})
        self.assertEqual((t["theirs"]["tp"], t["theirs"]["fp"]), (2, 1))
        self.assertEqual(t["out_of_scope"], 1)


if __name__ == "__main__":
    unittest.main()
