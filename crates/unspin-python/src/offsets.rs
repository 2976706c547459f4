//! Byte offsets (what the engine reports) to code-point offsets (what Python's `str` indexes).

/// Turns byte offsets into code-point offsets for one text.
///
/// A report's span boundaries arrive in increasing order, so the text is walked once, up to the
/// last boundary asked for, instead of once per span.
pub struct CodePoints<'a> {
    text: &'a str,
    /// The last byte offset converted, and its code-point offset.
    byte: usize,
    chars: usize,
}

impl<'a> CodePoints<'a> {
    /// A converter over `text`, positioned at its start.
    pub fn new(text: &'a str) -> CodePoints<'a> {
        CodePoints {
            text,
            byte: 0,
            chars: 0,
        }
    }

    /// The code-point offset of byte offset `byte`, which must lie on a character boundary.
    pub fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            // Out of order: start over rather than walk backwards through UTF-8.
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

#[cfg(test)]
mod tests {
    use super::CodePoints;

    #[test]
    fn counts_code_points_not_bytes() {
        let text = "é😀 中文 x";
        let mut cp = CodePoints::new(text);
        let bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for (n, &b) in bytes.iter().enumerate() {
            assert_eq!(cp.at(b), n);
        }
        assert_eq!(cp.at(text.len()), text.chars().count());
        // Going back restarts the walk and still answers correctly.
        assert_eq!(cp.at(bytes[2]), 2);
    }
}
