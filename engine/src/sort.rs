//! Stable sorting through one shared instantiation of the standard library's sort.
//!
//! Every `sort_by`/`sort_by_key` of the standard library is compiled anew for each element
//! type and comparison, a few kilobytes of WebAssembly each (a tenth of the full module was
//! sorting code). The engine's sorts go through [`sort_by`] instead: short slices by an
//! insertion sort (a few dozen bytes per use, and the fastest sort for them), longer ones by
//! sorting their positions with one shared sort and moving the items into that order. Both
//! are stable, so the results are exactly those of `slice::sort_by`.

use std::cmp::Ordering;

/// Up to this length a slice is sorted by insertion.
const INSERTION_MAX: usize = 20;

/// Sorts `items` stably by `compare`, like `slice::sort_by`.
pub(crate) fn sort_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    if items.len() <= INSERTION_MAX {
        for i in 1..items.len() {
            let mut j = i;
            while j > 0 && compare(&items[j - 1], &items[j]) == Ordering::Greater {
                items.swap(j - 1, j);
                j -= 1;
            }
        }
        return;
    }
    let order = {
        let items = &*items;
        positions_in_order(items.len(), &mut |a, b| compare(&items[a], &items[b]))
    };
    permute(items, order);
}

/// Sorts `items` stably by the key `key` gives, like `slice::sort_by_key`.
pub(crate) fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// The positions `0..len` ordered by `compare`, equal ones in their own order: the one
/// instantiation of the standard sort all of [`sort_by`] shares.
fn positions_in_order(len: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_unstable_by(|&a, &b| compare(a, b).then(a.cmp(&b)));
    order
}

/// Moves `items` so that position `i` holds the item that was at `order[i]` (`order` is a
/// permutation of the positions), following each cycle of the permutation once.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..items.len() {
        let mut i = start;
        while order[i] != DONE {
            let from = order[i];
            order[i] = DONE;
            if from == start {
                break;
            }
            items.swap(i, from);
            i = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard library's stable sort, equal keys included, on
        /// short and long slices.
        #[test]
        fn sorts_as_the_standard_stable_sort(
            items in proptest::collection::vec((0u8..6, any::<u16>()), 0..80),
        ) {
            let mut expected = items.clone();
            expected.sort_by_key(|t| t.0);
            let mut got = items;
            super::sort_by_key(&mut got, |t| t.0);
            prop_assert_eq!(got, expected);
        }
    }
}
