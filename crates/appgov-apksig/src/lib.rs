//! APK signatures (v1 JAR, v2, v3, v3.1, source stamp) verified the way Android does, with certificates and Chinese channel blocks.
