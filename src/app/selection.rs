//! Moving a selection through a list: the one rule every list screen uses.

/// Where a selection at `current` of `len` rows (at least one) lands after
/// moving `delta` rows: `isize::MIN` / `isize::MAX` mean the first / last
/// row, and it stops at either end.
pub(crate) fn step(current: usize, delta: isize, len: usize) -> usize {
    let last = len - 1;
    match delta {
        isize::MIN => 0,
        isize::MAX => last,
        _ => current.saturating_add_signed(delta).min(last),
    }
}

#[cfg(test)]
mod tests {
    use super::step;

    #[test]
    fn a_step_stops_at_either_end() {
        assert_eq!(step(3, 1, 10), 4);
        assert_eq!(step(3, -10, 10), 0);
        assert_eq!(step(3, 10, 10), 9);
        assert_eq!(step(3, isize::MIN, 10), 0);
        assert_eq!(step(3, isize::MAX, 10), 9);
        assert_eq!(step(0, 1, 1), 0);
    }
}
