//! A global allocator that counts live bytes, so a fuzz target (or a test) can measure the peak
//! memory one input costs and fail when it exceeds [`limit`]. Install it with
//! `#[global_allocator] static A: argctx_fuzz::alloc::Counting = argctx_fuzz::alloc::Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Counts live bytes and their peak; delegates to the system allocator.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Relaxed).saturating_add(n);
    PEAK.fetch_max(now, Relaxed);
}

fn shrank(n: usize) {
    LIVE.fetch_sub(n, Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the counters
// are plain atomics and never affect the pointers returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as ours.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

/// The most memory one input of `len` bytes may hold at once: a fixed allowance for small inputs
/// (formatting buffers, hash maps, the JSON of a report) plus a multiple of the input size.
pub fn limit(len: usize) -> usize {
    BASE + FACTOR * len
}

/// Fixed allowance.
pub const BASE: usize = 1 << 20;
/// Bytes of memory allowed per input byte.
pub const FACTOR: usize = 32;

/// Runs `f` and returns its result with the peak number of bytes it held beyond what was live when
/// it started. Meaningful only when [`Counting`] is the global allocator and one thread allocates.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let start = LIVE.load(Relaxed);
    PEAK.store(start, Relaxed);
    let r = f();
    (r, PEAK.load(Relaxed).saturating_sub(start))
}

/// Runs `body` on `data` and panics when its peak memory exceeds [`limit`].
pub fn bounded(target: &str, data: &[u8], body: fn(&[u8])) {
    let ((), peak) = measure(|| body(data));
    assert!(
        peak <= limit(data.len()),
        "{target}: {peak} bytes held for a {}-byte input (limit {})",
        data.len(),
        limit(data.len())
    );
}
