//! DEX reader: header, strings, types, classes and method references, bounds-checked.
