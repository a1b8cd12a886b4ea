//! Links the `custody` binary with packed relative relocations where the platform supports it.

fn main() {
    link_packed_relocations();
}

/// Link the binary with its relative relocations packed (DT_RELR) when building natively on GNU/Linux with
/// glibc 2.36 or later: the dynamic loader applies the position-independent binary's 45,000 relocations from
/// a table of a few kilobytes instead of 1 MB, a large part of every run's start (the pre-commit case). The
/// binary stays position-independent (ASLR) and then needs glibc 2.36 to run: set CUSTODY_NO_RELR=1 to build
/// one for older systems.
fn link_packed_relocations() {
    println!("cargo:rerun-if-env-changed=CUSTODY_NO_RELR");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let native = var("HOST") == var("TARGET");
    if var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && native
        && var("CUSTODY_NO_RELR").is_empty()
        && glibc_at_least(2, 36)
    {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether the build machine's glibc (`getconf GNU_LIBC_VERSION`: `glibc 2.36`) is at least `major.minor`.
fn glibc_at_least(major: u32, minor: u32) -> bool {
    let Ok(out) = std::process::Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
    else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut numbers = text
        .trim()
        .trim_start_matches("glibc ")
        .split('.')
        .map(|n| n.parse::<u32>().ok());
    match (numbers.next().flatten(), numbers.next().flatten()) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        _ => false,
    }
}
