//! The manifest of a backup: what it holds and the SHA-256 of every file.
//! The manifest's own SHA-256 sits beside it, so a flipped bit anywhere,
//! the manifest included, is caught. Pure: bytes in, verdicts out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

pub(crate) const MANIFEST_FILE: &str = "manifest.json";
pub(crate) const MANIFEST_SUM_FILE: &str = "manifest.sha256";

/// Version of the backup layout; a backup of another version is not restored.
pub(crate) const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    pub format: u32,
    pub created_at: i64,
    pub agent_version: String,
    /// SHA-256 of the agent's effective configuration when it wrote this.
    pub config_fingerprint: String,
    pub symbols: usize,
    pub quotes: usize,
    pub open_incidents: usize,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileEntry {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// Lower-case hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut out, b| {
            use std::fmt::Write as _;
            let _ = write!(out, "{b:02x}");
            out
        })
}

impl Manifest {
    /// Entries for the given files, in order.
    pub fn entries(files: &[(&str, Vec<u8>)]) -> Vec<FileEntry> {
        files
            .iter()
            .map(|(name, bytes)| FileEntry {
                name: (*name).to_string(),
                bytes: bytes.len() as u64,
                sha256: sha256_hex(bytes),
            })
            .collect()
    }

    /// Parses a manifest after checking it against its checksum file.
    pub fn parse(bytes: &[u8], sum: &[u8]) -> Result<Manifest, String> {
        let expected = std::str::from_utf8(sum).unwrap_or_default().trim();
        if expected != sha256_hex(bytes) {
            return Err(format!(
                "{MANIFEST_FILE} does not match {MANIFEST_SUM_FILE} (corrupt or truncated)"
            ));
        }
        let manifest: Manifest =
            serde_json::from_slice(bytes).map_err(|e| format!("{MANIFEST_FILE} does not parse: {e}"))?;
        if manifest.format != FORMAT {
            return Err(format!(
                "backup format {} is not the format {FORMAT} this agent reads",
                manifest.format
            ));
        }
        Ok(manifest)
    }

    /// Quick check: every file is there with its size (no reading).
    pub fn check_sizes(&self, sizes: &BTreeMap<String, u64>) -> Result<(), String> {
        for file in &self.files {
            match sizes.get(&file.name) {
                None => return Err(format!("{} is missing", file.name)),
                Some(&size) if size != file.bytes => {
                    return Err(format!(
                        "{} is {size} bytes, the manifest says {} (truncated or overwritten)",
                        file.name, file.bytes
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Full check: every file's content has its recorded SHA-256.
    pub fn check_contents(&self, contents: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
        let sizes = contents
            .iter()
            .map(|(name, bytes)| (name.clone(), bytes.len() as u64))
            .collect();
        self.check_sizes(&sizes)?;
        for file in &self.files {
            let bytes = contents.get(&file.name).map_or(&[][..], Vec::as_slice);
            if sha256_hex(bytes) != file.sha256 {
                return Err(format!("{} does not match its SHA-256 (corrupt)", file.name));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(files: &[(&str, Vec<u8>)]) -> Manifest {
        Manifest {
            format: FORMAT,
            created_at: 1,
            agent_version: "0".into(),
            config_fingerprint: sha256_hex(b"config"),
            symbols: 1,
            quotes: 1,
            open_incidents: 0,
            files: Manifest::entries(files),
        }
    }

    #[test]
    fn sha256_of_known_inputs() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn contents_are_checked_by_size_then_checksum() {
        let files = [("a.json", b"{\"a\":1}".to_vec()), ("b.json", b"[]".to_vec())];
        let m = manifest(&files);
        let mut contents: BTreeMap<String, Vec<u8>> =
            files.iter().map(|(n, b)| (n.to_string(), b.clone())).collect();
        assert_eq!(m.check_contents(&contents), Ok(()));
        contents.insert("a.json".into(), b"{\"a\":2}".to_vec());
        assert_eq!(
            m.check_contents(&contents).unwrap_err(),
            "a.json does not match its SHA-256 (corrupt)"
        );
        contents.insert("a.json".into(), b"{\"a\"".to_vec());
        assert!(m.check_contents(&contents).unwrap_err().contains("truncated"));
        contents.remove("b.json");
        let sizes = BTreeMap::from([("a.json".to_string(), 7)]);
        assert_eq!(m.check_sizes(&sizes).unwrap_err(), "b.json is missing");
    }

    #[test]
    fn the_manifest_is_checked_against_its_sum() {
        let m = manifest(&[("a", vec![1])]);
        let bytes = serde_json::to_vec(&m).unwrap();
        let sum = sha256_hex(&bytes);
        assert_eq!(Manifest::parse(&bytes, sum.as_bytes()), Ok(m.clone()));
        let mut flipped = bytes.clone();
        flipped[10] ^= 1;
        assert!(
            Manifest::parse(&flipped, sum.as_bytes())
                .unwrap_err()
                .contains("corrupt")
        );
        assert!(Manifest::parse(&bytes[..5], sum.as_bytes()).is_err());
        let other = Manifest { format: 9, ..m };
        let bytes = serde_json::to_vec(&other).unwrap();
        let err = Manifest::parse(&bytes, sha256_hex(&bytes).as_bytes()).unwrap_err();
        assert!(err.contains("format 9"), "{err}");
    }
}
