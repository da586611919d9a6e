//! Output files written whole or not at all: the content goes to a
//! temporary file beside the target, is synced, and is then moved into
//! place, so a crash never leaves half a links file. Private files are
//! created with mode 0600 before anything is written to them.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::AuthorityError;

/// Who may read a written file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Owner only (0600): keys, links, delivery status.
    Private,
    /// World-readable (0644): the public credential list.
    Public,
}

/// Refuses an existing `path` unless `force`.
pub(crate) fn check_absent(path: &Path, force: bool) -> Result<(), AuthorityError> {
    if !force && path.symlink_metadata().is_ok() {
        return Err(AuthorityError::Exists {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Writes `path` atomically: `fill` writes the content into a temporary
/// file in the same directory, which is synced and then linked into place
/// (refusing an existing file unless `force`, in which case it is renamed
/// over it). The directory is synced afterwards.
pub(crate) fn write_atomic<F>(
    path: &Path,
    access: Access,
    force: bool,
    fill: F,
) -> Result<(), AuthorityError>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    check_absent(path, force)?;
    let temp = temp_path(path);
    let result = write_temp(&temp, access, fill).and_then(|()| {
        if force {
            std::fs::rename(&temp, path)
        } else {
            // A hard link fails if the target appeared meanwhile, unlike
            // a rename, which would replace it.
            std::fs::hard_link(&temp, path).and_then(|()| std::fs::remove_file(&temp))
        }
    });
    match result {
        Ok(()) => {
            sync_parent(path);
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            if e.kind() == io::ErrorKind::AlreadyExists {
                Err(AuthorityError::Exists {
                    path: path.to_path_buf(),
                })
            } else {
                Err(AuthorityError::io(path, e))
            }
        }
    }
}

fn write_temp<F>(temp: &Path, access: Access, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let file = create_new(temp, access)?;
    let mut writer = BufWriter::new(file);
    fill(&mut writer)?;
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

/// Opens `path` for appending, creating it with the given access if it
/// does not exist.
pub(crate) fn open_append(path: &Path, access: Access) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    set_mode(&mut options, access);
    options.open(path)
}

fn create_new(path: &Path, access: Access) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    set_mode(&mut options, access);
    options.open(path)
}

#[cfg(unix)]
fn set_mode(options: &mut OpenOptions, access: Access) {
    use std::os::unix::fs::OpenOptionsExt;
    options.mode(match access {
        Access::Private => 0o600,
        Access::Public => 0o644,
    });
}

#[cfg(not(unix))]
fn set_mode(_options: &mut OpenOptions, _access: Access) {}

/// Whether a private file can be read by others than its owner.
#[cfg(unix)]
pub(crate) fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.permissions().mode() & 0o077 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
pub(crate) fn readable_by_others(_path: &Path) -> bool {
    false
}

/// `dir/.name.tmp-<pid>-<nanos>`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    path.with_file_name(format!(".{name}.tmp-{}-{nanos}", std::process::id()))
}

/// Makes a rename durable; best effort, as some file systems refuse to
/// open directories.
fn sync_parent(path: &Path) {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(dir) = File::open(parent) {
        let _ = dir.sync_all();
    }
}

/// Reads a whole file, naming it in the error.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, AuthorityError> {
    std::fs::read(path).map_err(|e| AuthorityError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_and_refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_atomic(&path, Access::Private, false, |w| w.write_all(b"one")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        let err = write_atomic(&path, Access::Private, false, |w| w.write_all(b"two"));
        assert!(matches!(err, Err(AuthorityError::Exists { .. })));
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_atomic(&path, Access::Private, true, |w| w.write_all(b"two")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_fill_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        let err = write_atomic(&path, Access::Public, false, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(matches!(err, Err(AuthorityError::Io { .. })));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("p");
        let public = dir.path().join("q");
        write_atomic(&private, Access::Private, false, |w| w.write_all(b"x")).unwrap();
        write_atomic(&public, Access::Public, false, |w| w.write_all(b"x")).unwrap();
        let mode = |p: &Path| p.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&private), 0o600);
        assert!(!readable_by_others(&private));
        // The umask may clear bits of 0644 but never add any.
        assert_eq!(mode(&public) & !0o644, 0);
    }
}
