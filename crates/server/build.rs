//! The web apps are embedded from `web/dist`. A checkout where they are not built yet
//! still compiles (the server then serves a page that says how to build them).
//!
//! The checkout is read when the script runs, not when it is compiled: one target
//! directory may serve several checkouts, and cargo reuses a compiled build script for all
//! of them, so a path fixed at compile time would create `web/dist` in the first checkout
//! only and leave the others unable to compile.

fn main() {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .expect("cargo sets CARGO_MANIFEST_DIR when it runs a build script");
    let dist = std::path::Path::new(&manifest_dir).join("../../web/dist");
    if !dist.exists() {
        let _ = std::fs::create_dir_all(&dist);
    }
    println!("cargo:rerun-if-changed=../../web/dist");
}
