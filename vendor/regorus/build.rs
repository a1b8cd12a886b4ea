// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.
//
// custody's vendored copy: the upstream build script also installs git hooks and asks git for the commit
// hash; this copy embeds a fixed identifier instead, so the build does not depend on the host's git.

fn main() {
    #[cfg(feature = "opa-runtime")]
    println!("cargo:rustc-env=GIT_HASH=regorus-0.14.1+custody");
    println!("cargo:rerun-if-changed=build.rs");
}
