use thiserror::Error;

/// Everything that can go wrong in `unspin-core`.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not an unspin model at all.
    #[error("not an unspin model file (bad magic number)")]
    BadMagic,
    /// The model was written by an incompatible version of the format.
    #[error("model format version {found} is not supported: this build of unspin needs version {needed}; rebuild the model with `scripts/setup.sh`")]
    Version {
        /// The version stored in the file.
        found: u32,
        /// The version this build reads.
        needed: u32,
    },
    /// The checksum stored in the header does not match the contents.
    #[error("model checksum mismatch (stored {stored:016x}, computed {computed:016x}): the file is corrupt or truncated")]
    Checksum {
        /// The checksum stored in the header.
        stored: u64,
        /// The checksum of the bytes as read.
        computed: u64,
    },
    /// The model is structurally broken: a section is missing, out of bounds or malformed.
    #[error("corrupt model: {0}")]
    Corrupt(String),
    /// The language model section could not be parsed.
    #[error("language model: {0}")]
    Lm(String),
    /// A parameter name or value is not valid.
    #[error("{0}")]
    Param(String),
    /// Opening or memory-mapping a model file failed.
    #[error("cannot open model file")]
    Io(#[from] std::io::Error),
}

/// A `Result` whose error is [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
