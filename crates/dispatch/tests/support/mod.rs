//! What the solver's integration tests share.

/// A xorshift64 stream from `state`, as a draw below `n` (0 when `n` is 0): the random
/// problems' details, derived from one seed proptest chose, so a failing case replays.
pub fn xorshift(mut state: u64) -> impl FnMut(u64) -> u64 {
    move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n.max(1)
    }
}
