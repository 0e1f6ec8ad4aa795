//! The facts model: what appgov knows about a package, versioned and serialisable.
