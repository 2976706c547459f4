//! The change scorer: gradient-boosted decision trees over a change's features
//! ([`FEATURES`](crate::FEATURES)), stored as text in the model's `SCORER` section. The
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
/// decoder's time.
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
}

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
                    // Features are only ever added at the end: a scorer fitted on the leading
                    // ones scores them as it was fitted to (the trees never read the others).
                    if names.is_empty() || !features.starts_with(&names) {
                        return Err(bad(
                            i,
                            &format!(
                                "the trees were fitted on features {names:?}, but this build computes {features:?}; rebuild the model"
                            ),
                        ));
                    }
                    names_seen = true;
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
        Ok(forest)
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
        // The depths the shipped trees have get a walk unrolled at compile time.
        match self.depth {
            4 => self.raw_at::<4>(x),
            6 => self.raw_at::<6>(x),
            d => self.raw_with(x, d),
        }
    }

    #[inline(always)]
    fn raw_at<const D: u32>(&self, x: &[f32]) -> f32 {
        self.raw_with(x, D)
    }

    #[inline(always)]
    fn raw_with(&self, x: &[f32], depth: u32) -> f32 {
        let x = &x[..self.width];
        let splits = (1usize << depth) - 1;
        if splits == 0 {
            // Trees that are single leaves.
            return self.leaf.iter().fold(0.0, |sum, v| sum + v);
        }
        let mut sum = 0.0;
        for (split, leaves) in self
            .split
            .chunks_exact(splits)
            .zip(self.leaf.chunks_exact(splits + 1))
        {
            let mut i = 0;
            for _ in 0..depth {
                // SAFETY: after k < depth steps, i <= 2^(k+1) - 2 < splits, and a split's
                // feature is below `width` (`pad` raises it), which is `x`'s length now. This
                // is the scorer's inner loop: six hundred steps per change scored.
                let (threshold, feature) = unsafe { *split.get_unchecked(i) };
                let v = unsafe { *x.get_unchecked(feature as usize) };
                i = 2 * i + 1 + (v > threshold) as usize;
            }
            sum += leaves[i - splits];
        }
        sum
    }
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
