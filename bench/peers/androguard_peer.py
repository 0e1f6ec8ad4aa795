"""androguard 4.1.4 doing tasks A and B.

A: APK(path) + manifest getters + every signing scheme's certificates
   (get_certificates_der_v1-equivalent via get_certificate_der, v2, v3, v3.1).
B: A + DEX(...) for every classes*.dex: all class names and all strings.
"""

import sys

from loguru import logger

# androguard logs at DEBUG to stderr by default; a real user silences it and so
# do we (leaving it on roughly doubles the time).
logger.remove()

from androguard.core.apk import APK  # noqa: E402
from androguard.core.dex import DEX  # noqa: E402

from common import main_wrapper  # noqa: E402


def run(task, path, f):
    apk = APK(path)
    f.set("package", apk.get_package())
    f.set("version_code", apk.get_androidversion_code())
    f.set("version_name", apk.get_androidversion_name())
    f.set("min_sdk", apk.get_min_sdk_version())
    f.set("target_sdk", apk.get_target_sdk_version())
    f.set("max_sdk", apk.get_max_sdk_version())
    # uses-permission and uses-permission-sdk-23, as the other drivers count them.
    perms = list(apk.get_permissions())
    perms += list(apk.get_all_attribute_value("uses-permission-sdk-23", "name", format_value=False))
    f.feed(set(perms))
    f.set("permissions", len(set(perms)))
    for kind, getter in (
        ("activities", apk.get_activities),
        ("services", apk.get_services),
        ("receivers", apk.get_receivers),
        ("providers", apk.get_providers),
    ):
        names = getter()
        f.feed(set(names))
        f.set(kind, len(names))
    schemes = []
    certs = []
    v1 = []
    for sig_name in apk.get_signature_names():
        der = apk.get_certificate_der(sig_name)
        if der is not None:
            v1.append(der)
    if v1:
        schemes.append("v1")
    certs += v1
    for scheme, getter in (
        ("v2", apk.get_certificates_der_v2),
        ("v3", apk.get_certificates_der_v3),
        ("v3.1", apk.get_certificates_der_v31),
    ):
        got = getter()
        if got:
            schemes.append(scheme)
        certs += got
    f.feed(set(certs))
    f.set("signature_schemes", schemes)
    f.set("certs", len(set(certs)))  # distinct certificates over all schemes
    if task == "B":
        dex_files = classes = strings = 0
        for name in sorted(apk.get_dex_names()):
            d = DEX(apk.get_file(name))
            names = [c.get_name() for c in d.get_classes()]
            strs = d.get_strings()
            f.feed(names, len(strs))
            dex_files += 1
            classes += len(names)
            strings += len(strs)
        f.set("dex_files", dex_files)
        f.set("classes", classes)
        f.set("strings", strings)


if __name__ == "__main__":
    sys.exit(main_wrapper("androguard", run))
