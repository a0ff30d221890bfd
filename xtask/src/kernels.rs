//! The real kernels the suites boot: Debian's 5.10 (bullseye), 6.1 (bookworm), 6.12 (trixie) and
//! the newest sid kernel, fetched from the Debian archive the machine's own apt sources name.
//!
//! apt is driven with a private sources list, lists and cache (`-o Dir::…`), so the system's apt
//! setup is never touched. For each series the newest package is taken (never a hard-coded
//! version: sid moves), its `vmlinuz` and kernel config extracted, and the kernel's BTF taken
//! out of the `vmlinuz` (bzImage payload → xz/zstd → ELF → `.BTF`). Everything is cached under
//! `~/.cache/argctx/kernels/<series>/` (`ARGCTX_KERNEL_CACHE` overrides the root), so a second
//! run on the same machine downloads nothing; the package lists are refreshed once a day.
//!
//! `cargo xtask kernels` fetches all of them and prints one line per kernel.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::vm::sh;
use std::time::{Duration, SystemTime};

/// One Debian kernel series the suites boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    /// Short name used in file names, tables and `--kernel`: `5.10`, `6.1`, `6.12`, `sid`.
    pub name: &'static str,
    /// Debian suite that carries it.
    suite: &'static str,
    /// `apt-cache search --names-only` pattern of the package holding the vmlinuz.
    image: &'static str,
    /// Package holding the config when the image package has none (sid): `{}` is the version
    /// part of the image package's name.
    config_pkg: Option<&'static str>,
}

/// The VM kernels, oldest first.
pub const SERIES: [Series; 4] = [
    Series {
        name: "5.10",
        suite: "bullseye",
        image: r"^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$",
        config_pkg: None,
    },
    Series {
        name: "6.1",
        suite: "bookworm",
        image: r"^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$",
        config_pkg: None,
    },
    Series {
        name: "6.12",
        suite: "trixie",
        image: r"^linux-image-6\.12\.[0-9]+\+deb13-amd64-unsigned$",
        config_pkg: None,
    },
    Series {
        name: "sid",
        suite: "sid",
        image: r"^linux-binary-[0-9.]+\+deb14-amd64$",
        config_pkg: Some("linux-base-{}"),
    },
];

/// The series named `name` (`5.10`, `6.1`, `6.12`, `sid`).
pub fn series(name: &str) -> Result<Series, String> {
    SERIES
        .iter()
        .copied()
        .find(|s| s.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = SERIES.iter().map(|s| s.name).collect();
            format!(
                "unknown kernel {name:?}: one of {} (or the host)",
                names.join(", ")
            )
        })
}

/// A fetched kernel, ready to boot.
#[derive(Debug, Clone)]
pub struct Kernel {
    /// The series.
    pub series: Series,
    /// Debian package it came from (name_version).
    pub package: String,
    /// `uname -r` inside the guest, e.g. `5.10.0-32-amd64` or `7.2.13+deb14-amd64`.
    pub release: String,
    /// The upstream release, e.g. `5.10.223` (from the package version).
    pub version: String,
    /// The bzImage.
    pub vmlinuz: PathBuf,
    /// The kernel's build config (placed at `/boot/config-<release>` in the guest).
    pub config: PathBuf,
    /// The kernel's own BTF (raw blob, as `/sys/kernel/btf/vmlinux` in the guest).
    pub btf: PathBuf,
}

fn cache_root() -> PathBuf {
    if let Some(d) = std::env::var_os("ARGCTX_KERNEL_CACHE") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
    home.join(".cache/argctx/kernels")
}

/// The private apt configuration: every suite of [`SERIES`] from the URI of the machine's own
/// Debian sources.
struct Apt {
    dir: PathBuf,
}

impl Apt {
    fn new() -> Result<Apt, String> {
        let dir = cache_root().join("apt");
        for d in ["lists/partial", "cache/archives/partial"] {
            std::fs::create_dir_all(dir.join(d))
                .map_err(|e| format!("creating {}: {e}", dir.display()))?;
        }
        let uri = system_debian_uri()?;
        let key = "/usr/share/keyrings/debian-archive-keyring.gpg";
        let mut list = String::new();
        for s in SERIES {
            list.push_str(&format!("deb [signed-by={key}] {uri} {} main\n", s.suite));
        }
        let path = dir.join("sources.list");
        if std::fs::read_to_string(&path).ok().as_deref() != Some(list.as_str()) {
            std::fs::write(&path, list).map_err(|e| format!("{}: {e}", path.display()))?;
            // New sources: the old lists no longer describe them.
            std::fs::remove_file(dir.join("updated")).ok();
        }
        Ok(Apt { dir })
    }

    fn options(&self) -> Vec<String> {
        let d = self.dir.display();
        vec![
            "-o".into(),
            format!("Dir::Etc::SourceList={d}/sources.list"),
            "-o".into(),
            "Dir::Etc::SourceParts=/dev/null".into(),
            "-o".into(),
            format!("Dir::State::Lists={d}/lists"),
            "-o".into(),
            format!("Dir::Cache={d}/cache"),
        ]
    }

    /// `apt-get update` on the private lists when they are missing or a day old.
    fn refresh(&self) -> Result<(), String> {
        let stamp = self.dir.join("updated");
        let fresh = std::fs::metadata(&stamp)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age < Duration::from_secs(24 * 3600));
        if fresh {
            return Ok(());
        }
        eprintln!("kernels: apt-get update (private lists: bullseye, bookworm, trixie, sid)");
        sh(Command::new("apt-get")
            .args(self.options())
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
        std::fs::write(&stamp, b"").map_err(|e| format!("{}: {e}", stamp.display()))
    }

    /// The newest package matching `pattern`, as (name, version).
    fn newest(&self, pattern: &str) -> Result<Option<(String, String)>, String> {
        let out = sh(Command::new("apt-cache").args(self.options()).args([
            "search",
            "--names-only",
            pattern,
        ]))?;
        let mut names: Vec<String> = out
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_string)
            .collect();
        names.sort_by_key(|n| version_key(n));
        let Some(name) = names.pop() else {
            return Ok(None);
        };
        let policy = sh(Command::new("apt-cache").args(self.options()).args([
            "show",
            "--no-all-versions",
            &name,
        ]))?;
        let version = policy
            .lines()
            .find_map(|l| l.strip_prefix("Version: "))
            .ok_or_else(|| format!("apt-cache show {name}: no Version"))?
            .trim()
            .to_string();
        Ok(Some((name, version)))
    }

    fn download(&self, pkg: &str, into: &Path) -> Result<PathBuf, String> {
        eprintln!("kernels: downloading {pkg}");
        sh(Command::new("apt-get")
            .args(self.options())
            .args(["download", pkg])
            .current_dir(into))?;
        std::fs::read_dir(into)
            .map_err(|e| format!("{}: {e}", into.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| {
                p.file_name()
                    .and_then(|f| f.to_str())
                    .is_some_and(|f| f.starts_with(&format!("{pkg}_")) && f.ends_with(".deb"))
            })
            .ok_or_else(|| format!("apt-get download {pkg} left no .deb in {}", into.display()))
    }
}

fn system_debian_uri() -> Result<String, String> {
    let path = "/etc/apt/sources.list.d/debian.sources";
    if let Ok(text) = std::fs::read_to_string(path) {
        if let Some(uri) = text
            .lines()
            .find_map(|l| l.strip_prefix("URIs:"))
            .and_then(|l| l.split_whitespace().next())
        {
            return Ok(uri.to_string());
        }
    }
    // The one-line format.
    let text = std::fs::read_to_string("/etc/apt/sources.list").unwrap_or_default();
    text.lines()
        .filter(|l| l.trim_start().starts_with("deb "))
        .flat_map(str::split_whitespace)
        .find(|w| w.starts_with("http") && !w.contains("security"))
        .map(str::to_string)
        .ok_or_else(|| format!("no Debian archive URI in {path} or /etc/apt/sources.list"))
}

fn version_key(s: &str) -> Vec<u64> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Files of a `.deb` matching `pattern` (tar wildcards), extracted under `into`; none is not an
/// error.
fn extract(deb: &Path, pattern: &str, into: &Path) -> Result<Vec<PathBuf>, String> {
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "dpkg-deb --fsys-tarfile '{}' | tar -x -C '{}' --wildcards '{pattern}' 2>/dev/null",
            deb.display(),
            into.display()
        ))
        .status()
        .map_err(|e| format!("dpkg-deb: {e}"))?;
    let _ = status; // tar exits non-zero when nothing matched
    let mut found = Vec::new();
    let mut stack = vec![into.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
            let p = e.map_err(|e| e.to_string())?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                found.push(p);
            }
        }
    }
    Ok(found)
}

/// The kernel's BTF from a bzImage: the setup header locates the compressed payload
/// (`payload_offset`, `payload_length`), whose last 4 bytes are the uncompressed size; xz or
/// zstd (by magic) gives the ELF, whose `.BTF` section is the blob.
pub fn btf_from_vmlinuz(vmlinuz: &Path) -> Result<Vec<u8>, String> {
    let d = std::fs::read(vmlinuz).map_err(|e| format!("{}: {e}", vmlinuz.display()))?;
    let bad = |what: &str| format!("{}: {what}", vmlinuz.display());
    let u32_at = |o: usize| {
        d.get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if d.get(0x202..0x206) != Some(b"HdrS") {
        return Err(bad("not a bzImage (no HdrS setup header)"));
    }
    let setup_sects = match d.get(0x1f1) {
        Some(0) => 4,
        Some(&n) => usize::from(n),
        None => return Err(bad("truncated setup header")),
    };
    let offset = u32_at(0x248).ok_or_else(|| bad("no payload_offset"))? as usize;
    let length = u32_at(0x24c).ok_or_else(|| bad("no payload_length"))? as usize;
    let start = (setup_sects + 1) * 512 + offset;
    let payload = d
        .get(start..start + length.saturating_sub(4))
        .ok_or_else(|| bad("payload outside the file"))?;
    let tool: &[&str] = if payload.starts_with(b"\xfd7zXZ\x00") {
        &["xz", "-dc"]
    } else if payload.starts_with(b"\x28\xb5\x2f\xfd") {
        &["zstd", "-dcq"]
    } else {
        return Err(bad("payload is neither xz nor zstd"));
    };
    let mut child = Command::new(tool[0])
        .args(&tool[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", tool[0]))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let owned = payload.to_vec();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(&owned)
    });
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{}: {e}", tool[0]))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(bad(&format!(
            "{} failed: {}",
            tool[0],
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    elf_section(&out.stdout, ".BTF").ok_or_else(|| bad("the kernel ELF has no .BTF section"))
}

/// A section of a 64-bit little-endian ELF file, by name.
fn elf_section(elf: &[u8], name: &str) -> Option<Vec<u8>> {
    let u16_at = |o: usize| elf.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| {
        elf.get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| {
        elf.get(o..o + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    if elf.get(0..6) != Some(b"\x7fELF\x02\x01") {
        return None;
    }
    let shoff = usize::try_from(u64_at(0x28)?).ok()?;
    let shentsize = usize::from(u16_at(0x3a)?);
    let shnum = usize::from(u16_at(0x3c)?);
    let shstrndx = usize::from(u16_at(0x3e)?);
    let header = |i: usize| shoff.checked_add(i.checked_mul(shentsize)?);
    let strtab = usize::try_from(u64_at(header(shstrndx)? + 0x18)?).ok()?;
    for i in 0..shnum {
        let h = header(i)?;
        let name_off = u32_at(h)? as usize;
        let n = elf.get(strtab + name_off..)?;
        let n = &n[..n.iter().position(|&b| b == 0)?];
        if n == name.as_bytes() {
            let off = usize::try_from(u64_at(h + 0x18)?).ok()?;
            let size = usize::try_from(u64_at(h + 0x20)?).ok()?;
            return elf.get(off..off.checked_add(size)?).map(<[u8]>::to_vec);
        }
    }
    None
}

/// The cached kernel of a series, if any (its `kernel.txt` lists the files).
fn cached(dir: &Path, series: Series) -> Option<Kernel> {
    let text = std::fs::read_to_string(dir.join("kernel.txt")).ok()?;
    let field = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(str::to_string)
    };
    let k = Kernel {
        series,
        package: field("package")?,
        release: field("release")?,
        version: field("version")?,
        vmlinuz: dir.join(field("vmlinuz")?),
        config: dir.join(field("config")?),
        btf: dir.join(field("btf")?),
    };
    (k.vmlinuz.is_file() && k.config.is_file() && k.btf.is_file()).then_some(k)
}

/// The newest kernel of `series`, fetched and extracted once. Fails (never skips) when neither
/// the archive nor the cache has one.
pub fn ensure(series: Series) -> Result<Kernel, String> {
    let dir = cache_root().join(series.name);
    let have = cached(&dir, series);
    let apt = Apt::new()?;
    let newest = apt.refresh().and_then(|()| apt.newest(series.image));
    let (pkg, version) = match (newest, &have) {
        (Ok(Some(p)), _) => p,
        (Ok(None), Some(k)) | (Err(_), Some(k)) => {
            eprintln!(
                "kernels: the archive lists no newer {} kernel; using the cached {}",
                series.name, k.package
            );
            return Ok(k.clone());
        }
        (Ok(None), None) => {
            return Err(format!(
                "the Debian archive lists no package matching {} (suite {})",
                series.image, series.suite
            ))
        }
        (Err(e), None) => return Err(e),
    };
    let package = format!("{pkg}_{version}");
    if let Some(k) = have.filter(|k| k.package == package) {
        return Ok(k);
    }
    let stage = cache_root().join(format!("stage-{}-{}", series.name, std::process::id()));
    if stage.exists() {
        std::fs::remove_dir_all(&stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    }
    std::fs::create_dir_all(&stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    let deb = apt.download(&pkg, &stage)?;
    let x = stage.join("x");
    std::fs::create_dir_all(&x).map_err(|e| e.to_string())?;
    let mut files = extract(&deb, "./boot/vmlinuz-*", &x)?;
    files.extend(extract(&deb, "./boot/config-*", &x)?);
    files.extend(extract(&deb, "./usr/lib/modules/*/vmlinuz", &x)?);
    if let Some(config_pkg) = series.config_pkg {
        let suffix = pkg
            .strip_prefix("linux-binary-")
            .ok_or_else(|| format!("{pkg}: not a linux-binary package"))?;
        let cdeb = apt.download(&config_pkg.replace("{}", suffix), &stage)?;
        files.extend(extract(&cdeb, "./usr/lib/modules/*/config", &x)?);
    }
    let find = |pred: &dyn Fn(&Path) -> bool| files.iter().find(|p| pred(p)).cloned();
    let file_name = |p: &Path| {
        p.file_name()
            .and_then(|f| f.to_str())
            .unwrap_or_default()
            .to_string()
    };
    let vmlinuz = find(&|p| file_name(p).starts_with("vmlinuz"))
        .ok_or_else(|| format!("{pkg}: no vmlinuz inside"))?;
    let config = find(&|p| file_name(p).starts_with("config"))
        .ok_or_else(|| format!("{pkg}: no kernel config found"))?;
    // uname -r: boot/vmlinuz-<release>, or usr/lib/modules/<release>/vmlinuz.
    let release = match file_name(&vmlinuz).strip_prefix("vmlinuz-") {
        Some(r) => r.to_string(),
        None => vmlinuz
            .parent()
            .map(file_name)
            .ok_or_else(|| format!("{pkg}: cannot tell the release"))?,
    };
    let upstream = version
        .split(['-', '+'])
        .next()
        .unwrap_or(&version)
        .to_string();
    let btf = btf_from_vmlinuz(&vmlinuz)?;

    let new_dir = cache_root().join(format!("{}.new", series.name));
    if new_dir.exists() {
        std::fs::remove_dir_all(&new_dir).map_err(|e| e.to_string())?;
    }
    std::fs::create_dir_all(&new_dir).map_err(|e| e.to_string())?;
    let names = (
        format!("vmlinuz-{release}"),
        format!("config-{release}"),
        format!("vmlinux-{release}.btf"),
    );
    std::fs::rename(&vmlinuz, new_dir.join(&names.0)).map_err(|e| e.to_string())?;
    std::fs::rename(&config, new_dir.join(&names.1)).map_err(|e| e.to_string())?;
    std::fs::write(new_dir.join(&names.2), &btf).map_err(|e| e.to_string())?;
    std::fs::write(
        new_dir.join("kernel.txt"),
        format!(
            "package={package}\nrelease={release}\nversion={upstream}\nvmlinuz={}\nconfig={}\nbtf={}\n",
            names.0, names.1, names.2
        ),
    )
    .map_err(|e| e.to_string())?;
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())?;
    }
    std::fs::rename(&new_dir, &dir).map_err(|e| e.to_string())?;
    std::fs::remove_dir_all(&stage).ok();
    eprintln!(
        "kernels: {} is {release} ({upstream}), BTF {} bytes",
        series.name,
        btf.len()
    );
    cached(&dir, series).ok_or_else(|| format!("{}: cache incomplete", dir.display()))
}

/// Every VM kernel, fetched.
pub fn ensure_all() -> Result<Vec<Kernel>, String> {
    SERIES.iter().map(|s| ensure(*s)).collect()
}

/// `cargo xtask kernels`: fetch every VM kernel and print where it is.
pub fn run(args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err("usage: cargo xtask kernels".into());
    }
    crate::vm::ensure_host_tools()?;
    for k in ensure_all()? {
        println!(
            "{:5} {:24} {:9} {}  btf {}",
            k.series.name,
            k.release,
            k.version,
            k.vmlinuz.display(),
            k.btf.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_sorts_numerically() {
        let mut v = [
            "linux-image-5.10.0-9-amd64-unsigned",
            "linux-image-5.10.0-32-amd64-unsigned",
        ];
        v.sort_by_key(|n| version_key(n));
        assert_eq!(v[1], "linux-image-5.10.0-32-amd64-unsigned");
    }

    #[test]
    fn series_names() {
        assert_eq!(series("sid").unwrap().suite, "sid");
        assert!(series("4.19").is_err());
    }
}
