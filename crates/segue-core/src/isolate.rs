//! One bad file never stops a run: work on a single file that panics (a bug some input
//! triggers, ours or a dependency's) becomes that file's failure, with the panic's message.

use std::panic::{UnwindSafe, catch_unwind};

/// Runs `work`; a panic comes back as `Err` with its message.
pub fn catch_panic<T>(work: impl FnOnce() -> T + UnwindSafe) -> Result<T, String> {
    catch_unwind(work).map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_comes_back_as_its_message() {
        assert_eq!(catch_panic(|| 7), Ok(7));
        let formatted = catch_panic(|| -> u8 { panic!("bad byte {}", 3) });
        assert_eq!(formatted, Err("bad byte 3".to_string()));
        let overflow = catch_panic(|| {
            let v: Vec<f32> = Vec::with_capacity(usize::MAX);
            v.len()
        });
        assert!(overflow.is_err_and(|m| m.contains("capacity overflow")));
    }
}
