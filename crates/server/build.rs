//! The web apps are embedded from `web/dist`. A checkout where they are not built yet
//! still compiles (the server then serves a page that says how to build them).

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist");
    if !dist.exists() {
        let _ = std::fs::create_dir_all(&dist);
    }
    println!("cargo:rerun-if-changed=../../web/dist");
}
