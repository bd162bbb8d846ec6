//! Python's `difflib.SequenceMatcher`, as far as its similarity ratios go:
//! `ratio()`, `quick_ratio()` and `real_quick_ratio()`, computed as CPython
//! computes them, float for float. Django's `UserAttributeSimilarityValidator`
//! compares a password with a user's attributes through `quick_ratio()`.
//!
//! Faithful in what changes a ratio: `find_longest_match` keeps the first
//! longest match in `a` order, and the autojunk heuristic of
//! `SequenceMatcher(autojunk=True)` (the default) drops from `b`'s index
//! every element occurring more than `len(b) // 100 + 1` times when `b` has
//! 200 or more elements, then extends matches across them as CPython does.
//! No `isjunk` function: Django passes none.

use std::collections::HashMap;
use std::hash::Hash;

/// `SequenceMatcher(None, a, b)`: a pair of sequences compared.
#[derive(Debug)]
pub struct SequenceMatcher<'a, T> {
    a: &'a [T],
    b: &'a [T],
}

impl<'a, T: Copy + Eq + Hash> SequenceMatcher<'a, T> {
    /// `SequenceMatcher(a=a, b=b)`.
    pub fn new(a: &'a [T], b: &'a [T]) -> SequenceMatcher<'a, T> {
        SequenceMatcher { a, b }
    }

    /// `ratio()`: twice the matched elements over the total, the matches
    /// found by `get_matching_blocks()`.
    pub fn ratio(&self) -> f64 {
        let b2j = self.b2j();
        let mut matches = 0;
        let mut queue = vec![(0, self.a.len(), 0, self.b.len())];
        while let Some((alo, ahi, blo, bhi)) = queue.pop() {
            let (i, j, k) = self.find_longest_match(&b2j, alo, ahi, blo, bhi);
            if k > 0 {
                matches += k;
                if alo < i && blo < j {
                    queue.push((alo, i, blo, j));
                }
                if i + k < ahi && j + k < bhi {
                    queue.push((i + k, ahi, j + k, bhi));
                }
            }
        }
        calculate_ratio(matches, self.a.len() + self.b.len())
    }

    /// `quick_ratio()`: an upper bound on `ratio()`, from the elements the
    /// two have in common regardless of order.
    ///
    /// The counts are kept in a list, not CPython's dict: the sequences it
    /// compares here are a password and a username, and a list keeps a
    /// second `HashMap` out of the binary.
    pub fn quick_ratio(&self) -> f64 {
        let mut available: Vec<(T, isize)> = Vec::new();
        for &element in self.b {
            match available.iter_mut().find(|(e, _)| *e == element) {
                Some((_, count)) => *count += 1,
                None => available.push((element, 1)),
            }
        }
        let mut matches = 0;
        for element in self.a {
            if let Some((_, count)) = available.iter_mut().find(|(e, _)| e == element) {
                if *count > 0 {
                    matches += 1;
                }
                *count -= 1;
            }
        }
        calculate_ratio(matches, self.a.len() + self.b.len())
    }

    /// `real_quick_ratio()`: an upper bound on `quick_ratio()`, from the
    /// lengths alone.
    pub fn real_quick_ratio(&self) -> f64 {
        let (la, lb) = (self.a.len(), self.b.len());
        calculate_ratio(la.min(lb), la + lb)
    }

    /// `__chain_b`: where each element of `b` occurs, without the popular
    /// ones (autojunk).
    fn b2j(&self) -> HashMap<T, Vec<usize>> {
        let mut b2j: HashMap<T, Vec<usize>> = HashMap::new();
        for (j, &element) in self.b.iter().enumerate() {
            b2j.entry(element).or_default().push(j);
        }
        let n = self.b.len();
        if n >= 200 {
            let ntest = n / 100 + 1;
            b2j.retain(|_, indices| indices.len() <= ntest);
        }
        b2j
    }

    /// `find_longest_match(alo, ahi, blo, bhi)` as `(i, j, size)`.
    fn find_longest_match(
        &self,
        b2j: &HashMap<T, Vec<usize>>,
        alo: usize,
        ahi: usize,
        blo: usize,
        bhi: usize,
    ) -> (usize, usize, usize) {
        let (a, b) = (self.a, self.b);
        let (mut besti, mut bestj, mut bestsize) = (alo, blo, 0);
        // j2len[j]: the length of the match ending at a[i - 1], b[j].
        let mut j2len: HashMap<usize, usize> = HashMap::new();
        for (i, element) in a.iter().enumerate().take(ahi).skip(alo) {
            let mut new_j2len = HashMap::new();
            for &j in b2j.get(element).map_or(&[][..], Vec::as_slice) {
                if j < blo {
                    continue;
                }
                if j >= bhi {
                    break;
                }
                let k = j.checked_sub(1).and_then(|p| j2len.get(&p)).unwrap_or(&0) + 1;
                new_j2len.insert(j, k);
                if k > bestsize {
                    (besti, bestj, bestsize) = (i + 1 - k, j + 1 - k, k);
                }
            }
            j2len = new_j2len;
        }
        // No element is junk (no isjunk), so the popular ones count as
        // ordinary elements when extending the match.
        while besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1] {
            (besti, bestj, bestsize) = (besti - 1, bestj - 1, bestsize + 1);
        }
        while besti + bestsize < ahi
            && bestj + bestsize < bhi
            && a[besti + bestsize] == b[bestj + bestsize]
        {
            bestsize += 1;
        }
        (besti, bestj, bestsize)
    }
}

/// `_calculate_ratio`: `2.0 * matches / length`, or 1.0 for two empty
/// sequences.
fn calculate_ratio(matches: usize, length: usize) -> f64 {
    if length == 0 {
        1.0
    } else {
        2.0 * matches as f64 / length as f64
    }
}

#[cfg(test)]
mod tests;
