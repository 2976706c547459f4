//! Outputs that are never half-written, and the journal that lets a killed scan resume.
//!
//! A file output is written to `NAME.partial` and renamed to `NAME` only when complete, so a
//! file under its real name is always whole.
//!
//! Every few seconds the scan *checkpoints*: it closes the current gzip member or zstd frame
//! (both formats allow any number of them back to back, and every reader handles that),
//! flushes and syncs the partial files, and then appends to the journal `NAME.resume` a line
//! with the number of input records done and the length of each partial file. `--resume`
//! truncates each partial file to the length of the last complete checkpoint line (a torn last
//! line is ignored), skips that many input records and carries on appending. What was written
//! after the checkpoint is simply written again, so there are no gaps and no duplicates, in
//! plain and compressed outputs alike.

use crate::format::Compression;
use crate::{Error, Stats};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const OUT_BUF: usize = 256 * 1024;

/// The name of a file output while it is being written.
pub(crate) fn partial_path(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(".partial");
    PathBuf::from(s)
}

/// The resume journal of a scan whose first output is `p`.
pub(crate) fn journal_path(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(".resume");
    PathBuf::from(s)
}

enum Enc {
    /// Between members (or uncompressed).
    Raw(BufWriter<File>),
    Gz(flate2::write::GzEncoder<BufWriter<File>>),
    Zst(zstd::stream::write::Encoder<'static, BufWriter<File>>),
}

/// One output file being written under its `.partial` name.
pub(crate) struct OutFile {
    final_path: PathBuf,
    tmp_path: PathBuf,
    comp: Compression,
    enc: Option<Enc>,
}

impl OutFile {
    /// Starts a new, empty output.
    pub fn create(final_path: &Path) -> Result<OutFile, Error> {
        let tmp = partial_path(final_path);
        let f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(OutFile::wrap(final_path, tmp, f))
    }

    /// Reopens the partial output of a killed scan, cut back to `len` bytes (the last
    /// checkpoint: a member boundary when compressed).
    pub fn reopen(final_path: &Path, len: u64) -> Result<OutFile, Error> {
        let tmp = partial_path(final_path);
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&tmp)
            .map_err(|e| {
                Error::Resume(format!(
                    "{}: {e}: the partial output of the interrupted scan is gone",
                    tmp.display()
                ))
            })?;
        let have = f.metadata().map_err(|e| Error::io(&tmp, e))?.len();
        if have < len {
            return Err(Error::Resume(format!(
                "{} has {have} bytes, fewer than the {len} its last checkpoint recorded",
                tmp.display()
            )));
        }
        f.set_len(len).map_err(|e| Error::io(&tmp, e))?;
        f.seek(SeekFrom::Start(len))
            .map_err(|e| Error::io(&tmp, e))?;
        Ok(OutFile::wrap(final_path, tmp, f))
    }

    fn wrap(final_path: &Path, tmp: PathBuf, f: File) -> OutFile {
        OutFile {
            comp: Compression::from_name(&final_path.to_string_lossy()),
            final_path: final_path.to_path_buf(),
            tmp_path: tmp,
            enc: Some(Enc::Raw(BufWriter::with_capacity(OUT_BUF, f))),
        }
    }

    fn err(&self, e: io::Error) -> Error {
        Error::io(&self.tmp_path, e)
    }

    /// Writes one line (the line break is added).
    pub fn write_line(&mut self, line: &[u8]) -> Result<(), Error> {
        let enc = self
            .enc
            .take()
            .expect("an output is never left without a writer");
        // A member starts with the first line after a checkpoint, so none is ever empty.
        let enc = match (enc, self.comp) {
            (Enc::Raw(w), Compression::Gzip) => Enc::Gz(flate2::write::GzEncoder::new(
                w,
                flate2::Compression::default(),
            )),
            (Enc::Raw(w), Compression::Zstd) => {
                Enc::Zst(zstd::stream::write::Encoder::new(w, 3).map_err(|e| self.err(e))?)
            }
            (e, _) => e,
        };
        self.enc = Some(enc);
        let w: &mut dyn Write = match self.enc.as_mut().expect("just set") {
            Enc::Raw(w) => w,
            Enc::Gz(w) => w,
            Enc::Zst(w) => w,
        };
        w.write_all(line)
            .and_then(|_| w.write_all(b"\n"))
            .map_err(|e| self.err(e))
    }

    /// Ends the current member, flushes and syncs; returns the file's length, a point that a
    /// resumed scan can cut back to.
    pub fn seal(&mut self) -> Result<u64, Error> {
        let mut w = match self
            .enc
            .take()
            .expect("an output is never left without a writer")
        {
            Enc::Raw(w) => w,
            Enc::Gz(e) => e.finish().map_err(|e| self.err(e))?,
            Enc::Zst(e) => e.finish().map_err(|e| self.err(e))?,
        };
        w.flush().map_err(|e| self.err(e))?;
        // Synced before the journal names this length, so that even after a power cut the
        // journal never points past what is on disk.
        w.get_ref().sync_data().map_err(|e| self.err(e))?;
        let len = w.get_mut().stream_position().map_err(|e| self.err(e))?;
        self.enc = Some(Enc::Raw(w));
        Ok(len)
    }

    /// Seals the output and gives it its real name.
    pub fn commit(mut self) -> Result<(), Error> {
        self.seal()?;
        drop(self.enc.take());
        std::fs::rename(&self.tmp_path, &self.final_path)
            .map_err(|e| Error::io(&self.final_path, e))
    }
}

/// A checkpoint: how far a scan got.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct Checkpoint {
    /// Input records done (each has its line in one of the outputs).
    pub records: u64,
    /// Lengths of the partial outputs at that point.
    pub lens: Vec<u64>,
    /// Counts so far.
    pub stats: Stats,
    /// Set on the last line, written just before the outputs are renamed.
    #[serde(default)]
    pub done: bool,
}

/// The journal's first line.
#[derive(Serialize, Deserialize)]
struct Header {
    unspin_scan_resume: u32,
    /// What the scan reads and writes, as [`crate::scan`] describes it: a resume must be the same scan.
    config: serde_json::Value,
}

/// The resume journal: a header, then one JSON line per checkpoint.
pub(crate) struct Journal {
    path: PathBuf,
    file: File,
}

/// What a journal says.
pub(crate) struct JournalState {
    pub config: serde_json::Value,
    /// The last complete checkpoint.
    pub last: Checkpoint,
}

impl Journal {
    /// Starts a journal for a new scan.
    pub fn create(
        path: &Path,
        config: &serde_json::Value,
        n_outputs: usize,
    ) -> Result<Journal, Error> {
        let mut file = File::create(path).map_err(|e| Error::io(path, e))?;
        let h = Header {
            unspin_scan_resume: 1,
            config: config.clone(),
        };
        let mut text = serde_json::to_string(&h).expect("the header serializes");
        text.push('\n');
        file.write_all(text.as_bytes())
            .map_err(|e| Error::io(path, e))?;
        let mut j = Journal {
            path: path.to_path_buf(),
            file,
        };
        j.append(&Checkpoint {
            lens: vec![0; n_outputs],
            ..Checkpoint::default()
        })?;
        Ok(j)
    }

    /// Reads a journal: its configuration and its last complete checkpoint. `None` for a
    /// journal without a complete first line: a scan killed while creating it, before its
    /// first checkpoint, had done nothing that a resume could keep.
    pub fn load(path: &Path) -> Result<Option<JournalState>, Error> {
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        if !text.contains(&b'\n') {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&text);
        let mut lines = text.split_inclusive('\n');
        let header: Header = lines
            .next()
            .filter(|l| l.ends_with('\n'))
            .and_then(|l| serde_json::from_str(l).ok())
            .ok_or_else(|| {
                Error::Resume(format!("{} is not an unspin scan journal", path.display()))
            })?;
        if header.unspin_scan_resume != 1 {
            return Err(Error::Resume(format!(
                "{} is from another version of unspin scan",
                path.display()
            )));
        }
        // Only lines with their line break were written whole; a kill may tear the last one.
        let last = lines
            .filter(|l| l.ends_with('\n'))
            .filter_map(|l| serde_json::from_str::<Checkpoint>(l).ok())
            .next_back()
            .unwrap_or_default();
        Ok(Some(JournalState {
            config: header.config,
            last,
        }))
    }

    /// Reopens a journal to append to it.
    pub fn reopen(path: &Path) -> Result<Journal, Error> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends a checkpoint line.
    pub fn append(&mut self, c: &Checkpoint) -> Result<(), Error> {
        let mut line = serde_json::to_string(c).expect("a checkpoint serializes");
        // A torn line from a killed run would glue onto this one; a fresh line break keeps
        // this one whole (empty lines are skipped when reading).
        line.insert(0, '\n');
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|_| self.file.sync_data())
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Deletes the journal once the outputs have their real names.
    pub fn remove(self) -> Result<(), Error> {
        drop(self.file);
        std::fs::remove_file(&self.path).map_err(|e| Error::io(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read_all(p: &Path) -> String {
        let mut s = String::new();
        let f = File::open(p).unwrap();
        match Compression::from_name(&p.to_string_lossy()) {
            Compression::None => io::BufReader::new(f).read_to_string(&mut s),
            Compression::Gzip => flate2::read::MultiGzDecoder::new(f).read_to_string(&mut s),
            Compression::Zstd => zstd::stream::read::Decoder::new(f)
                .unwrap()
                .read_to_string(&mut s),
        }
        .unwrap();
        s
    }

    #[test]
    fn members_cut_and_resume_in_every_compression() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["o.jsonl", "o.jsonl.gz", "o.jsonl.zst"] {
            let p = dir.path().join(name);
            let mut o = OutFile::create(&p).unwrap();
            o.write_line(b"1").unwrap();
            o.write_line(b"2").unwrap();
            let len = o.seal().unwrap();
            o.write_line(b"3").unwrap();
            o.seal().unwrap();
            o.write_line(b"lost").unwrap();
            // A kill: the writer is dropped without a seal; some of it may have reached the file.
            drop(o);
            assert!(!p.exists(), "no file under the real name before commit");
            let mut o = OutFile::reopen(&p, len).unwrap();
            o.write_line(b"3").unwrap();
            o.write_line(b"4").unwrap();
            o.commit().unwrap();
            assert_eq!(read_all(&p), "1\n2\n3\n4\n", "{name}");
            assert!(!partial_path(&p).exists());
        }
    }

    #[test]
    fn journal_ignores_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("o.resume");
        let cfg = serde_json::json!({"inputs": ["a"]});
        let mut j = Journal::create(&p, &cfg, 1).unwrap();
        let c = Checkpoint {
            records: 10,
            lens: vec![123],
            ..Checkpoint::default()
        };
        j.append(&c).unwrap();
        drop(j);
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"records\":20,\"le").unwrap();
        let st = Journal::load(&p).unwrap().unwrap();
        assert_eq!(st.config, cfg);
        assert_eq!(st.last, c);
        // Appending after a torn line still yields a readable journal.
        let mut j = Journal::reopen(&p).unwrap();
        let c2 = Checkpoint {
            records: 30,
            ..c.clone()
        };
        j.append(&c2).unwrap();
        assert_eq!(Journal::load(&p).unwrap().unwrap().last, c2);
        std::fs::write(&p, b"garbage\n").unwrap();
        assert!(matches!(Journal::load(&p), Err(Error::Resume(_))));
        // Killed while the journal was being created: nothing to resume.
        for torn in [&b""[..], b"{\"unspin_scan_resume\":1,\"con"] {
            std::fs::write(&p, torn).unwrap();
            assert!(Journal::load(&p).unwrap().is_none());
        }
    }
}
