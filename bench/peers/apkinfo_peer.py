"""apk-info (Rust core, Python API) doing task A.

A: APK(path) + manifest getters + get_signatures() (v1, v2, v3, v3.1, stamps,
   channel blocks) with every certificate's fingerprints.
It has no DEX parser, so it does not take part in task B.
"""

import sys

import apk_info

from common import main_wrapper


def run(task, path, f):
    if task != "A":
        raise NotImplementedError("apk-info has no DEX analysis (task B)")
    apk = apk_info.APK(path)
    f.set("package", apk.get_package_name())
    f.set("version_code", apk.get_version_code())
    f.set("version_name", apk.get_version_name())
    f.set("min_sdk", apk.get_min_sdk_version())
    f.set("target_sdk", apk.get_target_sdk_version())
    f.set("max_sdk", apk.get_max_sdk_version())
    # uses-permission and uses-permission-sdk-23, as the other drivers count them.
    perms = set(apk.get_permissions()) | set(apk.get_permissions_sdk23())
    f.feed(set(perms))
    f.set("permissions", len(set(perms)))
    for kind, getter in (
        ("activities", apk.get_activities),
        ("services", apk.get_services),
        ("receivers", apk.get_receivers),
        ("providers", apk.get_providers),
    ):
        items = getter()
        f.feed({getattr(x, "name", repr(x)) for x in items})
        f.set(kind, len(items))
    schemes = []
    certs = set()  # distinct signer certificates over all schemes
    for sig in apk.get_signatures():
        kind = type(sig).__name__
        schemes.append({"V1": "v1", "V2": "v2", "V3": "v3", "V31": "v3.1"}.get(kind, kind))
        for cert in getattr(sig, "certificates", None) or []:
            f.feed(cert.sha256_fingerprint)
            certs.add(cert.sha256_fingerprint.lower().replace(":", ""))
        cert = getattr(sig, "certificate", None)  # source stamps: not a signer
        if cert is not None:
            f.feed(cert.sha256_fingerprint)
    f.set("signature_schemes", schemes)
    f.set("certs", len(certs))


if __name__ == "__main__":
    sys.exit(main_wrapper("apk-info", run))
