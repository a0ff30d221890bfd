//! Which BPF helpers a program type may call on a kernel, from data: `helpers.tsv`, generated
//! by `cargo xtask helpers` from libbpf 1.7's helper probe run inside the kernels the test
//! command boots (Debian's 5.10, 6.1, 6.12 and sid). Helpers are never removed, so a helper a
//! probed kernel allows is allowed by every later release; a kernel between two probed ones that
//! disagree, or older than all of them, gets no answer (`None`), never a guess.

use std::sync::OnceLock;

use super::kernel::KernelVersion;

/// One probed kernel: its release and, per program type, a bitset of helper ids.
struct Row {
    release: KernelVersion,
    series: KernelVersion,
    types: Vec<(u32, Vec<u64>)>,
    max_id: u32,
}

/// A probed kernel's answer for one helper (any point release of a probed series: helpers
/// are not backported to stable series).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// Whether the program type may call it.
    pub available: bool,
    /// The probed release that answered.
    pub probed: KernelVersion,
    /// The highest helper id that release knows at all (a call above it is `invalid func
    /// unknown#N` in the verifier's log).
    pub max_id: u32,
}

fn parse_ids(s: &str) -> Vec<u64> {
    let mut bits = vec![0u64; 4];
    let mut set = |id: u32| {
        let (w, b) = ((id / 64) as usize, id % 64);
        if bits.len() <= w {
            bits.resize(w + 1, 0);
        }
        if let Some(x) = bits.get_mut(w) {
            *x |= 1 << b;
        }
    };
    for part in s.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                    (a..=b.min(a.saturating_add(4096))).for_each(&mut set);
                }
            }
            None => {
                if let Ok(a) = part.parse() {
                    set(a);
                }
            }
        }
    }
    bits
}

fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rows: Vec<Row> = Vec::new();
        for line in include_str!("helpers.tsv").lines() {
            if line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let [_, release, prog_type, ids] = f[..] else {
                continue;
            };
            let (Some(release), Ok(prog_type)) =
                (KernelVersion::parse(release), prog_type.parse::<u32>())
            else {
                continue;
            };
            let bits = parse_ids(ids);
            let max = ids
                .split([',', '-'])
                .filter_map(|x| x.parse::<u32>().ok())
                .max()
                .unwrap_or(0);
            match rows.iter_mut().find(|r| r.release == release) {
                Some(r) => {
                    r.types.push((prog_type, bits));
                    r.max_id = r.max_id.max(max);
                }
                None => rows.push(Row {
                    release,
                    series: KernelVersion::new(release.major(), release.minor()),
                    types: vec![(prog_type, bits)],
                    max_id: max,
                }),
            }
        }
        rows.sort_by_key(|r| r.release);
        rows
    })
}

fn has(row: &Row, prog_type: u32, id: u32) -> Option<bool> {
    let (_, bits) = row.types.iter().find(|(t, _)| *t == prog_type)?;
    Some(
        bits.get((id / 64) as usize)
            .is_some_and(|w| w & (1 << (id % 64)) != 0),
    )
}

/// What the probed kernels say about one helper on a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A probed kernel decides it: the same series, or an older release that already allows it.
    Known(Answer),
    /// The nearest older probed kernel lacks it and a newer one has it: it arrived in between,
    /// and whether this release has it is not known here.
    Undecided {
        /// The probed release without it.
        without: KernelVersion,
        /// The probed release with it.
        with: KernelVersion,
    },
}

/// Whether programs of type `prog_type` (`BPF_PROG_TYPE_*`) may call helper `id` on `k`; `None`
/// when no probed kernel says anything (a release older than all of them, a program type the
/// probe cannot ask about, a helper newer than every probed kernel).
pub fn answer(k: KernelVersion, prog_type: u32, id: u32) -> Option<Verdict> {
    let rows = rows();
    let series = KernelVersion::new(k.major(), k.minor());
    // Helpers are not backported to stable series, so a series' probed release answers for
    // every point release of it.
    let at_or_before = rows.iter().rev().find(|r| r.series <= series)?;
    let available = has(at_or_before, prog_type, id)?;
    let known = Answer {
        available,
        probed: at_or_before.release,
        max_id: at_or_before.max_id,
    };
    // A helper an older kernel allows stays; one it lacks is only known missing on that very
    // series (a later release may have added it).
    if available || at_or_before.series == series {
        return Some(Verdict::Known(known));
    }
    rows.iter()
        .filter(|r| r.release > at_or_before.release)
        .find(|r| has(r, prog_type, id) == Some(true))
        .map(|r| Verdict::Undecided {
            without: at_or_before.release,
            with: r.release,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_into_bits() {
        let b = parse_ids("1-3,70");
        assert_eq!(b[0], 0b1110);
        assert_eq!(b[1], 1 << 6);
    }

    #[test]
    fn the_table_answers_what_the_kernels_said() {
        // bpf_map_lookup_elem (1) for socket filters (1) on every probed kernel.
        for r in rows() {
            assert_eq!(has(r, 1, 1), Some(true), "{}", r.release);
        }
        // bpf_loop (181) arrived in 5.17: missing on 5.10, present on 6.1.
        let avail = |k, t, id| match answer(k, t, id) {
            Some(Verdict::Known(a)) => Some(a.available),
            _ => None,
        };
        assert_eq!(avail(KernelVersion::new(5, 10), 1, 181), Some(false));
        assert_eq!(avail(KernelVersion::new(6, 1), 1, 181), Some(true));
        // Between 5.10 (without) and 6.1 (with): undecided.
        assert!(matches!(
            answer(KernelVersion::new(5, 15), 1, 181),
            Some(Verdict::Undecided { .. })
        ));
        // Older than every probed kernel: no answer.
        assert_eq!(answer(KernelVersion::new(4, 19), 1, 1), None);
    }
}
