//! Target architectures: they decide which register struct a perf_event context argument may use.

/// A target architecture for the BPF object's kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Arch {
    X86_64,
    X86,
    Arm64,
    Arm,
    S390,
    Riscv64,
    Powerpc64,
    Loongarch64,
    Mips,
}

impl Arch {
    /// Every architecture, in the order shown to users.
    pub const ALL: [Arch; 9] = [
        Arch::X86_64,
        Arch::Arm64,
        Arch::S390,
        Arch::Riscv64,
        Arch::Powerpc64,
        Arch::Loongarch64,
        Arch::Arm,
        Arch::Mips,
        Arch::X86,
    ];

    /// Parses a name as users and `uname -m` spell it.
    pub fn from_name(name: &str) -> Option<Arch> {
        Some(match name {
            "x86_64" | "amd64" | "x86-64" => Arch::X86_64,
            "x86" | "i386" | "i686" => Arch::X86,
            "arm64" | "aarch64" => Arch::Arm64,
            "arm" | "armv7" | "armhf" => Arch::Arm,
            "s390" | "s390x" => Arch::S390,
            "riscv64" | "riscv" => Arch::Riscv64,
            "powerpc64" | "ppc64" | "ppc64le" | "powerpc" => Arch::Powerpc64,
            "loongarch64" | "loongarch" => Arch::Loongarch64,
            "mips" | "mips64" | "mipsel" => Arch::Mips,
            _ => return None,
        })
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::X86 => "x86",
            Arch::Arm64 => "arm64",
            Arch::Arm => "arm",
            Arch::S390 => "s390",
            Arch::Riscv64 => "riscv64",
            Arch::Powerpc64 => "powerpc64",
            Arch::Loongarch64 => "loongarch64",
            Arch::Mips => "mips",
        }
    }

    /// The struct `bpf_user_pt_regs_t` names in this architecture's UAPI, which libbpf accepts for
    /// perf_event context arguments. `None` on s390, where it is an anonymous struct.
    pub fn user_pt_regs_struct(self) -> Option<&'static str> {
        match self {
            Arch::X86_64 | Arch::X86 | Arch::Arm | Arch::Mips => Some("pt_regs"),
            Arch::Arm64 | Arch::Powerpc64 | Arch::Loongarch64 => Some("user_pt_regs"),
            Arch::Riscv64 => Some("user_regs_struct"),
            Arch::S390 => None,
        }
    }
}
