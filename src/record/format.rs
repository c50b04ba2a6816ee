//! The recording file format. A recording is append-only and may be cut at
//! any byte (a killed process, a full disk), so every frame carries its
//! length and a checksum:
//!
//! ```text
//! header  "MDOPSREC" (8 bytes) | version u16 LE
//! frame   len u32 LE | crc32 (IEEE) of payload u32 LE | payload (len bytes)
//! ```
//!
//! A payload is one `Entry` in postcard (serde, varint integers, no field
//! names): a tick costs about 70 bytes where JSON costs about 145
//! (`cargo bench --bench record`).
//! postcard is not self-describing, so any change to a recorded type
//! changes the format: `the_encoding_is_pinned` (in the tests of this
//! module's parent) fails, and `VERSION` goes up, unless the change only
//! appends a variant to `SourceMsg`: frames of the older variants keep
//! their bytes, and an older reader skips a new variant's frame as one
//! whose payload does not read, reporting it.
//!
//! Reading: a file cut inside its header or its last frame reads as the
//! frames before the cut; that is how a recording that was killed ends, so
//! it is reported, not an error. A whole frame whose checksum or payload is
//! bad is skipped and reported: its length still says where the next frame
//! starts. A length no recorder writes means the framing itself is lost:
//! reading stops there, reported. A wrong magic or version is an error.

use std::fmt;
use std::io::{self, Read};

use super::entry::Entry;

pub const MAGIC: &[u8; 8] = b"MDOPSREC";
pub const VERSION: u16 = 2;
pub const HEADER_LEN: usize = MAGIC.len() + 2;
/// Bytes before a frame's payload.
pub const FRAME_HEADER_LEN: usize = 8;
/// Longer is corruption, not data: the largest real payload, a /metrics
/// scrape, is tens of KiB.
pub const MAX_PAYLOAD: u32 = 16 << 20;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("not an mdops recording (it does not start with \"MDOPSREC\")")]
    NotARecording,
    #[error("recording format version {found}; this mdops reads version {VERSION}")]
    Version { found: u16 },
    #[error(transparent)]
    Io(#[from] io::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("cannot encode a frame: {0}")]
    Postcard(#[from] postcard::Error),
    #[error("a frame of {0} bytes is over the limit of {MAX_PAYLOAD}")]
    TooLarge(usize),
}

/// How a recording deviated from a clean sequence of frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A whole frame whose checksum or payload is bad; skipped.
    Corrupt { offset: u64, why: String },
    /// The file ends inside the header or a frame: the recorder stopped
    /// mid-write. What came before is read.
    Truncated { offset: u64, bytes: u64 },
    /// A frame length no recorder writes: the frames after it cannot be
    /// found, so reading stops here.
    BadLength { offset: u64, len: u32 },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Corrupt { offset, why } => write!(f, "corrupt frame at byte {offset} skipped ({why})"),
            Problem::Truncated { offset: 0, bytes } => {
                write!(f, "the file ends inside its header ({bytes} bytes)")
            }
            Problem::Truncated { offset, bytes } => {
                write!(f, "cut at byte {offset} inside a frame ({bytes} bytes ignored)")
            }
            Problem::BadLength { offset, len } => write!(
                f,
                "frame at byte {offset} claims {len} bytes; the rest of the file cannot be read"
            ),
        }
    }
}

/// The file header.
pub fn header() -> [u8; HEADER_LEN] {
    let mut header = [0; HEADER_LEN];
    header[..MAGIC.len()].copy_from_slice(MAGIC);
    header[MAGIC.len()..].copy_from_slice(&VERSION.to_le_bytes());
    header
}

/// Appends `entry` as one frame to `out`.
pub fn encode_frame(entry: &Entry, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let payload = postcard::to_stdvec(entry)?;
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|&len| len <= MAX_PAYLOAD)
        .ok_or(EncodeError::TooLarge(payload.len()))?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(())
}

/// Reads entries from a recording, streaming: memory does not grow with
/// the file.
pub struct Reader<R> {
    input: R,
    /// Bytes consumed so far.
    offset: u64,
    problems: Vec<Problem>,
    done: bool,
    payload: Vec<u8>,
}

impl<R: Read> Reader<R> {
    /// Checks the header. A file cut inside the header is an empty recording.
    pub fn open(mut input: R) -> Result<Reader<R>, OpenError> {
        let mut header = [0; HEADER_LEN];
        let got = fill(&mut input, &mut header)?;
        let expected = self::header();
        if header[..got.min(MAGIC.len())] != expected[..got.min(MAGIC.len())] {
            return Err(OpenError::NotARecording);
        }
        let mut reader = Reader {
            input,
            offset: got as u64,
            problems: Vec::new(),
            done: false,
            payload: Vec::new(),
        };
        if got < HEADER_LEN {
            reader.end_truncated(0, got);
            return Ok(reader);
        }
        let found = u16::from_le_bytes([header[MAGIC.len()], header[MAGIC.len() + 1]]);
        if found != VERSION {
            return Err(OpenError::Version { found });
        }
        Ok(reader)
    }

    /// The next whole entry; `None` at the end of what can be read.
    /// `problems` says how the file deviated; only I/O fails here.
    pub fn next_entry(&mut self) -> io::Result<Option<Entry>> {
        while !self.done {
            let start = self.offset;
            let mut frame_header = [0; FRAME_HEADER_LEN];
            let got = fill(&mut self.input, &mut frame_header)?;
            self.offset += got as u64;
            if got == 0 {
                self.done = true;
                break;
            }
            if got < FRAME_HEADER_LEN {
                self.end_truncated(start, got);
                break;
            }
            let len = u32::from_le_bytes(frame_header[..4].try_into().expect("4 bytes"));
            let crc = u32::from_le_bytes(frame_header[4..].try_into().expect("4 bytes"));
            if len > MAX_PAYLOAD {
                self.problems.push(Problem::BadLength { offset: start, len });
                self.done = true;
                break;
            }
            self.payload.resize(len as usize, 0);
            let got = fill(&mut self.input, &mut self.payload)?;
            self.offset += got as u64;
            if got < len as usize {
                self.end_truncated(start, FRAME_HEADER_LEN + got);
                break;
            }
            if crc32fast::hash(&self.payload) != crc {
                self.problems.push(Problem::Corrupt {
                    offset: start,
                    why: "checksum mismatch".to_string(),
                });
                continue;
            }
            match postcard::from_bytes::<Entry>(&self.payload) {
                Ok(entry) => return Ok(Some(entry)),
                Err(error) => self.problems.push(Problem::Corrupt {
                    offset: start,
                    why: format!("undecodable payload: {error}"),
                }),
            }
        }
        Ok(None)
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    fn end_truncated(&mut self, offset: u64, bytes: usize) {
        self.problems.push(Problem::Truncated {
            offset,
            bytes: bytes as u64,
        });
        self.done = true;
    }
}

/// Reads until `buf` is full or the input ends; the count read.
fn fill(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(got)
}
