//! Android binary XML (AXML), resources.arsc, and the App Bundle's protobuf XML and resource table, read defensively.
