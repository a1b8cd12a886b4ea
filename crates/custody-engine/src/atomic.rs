//! Replacing a file atomically, so a reader never sees half of it, without changing what the file is.
//!
//! The new contents go to a temporary file in the destination's directory, which then takes the place of the
//! destination by a rename. Around that rename, what the user made of the file is kept:
//! - a symbolic link stays a link: the file it points to is the one replaced;
//! - the replaced file keeps its permission bits (a new file gets the usual 0666 minus the umask);
//! - a file nobody may write (no write bit set) or that the user cannot open for writing is refused, and so
//!   is a file with other hard links, which a rename would silently split from its twins: the error says why,
//!   and nothing is changed.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Write `contents` to `path` atomically (see the module documentation for what is kept and refused).
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |out| out.write_all(contents).map(|()| true)).map(|_| ())
}

/// Write to `path` atomically what `write` writes, streamed to the temporary file (the contents are never
/// held whole); what is kept and refused is as for [`write_atomic`]. `write` returns whether to replace
/// the file at all: with `Ok(false)`, or an error, the temporary file is removed and `path` is left as it
/// was. Returns whether the file was replaced.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<bool>,
) -> io::Result<bool> {
    let destination = destination(path)?;
    let existing = match std::fs::metadata(&destination) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if let Some(meta) = &existing {
        refuse_unwritable(&destination, meta)?;
    }
    let dir = match destination.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut out = io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        if !write(&mut out)? {
            return Ok(false);
        }
        out.flush()?;
    }
    let permissions = match &existing {
        Some(meta) => meta.permissions(),
        None => new_file_permissions(tmp.as_file())?,
    };
    tmp.as_file().set_permissions(permissions)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&destination).map_err(|e| e.error)?;
    Ok(true)
}

/// Create `path` with `contents`, atomically, only if nothing is there: a file, link or anything else at
/// `path` (even one that appears while the contents are written) is left as it is, and the error is
/// `AlreadyExists`.
pub fn write_new(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(contents)?;
    let permissions = new_file_permissions(tmp.as_file())?;
    tmp.as_file().set_permissions(permissions)?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// The file a write to `path` must replace: `path` itself, or the file its chain of symbolic links ends at.
fn destination(path: &Path) -> io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(target) => Ok(target),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{} is a symbolic link to a file that does not exist; nothing was written",
                    path.display()
                ),
            )),
            Err(e) => Err(e),
        },
        _ => Ok(path.to_owned()),
    }
}

fn refuse_unwritable(path: &Path, meta: &std::fs::Metadata) -> io::Result<()> {
    let refuse = |why: String| Err(io::Error::new(io::ErrorKind::PermissionDenied, why));
    if !meta.is_file() {
        return refuse(format!(
            "{} is not a regular file; nothing was written",
            path.display()
        ));
    }
    if meta.permissions().readonly() {
        return refuse(format!(
            "{} is read-only; nothing was written (make it writable first if it should change)",
            path.display()
        ));
    }
    if let Err(e) = std::fs::OpenOptions::new().write(true).open(path) {
        return refuse(format!(
            "{} cannot be written ({e}); nothing was written",
            path.display()
        ));
    }
    if hard_links(meta) > 1 {
        return refuse(format!(
            "{} has {} hard links, which replacing it would split from it; nothing was written (write to a copy)",
            path.display(),
            hard_links(meta)
        ));
    }
    Ok(())
}

#[cfg(unix)]
fn hard_links(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn hard_links(_meta: &std::fs::Metadata) -> u64 {
    1
}

/// The permissions a newly created file gets: 0666 minus the process's umask. The temporary file was
/// created 0600; a scratch file created beside it shows what the umask allows.
#[cfg(unix)]
fn new_file_permissions(_tmp: &std::fs::File) -> io::Result<std::fs::Permissions> {
    let probe = tempfile::Builder::new()
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile()?;
    Ok(probe.as_file().metadata()?.permissions())
}

#[cfg(not(unix))]
fn new_file_permissions(tmp: &std::fs::File) -> io::Result<std::fs::Permissions> {
    Ok(tmp.metadata()?.permissions())
}

#[cfg(all(test, unix))]
mod tests {
    use super::write_atomic;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_replaced_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.yaml");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(mode(&path), 0o664);
    }

    #[test]
    fn a_read_only_file_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.yaml");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let err = write_atomic(&path, b"new").unwrap_err();
        assert!(err.to_string().contains("read-only"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(mode(&path), 0o444);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn a_symbolic_link_stays_a_link_and_its_target_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.yaml");
        let link = dir.path().join("bundle.yaml");
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink("real.yaml", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }

    #[test]
    fn a_dangling_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("bundle.yaml");
        std::os::unix::fs::symlink("missing.yaml", &link).unwrap();
        let err = write_atomic(&link, b"new").unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(!dir.path().join("missing.yaml").exists());
    }

    #[test]
    fn a_hard_linked_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.yaml");
        let twin = dir.path().join("twin.yaml");
        std::fs::write(&path, "old").unwrap();
        std::fs::hard_link(&path, &twin).unwrap();
        let err = write_atomic(&path, b"new").unwrap_err();
        assert!(err.to_string().contains("hard links"), "{err}");
        assert_eq!(std::fs::read(&twin).unwrap(), b"old");
    }

    #[test]
    fn a_new_file_gets_the_usual_mode_not_the_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        write_atomic(&path, b"{}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        let created = dir.path().join("created.json");
        std::fs::File::create(&created).unwrap();
        assert_eq!(mode(&path), mode(&created));
    }
}
