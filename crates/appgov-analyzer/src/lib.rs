//! Bytes in, facts out: turns an APK, AAB or split set into appgov facts.
