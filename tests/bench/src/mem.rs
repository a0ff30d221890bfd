//! Memory figures: a counting global allocator (live and peak Rust heap bytes) and the kernel's
//! view of the process (`VmRSS`, `VmHWM` in `/proc/self/status`).
//!
//! The benchmark is single-threaded, so the counters use relaxed load/store pairs instead of
//! read-modify-write atomics: about a nanosecond per allocation, no lock prefix.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

/// `System`, counting bytes.
pub struct Counting;

fn grow(by: usize) {
    let live = LIVE.load(Relaxed) + by;
    LIVE.store(live, Relaxed);
    if live > PEAK.load(Relaxed) {
        PEAK.store(live, Relaxed);
    }
}

fn shrink(by: usize) {
    LIVE.store(LIVE.load(Relaxed).saturating_sub(by), Relaxed);
}

// SAFETY: every call forwards to `System` with the caller's layout; the counters never affect
// the returned memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grow(layout.size());
            ALLOCS.store(ALLOCS.load(Relaxed) + 1, Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grow(layout.size());
            ALLOCS.store(ALLOCS.load(Relaxed) + 1, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            ALLOCS.store(ALLOCS.load(Relaxed) + 1, Relaxed);
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                shrink(layout.size() - new_size);
            }
        }
        p
    }
}

/// A heap measurement window.
pub struct Window {
    base: usize,
    allocs: usize,
}

/// Starts a window: the peak is reset to the bytes live now.
pub fn window() -> Window {
    let live = LIVE.load(Relaxed);
    PEAK.store(live, Relaxed);
    Window {
        base: live,
        allocs: ALLOCS.load(Relaxed),
    }
}

impl Window {
    /// (peak bytes above the start, allocation calls) since the window started.
    pub fn finish(&self) -> (usize, usize) {
        (
            PEAK.load(Relaxed).saturating_sub(self.base),
            ALLOCS.load(Relaxed) - self.allocs,
        )
    }
}

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`), in bytes.
pub fn status_bytes(field: &str) -> Option<usize> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    let kb: usize = line[field.len() + 1..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Resets `VmHWM` to the current RSS (`echo 5 > /proc/self/clear_refs`, Linux 4.0+).
pub fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
