//! The model container: a versioned, checksummed file of named sections, read in place.
//!
//! ```text
//! offset  size  field
//!      0     8  magic  b"UNSPINMD"
//!      8     4  format version (u32 LE)
//!     12     4  section count  (u32 LE)
//!     16     8  total file length in bytes (u64 LE)
//!     24     8  xxh3-64 of bytes [32, total length)
//!     32  24*n  section table: tag [u8; 8], offset u64 LE, length u64 LE
//!      …        section payloads, each starting on an 8-byte boundary
//! ```
//!
//! Everything is little-endian and read with unaligned loads, so the same bytes work from a
//! memory map, from `include_bytes!` (which guarantees no alignment) or from a vector.
//!
//! ```
//! use unspin_core::format::{Container, ContainerWriter};
//! use unspin_core::Bytes;
//!
//! let mut w = ContainerWriter::new();
//! w.add(*b"GREETING", b"hello".to_vec());
//! let c = Container::parse(Bytes::from_vec(w.finish())).unwrap();
//! assert_eq!(&*c.section(*b"GREETING").unwrap(), b"hello");
//! ```

use crate::{Bytes, Error, Result};

/// The magic number at the start of every model file.
pub const MAGIC: [u8; 8] = *b"UNSPINMD";
/// The format version this build writes. Version 2 stores the decision trees of the `SCORER`
/// and `GATE` sections in binary form ([`Forest::to_bytes`](crate::forest::Forest::to_bytes));
/// version 1 stored them as text, which this build still reads.
pub const VERSION: u32 = 2;
/// The oldest format version this build reads.
pub const OLDEST_VERSION: u32 = 1;
const HEADER: usize = 32;
const ENTRY: usize = 24;

/// Builds a container in memory.
#[derive(Default)]
pub struct ContainerWriter {
    sections: Vec<([u8; 8], Vec<u8>)>,
}

impl ContainerWriter {
    /// An empty container.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a section. Tags must be unique.
    pub fn add(&mut self, tag: [u8; 8], payload: Vec<u8>) {
        assert!(
            self.sections.iter().all(|(t, _)| *t != tag),
            "duplicate section tag"
        );
        self.sections.push((tag, payload));
    }

    /// Serializes the header, the table and the payloads, and fills in the checksum.
    pub fn finish(self) -> Vec<u8> {
        let table_end = HEADER + ENTRY * self.sections.len();
        let mut out = vec![0u8; table_end];
        let mut entries = Vec::with_capacity(self.sections.len());
        for (tag, payload) in &self.sections {
            while !out.len().is_multiple_of(8) {
                out.push(0);
            }
            entries.push((*tag, out.len() as u64, payload.len() as u64));
            out.extend_from_slice(payload);
        }
        out[0..8].copy_from_slice(&MAGIC);
        out[8..12].copy_from_slice(&VERSION.to_le_bytes());
        out[12..16].copy_from_slice(&(self.sections.len() as u32).to_le_bytes());
        let total = out.len() as u64;
        out[16..24].copy_from_slice(&total.to_le_bytes());
        for (i, (tag, off, len)) in entries.iter().enumerate() {
            let e = HEADER + i * ENTRY;
            out[e..e + 8].copy_from_slice(tag);
            out[e + 8..e + 16].copy_from_slice(&off.to_le_bytes());
            out[e + 16..e + 24].copy_from_slice(&len.to_le_bytes());
        }
        let sum = xxhash_rust::xxh3::xxh3_64(&out[HEADER..]);
        out[24..32].copy_from_slice(&sum.to_le_bytes());
        out
    }
}

/// A parsed container: its sections located, and its checksum verified (by
/// [`parse`](Container::parse), or by [`verify`](Container::verify) after
/// [`parse_unverified`](Container::parse_unverified)).
#[derive(Debug, Clone)]
pub struct Container {
    bytes: Bytes,
    sections: Vec<([u8; 8], usize, usize)>,
}

impl Container {
    /// Verifies magic, version, length and checksum, and reads the section table.
    pub fn parse(bytes: Bytes) -> Result<Container> {
        // The checksum before the section table: a corrupt table is reported as corruption
        // of the file, not as a section out of bounds.
        Container::read(bytes, true)
    }

    /// [`parse`](Self::parse) without the checksum, which [`verify`](Self::verify) computes.
    /// Hashing a large model is a third of loading it, so a loader may hash on one thread
    /// while it reads the sections on another. Until `verify` passes, the sections may be
    /// corrupt: every reader in this crate refuses corrupt bytes with an error, without
    /// panicking, but nothing read from them may be used before then.
    ///
    /// ```
    /// use unspin_core::format::{Container, ContainerWriter};
    /// use unspin_core::Bytes;
    ///
    /// let mut w = ContainerWriter::new();
    /// w.add(*b"GREETING", b"hello".to_vec());
    /// let mut bytes = w.finish();
    /// *bytes.last_mut().unwrap() ^= 1;
    /// let c = Container::parse_unverified(Bytes::from_vec(bytes)).unwrap();
    /// assert_eq!(&*c.section(*b"GREETING").unwrap(), b"helln");
    /// assert!(c.verify().is_err());
    /// ```
    pub fn parse_unverified(bytes: Bytes) -> Result<Container> {
        Container::read(bytes, false)
    }

    fn read(bytes: Bytes, verify: bool) -> Result<Container> {
        if bytes.len() < HEADER || bytes[0..8] != MAGIC {
            return Err(Error::BadMagic);
        }
        let version = u32_at(&bytes, 8);
        if !(OLDEST_VERSION..=VERSION).contains(&version) {
            return Err(Error::Version {
                found: version,
                needed: VERSION,
            });
        }
        let count = u32_at(&bytes, 12) as usize;
        let total = u64_at(&bytes, 16);
        if total != bytes.len() as u64 {
            return Err(Error::Corrupt(format!(
                "the header says {total} bytes but the file has {}: truncated or padded",
                bytes.len()
            )));
        }
        if verify {
            verify_checksum(&bytes)?;
        }
        let table_end = count
            .checked_mul(ENTRY)
            .and_then(|n| n.checked_add(HEADER))
            .filter(|&n| n <= bytes.len())
            .ok_or_else(|| Error::Corrupt("section table out of bounds".into()))?;
        let mut sections = Vec::with_capacity(count);
        for e in (HEADER..table_end).step_by(ENTRY) {
            let mut tag = [0u8; 8];
            tag.copy_from_slice(&bytes[e..e + 8]);
            let (off, len) = (u64_at(&bytes, e + 8), u64_at(&bytes, e + 16));
            let end = off.checked_add(len).filter(|&x| x <= bytes.len() as u64);
            if end.is_none() || off < table_end as u64 {
                return Err(Error::Corrupt(format!(
                    "section {} out of bounds",
                    tag_name(tag)
                )));
            }
            sections.push((tag, off as usize, len as usize));
        }
        Ok(Container { bytes, sections })
    }

    /// Verifies the checksum of everything after the header.
    pub fn verify(&self) -> Result<()> {
        verify_checksum(&self.bytes)
    }

    /// The payload of section `tag`.
    pub fn section(&self, tag: [u8; 8]) -> Result<Bytes> {
        self.sections
            .iter()
            .find(|(t, _, _)| *t == tag)
            .map(|&(_, off, len)| self.bytes.slice(off..off + len))
            .ok_or_else(|| Error::Corrupt(format!("missing section {}", tag_name(tag))))
    }

    /// Whether section `tag` is present.
    pub fn has(&self, tag: [u8; 8]) -> bool {
        self.sections.iter().any(|(t, _, _)| *t == tag)
    }

    /// Total size of the container in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: a parsed container has at least a header.
    pub fn is_empty(&self) -> bool {
        false
    }
}

fn tag_name(tag: [u8; 8]) -> String {
    String::from_utf8_lossy(&tag)
        .trim_end_matches('\0')
        .to_string()
}

/// Reads a little-endian u32 at `off`. Callers bounds-check first.
#[inline]
pub(crate) fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

/// Checks the stored xxh3 of everything after the header (`bytes` holds at least the header).
fn verify_checksum(bytes: &[u8]) -> Result<()> {
    let stored = u64_at(bytes, 24);
    let computed = xxhash_rust::xxh3::xxh3_64(&bytes[HEADER..]);
    if stored != computed {
        return Err(Error::Checksum { stored, computed });
    }
    Ok(())
}

/// Reads a little-endian u64 at `off`. Callers bounds-check first.
#[inline]
pub(crate) fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

/// Reads a little-endian f32 at `off`. Callers bounds-check first.
#[inline]
pub(crate) fn f32_at(b: &[u8], off: usize) -> f32 {
    f32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

/// The index of the first little-endian `f32` in `b` that is NaN or infinite, if any (`b` is
/// read as whole 4-byte words; a trailing partial word is ignored).
///
/// Runs on every load over every float the model holds (2.5 million, 10 MB, in the real
/// model), so it is one tight loop: 0.6-0.7 ns a float on the development machine, 2 ms in
/// all, bound by memory. Block-wise branch-free reductions were measured slower.
pub(crate) fn first_non_finite_f32(b: &[u8]) -> Option<usize> {
    b.chunks_exact(4)
        .position(|w| !f32::from_le_bytes([w[0], w[1], w[2], w[3]]).is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_non_finite_f32_finds_the_first_nan_or_infinity() {
        let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        assert_eq!(first_non_finite_f32(&[]), None);
        let finite = [
            0.0,
            -0.0,
            1.5,
            -99.0,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            1e-45,
        ];
        assert_eq!(first_non_finite_f32(&bytes(&finite)), None);
        for bad in [f32::NAN, -f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            // At either end, in the middle, and before a later one.
            for at in [0, 1, 255, 256, 257, 600, 999] {
                let mut v = vec![-3.0f32; 1000];
                v[at] = bad;
                v[999] = bad;
                assert_eq!(first_non_finite_f32(&bytes(&v)), Some(at), "{bad} at {at}");
            }
        }
        // A NaN with any payload, and a trailing partial word, which is not a float.
        let mut b = bytes(&[1.0, f32::from_bits(0x7fc0_1234)]);
        assert_eq!(first_non_finite_f32(&b), Some(1));
        b.truncate(7);
        assert_eq!(first_non_finite_f32(&b), None);
    }

    fn sample() -> Vec<u8> {
        let mut w = ContainerWriter::new();
        w.add(*b"AAAAAAAA", vec![1, 2, 3]);
        w.add(*b"BBBBBBBB", (0..100u8).collect());
        w.finish()
    }

    #[test]
    fn round_trip_and_alignment() {
        let c = Container::parse(Bytes::from_vec(sample())).unwrap();
        assert_eq!(&*c.section(*b"AAAAAAAA").unwrap(), &[1, 2, 3]);
        assert_eq!(c.section(*b"BBBBBBBB").unwrap().len(), 100);
        assert!(c.section(*b"CCCCCCCC").is_err());
        assert!(c.sections.iter().all(|&(_, off, _)| off % 8 == 0));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let full = sample();
        for n in 0..full.len() {
            assert!(
                Container::parse(Bytes::from_vec(full[..n].to_vec())).is_err(),
                "prefix {n}"
            );
        }
    }

    #[test]
    fn flipped_byte_fails_checksum() {
        let mut b = sample();
        let last = b.len() - 1;
        b[last] ^= 1;
        assert!(matches!(
            Container::parse(Bytes::from_vec(b)),
            Err(Error::Checksum { .. })
        ));
    }

    #[test]
    fn wrong_version_names_the_needed_one() {
        let mut b = sample();
        b[8] = 99;
        let e = Container::parse(Bytes::from_vec(b)).unwrap_err();
        assert!(e.to_string().contains("needs version 2"), "{e}");
        // Version 1 (trees stored as text) is still read.
        let mut b = sample();
        b[8] = 1;
        assert!(Container::parse(Bytes::from_vec(b)).is_ok());
    }
}
