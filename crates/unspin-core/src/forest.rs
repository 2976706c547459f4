//! The change scorer: gradient-boosted decision trees over a change's features
//! ([`FEATURES`](crate::FEATURES)), fitted and kept as text (`data/scorer.txt`) and stored
//! padded, in binary form ([`Forest::to_bytes`]), in the model's `SCORER` section. The
//! expansion gate ([`GATE_FEATURES`](crate::GATE_FEATURES), section `GATE`) is a forest too.
//!
//! A linear scorer (the `c_*` weights in [`Params`](crate::params::Params)) cannot express
//! what decides whether a change is right: a language-model gain means much when the written
//! word fits its context badly and little when it fits well, and a thesaurus's word means
//! more for a rare spun word than for a frequent one. Trees learn such interactions. On the
//! development data they keep twice as many right changes as the linear scorer at the same
//! precision (`bench/fit_scorer.py`). A model without the section uses the linear scorer.
//!
//! # Format
//!
//! ```text
//! # comments and blank lines are skipped
//! features margin dlm prior ...     the feature names, in the engine's order
//! tree                              starts a tree; its nodes follow, root first
//! split 0 0.25 1 2                  if x[0] <= 0.25 go to node 1 of this tree, else node 2
//! leaf -0.5                         a leaf's value
//! ```
//!
//! The confidence is `sigmoid(Σ value of the leaf each tree reaches)`.

use crate::{Error, Result};

/// A node of a tree: a split or a leaf.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Node {
    Split {
        feature: u16,
        threshold: f32,
        left: u32,
        right: u32,
    },
    Leaf(f32),
}

/// A parsed ensemble of decision trees.
///
/// Every tree is stored padded to the same depth as a complete binary tree in breadth-first
/// order, so that evaluating it is a fixed number of steps with no unpredictable branch:
/// `i = 2i + 1 + (x[feature[i]] > threshold[i])`. A leaf above the full depth is padded with
/// splits that always go left and copies of its value. Changes are scored by the hundred
/// thousand per second, and the branchy walk of a pointer tree cost a quarter of the
/// decoder's time. Rows scored together go down splits coded in two bytes (see `coded`).
///
/// ```
/// use unspin_core::forest::Forest;
/// let text = "features a b\ntree\nsplit 1 0.5 1 2\nleaf -1\nleaf 1\n";
/// let f = Forest::parse(text, &["a", "b"]).unwrap();
/// assert_eq!(f.raw(&[0.0, 0.2]), -1.0);
/// assert_eq!(f.raw(&[0.0, 0.7]), 1.0);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Forest {
    /// Depth of every (padded) tree.
    depth: u32,
    /// Per tree, its `2^depth - 1` splits as (threshold, feature), then the next tree's: one
    /// load per step down a tree.
    split: Vec<(f32, u32)>,
    /// One more than the highest feature any split reads: [`raw`](Forest::raw) checks `x`
    /// against it once instead of at every step.
    width: usize,
    /// Per tree, its `2^depth` leaf values.
    leaf: Vec<f32>,
    /// The splits again, each as `[feature, rank]`: `x > threshold` is `code(x) > rank`,
    /// where a value's code is how many of its feature's thresholds lie below it
    /// ([`ranks`](Self::ranks)). Two bytes a split instead of eight, so the splits of a few
    /// hundred deep trees fit in a core's second-level cache. Empty where a feature has more
    /// thresholds than a byte can rank; the walk then reads [`split`](Self::split).
    coded: Vec<[u8; 2]>,
    /// Per feature, its splits' distinct thresholds in increasing order (for `coded`).
    ranks: Vec<Vec<f32>>,
    /// The features the trees were fitted on, as named in the `features` line: the leading
    /// ones of the engine's.
    names: Vec<String>,
}

/// The first bytes of a forest's binary form ([`Forest::to_bytes`]).
const BINARY_MAGIC: &[u8; 8] = b"UNFOREST";

/// Trees deeper than this are refused: a padded tree doubles in size with every level.
const MAX_DEPTH: u32 = 10;

impl Forest {
    /// Parses the text format above. `features` are the names the engine computes, in order:
    /// a scorer fitted on other features is refused, because it would score nonsense. One
    /// fitted on the leading ones only (before features were added) is accepted.
    pub fn parse(text: &str, features: &[&str]) -> Result<Forest> {
        Forest::parse_section(text, features, "SCORER")
    }

    /// [`Forest::parse`] for the model section `section`, which errors name.
    pub fn parse_section(text: &str, features: &[&str], section: &str) -> Result<Forest> {
        let bad =
            |line: usize, msg: &str| Error::Corrupt(format!("{section} line {}: {msg}", line + 1));
        if features.len() > u8::MAX as usize {
            return Err(Error::Corrupt(format!("{section}: too many features")));
        }
        let mut trees: Vec<Vec<Node>> = Vec::new();
        let mut names_seen = false;
        let mut fitted_on = Vec::new();
        let lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        for (i, line) in lines {
            let mut f = line.split_ascii_whitespace();
            let num = |s: Option<&str>| -> Result<f32> {
                s.and_then(|s| s.parse::<f32>().ok())
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| bad(i, "expected a finite number"))
            };
            let index = |s: Option<&str>| -> Result<u32> {
                s.and_then(|s| s.parse::<u32>().ok())
                    .ok_or_else(|| bad(i, "expected a node index"))
            };
            match (f.next(), trees.last_mut()) {
                (Some("features"), _) => {
                    let names: Vec<&str> = f.collect();
                    check_fitted_on(&names, features).map_err(|msg| bad(i, &msg))?;
                    names_seen = true;
                    fitted_on = names.iter().map(|n| n.to_string()).collect();
                }
                (Some("tree"), _) => trees.push(Vec::new()),
                (Some("leaf"), Some(tree)) => tree.push(Node::Leaf(num(f.next())?)),
                (Some("split"), Some(tree)) => {
                    let feature = index(f.next())?;
                    if feature as usize >= features.len() {
                        return Err(bad(i, "feature index out of range"));
                    }
                    tree.push(Node::Split {
                        feature: feature as u16,
                        threshold: num(f.next())?,
                        left: index(f.next())?,
                        right: index(f.next())?,
                    });
                }
                _ => return Err(bad(i, "expected `features`, `tree`, `split` or `leaf`")),
            }
        }
        if !names_seen && !trees.is_empty() {
            return Err(Error::Corrupt(format!("{section}: no `features` line")));
        }
        let mut depth = 0;
        for (t, tree) in trees.iter().enumerate() {
            depth = depth.max(tree_depth(tree, t, section)?);
        }
        let mut forest = Forest {
            depth,
            names: fitted_on,
            ..Forest::default()
        };
        let (splits, leaves) = ((1usize << depth) - 1, 1usize << depth);
        for tree in &trees {
            let at = (forest.split.len(), forest.leaf.len());
            // An unused split always goes left: no finite feature value exceeds infinity.
            forest.split.resize(at.0 + splits, (f32::INFINITY, 0));
            forest.leaf.resize(at.1 + leaves, 0.0);
            forest.pad(tree, 0, 0, 0, at);
        }
        Ok(forest.with_codes())
    }

    /// The forest in the binary form that model files store: the padded trees as they are
    /// walked, so that loading is a copy rather than a parse (a scorer of a few hundred deep
    /// trees is megabytes of text, and parsing it took longer than the rest of a load).
    ///
    /// ```text
    /// offset  size  field
    ///      0     8  magic b"UNFOREST"
    ///      8     4  depth d of every padded tree (u32 LE)
    ///     12     4  number of trees t
    ///     16     4  width: one more than the highest feature a split reads
    ///     20     4  length n of the feature names line
    ///     24     n  the feature names, joined by single spaces (UTF-8)
    ///      …        zero bytes up to a multiple of 4
    ///      …  8·t·(2^d-1)  splits, breadth-first per tree: threshold f32, feature u32
    ///      …  4·t·2^d      leaf values f32
    /// ```
    ///
    /// ```
    /// use unspin_core::forest::Forest;
    /// let text = "features a b\ntree\nsplit 1 0.5 1 2\nleaf -1\nleaf 1\n";
    /// let f = Forest::parse(text, &["a", "b"]).unwrap();
    /// let g = Forest::from_section(&f.to_bytes(), &["a", "b"], "SCORER").unwrap();
    /// assert_eq!(g.raw(&[0.0, 0.7]), 1.0);
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let names = self.names.join(" ");
        let mut out =
            Vec::with_capacity(32 + names.len() + 8 * self.split.len() + 4 * self.leaf.len());
        out.extend_from_slice(BINARY_MAGIC);
        for v in [
            self.depth,
            self.len() as u32,
            self.width as u32,
            names.len() as u32,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(names.as_bytes());
        out.resize(out.len().next_multiple_of(4), 0);
        for &(threshold, feature) in &self.split {
            out.extend_from_slice(&threshold.to_le_bytes());
            out.extend_from_slice(&feature.to_le_bytes());
        }
        for v in &self.leaf {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Reads a model section holding a forest: the binary form of [`Forest::to_bytes`], or
    /// the text form of [`Forest::parse`] (hand-written fixtures, and models of format
    /// version 1). An empty section is an empty forest. `section` names the section in errors.
    pub fn from_section(bytes: &[u8], features: &[&str], section: &str) -> Result<Forest> {
        if !bytes.starts_with(BINARY_MAGIC) {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| Error::Corrupt(format!("{section}: neither a forest nor text")))?;
            return Forest::parse_section(text, features, section);
        }
        let bad = |msg: &str| Error::Corrupt(format!("{section}: {msg}"));
        let u32_at = |at: usize| -> Result<u32> {
            bytes
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes(b.try_into().expect("four bytes")))
                .ok_or_else(|| bad("truncated header"))
        };
        let (depth, trees, width, name_len) = (
            u32_at(8)?,
            u32_at(12)? as usize,
            u32_at(16)? as usize,
            u32_at(20)? as usize,
        );
        if depth > MAX_DEPTH {
            return Err(bad(&format!(
                "trees {depth} levels deep; at most {MAX_DEPTH} are supported"
            )));
        }
        let names = bytes
            .get(24..24 + name_len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or_else(|| bad("bad feature names"))?;
        let names: Vec<&str> = names.split(' ').filter(|n| !n.is_empty()).collect();
        if trees > 0 {
            check_fitted_on(&names, features).map_err(|msg| bad(&msg))?;
        }
        if width > names.len() {
            return Err(bad("a split reads a feature the trees were not fitted on"));
        }
        let (splits, leaves) = ((1usize << depth) - 1, 1usize << depth);
        let start = (24 + name_len).next_multiple_of(4);
        let body = trees
            .checked_mul(8 * splits + 4 * leaves)
            .filter(|&n| start.checked_add(n) == Some(bytes.len()))
            .ok_or_else(|| bad("its length does not match its header"))?;
        let (split_bytes, leaf_bytes) = bytes[start..start + body].split_at(trees * 8 * splits);
        let f32_of = |b: &[u8]| f32::from_le_bytes(b.try_into().expect("four bytes"));
        let mut split = Vec::with_capacity(trees * splits);
        for b in split_bytes.chunks_exact(8) {
            let (threshold, feature) = (
                f32_of(&b[..4]),
                u32::from_le_bytes(b[4..].try_into().expect("four bytes")),
            );
            // The walk reads x[feature] unchecked: every feature must be inside `width`.
            if threshold.is_nan() || feature as usize >= width {
                return Err(bad("a split with a bad threshold or feature"));
            }
            split.push((threshold, feature));
        }
        let leaf: Vec<f32> = leaf_bytes.chunks_exact(4).map(f32_of).collect();
        if leaf.iter().any(|v| !v.is_finite()) {
            return Err(bad("a leaf value that is not finite"));
        }
        Ok(Forest {
            depth,
            split,
            width,
            leaf,
            names: names.iter().map(|n| n.to_string()).collect(),
            ..Forest::default()
        }
        .with_codes())
    }

    /// The forest with [`coded`](Self::coded) and [`ranks`](Self::ranks) filled from its
    /// splits, where every feature has at most 255 distinct thresholds (LightGBM's default of
    /// 255 bins gives at most 254).
    fn with_codes(mut self) -> Forest {
        if self.width > 256 {
            return self;
        }
        let mut ranks: Vec<Vec<f32>> = vec![Vec::new(); self.width];
        for &(t, f) in &self.split {
            if t != f32::INFINITY {
                ranks[f as usize].push(t);
            }
        }
        for r in &mut ranks {
            r.sort_by(f32::total_cmp);
            // -0.0 and 0.0 are one threshold: no value lies between them.
            r.dedup_by(|a, b| a == b);
        }
        if ranks.iter().any(|r| r.len() > 255) {
            return self;
        }
        self.coded = self
            .split
            .iter()
            .map(|&(t, f)| {
                // The padding's infinite threshold, which every value goes left of, gets the
                // rank no code exceeds.
                // A threshold's rank is its own code: the thresholds below it.
                let rank = if t == f32::INFINITY {
                    u8::MAX
                } else {
                    code(&ranks[f as usize], t)
                };
                [f as u8, rank]
            })
            .collect();
        self.ranks = ranks;
        self
    }

    /// Writes node `k` of `tree` at position `pos` (breadth-first, at `level`) of the padded
    /// tree whose splits start at `at.0` and leaves at `at.1`.
    fn pad(&mut self, tree: &[Node], k: u32, pos: usize, level: u32, at: (usize, usize)) {
        if level == self.depth {
            let Node::Leaf(v) = tree[k as usize] else {
                unreachable!("tree_depth checked the depth")
            };
            self.leaf[at.1 + pos - ((1 << self.depth) - 1)] = v;
            return;
        }
        let (l, r) = match tree[k as usize] {
            Node::Split {
                feature,
                threshold,
                left,
                right,
            } => {
                self.split[at.0 + pos] = (threshold, feature as u32);
                self.width = self.width.max(feature as usize + 1);
                (left, right)
            }
            // A leaf above the full depth: both sides of its padding reach its value.
            Node::Leaf(_) => (k, k),
        };
        self.pad(tree, l, 2 * pos + 1, level + 1, at);
        self.pad(tree, r, 2 * pos + 2, level + 1, at);
    }

    /// Whether the ensemble has no trees.
    pub fn is_empty(&self) -> bool {
        self.leaf.is_empty()
    }

    /// Number of trees.
    pub fn len(&self) -> usize {
        self.leaf.len() >> self.depth
    }

    /// The summed leaf values for feature vector `x` (the log-odds).
    ///
    /// # Panics
    ///
    /// If `x` has fewer values than the features the forest was parsed with.
    pub fn raw(&self, x: &[f32]) -> f32 {
        self.walk(&self.split, [&x[..self.width]], 0..self.len(), [0.0])[0]
    }

    /// [`raw`](Forest::raw) for many feature vectors at once: `out` gets one log-odds per row
    /// of `rows` (it is cleared first). Anything that lends its features as a slice is a row,
    /// so the engine scores its pending changes where they lie.
    ///
    /// The result is the same, bit for bit, as calling `raw` on each row, but eight rows go
    /// down each tree side by side: their steps do not depend on one another, so the
    /// processor overlaps their trips to the tree's nodes, where one row alone would wait for
    /// each.
    ///
    /// ```
    /// use unspin_core::forest::Forest;
    /// let text = "features a b\ntree\nsplit 1 0.5 1 2\nleaf -1\nleaf 1\n";
    /// let f = Forest::parse(text, &["a", "b"]).unwrap();
    /// let mut out = Vec::new();
    /// f.raw_rows(&[[0.0, 0.2], [0.0, 0.7]], &mut out);
    /// assert_eq!(out, [-1.0, 1.0]);
    /// ```
    ///
    /// # Panics
    ///
    /// If a row has fewer values than the features the forest was parsed with.
    pub fn raw_rows<R: AsRef<[f32]>>(&self, rows: &[R], out: &mut Vec<f32>) {
        // Every tree in the first stage, so no row is left for a second.
        self.raw_rows_screened(rows, self.len(), |_, _| false, out);
    }

    /// [`raw_rows`](Forest::raw_rows) in two stages, for rows most of which only need to be
    /// known to be low: every row goes down the first `first` trees, and only the rows for
    /// which `go_on(row, log-odds so far)` holds go down the rest. The others keep the sum of
    /// their first `first` trees. A row that goes on gets the same bits as from `raw_rows`:
    /// its sum is added in the same order.
    ///
    /// ```
    /// use unspin_core::forest::Forest;
    /// let text = "features a\ntree\nsplit 0 0.5 1 2\nleaf -1\nleaf 1\ntree\nleaf 2\n";
    /// let f = Forest::parse(text, &["a"]).unwrap();
    /// let mut out = Vec::new();
    /// // Rows whose first tree says -1 stop there.
    /// f.raw_rows_screened(&[[0.0], [0.7]], 1, |_, sum| sum > 0.0, &mut out);
    /// assert_eq!(out, [-1.0, 3.0]);
    /// ```
    ///
    /// # Panics
    ///
    /// If a row has fewer values than the features the forest was parsed with.
    pub fn raw_rows_screened<R: AsRef<[f32]>>(
        &self,
        rows: &[R],
        first: usize,
        go_on: impl Fn(usize, f32) -> bool,
        out: &mut Vec<f32>,
    ) {
        let first = first.min(self.len());
        out.clear();
        out.resize(rows.len(), 0.0);
        let all: Vec<usize> = (0..rows.len()).collect();
        // Each row is coded once, for both stages.
        let w = self.width;
        let mut codes = Vec::new();
        if !self.coded.is_empty() {
            codes.resize(rows.len() * w, 0u8);
            for (c, row) in codes.chunks_exact_mut(w).zip(rows) {
                for ((c, &v), r) in c.iter_mut().zip(&row.as_ref()[..w]).zip(&self.ranks) {
                    *c = code(r, v);
                }
            }
        }
        self.add_trees(rows, &codes, &all, 0..first, out);
        let rest: Vec<usize> = all.into_iter().filter(|&k| go_on(k, out[k])).collect();
        self.add_trees(rows, &codes, &rest, first..self.len(), out);
    }

    /// Adds the trees `trees` to the sums `out` of the rows `which` of `rows`, walked on
    /// their `codes` (`width` a row) where there are any, else on their values.
    fn add_trees<R: AsRef<[f32]>>(
        &self,
        rows: &[R],
        codes: &[u8],
        which: &[usize],
        trees: std::ops::Range<usize>,
        out: &mut [f32],
    ) {
        if which.is_empty() || trees.is_empty() {
            return;
        }
        // A block of rows stays in the first-level cache while the trees stream past it,
        // however long the document. Sixteen rows side by side were no faster than eight.
        const LANES: usize = 8;
        let w = self.width;
        for block in which.chunks(LANES) {
            // Missing lanes of the last block repeat its first row; their sums are dropped.
            let lane_row = |lane: usize| *block.get(lane).unwrap_or(&block[0]);
            let init: [f32; LANES] = std::array::from_fn(|lane| out[lane_row(lane)]);
            let sum = if codes.is_empty() {
                let x: [&[f32]; LANES] =
                    std::array::from_fn(|lane| &rows[lane_row(lane)].as_ref()[..w]);
                self.walk(&self.split, x, trees.clone(), init)
            } else {
                let x: [&[u8]; LANES] =
                    std::array::from_fn(|lane| &codes[lane_row(lane) * w..][..w]);
                self.walk(&self.coded, x, trees.clone(), init)
            };
            for (lane, &k) in block.iter().enumerate() {
                out[k] = sum[lane];
            }
        }
    }

    /// The log-odds of `L` rows of exactly `width` values, walked down each tree side by side
    /// over `splits` ([`split`](Self::split), or [`coded`](Self::coded) with rows of codes).
    #[inline(always)]
    fn walk<S: Split, const L: usize>(
        &self,
        splits: &[S],
        x: [&[S::Value]; L],
        trees: std::ops::Range<usize>,
        init: [f32; L],
    ) -> [f32; L] {
        // The depths the shipped trees have get a walk unrolled at compile time.
        match self.depth {
            4 => self.walk_at(splits, x, 4, trees, init),
            6 => self.walk_at(splits, x, 6, trees, init),
            8 => self.walk_at(splits, x, 8, trees, init),
            10 => self.walk_at(splits, x, 10, trees, init),
            d => self.walk_at(splits, x, d, trees, init),
        }
    }

    #[inline(always)]
    fn walk_at<S: Split, const L: usize>(
        &self,
        splits_of: &[S],
        x: [&[S::Value]; L],
        depth: u32,
        trees: std::ops::Range<usize>,
        init: [f32; L],
    ) -> [f32; L] {
        let splits = (1usize << depth) - 1;
        let leaves = &self.leaf[trees.start << depth..trees.end << depth];
        if splits == 0 {
            // Trees that are single leaves.
            return init.map(|s| leaves.iter().fold(s, |sum, v| sum + v));
        }
        let mut sum = init;
        for (split, leaves) in splits_of[trees.start * splits..trees.end * splits]
            .chunks_exact(splits)
            .zip(leaves.chunks_exact(splits + 1))
        {
            let mut i = [0usize; L];
            for _ in 0..depth {
                for lane in 0..L {
                    // SAFETY: after k < depth steps, i <= 2^(k+1) - 2 < splits, and a split's
                    // feature is below `width` (`pad` raises it), every row's length. This is
                    // the scorer's inner loop: over a thousand steps per change scored.
                    let s = unsafe { *split.get_unchecked(i[lane]) };
                    i[lane] = 2 * i[lane] + 1 + unsafe { s.right_of(x[lane]) } as usize;
                }
            }
            // Tree after tree, from 0.0: a row's sum is added in the same order however many
            // rows go side by side, so it is the same bits.
            for lane in 0..L {
                sum[lane] += leaves[i[lane] - splits];
            }
        }
        sum
    }
}

/// The code of `v` among a feature's distinct `thresholds` (increasing, at most 255): how many
/// lie below it, so that `v > thresholds[j]` exactly when the code exceeds `j` (NaN codes as 0,
/// above no threshold, as it compares).
#[inline]
fn code(thresholds: &[f32], v: f32) -> u8 {
    thresholds.partition_point(|&t| t < v) as u8
}

/// A split as a walk reads it: which way a row goes.
trait Split: Copy {
    /// What a row holds: a feature value, or its code.
    type Value: Copy;

    /// Whether the row `x` goes right.
    ///
    /// # Safety
    ///
    /// The split's feature must be below `x.len()`.
    unsafe fn right_of(self, x: &[Self::Value]) -> bool;
}

impl Split for (f32, u32) {
    type Value = f32;

    #[inline(always)]
    unsafe fn right_of(self, x: &[f32]) -> bool {
        // SAFETY: the caller's.
        unsafe { *x.get_unchecked(self.1 as usize) > self.0 }
    }
}

impl Split for [u8; 2] {
    type Value = u8;

    #[inline(always)]
    unsafe fn right_of(self, x: &[u8]) -> bool {
        // SAFETY: the caller's.
        unsafe { *x.get_unchecked(self[0] as usize) > self[1] }
    }
}

/// Whether trees fitted on the features `names` can score this build's `features`: features
/// are only ever added at the end, so a scorer fitted on the leading ones scores them as it was
/// fitted to (the trees never read the others). The error says what to do.
fn check_fitted_on(names: &[&str], features: &[&str]) -> std::result::Result<(), String> {
    if names.is_empty() || !features.starts_with(names) {
        return Err(format!(
            "the trees were fitted on features {names:?}, but this build computes {features:?}; rebuild the model"
        ));
    }
    Ok(())
}

/// The depth of a tree given root first, checking that every child index points forward
/// inside it (so that every walk ends at a leaf) and that it is not too deep.
fn tree_depth(tree: &[Node], t: usize, section: &str) -> Result<u32> {
    let corrupt = |msg: &str| Error::Corrupt(format!("{section}: tree {t} {msg}"));
    if tree.is_empty() {
        return Err(corrupt("is empty"));
    }
    // Children come after their parent, so one pass in order sees every parent first.
    let mut level = vec![u32::MAX; tree.len()];
    level[0] = 0;
    let mut depth = 0;
    for (k, node) in tree.iter().enumerate() {
        if level[k] == u32::MAX {
            return Err(corrupt(&format!("node {k} is not reached from the root")));
        }
        if let Node::Split { left, right, .. } = *node {
            for c in [left, right] {
                let c = c as usize;
                if c <= k || c >= tree.len() {
                    return Err(corrupt(&format!(
                        "node {k} has a child out of order or out of range"
                    )));
                }
                level[c] = level[k] + 1;
                depth = depth.max(level[c]);
            }
        }
    }
    if depth > MAX_DEPTH {
        return Err(corrupt(&format!(
            "is {depth} levels deep; at most {MAX_DEPTH} are supported"
        )));
    }
    Ok(depth)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "# two trees\nfeatures a b\ntree\nsplit 0 1 1 2\nleaf 0.5\nsplit 1 -2 3 4\nleaf 1\nleaf 2\ntree\nleaf 0.25\n";

    #[test]
    fn sums_the_leaves_reached() {
        let f = Forest::parse(TWO, &["a", "b"]).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f.raw(&[1.0, 0.0]), 0.75);
        assert_eq!(f.raw(&[1.5, -3.0]), 1.25);
        assert_eq!(f.raw(&[1.5, 0.0]), 2.25);
        // Trees that are all single leaves.
        let f = Forest::parse("features a\ntree\nleaf 0.5\ntree\nleaf 0.25\n", &["a"]).unwrap();
        assert_eq!(f.raw(&[]), 0.75);
    }

    /// A forest text of `trees` random trees at most `depth` deep over `width` features.
    fn random_forest(seed: u64, trees: usize, depth: u32, width: usize) -> String {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        let names: Vec<String> = (0..width).map(|k| format!("f{k}")).collect();
        let mut out = format!("features {}\n", names.join(" "));
        for _ in 0..trees {
            out.push_str("tree\n");
            // Pre-order: a node's children follow it, so lay the tree out recursively.
            fn node(
                at: &mut usize,
                level: u32,
                depth: u32,
                next: &mut dyn FnMut() -> u32,
            ) -> Vec<String> {
                *at += 1;
                if level == depth || next().is_multiple_of(4) {
                    return vec![format!("leaf {}", next() as f32 / 1e9 - 2.0)];
                }
                // Thresholds on a grid, as a fitter's bins put them, which the rows below hit.
                let (feature, threshold) =
                    (next() as usize % 3, (next() % 250) as f32 / 100.0 - 1.0);
                let left = *at;
                let mut below = node(at, level + 1, depth, next);
                let right = *at;
                below.extend(node(at, level + 1, depth, next));
                // Children are numbered from the tree's root.
                let mut lines = vec![format!("split {feature} {threshold} {left} {right}")];
                lines.extend(below);
                lines
            }
            let mut at = 0;
            for line in node(&mut at, 0, depth, &mut next) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }

    #[test]
    fn rows_score_as_one_at_a_time() {
        let names = ["f0", "f1", "f2"];
        for (seed, depth) in [(1, 0), (2, 3), (3, 4), (4, 6), (5, 8), (6, 9), (12, 10)] {
            let f = Forest::parse(&random_forest(seed, 40, depth, 3), &names).unwrap();
            // Rows with a spare value at the end, as the engine passes them, and a last
            // block of 5.
            let rows: Vec<[f32; 4]> = (0..37)
                .map(|r| std::array::from_fn(|k| (((4 * r + k) * 7919) % 200) as f32 / 100.0 - 1.0))
                .collect();
            let mut out = vec![9.0];
            f.raw_rows(&rows, &mut out);
            assert_eq!(out.len(), 37);
            for (x, got) in rows.iter().zip(&out) {
                assert_eq!(got.to_bits(), f.raw(x).to_bits(), "depth {depth}");
            }
        }
        let f = Forest::parse(TWO, &["a", "b"]).unwrap();
        let mut out = vec![];
        f.raw_rows::<[f32; 2]>(&[], &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn coded_splits_decide_as_the_thresholds_do() {
        let names = ["f0", "f1", "f2"];
        let f = Forest::parse(&random_forest(11, 60, 10, 3), &names).unwrap();
        assert!(!f.coded.is_empty());
        // The thresholds themselves, the floats just beside them, both zeros, the infinities
        // and NaN: a code must send each row where its value does.
        let mut values = vec![
            0.0,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -7.0,
            7.0,
        ];
        for t in f.ranks.iter().flatten() {
            values.extend([*t, t.next_down(), t.next_up()]);
        }
        let rows: Vec<[f32; 3]> = (0..values.len())
            .map(|k| std::array::from_fn(|j| values[(k + 7 * j) % values.len()]))
            .collect();
        let mut out = Vec::new();
        f.raw_rows(&rows, &mut out);
        for (x, got) in rows.iter().zip(&out) {
            assert_eq!(got.to_bits(), f.raw(x).to_bits(), "{x:?}");
        }
        // A feature with more thresholds than a byte ranks leaves the splits uncoded, and the
        // rows are walked on the floats.
        let mut text = String::from("features f0\n");
        for k in 0..300 {
            text.push_str(&format!("tree\nsplit 0 {k} 1 2\nleaf -1\nleaf {k}\n"));
        }
        let f = Forest::parse(&text, &["f0"]).unwrap();
        assert!(f.coded.is_empty());
        let rows: Vec<[f32; 1]> = (0..40).map(|k| [k as f32 * 7.5]).collect();
        f.raw_rows(&rows, &mut out);
        for (x, got) in rows.iter().zip(&out) {
            assert_eq!(got.to_bits(), f.raw(x).to_bits());
        }
    }

    #[test]
    fn screened_rows_stop_early_and_the_others_score_as_in_full() {
        let names = ["f0", "f1", "f2"];
        for (seed, depth) in [(7, 0), (8, 4), (9, 6)] {
            let text = random_forest(seed, 40, depth, 3);
            let f = Forest::parse(&text, &names).unwrap();
            let rows: Vec<[f32; 3]> = (0..29)
                .map(|r| std::array::from_fn(|k| (((3 * r + k) * 7919) % 200) as f32 / 100.0 - 1.0))
                .collect();
            let mut full = vec![];
            f.raw_rows(&rows, &mut full);
            // The first 10 trees alone: the same forest cut after its tenth tree.
            let cut = text
                .match_indices("tree")
                .nth(10)
                .map_or(text.len(), |(at, _)| at);
            let first = Forest::parse(&text[..cut], &names).unwrap();
            let mut out = vec![5.0];
            f.raw_rows_screened(&rows, 10, |k, _| k % 3 != 0, &mut out);
            for (k, x) in rows.iter().enumerate() {
                let want = if k % 3 != 0 { full[k] } else { first.raw(x) };
                assert_eq!(out[k].to_bits(), want.to_bits(), "depth {depth}, row {k}");
            }
            // Past the last tree, every row is scored in full.
            f.raw_rows_screened(&rows, 99, |_, _| false, &mut out);
            assert_eq!(out, full);
        }
    }

    /// The leaf sum of the forest text `text` on `x`, each tree walked from its root as
    /// written: what the padded walk must reproduce bit for bit.
    fn reference(text: &str, x: &[f32]) -> f32 {
        let mut trees: Vec<Vec<Vec<&str>>> = Vec::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            match f.first() {
                Some(&"tree") => trees.push(Vec::new()),
                Some(&"split") | Some(&"leaf") => trees.last_mut().unwrap().push(f),
                _ => {}
            }
        }
        let mut sum = 0.0;
        for tree in &trees {
            let mut k = 0;
            while tree[k][0] == "split" {
                let n = |i: usize| tree[k][i].parse::<f32>().unwrap();
                let (feature, threshold) = (n(1) as usize, n(2));
                k = n(if x[feature] > threshold { 4 } else { 3 }) as usize;
            }
            sum += tree[k][1].parse::<f32>().unwrap();
        }
        sum
    }

    #[test]
    fn walks_as_the_fitted_trees() {
        let names = ["f0", "f1", "f2"];
        for (seed, depth) in [(11, 1), (12, 4), (13, 6), (14, 8), (15, 10)] {
            let text = random_forest(seed, 30, depth, 3);
            let f = Forest::parse(&text, &names).unwrap();
            // On the thresholds, between them, beyond them, and values no split sends right.
            let values = [
                -1.0,
                -0.0,
                0.0,
                0.005,
                0.37,
                1.49,
                1.5,
                7.0,
                f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
            ];
            for (a, b) in values.iter().zip(values.iter().rev()) {
                for x in [[*a, *b, 0.5], [*b, 0.25, *a], [0.1, *a, *b]] {
                    assert_eq!(
                        f.raw(&x).to_bits(),
                        reference(&text, &x).to_bits(),
                        "depth {depth} {x:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn binary_form_round_trips_and_is_checked() {
        let names = ["f0", "f1", "f2"];
        for (seed, depth) in [(7, 0), (8, 5), (9, 10)] {
            let f = Forest::parse(&random_forest(seed, 12, depth, 3), &names).unwrap();
            let g = Forest::from_section(&f.to_bytes(), &names, "SCORER").unwrap();
            assert_eq!((g.len(), g.depth, g.width), (f.len(), f.depth, f.width));
            for x in [[0.0, 0.5, -0.5], [1.0, -1.0, 0.25], [-0.3, 0.1, 0.9]] {
                assert_eq!(f.raw(&x).to_bits(), g.raw(&x).to_bits());
            }
        }
        // The text form is read from a section too; an empty one is an empty forest.
        assert_eq!(
            Forest::from_section(TWO.as_bytes(), &["a", "b"], "SCORER")
                .unwrap()
                .len(),
            2
        );
        assert!(Forest::from_section(b"", &["a"], "SCORER")
            .unwrap()
            .is_empty());
        let bytes = Forest::parse(TWO, &["a", "b"]).unwrap().to_bytes();
        // Another build's features, a cut, a byte too many.
        let e = Forest::from_section(&bytes, &["a", "c"], "SCORER")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("SCORER") && e.contains("rebuild the model"),
            "{e}"
        );
        assert!(Forest::from_section(&bytes[..bytes.len() - 1], &["a", "b"], "SCORER").is_err());
        let mut long = bytes.clone();
        long.push(0);
        assert!(Forest::from_section(&long, &["a", "b"], "SCORER").is_err());
        // A split reading past the features would be read unchecked: refused.
        let mut wide = bytes.clone();
        let first_split = (24 + "a b".len()).next_multiple_of(4);
        wide[first_split + 4] = 2;
        let e = Forest::from_section(&wide, &["a", "b", "c"], "GATE")
            .unwrap_err()
            .to_string();
        assert!(e.contains("GATE"), "{e}");
        // Too deep, and a non-finite leaf.
        let mut deep = bytes.clone();
        deep[8] = 11;
        assert!(Forest::from_section(&deep, &["a", "b"], "SCORER").is_err());
        let mut nan = bytes;
        let n = nan.len();
        nan[n - 4..].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(Forest::from_section(&nan, &["a", "b"], "SCORER").is_err());
    }

    #[test]
    fn refuses_bad_scorers() {
        // Fitted on other features.
        let e = Forest::parse(TWO, &["a", "c"]).unwrap_err().to_string();
        assert!(e.contains("rebuild the model"), "{e}");
        assert!(Forest::parse(TWO, &["a"]).is_err());
        // Fitted before a feature was added at the end: still the same features to it.
        let f = Forest::parse(TWO, &["a", "b", "c"]).unwrap();
        assert_eq!(f.raw(&[1.5, 0.0, 9.0]), 2.25);
        // A child pointing backwards would loop forever.
        assert!(Forest::parse("features a\ntree\nsplit 0 1 0 1\nleaf 1\n", &["a"]).is_err());
        // A child outside its tree, and a node no split reaches.
        assert!(Forest::parse("features a\ntree\nleaf 1\nleaf 2\n", &["a"]).is_err());
        assert!(
            Forest::parse("features a\ntree\nsplit 0 1 1 5\nleaf 1\nleaf 2\n", &["a"]).is_err()
        );
        // A feature the engine does not compute.
        assert!(
            Forest::parse("features a\ntree\nsplit 3 1 1 2\nleaf 1\nleaf 2\n", &["a"]).is_err()
        );
        // Nodes before any tree, junk, and non-finite values.
        assert!(Forest::parse("features a\nleaf 1\n", &["a"]).is_err());
        assert!(Forest::parse("features a\ntree\nleaf NaN\n", &["a"]).is_err());
        assert!(Forest::parse("features a\nbush\n", &["a"]).is_err());
        // No features line.
        assert!(Forest::parse("tree\nleaf 1\n", &["a"]).is_err());
        // An empty text is an empty scorer.
        assert!(Forest::parse("", &["a"]).unwrap().is_empty());
    }
}
