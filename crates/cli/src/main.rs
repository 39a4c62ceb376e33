//! The `daojia` binary.
fn main() {}
