//! Thread priorities: the threads that feed the device go first, background work last, so a
//! busy machine takes its time from analysis and import rather than from the music.
//!
//! Linux keeps a nice value per thread, which `setpriority(PRIO_PROCESS, tid)` sets for that
//! thread alone. Any thread may lower its own priority; raising one needs privileges
//! (`CAP_SYS_NICE`, or an `RLIMIT_NICE` that allows it, as desktop audio groups set), so a
//! refused raise is normal and only logged. Elsewhere these do nothing yet.

/// The nice value asked for the engine and audio callback threads: PulseAudio's own.
const AUDIO_NICE: i32 = -11;
/// The nice value of background work (analysis workers). An unprivileged thread cannot raise
/// it back, so it stays lowered for the work's life: background work yields to the music and
/// the UI whether or not music plays at the moment.
const BACKGROUND_NICE: i32 = 10;

/// Raises the calling thread's priority for audio where the OS allows it without asking;
/// returns whether it did.
pub(crate) fn raise_current_thread_for_audio() -> bool {
    match set_current_thread_nice(AUDIO_NICE) {
        Ok(()) => true,
        Err(e) => {
            tracing::debug!("audio thread keeps its priority: {e}");
            false
        }
    }
}

/// Lowers the calling thread's priority for background work (analysis, import), so it never
/// takes the decoder's core while music plays. Call it at the start of a thread that lives
/// only for that work: the lowered priority cannot be raised again without privileges.
pub fn lower_current_thread_for_background() {
    if let Err(e) = set_current_thread_nice(BACKGROUND_NICE) {
        tracing::debug!("background thread keeps its priority: {e}");
    }
}

#[cfg(target_os = "linux")]
fn set_current_thread_nice(nice: i32) -> std::io::Result<()> {
    // SAFETY: gettid and setpriority take plain integers and touch no memory of ours.
    #[allow(unsafe_code)]
    let result = unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, nice)
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn set_current_thread_nice(_nice: i32) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "thread priorities are only set on Linux",
    ))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn current_thread_nice() -> i32 {
        // SAFETY: as above; errno is cleared first because -1 is also a valid nice value.
        #[allow(unsafe_code)]
        unsafe {
            *libc::__errno_location() = 0;
            libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t)
        }
    }

    /// Lowering works without privileges and stays with the thread that asked: the thread
    /// that spawned it keeps its own priority.
    #[test]
    fn background_priority_applies_to_the_calling_thread_only() {
        let before = current_thread_nice();
        let lowered = std::thread::spawn(|| {
            lower_current_thread_for_background();
            current_thread_nice()
        })
        .join()
        .expect("thread");
        assert_eq!(lowered, BACKGROUND_NICE.max(before));
        assert_eq!(current_thread_nice(), before);
    }
}
