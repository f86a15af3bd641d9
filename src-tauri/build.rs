// The app's tauri.conf.json lives at the repository root (one config for the CLI, the bundler and
// this crate), so tauri-build runs from there.
fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("src-tauri sits inside the repository root")
        .to_path_buf();
    println!(
        "cargo:rerun-if-changed={}",
        root.join("tauri.conf.json").display()
    );
    std::env::set_current_dir(&root).expect("enter the repository root");
    tauri_build::build()
}
