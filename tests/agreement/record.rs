//! One comparison of argctx with a real kernel or libbpf 1.7, recorded for the agreement table.
//!
//! A suite (differential, verdict, loader) compares pairs (a run, a program load) on one kernel
//! and notes each difference under a stable key: the pair and the aspect that differs. At the
//! end, [`Agreement::finish`]
//! - writes `target/agreement/<suite>-<kernel>.json` (pairs compared, equal, different, every
//!   difference with its detail), from which `cargo xtask test` prints the per-kernel table;
//! - asserts that the differences are exactly the ones listed in
//!   `tests/agreement/<suite>-<kernel>.txt`, each named with the issue that owns it (or, for what
//!   the test machine forbids, `machine: <why>`). A new
//!   difference fails, and so does a listed one that no longer happens: the list is what the
//!   table shows, never an allowance. `UPDATE_EXPECT=1` rewrites the list (owners kept; a new line
//!   gets the owner `#?`, which fails until someone names the issue).
//!
//! Shared by the oracle and loader test crates through `#[path]`.

#![allow(dead_code)] // each test crate uses its own subset

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Differences of one suite on one kernel.
pub struct Agreement {
    suite: &'static str,
    kernel: String,
    release: String,
    compared: BTreeSet<String>,
    differences: BTreeMap<(String, String), String>,
}

/// An owner is an open issue (`#16`) or, for what the test machine forbids (program types or
/// map types refused with EPERM on the host), `machine: <why>`.
fn owner_named(owner: &str) -> bool {
    let issue = owner
        .strip_prefix('#')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    let machine = owner
        .strip_prefix("machine:")
        .is_some_and(|why| !why.trim().is_empty());
    issue || machine
}

/// The workspace root: the first ancestor of the including crate that holds this file.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|d| d.join("tests/agreement/record.rs").is_file())
        .expect("the workspace root above CARGO_MANIFEST_DIR")
        .to_path_buf()
}

impl Agreement {
    /// A comparison of `suite` on `kernel` (`5.10`, `6.1`, `6.12`, `sid` or `host`) whose
    /// `uname -r` is `release`.
    pub fn new(suite: &'static str, kernel: &str, release: &str) -> Agreement {
        Agreement {
            suite,
            kernel: kernel.to_string(),
            release: release.to_string(),
            compared: BTreeSet::new(),
            differences: BTreeMap::new(),
        }
    }

    /// One pair was compared (call once per pair; differences may follow).
    pub fn compared(&mut self, pair: &str) {
        self.compared.insert(pair.to_string());
    }

    /// `pair` differs in `aspect`; `detail` says how (sizes, logs: never part of the key).
    pub fn differ(&mut self, pair: &str, aspect: &str, detail: impl Into<String>) {
        self.compared.insert(pair.to_string());
        self.differences
            .insert((pair.to_string(), aspect.to_string()), detail.into());
    }

    /// Number of pairs compared so far.
    pub fn count(&self) -> usize {
        self.compared.len()
    }

    fn expected_path(&self) -> PathBuf {
        workspace_root()
            .join("tests/agreement")
            .join(format!("{}-{}.txt", self.suite, self.kernel))
    }

    /// Writes the record and asserts the differences are exactly the listed ones.
    pub fn finish(self) {
        let root = workspace_root();
        let different: BTreeSet<&String> = self.differences.keys().map(|(p, _)| p).collect();
        let record = serde_json::json!({
            "suite": self.suite,
            "kernel": self.kernel,
            "release": self.release,
            "compared": self.compared.len(),
            "equal": self.compared.len() - different.len(),
            "different": different.len(),
            "differences": self.differences.iter().map(|((pair, aspect), detail)| serde_json::json!({
                "pair": pair, "aspect": aspect, "detail": detail,
            })).collect::<Vec<_>>(),
        });
        let dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|d| if d.is_absolute() { d } else { root.join(d) })
            .unwrap_or_else(|| root.join("target"))
            .join("agreement");
        std::fs::create_dir_all(&dir).expect("target/agreement");
        std::fs::write(
            dir.join(format!("{}-{}.json", self.suite, self.kernel)),
            serde_json::to_string_pretty(&record).expect("JSON"),
        )
        .expect("write the agreement record");

        let path = self.expected_path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut listed: BTreeMap<(String, String), String> = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') && !line.starts_with("#?") {
                continue;
            }
            let parts: Vec<&str> = line.split(" | ").collect();
            let [pair, aspect, owner] = parts[..] else {
                panic!(
                    "{}:{}: expected `pair | aspect | #issue`",
                    path.display(),
                    n + 1
                );
            };
            listed.insert((pair.to_string(), aspect.to_string()), owner.to_string());
        }
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            let mut out = format!(
                "# Differences of the {} suite on the {} kernel, each with the issue that owns it.\n\
                 # Regenerate with UPDATE_EXPECT=1; a new line's owner `#?` must be named by hand.\n",
                self.suite, self.kernel
            );
            for (pair, aspect) in self.differences.keys() {
                let owner = listed
                    .get(&(pair.clone(), aspect.clone()))
                    .cloned()
                    .unwrap_or_else(|| "#?".into());
                out.push_str(&format!("{pair} | {aspect} | {owner}\n"));
            }
            if self.differences.is_empty() {
                std::fs::remove_file(&path).ok();
            } else {
                std::fs::write(&path, out).expect("write the expected differences");
            }
            return;
        }
        let mut problems = Vec::new();
        for ((pair, aspect), detail) in &self.differences {
            match listed.get(&(pair.clone(), aspect.clone())) {
                None => problems.push(format!("new difference: {pair} | {aspect}\n    {detail}")),
                Some(owner) if !owner_named(owner) => problems.push(format!(
                    "difference without an owning issue ({owner}): {pair} | {aspect}\n    {detail}"
                )),
                Some(_) => {}
            }
        }
        for (pair, aspect) in listed.keys() {
            if !self
                .differences
                .contains_key(&(pair.clone(), aspect.clone()))
            {
                problems.push(format!(
                    "listed difference no longer happens (remove it from {}): {pair} | {aspect}",
                    path.display()
                ));
            }
        }
        for ((pair, aspect), detail) in &self.differences {
            if let Some(owner) = listed.get(&(pair.clone(), aspect.clone())) {
                println!("known difference ({owner}): {pair} | {aspect}: {detail}");
            }
        }
        assert!(
            problems.is_empty(),
            "{} on {} ({}): {} problems with the list of differences in {}:\n{}",
            self.suite,
            self.kernel,
            self.release,
            problems.len(),
            path.display(),
            problems.join("\n")
        );
        println!(
            "{} on {} ({}): {} pairs compared, {} equal, {} different (all listed with their issue)",
            self.suite,
            self.kernel,
            self.release,
            self.compared.len(),
            self.compared.len() - different.len(),
            different.len()
        );
    }
}

/// The VM kernels `cargo xtask test` booted (`ARGCTX_VM_KERNELS=5.10,6.1,…`) and the directory
/// with their results (`ARGCTX_VM_DIR`); empty, with a note, in a plain `cargo test`.
pub fn vm_kernels() -> Vec<(String, PathBuf)> {
    let (Ok(list), Some(dir)) = (
        std::env::var("ARGCTX_VM_KERNELS"),
        std::env::var_os("ARGCTX_VM_DIR"),
    ) else {
        println!("ARGCTX_VM_KERNELS / ARGCTX_VM_DIR are not set: the VM comparisons run under `cargo xtask test`");
        return Vec::new();
    };
    let dir = PathBuf::from(dir);
    list.split(',')
        .filter(|k| !k.is_empty())
        .map(|k| (k.to_string(), dir.clone()))
        .collect()
}
