//! Checks that `src/fmt/` can be included by the kernel module the way it will be:
//! `#[path = ".../src/fmt/mod.rs"] pub mod erofs;` in a `no_std` crate, compiled by rustc
//! with the kernel's lints as errors. Also checks the tree's own rules (no inner attributes,
//! no `crate::` paths, no `unsafe`, no floats).

#![allow(
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fmt_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/fmt")
}

fn sources() -> Vec<(PathBuf, String)> {
    let mut v: Vec<_> = fs::read_dir(fmt_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let s = fs::read_to_string(&p).unwrap();
            (p, s)
        })
        .collect();
    v.sort();
    assert!(v.len() >= 8);
    v
}

#[test]
fn tree_follows_the_inclusion_rules() {
    for (path, src) in sources() {
        for (n, line) in src.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let at = format!("{}:{}", path.display(), n + 1);
            assert!(
                !line.trim_start().starts_with("#!"),
                "inner attribute at {at}"
            );
            assert!(
                !line.trim_start().starts_with("//!"),
                "inner doc comment at {at}"
            );
            assert!(!code.contains("crate::"), "crate:: path at {at}");
            assert!(!code.contains("unsafe"), "unsafe at {at}");
            assert!(
                !code.contains("f32") && !code.contains("f64"),
                "float at {at}"
            );
            assert!(
                !code.contains("std::") && !code.contains("alloc::"),
                "std/alloc at {at}"
            );
            assert!(
                !code.contains(".unwrap()") && !code.contains(".expect("),
                "unwrap at {at}"
            );
        }
    }
}

#[test]
fn compiles_as_a_kernel_style_path_module() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kernel-include");
    fs::create_dir_all(&dir).unwrap();
    let root = dir.join("lib.rs");
    fs::write(
        &root,
        format!(
            "//! Stand-in for the erofs_dio crate root.\n#![no_std]\n\
             /// The EROFS format.\n#[path = \"{}\"]\npub mod erofs;\n",
            fmt_dir().join("mod.rs").display()
        ),
    )
    .unwrap();
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .args([
            "--edition=2021",
            "--crate-type=lib",
            "--crate-name=erofs_dio_stub",
        ])
        .args(["--emit=metadata", "-o"])
        .arg(dir.join("stub.rmeta"))
        .args([
            "-Dwarnings",
            "-Dmissing_docs",
            "-Drust_2018_idioms",
            "-Dunreachable_pub",
            "-Dnon_ascii_idents",
            "-Dunsafe_op_in_unsafe_fn",
        ])
        .arg(&root)
        .output()
        .expect("run rustc");
    assert!(
        out.status.success(),
        "the fmt tree does not build as a #[path] module:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
