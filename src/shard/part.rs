//! The part file: what a shard hands back.
//!
//! Layout: the 8 bytes `RVSMPART`, the format version (u32, little
//! endian), the header's length (u64, little endian), the [`Header`] and
//! then the pieces, both in postcard (serde's compact binary form:
//! varints for counts, 8 bytes a float), and last the SHA-256 of every
//! byte before it. The header comes first so that a damaged file can
//! still say which shard it was; the checksum catches a truncated or
//! altered file before anything of it is trusted.
//!
//! A part holds accumulators, not finished statistics: per point (one for
//! a run), the nodes of the block tree its range built and the pooled
//! quantile stores (see [`crate::engine::Tree`]). With the sketch its size
//! is set by the range of the values, not by the number of paths; with
//! exact quantiles it holds 8 bytes per path per series.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::Tree;
use crate::stats::QuantileMethod;

/// The first bytes of every part file.
pub const MAGIC: &[u8; 8] = b"RVSMPART";

/// The version of the layout; a merge reads only its own.
pub const FORMAT_VERSION: u32 = 1;

const CHECKSUM_BYTES: usize = 32;
const PREAMBLE_BYTES: usize = MAGIC.len() + 4 + 8;

/// What was run: a scenario or a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Run,
    Sweep,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
        }
    }
}

/// A file read to build the run: its path as given, and its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// Everything about a part but its accumulators: what run it belongs to
/// (every field that must agree across the parts of one run) and which
/// share of it it holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The `simulate` that wrote it.
    pub engine_version: String,
    pub kind: Kind,
    /// The validated scenario's hash, `--set` applied (a sweep's base
    /// scenario).
    pub scenario_hash: String,
    pub seed: u64,
    /// Paths of the run (per point for a sweep), not of this shard.
    pub paths: u64,
    pub quantiles: QuantileMethod,
    /// This shard, `shard` of `shards`, from 0.
    pub shard: u64,
    pub shards: u64,
    /// Jobs of the whole run (blocks, or point-major (point, block)
    /// pairs), and this shard's range of them.
    pub jobs: u64,
    pub first_job: u64,
    pub end_job: u64,
    /// The `--set` assignments, in order.
    pub overrides: Vec<String>,
    /// The scenario file (a run), or the sweep file then its scenario.
    pub files: Vec<SourceFile>,
    /// The shard's worker threads and the time it took.
    pub threads: u64,
    pub elapsed_seconds: f64,
}

/// One point's blocks in this shard (point 0 for a run).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Piece {
    pub point: u64,
    pub tree: Tree,
}

/// A part: the header and the pieces, in point order.
#[derive(Clone, Debug)]
pub struct Part {
    pub header: Header,
    pub pieces: Vec<Piece>,
}

/// Why a file cannot be used as a part; every message names the file.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PartError(pub String);

impl Part {
    /// The file's bytes: preamble, header, pieces, checksum.
    pub fn to_bytes(&self) -> Result<Vec<u8>, PartError> {
        let encode =
            |what: &str, e: postcard::Error| PartError(format!("cannot encode {what}: {e}"));
        let header = postcard::to_stdvec(&self.header).map_err(|e| encode("the header", e))?;
        let pieces = postcard::to_stdvec(&self.pieces).map_err(|e| encode("the part", e))?;
        let mut bytes = Vec::with_capacity(PREAMBLE_BYTES + header.len() + pieces.len() + 32);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&header);
        bytes.extend_from_slice(&pieces);
        let checksum = Sha256::digest(&bytes);
        bytes.extend_from_slice(&checksum);
        Ok(bytes)
    }

    /// Reads and checks a part file: its kind, version and checksum, then
    /// its contents.
    pub fn read(path: &Path) -> Result<Part, PartError> {
        let bytes = std::fs::read(path)
            .map_err(|e| PartError(format!("cannot read {}: {e}", path.display())))?;
        Part::from_bytes(&bytes, &path.display().to_string())
    }

    /// As [`Part::read`], from the bytes of the file `name`.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Part, PartError> {
        let header = header_of(bytes, name)?;
        let body_start = PREAMBLE_BYTES + header_length(bytes);
        let body_end = bytes.len() - CHECKSUM_BYTES;
        let pieces: Vec<Piece> =
            postcard::from_bytes(&bytes[body_start..body_end]).map_err(|e| {
                corrupt(
                    name,
                    Some(&header),
                    &format!("its contents do not decode: {e}"),
                )
            })?;
        Ok(Part { header, pieces })
    }
}

/// The header of the part file `name` whose bytes are `bytes`, after
/// checking that it is one, of this version, and whole.
pub fn header_of(bytes: &[u8], name: &str) -> Result<Header, PartError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(PartError(format!(
            "{name} is not a part file (a part file is written by `simulate ... --shard K/N \
             --out FILE` and starts with {})",
            String::from_utf8_lossy(MAGIC)
        )));
    }
    if bytes.len() < PREAMBLE_BYTES + CHECKSUM_BYTES {
        return Err(corrupt(name, None, "it is too short to be whole"));
    }
    let mut version = [0; 4];
    version.copy_from_slice(&bytes[MAGIC.len()..MAGIC.len() + 4]);
    let version = u32::from_le_bytes(version);
    // The header, if it can be read, names the shard to rerun.
    let header_end = PREAMBLE_BYTES.saturating_add(header_length(bytes));
    let header: Option<Header> = (version == FORMAT_VERSION
        && header_end <= bytes.len() - CHECKSUM_BYTES)
        .then(|| postcard::from_bytes(&bytes[PREAMBLE_BYTES..header_end]).ok())
        .flatten();
    let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_BYTES);
    if Sha256::digest(body).as_slice() != checksum {
        return Err(corrupt(
            name,
            header.as_ref(),
            "its checksum does not match its contents (truncated, or changed since it was written)",
        ));
    }
    if version != FORMAT_VERSION {
        return Err(PartError(format!(
            "{name} is a part file of format version {version}; this simulate ({}) reads \
             version {FORMAT_VERSION}: merge it with the simulate that wrote it, or rerun the shard",
            env!("CARGO_PKG_VERSION")
        )));
    }
    header.ok_or_else(|| corrupt(name, None, "its header does not decode"))
}

/// The header's length as the preamble gives it (clamped, so that a
/// damaged length cannot index past the file).
fn header_length(bytes: &[u8]) -> usize {
    let mut length = [0; 8];
    length.copy_from_slice(&bytes[MAGIC.len() + 4..PREAMBLE_BYTES]);
    usize::try_from(u64::from_le_bytes(length))
        .unwrap_or(usize::MAX)
        .min(bytes.len().saturating_sub(PREAMBLE_BYTES + CHECKSUM_BYTES))
}

fn corrupt(name: &str, header: Option<&Header>, why: &str) -> PartError {
    let rerun = match header {
        Some(h) => format!("; rerun shard {}/{}", h.shard, h.shards),
        None => "; rerun the shard that wrote it".into(),
    };
    PartError(format!("{name} is truncated or corrupt: {why}{rerun}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, QuantileChoice, RunOptions, Silent};
    use crate::scenario::Scenario;

    fn part() -> Part {
        let text = "[scenario]\nname = \"t\"\nhorizon_months = 2\n\
             [[target]]\nname = \"T\"\namount = 2e6\n\
             [[client]]\nname = \"A\"\nsegment = \"s\"\nmonthly_spend = 1e6\nvolatility = 0.1\n";
        let scenario = Scenario::parse(text, "t.toml").unwrap();
        let options = RunOptions {
            paths: 5000,
            seed: 1,
            threads: 1,
            quantiles: QuantileChoice::Sketch,
        };
        let pool = engine::batch::thread_pool(1).unwrap();
        let tree = engine::accumulate_blocks(&scenario, &options, &pool, &Silent, 1..4).unwrap();
        Part {
            header: Header {
                engine_version: "0".into(),
                kind: Kind::Run,
                scenario_hash: scenario.hash(),
                seed: 1,
                paths: 5000,
                quantiles: QuantileMethod::Sketch,
                shard: 1,
                shards: 2,
                jobs: 5,
                first_job: 2,
                end_job: 5,
                overrides: vec![],
                files: vec![SourceFile {
                    path: "t.toml".into(),
                    text: text.into(),
                }],
                threads: 1,
                elapsed_seconds: 0.5,
            },
            pieces: vec![Piece { point: 0, tree }],
        }
    }

    #[test]
    fn a_part_reads_back_as_written() {
        let bytes = part().to_bytes().unwrap();
        let back = Part::from_bytes(&bytes, "p.part").unwrap();
        assert_eq!(back.header, part().header);
        assert_eq!(back.to_bytes().unwrap(), bytes);
    }

    /// Every truncation and a changed byte anywhere are refused with the
    /// file's name, never a panic; past the preamble, the shard to rerun
    /// is named when the header still reads.
    #[test]
    fn damage_anywhere_is_refused() {
        let bytes = part().to_bytes().unwrap();
        for len in 0..bytes.len() {
            let e = Part::from_bytes(&bytes[..len], "p.part").unwrap_err();
            assert!(e.0.starts_with("p.part is"), "{len}: {}", e.0);
        }
        for at in (0..bytes.len()).step_by(7) {
            let mut changed = bytes.clone();
            changed[at] ^= 0x41;
            let e = Part::from_bytes(&changed, "p.part").unwrap_err();
            assert!(e.0.starts_with("p.part is"), "{at}: {}", e.0);
        }
        let mut tail = bytes.clone();
        let last = tail.len() - 1;
        tail[last] ^= 1;
        let e = Part::from_bytes(&tail, "p.part").unwrap_err();
        assert!(e.0.contains("rerun shard 1/2"), "{}", e.0);
        let e = Part::from_bytes(b"[scenario]\nname = 1", "x.toml").unwrap_err();
        assert!(e.0.contains("x.toml is not a part file"), "{}", e.0);
    }
}
