//! Cheaply clonable, immutable byte buffers backed by a memory map, a static slice or a vector.

use std::ops::{Deref, Range};
use std::sync::Arc;

/// What keeps the bytes alive.
enum Owner {
    Static,
    Vec(#[allow(dead_code)] Vec<u8>),
    Mmap(#[allow(dead_code)] memmap2::Mmap),
}

/// An immutable byte buffer that can be sliced and shared between threads without copying.
///
/// A model is read straight out of one of these: a memory-mapped file, the bytes embedded in the
/// binary, or a vector (tests and fuzzing).
///
/// ```
/// use unspin_core::Bytes;
/// let b = Bytes::from_vec(b"hello world".to_vec());
/// let w = b.slice(6..11);
/// assert_eq!(&*w, b"world");
/// ```
#[derive(Clone)]
pub struct Bytes {
    // The pointer stays valid for as long as `_owner` lives: a mmap or a vector's heap buffer
    // never moves, and neither is ever mutated after construction.
    ptr: *const u8,
    len: usize,
    _owner: Arc<Owner>,
}

// SAFETY: the buffer is immutable and owned by an `Arc`, so sharing it across threads is sound.
unsafe impl Send for Bytes {}
unsafe impl Sync for Bytes {}

impl Bytes {
    /// Wraps bytes that live for the whole program, such as `include_bytes!` data.
    pub fn from_static(b: &'static [u8]) -> Bytes {
        Bytes {
            ptr: b.as_ptr(),
            len: b.len(),
            _owner: Arc::new(Owner::Static),
        }
    }

    /// Takes ownership of a vector.
    pub fn from_vec(v: Vec<u8>) -> Bytes {
        let (ptr, len) = (v.as_ptr(), v.len());
        Bytes {
            ptr,
            len,
            _owner: Arc::new(Owner::Vec(v)),
        }
    }

    /// Memory-maps a file read-only.
    ///
    /// # Safety of the map
    /// The file must not be truncated or modified while mapped; model files are written to a
    /// temporary name and renamed into place, so a running process never sees them change.
    pub fn map_file(file: &std::fs::File) -> std::io::Result<Bytes> {
        // SAFETY: see the doc comment: model files are replaced atomically, never modified.
        let m = unsafe { memmap2::Mmap::map(file)? };
        let (ptr, len) = (m.as_ptr(), m.len());
        Ok(Bytes {
            ptr,
            len,
            _owner: Arc::new(Owner::Mmap(m)),
        })
    }

    /// A sub-slice sharing the same owner. Panics if `r` is out of bounds, like slice indexing.
    pub fn slice(&self, r: Range<usize>) -> Bytes {
        assert!(
            r.start <= r.end && r.end <= self.len,
            "Bytes::slice out of bounds"
        );
        Bytes {
            ptr: unsafe { self.ptr.add(r.start) },
            len: r.end - r.start,
            _owner: self._owner.clone(),
        }
    }
}

impl Deref for Bytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        // SAFETY: ptr/len describe a live, immutable buffer owned by `_owner`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.len)
    }
}
