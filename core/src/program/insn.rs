//! BPF instructions: just enough decoding to find calls and callbacks and to patch immediates.

use crate::bytes::Endian;

/// `BPF_JMP | BPF_CALL | BPF_K`.
pub const CALL: u8 = 0x85;
/// `BPF_LD | BPF_IMM | BPF_DW` (the first half of a 16-byte ld_imm64).
pub const LD_IMM64: u8 = 0x18;
/// `BPF_PSEUDO_CALL`: a call to a BPF subprogram.
pub const PSEUDO_CALL: u8 = 1;
/// `BPF_PSEUDO_FUNC`: ld_imm64 of a subprogram's address (callbacks).
pub const PSEUDO_FUNC: u8 = 4;

/// One 8-byte instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insn {
    /// Opcode.
    pub code: u8,
    /// Destination register.
    pub dst: u8,
    /// Source register (or pseudo kind).
    pub src: u8,
    /// Offset.
    pub off: i16,
    /// Immediate.
    pub imm: i32,
}

impl Insn {
    /// Decodes 8 bytes in `endian` order (the register nibbles swap places on big-endian).
    pub fn decode(b: [u8; 8], endian: Endian) -> Insn {
        let [code, regs, o0, o1, i0, i1, i2, i3] = b;
        let (dst, src) = match endian {
            Endian::Little => (regs & 0xf, regs >> 4),
            Endian::Big => (regs >> 4, regs & 0xf),
        };
        let (off, imm) = match endian {
            Endian::Little => (
                i16::from_le_bytes([o0, o1]),
                i32::from_le_bytes([i0, i1, i2, i3]),
            ),
            Endian::Big => (
                i16::from_be_bytes([o0, o1]),
                i32::from_be_bytes([i0, i1, i2, i3]),
            ),
        };
        Insn {
            code,
            dst,
            src,
            off,
            imm,
        }
    }

    /// Encodes back to 8 bytes.
    pub fn encode(&self, endian: Endian) -> [u8; 8] {
        let regs = match endian {
            Endian::Little => (self.src << 4) | (self.dst & 0xf),
            Endian::Big => (self.dst << 4) | (self.src & 0xf),
        };
        let (o, i) = match endian {
            Endian::Little => (self.off.to_le_bytes(), self.imm.to_le_bytes()),
            Endian::Big => (self.off.to_be_bytes(), self.imm.to_be_bytes()),
        };
        [self.code, regs, o[0], o[1], i[0], i[1], i[2], i[3]]
    }

    /// A call to a BPF subprogram (libbpf's `insn_is_subprog_call`).
    pub fn is_subprog_call(&self) -> bool {
        self.code == CALL && self.src == PSEUDO_CALL && self.dst == 0 && self.off == 0
    }

    /// An ld_imm64 of a subprogram address (libbpf's `insn_is_pseudo_func`).
    pub fn is_pseudo_func(&self) -> bool {
        self.code == LD_IMM64 && self.src == PSEUDO_FUNC
    }

    /// Any call instruction.
    pub fn is_call(&self) -> bool {
        self.code == CALL
    }

    /// Any ld_imm64.
    pub fn is_ld_imm64(&self) -> bool {
        self.code == LD_IMM64
    }
}
