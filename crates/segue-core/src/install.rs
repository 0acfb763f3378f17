//! Where Segue's read-only resources (the ONNX models, the ONNX Runtime library) are found,
//! and how each was found, so that `segue doctor` can say.
//!
//! No path of the machine Segue was built on is compiled in. Each resource is looked for:
//! 1. where an environment variable names it (the person's explicit choice wins);
//! 2. beside the executable, as the package installs it: `<exe>/../lib/segue/` (so
//!    `/usr/bin/segue` finds `/usr/lib/segue/`, and a package unpacked anywhere with
//!    `dpkg -x` finds its own copy);
//! 3. for a binary that cargo built into `<checkout>/target/<profile>/` (`cargo run`,
//!    `scripts/run.sh`, tests), in that checkout: found from the executable's own location at
//!    run time, never from a path written at build time.

use std::fmt;
use std::path::{Path, PathBuf};

/// The folder under the executable's `../lib/` that a package installs resources into.
pub const INSTALL_DIR: &str = "segue";

/// How a resource was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Named by this environment variable.
    Env(&'static str),
    /// Installed with the executable (`../lib/segue/` beside it, or the folder it is in).
    Installed,
    /// In the source checkout whose `target/` folder holds the executable.
    Checkout,
    /// Found nowhere: the path is the first place looked.
    NotFound,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Env(var) => write!(f, "set by {var}"),
            Origin::Installed => f.write_str("installed with the executable"),
            Origin::Checkout => f.write_str("the source checkout the executable was built in"),
            Origin::NotFound => f.write_str("not found"),
        }
    }
}

/// A resource's path and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub path: PathBuf,
    pub origin: Origin,
}

/// The folder of the running executable (symbolic links resolved, so a link in `/usr/bin` to
/// an unpacked package still finds the package).
pub fn executable_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let exe = exe.canonicalize().unwrap_or(exe);
    exe.parent().map(Path::to_path_buf)
}

/// Where an installed package keeps Segue's resources, relative to `exe_dir`.
pub fn installed_dir(exe_dir: &Path) -> PathBuf {
    exe_dir.join("..").join("lib").join(INSTALL_DIR)
}

/// The source checkout a cargo-built executable in `exe_dir` belongs to: `exe_dir` is
/// `target/<profile>`, `target/<profile>/deps` (tests) or `target/<triple>/<profile>`, and
/// `target/` is cargo's (it holds the `CACHEDIR.TAG` cargo writes there).
pub fn checkout_of(exe_dir: &Path) -> Option<PathBuf> {
    exe_dir
        .ancestors()
        .take(4)
        .find(|d| d.file_name().is_some_and(|n| n == "target") && d.join("CACHEDIR.TAG").is_file())
        .and_then(Path::parent)
        .map(Path::to_path_buf)
}

/// Finds a resource: `$env_var` if set (and not empty), else the first of `installed` (paths
/// relative to the executable's folder) and then `in_checkout` (relative to the checkout the
/// executable was built in) for which `usable` holds. When none does, the first place looked
/// comes back as [`Origin::NotFound`], so an error can name it.
pub fn locate(
    env_var: &'static str,
    installed: &[&str],
    in_checkout: &str,
    usable: impl Fn(&Path) -> bool,
) -> Located {
    if let Some(p) = std::env::var_os(env_var).filter(|p| !p.is_empty()) {
        return Located {
            path: PathBuf::from(p),
            origin: Origin::Env(env_var),
        };
    }
    let Some(exe_dir) = executable_dir() else {
        return Located {
            path: PathBuf::from(in_checkout),
            origin: Origin::NotFound,
        };
    };
    locate_from(&exe_dir, installed, in_checkout, usable)
}

/// [`locate`] without the environment variable, from an executable in `exe_dir`.
pub fn locate_from(
    exe_dir: &Path,
    installed: &[&str],
    in_checkout: &str,
    usable: impl Fn(&Path) -> bool,
) -> Located {
    let tidy = |p: PathBuf| p.canonicalize().unwrap_or(p);
    let mut candidates: Vec<(PathBuf, Origin)> = installed
        .iter()
        .map(|rel| (exe_dir.join(rel), Origin::Installed))
        .collect();
    if let Some(checkout) = checkout_of(exe_dir) {
        candidates.push((checkout.join(in_checkout), Origin::Checkout));
    }
    if let Some((path, origin)) = candidates.iter().find(|(p, _)| usable(p)) {
        return Located {
            path: tidy(path.clone()),
            origin: origin.clone(),
        };
    }
    Located {
        path: candidates
            .into_iter()
            .next()
            .map(|(p, _)| p)
            .unwrap_or_else(|| PathBuf::from(in_checkout)),
        origin: Origin::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, b"x").expect("write");
    }

    #[test]
    fn a_package_unpacked_anywhere_finds_its_own_resources() {
        let root = tempfile::tempdir().expect("tmp");
        let bin = root.path().join("usr/bin");
        std::fs::create_dir_all(&bin).expect("bin");
        touch(&root.path().join("usr/lib/segue/models/m.onnx"));
        let found = locate_from(&bin, &["../lib/segue/models"], "models", |p| {
            p.join("m.onnx").is_file()
        });
        assert_eq!(found.origin, Origin::Installed);
        assert_eq!(
            found.path,
            root.path()
                .join("usr/lib/segue/models")
                .canonicalize()
                .expect("canonical")
        );
    }

    #[test]
    fn a_cargo_built_binary_finds_its_checkout_and_nothing_else_does() {
        let root = tempfile::tempdir().expect("tmp");
        touch(&root.path().join("target/CACHEDIR.TAG"));
        touch(&root.path().join("models/m.onnx"));
        let usable = |p: &Path| p.join("m.onnx").is_file();
        for exe_dir in [
            "target/release",
            "target/debug/deps",
            "target/x86_64-unknown-linux-gnu/release",
        ] {
            let dir = root.path().join(exe_dir);
            std::fs::create_dir_all(&dir).expect("mkdir");
            let found = locate_from(&dir, &["../lib/segue/models"], "models", usable);
            assert_eq!(found.origin, Origin::Checkout, "{exe_dir}");
        }
        // A folder merely called `target` (no cargo tag) is not a checkout.
        let other = tempfile::tempdir().expect("tmp");
        touch(&other.path().join("models/m.onnx"));
        let dir = other.path().join("target/release");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let found = locate_from(&dir, &["../lib/segue/models"], "models", usable);
        assert_eq!(found.origin, Origin::NotFound);
        assert_eq!(found.path, dir.join("../lib/segue/models"));
    }
}
