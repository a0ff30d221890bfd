//! `.BTF.ext`: func_info, line_info and CO-RE relocation records, grouped per ELF section.

use crate::bytes::{put_u32, u32_at, Cursor, Endian};
use crate::error::{add, mul, Error, Result};

/// Which subsection a record set belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InfoKind {
    /// `bpf_func_info` records (min 8 bytes).
    FuncInfo,
    /// `bpf_line_info` records (min 16 bytes).
    LineInfo,
    /// `bpf_core_relo` records (min 16 bytes).
    CoreRelo,
}

impl InfoKind {
    /// The smallest record the kernel and libbpf accept.
    pub fn min_rec_size(self) -> u32 {
        match self {
            InfoKind::FuncInfo => 8,
            InfoKind::LineInfo | InfoKind::CoreRelo => 16,
        }
    }
    fn what(self) -> &'static str {
        match self {
            InfoKind::FuncInfo => "BTF.ext func_info",
            InfoKind::LineInfo => "BTF.ext line_info",
            InfoKind::CoreRelo => "BTF.ext core_relo",
        }
    }
}

/// The `.BTF.ext` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ExtHeader {
    /// 0xeb9f.
    pub magic: u16,
    /// 1.
    pub version: u8,
    /// 0.
    pub flags: u8,
    /// 24, or 32 with CO-RE relocations.
    pub hdr_len: u32,
    /// func_info subsection offset (after the header).
    pub func_info_off: u32,
    /// func_info subsection length.
    pub func_info_len: u32,
    /// line_info subsection offset.
    pub line_info_off: u32,
    /// line_info subsection length.
    pub line_info_len: u32,
    /// CO-RE subsection offset (0 when the header is 24 bytes).
    pub core_relo_off: u32,
    /// CO-RE subsection length.
    pub core_relo_len: u32,
}

/// Records of one ELF section in one subsection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoBlock<'a> {
    /// `.BTF` string offset of the ELF section's name.
    pub sec_name_off: u32,
    /// `num_info` records of `rec_size` bytes each.
    pub records: &'a [u8],
    /// Record count.
    pub num_info: u32,
    /// Byte offset of the first record within `.BTF.ext`.
    pub offset: usize,
}

/// One subsection: a record size and the per-section blocks, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InfoSection<'a> {
    /// Record size (0 when the subsection is empty).
    pub rec_size: u32,
    /// Blocks in file order.
    pub blocks: Vec<InfoBlock<'a>>,
}

impl InfoBlock<'_> {
    /// The record at `i` (raw bytes, `rec_size` long).
    pub fn record(&self, i: usize, rec_size: u32) -> Option<&[u8]> {
        let rs = rec_size as usize;
        self.records
            .get(i.checked_mul(rs)?..i.checked_add(1)?.checked_mul(rs)?)
    }
}

/// A parsed `.BTF.ext` section, borrowing its bytes.
#[derive(Debug, Clone)]
pub struct BtfExt<'a> {
    raw: &'a [u8],
    endian: Endian,
    /// The header.
    pub header: ExtHeader,
    /// func_info.
    pub func_info: InfoSection<'a>,
    /// line_info.
    pub line_info: InfoSection<'a>,
    /// CO-RE relocations.
    pub core_relo: InfoSection<'a>,
}

impl<'a> BtfExt<'a> {
    /// Parses a `.BTF.ext` section at file offset `base`, with libbpf's checks.
    pub fn parse_at(raw: &'a [u8], base: u64) -> Result<Self> {
        let endian = match raw.get(0..2) {
            Some([0x9f, 0xeb]) => Endian::Little,
            Some([0xeb, 0x9f]) => Endian::Big,
            Some(_) => return Err(Error::invalid("BTF.ext magic", base, "expected 0xeb9f")),
            None => {
                return Err(Error::UnexpectedEof {
                    what: "BTF.ext header",
                    offset: base,
                })
            }
        };
        let mut c = Cursor::new(raw, base, endian);
        let mut header = ExtHeader {
            magic: c.u16("BTF.ext magic")?,
            version: c.u8("BTF.ext version")?,
            flags: c.u8("BTF.ext flags")?,
            hdr_len: c.u32("BTF.ext hdr_len")?,
            func_info_off: 0,
            func_info_len: 0,
            line_info_off: 0,
            line_info_len: 0,
            core_relo_off: 0,
            core_relo_len: 0,
        };
        if header.version != 1 {
            return Err(Error::invalid(
                "BTF.ext version",
                base + 2,
                format!("{} is not 1", header.version),
            ));
        }
        if header.flags != 0 {
            return Err(Error::invalid(
                "BTF.ext flags",
                base + 3,
                format!("{:#x} is not 0", header.flags),
            ));
        }
        if header.hdr_len < 24 || header.hdr_len as usize > raw.len() {
            return Err(Error::invalid(
                "BTF.ext hdr_len",
                base + 4,
                format!(
                    "{} is not between 24 and the section size {}",
                    header.hdr_len,
                    raw.len()
                ),
            ));
        }
        if header.hdr_len as usize == raw.len() {
            return Err(Error::invalid(
                "BTF.ext data",
                base,
                "the section has no data after its header",
            ));
        }
        header.func_info_off = c.u32("BTF.ext func_info_off")?;
        header.func_info_len = c.u32("BTF.ext func_info_len")?;
        header.line_info_off = c.u32("BTF.ext line_info_off")?;
        header.line_info_len = c.u32("BTF.ext line_info_len")?;
        if header.hdr_len >= 32 {
            header.core_relo_off = c.u32("BTF.ext core_relo_off")?;
            header.core_relo_len = c.u32("BTF.ext core_relo_len")?;
        }
        let data = Cursor::new(raw, base, endian);
        let hdr = header.hdr_len as usize;
        let parse = |kind, off, len| parse_info(&data, hdr, off, len, kind, endian);
        Ok(BtfExt {
            raw,
            endian,
            header,
            func_info: parse(
                InfoKind::FuncInfo,
                header.func_info_off,
                header.func_info_len,
            )?,
            line_info: parse(
                InfoKind::LineInfo,
                header.line_info_off,
                header.line_info_len,
            )?,
            core_relo: parse(
                InfoKind::CoreRelo,
                header.core_relo_off,
                header.core_relo_len,
            )?,
        })
    }

    /// The bytes parsed.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Byte order.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// The subsection of `kind`.
    pub fn info(&self, kind: InfoKind) -> &InfoSection<'a> {
        match kind {
            InfoKind::FuncInfo => &self.func_info,
            InfoKind::LineInfo => &self.line_info,
            InfoKind::CoreRelo => &self.core_relo,
        }
    }

    /// Serializes header and subsections in file order. An unmodified parse gives its input back.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self
            .raw
            .get(..self.header.hdr_len as usize)
            .unwrap_or_default()
            .to_vec();
        // An empty subsection keeps the offset it was written with (clang points it at the end).
        let mut sections: Vec<(usize, u32, &InfoSection<'_>)> = vec![
            (8, self.header.func_info_off, &self.func_info),
            (16, self.header.line_info_off, &self.line_info),
        ];
        if self.header.hdr_len >= 32 {
            sections.push((24, self.header.core_relo_off, &self.core_relo));
        }
        sections.sort_by_key(|s| s.1);
        for (field, _, info) in sections {
            let off = out.len() - self.header.hdr_len as usize;
            let start = out.len();
            if info.rec_size != 0 {
                out.extend_from_slice(&self.endian.u32_bytes(info.rec_size));
                for b in &info.blocks {
                    out.extend_from_slice(&self.endian.u32_bytes(b.sec_name_off));
                    out.extend_from_slice(&self.endian.u32_bytes(b.num_info));
                    out.extend_from_slice(b.records);
                }
            }
            let len = out.len() - start;
            if len != 0 {
                put_u32(&mut out, field, self.endian, off as u32);
            }
            put_u32(&mut out, field + 4, self.endian, len as u32);
        }
        out
    }
}

fn parse_info<'a>(
    data: &Cursor<'a>,
    hdr_len: usize,
    off: u32,
    len: u32,
    kind: InfoKind,
    endian: Endian,
) -> Result<InfoSection<'a>> {
    let what = kind.what();
    if len == 0 {
        return Ok(InfoSection::default());
    }
    if off % 4 != 0 {
        return Err(Error::invalid(
            what,
            off.into(),
            "subsection offset is not 4-byte aligned",
        ));
    }
    let start = add(hdr_len, off as usize, what)?;
    let mut c = data.sub(start, len as usize, what)?;
    let rec_size = c.u32("BTF.ext record size")?;
    if rec_size < kind.min_rec_size() || rec_size % 4 != 0 {
        return Err(Error::invalid(
            what,
            c.offset() - 4,
            format!(
                "record size {rec_size} is below {} or not a multiple of 4",
                kind.min_rec_size()
            ),
        ));
    }
    if endian != crate::bytes::native() && rec_size != kind.min_rec_size() {
        return Err(Error::invalid(
            what,
            c.offset() - 4,
            format!(
                "record size {rec_size} of non-native byte order must be exactly {}",
                kind.min_rec_size()
            ),
        ));
    }
    if c.is_empty() {
        return Err(Error::invalid(
            what,
            c.offset(),
            "a record size but no sections",
        ));
    }
    let mut blocks = Vec::new();
    while !c.is_empty() {
        let at = c.offset();
        let sec_name_off = c.u32("BTF.ext section name offset")?;
        let num_info = c.u32("BTF.ext num_info")?;
        if num_info == 0 {
            return Err(Error::invalid(what, at + 4, "section has no records"));
        }
        let n = mul(
            num_info as usize,
            rec_size as usize,
            "BTF.ext records length",
        )?;
        let offset = c.offset() as usize;
        let records = c.bytes(n, "BTF.ext records")?;
        blocks.push(InfoBlock {
            sec_name_off,
            records,
            num_info,
            offset,
        });
    }
    Ok(InfoSection { rec_size, blocks })
}

/// `insn_off` and `type_id` of a func_info record.
pub fn func_info_fields(rec: &[u8], endian: Endian) -> Option<(u32, u32)> {
    Some((u32_at(rec, 0, endian)?, u32_at(rec, 4, endian)?))
}
