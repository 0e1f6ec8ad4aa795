"""apkInspector 1.3.7 doing task A, as far as it can: manifest only.

Same steps as `apkInspector -apk FILE -m`: parse the zip (EOCD, central
directory, every local header), extract AndroidManifest.xml, decode the AXML to
text. The XML text is then read with ElementTree for the counts. apkInspector
has no certificate/signature parsing and no DEX parser: it does less work than
the others on task A and none on task B.
"""

import io
import sys
import xml.etree.ElementTree as ET

from apkInspector.axml import get_manifest
from apkInspector.extract import extract_file_based_on_header_info
from apkInspector.headers import ZipEntry

from common import main_wrapper

ANDROID = "{http://schemas.android.com/apk/res/android}"


def attr(el, name):
    if el is None:
        return None
    return el.get(ANDROID + name, el.get("android:" + name, el.get(name)))


def run(task, path, f):
    if task != "A":
        raise NotImplementedError("apkInspector has no DEX analysis (task B)")
    with open(path, "rb") as fh:
        zipentry = ZipEntry.parse(fh)
        cd = zipentry.get_central_directory_entry_dict("AndroidManifest.xml")
        lh = zipentry.get_local_header_dict("AndroidManifest.xml")
        raw = extract_file_based_on_header_info(fh, lh, cd)[0]
    text = get_manifest(io.BytesIO(raw))
    f.feed(text)
    root = ET.fromstring(text)
    f.set("package", root.get("package"))
    f.set("version_code", attr(root, "versionCode"))
    f.set("version_name", attr(root, "versionName"))
    sdk = root.find("uses-sdk")
    f.set("min_sdk", attr(sdk, "minSdkVersion"))
    f.set("target_sdk", attr(sdk, "targetSdkVersion"))
    f.set("max_sdk", attr(sdk, "maxSdkVersion"))
    perms = {attr(p, "name") for tag in ("uses-permission", "uses-permission-sdk-23") for p in root.iter(tag)}
    f.set("permissions", len(perms))
    app = root.find("application")
    for kind, tag in (
        ("activities", "activity"),
        ("services", "service"),
        ("receivers", "receiver"),
        ("providers", "provider"),
    ):
        f.set(kind, 0 if app is None else len(app.findall(tag)))
    f.set("signature_schemes", "n/a")
    f.set("certs", "n/a")


if __name__ == "__main__":
    sys.exit(main_wrapper("apkInspector", run))
