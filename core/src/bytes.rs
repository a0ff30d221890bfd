//! The one byte cursor: every read is bounds-checked and returns a labelled error.

use crate::error::{add, Error, Result};

/// Byte order of an object or BTF blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Endian {
    /// Little-endian (x86, arm64, riscv, most BPF objects).
    Little,
    /// Big-endian (s390x, BPF objects built with `-target bpfeb`).
    Big,
}

impl Endian {
    pub(crate) fn u16(self, b: [u8; 2]) -> u16 {
        match self {
            Endian::Little => u16::from_le_bytes(b),
            Endian::Big => u16::from_be_bytes(b),
        }
    }
    pub(crate) fn u32(self, b: [u8; 4]) -> u32 {
        match self {
            Endian::Little => u32::from_le_bytes(b),
            Endian::Big => u32::from_be_bytes(b),
        }
    }
    pub(crate) fn u32_bytes(self, v: u32) -> [u8; 4] {
        match self {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        }
    }
}

/// A read position over borrowed bytes. `base` is the absolute offset of `data[0]` for messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
    endian: Endian,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(data: &'a [u8], base: u64, endian: Endian) -> Self {
        Cursor {
            data,
            pos: 0,
            base,
            endian,
        }
    }

    /// Absolute offset of the next byte.
    pub(crate) fn offset(&self) -> u64 {
        self.base.saturating_add(self.pos as u64)
    }

    pub(crate) fn endian(&self) -> Endian {
        self.endian
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let end = add(self.pos, n, what)?;
        let out = self.data.get(self.pos..end).ok_or(Error::UnexpectedEof {
            what,
            offset: self.offset(),
        })?;
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let b = self.bytes(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8> {
        let [b] = self.array::<1>(what)?;
        Ok(b)
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16> {
        Ok(self.endian.u16(self.array(what)?))
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32> {
        Ok(self.endian.u32(self.array(what)?))
    }

    /// A sub-cursor over `len` bytes starting `offset` bytes after this cursor's start.
    pub(crate) fn sub(&self, offset: usize, len: usize, what: &'static str) -> Result<Cursor<'a>> {
        let end = add(offset, len, what)?;
        let data = self.data.get(offset..end).ok_or(Error::UnexpectedEof {
            what,
            offset: self.base.saturating_add(offset as u64),
        })?;
        Ok(Cursor {
            data,
            pos: 0,
            base: self.base.saturating_add(offset as u64),
            endian: self.endian,
        })
    }
}

/// Reads a u32 at `off` of `data` (bounds-checked).
pub(crate) fn u32_at(data: &[u8], off: usize, endian: Endian) -> Option<u32> {
    let b: [u8; 4] = data.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(endian.u32(b))
}

/// Writes a u32 at `off` of `data`; false when out of bounds.
pub(crate) fn put_u32(data: &mut [u8], off: usize, endian: Endian, v: u32) -> bool {
    match off.checked_add(4).and_then(|end| data.get_mut(off..end)) {
        Some(dst) => {
            dst.copy_from_slice(&endian.u32_bytes(v));
            true
        }
        None => false,
    }
}

/// The byte order of the machine argctx runs on (matters for libbpf's `.BTF.ext` record-size rule).
pub(crate) fn native() -> Endian {
    if cfg!(target_endian = "big") {
        Endian::Big
    } else {
        Endian::Little
    }
}
