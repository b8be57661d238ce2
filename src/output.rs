//! Writing results to files: whole or not at all.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file in the same folder and
/// a rename, so that a reader never sees half a file and an interrupted
/// run leaves the old file, or none, in place. On failure the temporary
/// file is removed.
///
/// A path that names something other than a regular file (`/dev/stdout`,
/// a FIFO, a device) is written in place: renaming over it would replace
/// the device or pipe itself. A symbolic link to a file is followed, so the
/// file it points to is replaced, not the link.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.writer().write_all(bytes)?;
    file.commit()
}

/// Refuses an output path that is one of the inputs, however it is spelt
/// (`./x.toml`, `../dir/x.toml`, a symbolic link or a hard link to it):
/// writing a report there would destroy the scenario it came from.
pub fn check_not_an_input(flag: &str, out: &Path, inputs: &[&Path]) -> Result<(), String> {
    for input in inputs {
        if same_file(out, input) {
            return Err(format!(
                "{flag} {} is the input file {}: writing there would overwrite it; \
                 choose another name",
                out.display(),
                input.display()
            ));
        }
    }
    Ok(())
}

/// Whether two paths name the same existing file (same device and inode,
/// so links count), or would once `a` is created (same canonical path).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.is_file() && x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// A temporary file in `dir` created as an ordinary file would be (0666
/// less the umask on Unix), not owner-only as temporary files usually
/// are: reports are files to share, and the rename keeps the mode.
fn temporary_in(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// A file written in pieces and put in place whole: the pieces go to a
/// temporary file in the same folder, which [`AtomicFile::commit`] renames
/// over the path. Dropped before that (an error, Ctrl-C), it leaves
/// nothing behind and any old file as it was.
pub struct AtomicFile {
    writer: BufWriter<Sink>,
}

/// Where an [`AtomicFile`]'s bytes go: a temporary file to rename over the
/// target, or, for a target that is not a regular file, the target itself.
enum Sink {
    Temporary {
        file: tempfile::NamedTempFile,
        target: PathBuf,
    },
    InPlace(std::fs::File),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Temporary { file, .. } => file.write(buf),
            Sink::InPlace(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Temporary { file, .. } => file.flush(),
            Sink::InPlace(file) => file.flush(),
        }
    }
}

impl AtomicFile {
    /// Opens the way to `path`: a folder is refused, a device or FIFO is
    /// opened in place, a symbolic link is followed to the file it names.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let target = match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => return Err(io::Error::other("it is a folder")),
            Ok(meta) if !meta.is_file() => {
                let file = std::fs::OpenOptions::new().write(true).open(path)?;
                return Ok(AtomicFile {
                    writer: BufWriter::new(Sink::InPlace(file)),
                });
            }
            Ok(_) => std::fs::canonicalize(path)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => path.to_path_buf(),
            Err(e) => return Err(e),
        };
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        // Dropping the temporary file before `commit` removes it.
        let file = temporary_in(dir)?;
        Ok(AtomicFile {
            writer: BufWriter::with_capacity(1 << 20, Sink::Temporary { file, target }),
        })
    }

    /// Where the pieces go.
    pub fn writer(&mut self) -> &mut BufWriter<impl Write + Send + use<>> {
        &mut self.writer
    }

    /// Flushes, syncs and renames the file into place (or, in place, just
    /// flushes).
    pub fn commit(self) -> io::Result<()> {
        match self.writer.into_inner().map_err(|e| e.into_error())? {
            Sink::Temporary { file, target } => {
                file.as_file().sync_all()?;
                file.persist(&target).map_err(|e| e.error)?;
                Ok(())
            }
            Sink::InPlace(mut file) => file.flush(),
        }
    }
}

/// Prints to stdout; a closed pipe (`simulate ... | head`) is not an error
/// and ends the output quietly.
pub fn print_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_replaces_whole_file_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Written with the mode an ordinary new file gets, so that a report
    /// can be shared without a chmod.
    #[cfg(unix)]
    #[test]
    fn written_files_have_an_ordinary_files_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ordinary = dir.path().join("ordinary");
        std::fs::write(&ordinary, b"x").unwrap();
        let path = dir.path().join("out.html");
        write_atomic(&path, b"page").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&ordinary));
    }

    #[test]
    fn atomic_file_appears_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        let mut file = AtomicFile::create(&path).unwrap();
        file.writer().write_all(b"a\n").unwrap();
        file.writer().write_all(b"b\n").unwrap();
        assert!(!path.exists());
        file.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a\nb\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let mut dropped = AtomicFile::create(&dir.path().join("other.csv")).unwrap();
        dropped.writer().write_all(b"half").unwrap();
        drop(dropped);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn write_atomic_follows_a_link_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn write_atomic_writes_a_device_in_place_and_reports_its_error() {
        // /dev/full takes nothing: the error comes back, and the device
        // is still a device.
        let err = write_atomic(Path::new("/dev/full"), b"x").unwrap_err();
        assert_eq!(err.raw_os_error(), Some(28), "{err}"); // ENOSPC
        assert!(!std::fs::metadata("/dev/full").unwrap().is_file());
        write_atomic(Path::new("/dev/null"), b"x").unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }

    #[test]
    fn an_input_is_recognised_however_it_is_spelt() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("s.toml");
        std::fs::write(&input, "x").unwrap();
        let link = dir.path().join("l.toml");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        let dotted = dir.path().join(".").join("s.toml");
        for out in [&input, &link, &dotted] {
            assert!(
                check_not_an_input("--out", out, &[&input]).is_err(),
                "{}",
                out.display()
            );
        }
        assert!(check_not_an_input("--out", &dir.path().join("r.json"), &[&input]).is_ok());
    }

    #[test]
    fn write_atomic_into_missing_folder_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("out.csv");
        assert!(write_atomic(&path, b"x").is_err());
        assert!(!path.exists());
    }
}
