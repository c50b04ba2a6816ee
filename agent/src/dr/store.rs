//! The backup directory on disk: one directory per backup,
//! `backup-<unix ms>/`, holding the data files, `manifest.json` and
//! `manifest.sha256`.
//!
//! A backup is written into `.tmp-backup-<ms>/`, every file fsynced, the
//! directory fsynced, then renamed into place and the parent fsynced. A
//! crash at any point leaves either no new backup or a complete one, never
//! a torn one under a backup's name, and never touches older backups.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::manifest::{MANIFEST_FILE, MANIFEST_SUM_FILE, Manifest, sha256_hex};

const PREFIX: &str = "backup-";
const TEMP_PREFIX: &str = ".tmp-backup-";
/// Largest manifest read; a real one is well under a kilobyte.
const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// What a quick look at one backup found (manifest and sizes, no hashing
/// of the data).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Inspected {
    pub id: String,
    /// From the manifest; from the directory name when that is unreadable.
    pub created_at: i64,
    pub size_bytes: u64,
    /// SHA-256 of the manifest; empty when it cannot be read.
    pub checksum: String,
    pub manifest: Result<Manifest, String>,
}

/// A backup whose every file matched the manifest.
#[derive(Debug)]
pub(crate) struct Verified {
    pub manifest: Manifest,
    pub checksum: String,
    pub data: BTreeMap<String, Vec<u8>>,
}

#[derive(Debug, Clone)]
pub(crate) struct BackupStore {
    dir: PathBuf,
}

/// The backup id of a directory name, with its time.
fn parse_id(name: &str) -> Option<i64> {
    let digits = name.strip_prefix(PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

pub(crate) fn backup_id(created_at: i64) -> String {
    format!("{PREFIX}{created_at}")
}

impl BackupStore {
    pub fn new(dir: PathBuf) -> BackupStore {
        BackupStore { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Backup ids with their directory-name times, newest first. A missing
    /// directory holds no backups.
    pub fn list(&self) -> io::Result<Vec<(String, i64)>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if let Some(at) = parse_id(&name).filter(|_| entry.path().is_dir()) {
                ids.push((name, at));
            }
        }
        ids.sort_by_key(|(_, at)| std::cmp::Reverse(*at));
        Ok(ids)
    }

    /// Removes what interrupted writes left behind: `.tmp-backup-*` last
    /// modified before `older_than`. A write takes seconds, so an old enough
    /// one is dead even if another agent wrongly shares the directory.
    pub fn remove_temporaries(&self, older_than: SystemTime) -> io::Result<Vec<String>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut removed = Vec::new();
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMP_PREFIX) && entry.metadata()?.modified()? < older_than {
                fs::remove_dir_all(entry.path())?;
                removed.push(name);
            }
        }
        Ok(removed)
    }

    /// Writes a backup atomically (see the module doc); returns its id.
    /// Fails rather than replace an existing backup of the same id.
    pub fn write(&self, created_at: i64, data: &[(&str, Vec<u8>)], manifest: &[u8]) -> io::Result<String> {
        fs::create_dir_all(&self.dir)?;
        let id = backup_id(created_at);
        let target = self.dir.join(&id);
        if target.exists() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("backup {id} exists already"),
            ));
        }
        let temp = self
            .dir
            .join(format!("{TEMP_PREFIX}{created_at}-{}", std::process::id()));
        if temp.exists() {
            fs::remove_dir_all(&temp)?;
        }
        let result = write_into(&temp, data, manifest).and_then(|()| {
            fs::rename(&temp, &target)?;
            sync_dir(&self.dir)
        });
        if result.is_err() {
            let _ = fs::remove_dir_all(&temp);
        }
        result.map(|()| id)
    }

    /// Reads and checks the manifest and the file sizes, no more.
    pub fn inspect(&self, id: &str) -> Inspected {
        let path = self.dir.join(id);
        let read = read_manifest(&path);
        let size_bytes = dir_sizes(&path).map_or(0, |sizes| sizes.values().sum());
        let (checksum, manifest) = match read {
            Ok((bytes, sum)) => (
                sha256_hex(&bytes),
                Manifest::parse(&bytes, &sum).and_then(|m| {
                    let sizes = dir_sizes(&path).map_err(|e| format!("cannot list its files: {e}"))?;
                    m.check_sizes(&sizes).map(|()| m)
                }),
            ),
            Err(e) => (String::new(), Err(e)),
        };
        Inspected {
            id: id.to_string(),
            created_at: manifest
                .as_ref()
                .map_or_else(|_| parse_id(id).unwrap_or(0), |m| m.created_at),
            size_bytes,
            checksum,
            manifest,
        }
    }

    /// Reads the whole backup and checks every file against the manifest.
    pub fn read_verified(&self, id: &str) -> Result<Verified, String> {
        read_verified_at(&self.dir.join(id))
    }

    /// Copies a backup's files into `scratch` (created), fsynced: the first
    /// step of a restore somewhere else.
    pub fn copy_to(&self, id: &str, scratch: &Path) -> io::Result<()> {
        let source = self.dir.join(id);
        fs::create_dir_all(scratch)?;
        for entry in fs::read_dir(&source)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                let target = scratch.join(entry.file_name());
                fs::copy(entry.path(), &target)?;
                File::open(&target)?.sync_all()?;
            }
        }
        sync_dir(scratch)
    }

    pub fn remove(&self, id: &str) -> io::Result<()> {
        fs::remove_dir_all(self.dir.join(id))
    }
}

/// [`BackupStore::read_verified`] of a backup directory anywhere.
pub(crate) fn read_verified_at(path: &Path) -> Result<Verified, String> {
    let (bytes, sum) = read_manifest(path)?;
    let manifest = Manifest::parse(&bytes, &sum)?;
    let sizes = dir_sizes(path).map_err(|e| format!("cannot list its files: {e}"))?;
    manifest.check_sizes(&sizes)?;
    let mut data = BTreeMap::new();
    for file in &manifest.files {
        let content =
            fs::read(path.join(&file.name)).map_err(|e| format!("cannot read {}: {e}", file.name))?;
        data.insert(file.name.clone(), content);
    }
    manifest.check_contents(&data)?;
    Ok(Verified {
        checksum: sha256_hex(&bytes),
        manifest,
        data,
    })
}

fn write_into(temp: &Path, data: &[(&str, Vec<u8>)], manifest: &[u8]) -> io::Result<()> {
    fs::create_dir(temp)?;
    let sum = sha256_hex(manifest);
    let manifest_files = [(MANIFEST_FILE, manifest), (MANIFEST_SUM_FILE, sum.as_bytes())];
    let all = data
        .iter()
        .map(|(name, bytes)| (*name, bytes.as_slice()))
        .chain(manifest_files);
    for (name, bytes) in all {
        let mut file = File::create(temp.join(name))?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    sync_dir(temp)
}

/// Makes a directory's entries (creations, renames) durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn read_manifest(path: &Path) -> Result<(Vec<u8>, Vec<u8>), String> {
    let read = |name: &str| -> Result<Vec<u8>, String> {
        let file = File::open(path.join(name)).map_err(|e| format!("cannot open {name}: {e}"))?;
        let mut bytes = Vec::new();
        file.take(MAX_MANIFEST_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        if bytes.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(format!("{name} is larger than {MAX_MANIFEST_BYTES} bytes"));
        }
        Ok(bytes)
    };
    Ok((read(MANIFEST_FILE)?, read(MANIFEST_SUM_FILE)?))
}

/// Sizes of the regular files in a directory.
fn dir_sizes(path: &Path) -> io::Result<BTreeMap<String, u64>> {
    let mut sizes = BTreeMap::new();
    for entry in fs::read_dir(path)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_file() {
            sizes.insert(entry.file_name().to_string_lossy().into_owned(), meta.len());
        }
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_old_temporaries_are_removed() {
        let dir = std::env::temp_dir().join(format!("mda-store-test-{}", std::process::id()));
        let store = BackupStore::new(dir.clone());
        assert!(
            store.remove_temporaries(SystemTime::now()).unwrap().is_empty(),
            "no directory yet"
        );
        fs::create_dir_all(dir.join(".tmp-backup-1-2")).unwrap();
        fs::create_dir_all(dir.join("backup-1")).unwrap();
        let hour_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
        assert!(
            store.remove_temporaries(hour_ago).unwrap().is_empty(),
            "a young one stays"
        );
        let later = SystemTime::now() + std::time::Duration::from_secs(1);
        assert_eq!(store.remove_temporaries(later).unwrap(), [".tmp-backup-1-2"]);
        assert_eq!(store.list().unwrap(), [("backup-1".to_string(), 1)]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn ids_are_backup_dash_digits() {
        assert_eq!(parse_id("backup-1795758447463"), Some(1_795_758_447_463));
        assert_eq!(backup_id(12), "backup-12");
        for bad in ["backup-", "backup-12a", "backup--1", ".tmp-backup-12", "other"] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }
}
