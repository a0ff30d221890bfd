//! Map definitions as libbpf 1.7 builds them when it opens an object: BTF-defined maps from the
//! `.maps` DATASEC (the `__uint`/`__type` conventions of `bpf_helpers.h`), then one single-entry
//! array per global data section (`.data`, `.rodata`, `.bss` and their `.data.*`, `.rodata.*`,
//! `.bss.*` variants), in section order. Pure: no system calls here.

use super::Problem;
use crate::btf::{Btf, Kind, Type};
use crate::elf::{ElfObject, Section};

/// `BPF_MAP_TYPE_*` values this module names.
pub mod map_type {
    /// `BPF_MAP_TYPE_UNSPEC`.
    pub const UNSPEC: u32 = 0;
    /// `BPF_MAP_TYPE_ARRAY`.
    pub const ARRAY: u32 = 2;
    /// `BPF_MAP_TYPE_PROG_ARRAY`.
    pub const PROG_ARRAY: u32 = 3;
    /// `BPF_MAP_TYPE_PERF_EVENT_ARRAY`.
    pub const PERF_EVENT_ARRAY: u32 = 4;
    /// `BPF_MAP_TYPE_ARRAY_OF_MAPS`.
    pub const ARRAY_OF_MAPS: u32 = 12;
    /// `BPF_MAP_TYPE_HASH_OF_MAPS`.
    pub const HASH_OF_MAPS: u32 = 13;
    /// `BPF_MAP_TYPE_STRUCT_OPS`.
    pub const STRUCT_OPS: u32 = 26;
    /// `BPF_MAP_TYPE_RINGBUF`.
    pub const RINGBUF: u32 = 27;
    /// `BPF_MAP_TYPE_USER_RINGBUF`.
    pub const USER_RINGBUF: u32 = 31;
    /// `BPF_MAP_TYPE_ARENA`.
    pub const ARENA: u32 = 33;
}

/// Largest global data section this loader turns into a map (256 MiB).
const MAX_DATA_SIZE: u32 = 256 << 20;

/// `BPF_F_RDONLY_PROG`.
pub const F_RDONLY_PROG: u32 = 1 << 7;
/// `BPF_F_MMAPABLE`.
pub const F_MMAPABLE: u32 = 1 << 10;

/// Where a map comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapKind {
    /// A BTF-defined map in `.maps`.
    Btf,
    /// `.data` or `.data.*`.
    Data,
    /// `.rodata` or `.rodata.*`: read-only for programs, frozen after its contents are set.
    Rodata,
    /// `.bss` or `.bss.*`: zero-initialised.
    Bss,
    /// libbpf's `.kconfig` map: the values of `__kconfig` externs, read-only for programs and
    /// frozen.
    Kconfig,
}

/// One map as libbpf would create it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapDef {
    /// The name libbpf knows the map by: the variable's name for `.maps`, the ELF section name
    /// for global data (what `bpf_object__find_map_by_name` matches).
    pub name: String,
    /// The name sent to the kernel (at most 15 bytes; for global data libbpf's
    /// `<object prefix><section>` form).
    pub kernel_name: String,
    /// Where it comes from.
    pub kind: MapKind,
    /// ELF section index of the definition or data.
    pub sec_idx: usize,
    /// Offset of the definition in `.maps` (0 for global data).
    pub sec_offset: u64,
    /// `BPF_MAP_TYPE_*`.
    pub map_type: u32,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// `max_entries` (ring buffers already rounded like libbpf; perf event arrays with 0 get
    /// the number of possible CPUs when created).
    pub max_entries: u32,
    /// `map_flags`.
    pub map_flags: u32,
    /// `numa_node`.
    pub numa_node: u32,
    /// `map_extra`.
    pub map_extra: u64,
    /// BTF type of the key (0: none).
    pub btf_key_type_id: u32,
    /// BTF type of the value (0: none; the DATASEC for global data).
    pub btf_value_type_id: u32,
    /// Initial contents of a global data map (zeros for `.bss`).
    pub initial: Option<Vec<u8>>,
}

fn name_of(btf: &Btf<'_>, off: u32) -> String {
    btf.name(off).into_owned()
}

/// `__uint(name, N)`: a pointer (after modifiers and typedefs) to an ARRAY of N elements.
fn field_int(btf: &Btf<'_>, map: &str, field: &str, type_id: u32) -> Result<u32, String> {
    let t = btf
        .skip_mods_and_typedefs(type_id)
        .ok_or_else(|| format!("map '{map}': attr '{field}': type [{type_id}] not found"))?;
    if t.kind != Kind::Ptr {
        return Err(format!(
            "map '{map}': attr '{field}': expected PTR, got {}",
            t.kind.name()
        ));
    }
    let arr = btf.get(t.type_id()).ok_or_else(|| {
        format!(
            "map '{map}': attr '{field}': type [{}] not found",
            t.type_id()
        )
    })?;
    arr.array().map(|a| a.nelems).ok_or_else(|| {
        format!(
            "map '{map}': attr '{field}': expected ARRAY, got {}",
            arr.kind.name()
        )
    })
}

/// `__ulong(name, N)` (an enum with one value) or `__uint`.
fn field_long(btf: &Btf<'_>, map: &str, field: &str, type_id: u32) -> Result<u64, String> {
    let t = btf
        .skip_mods_and_typedefs(type_id)
        .ok_or_else(|| format!("map '{map}': attr '{field}': type [{type_id}] not found"))?;
    if t.kind == Kind::Ptr {
        return field_int(btf, map, field, type_id).map(u64::from);
    }
    if !matches!(t.kind, Kind::Enum | Kind::Enum64) {
        return Err(format!(
            "map '{map}': attr '{field}': expected ENUM or ENUM64, got {}",
            t.kind.name()
        ));
    }
    let mut values = t.enum_values();
    match (values.next(), values.next()) {
        (Some(v), None) => Ok(if t.kind == Kind::Enum {
            v.value & 0xffff_ffff
        } else {
            v.value
        }),
        _ => Err(format!("map '{map}': attr '{field}': invalid __ulong")),
    }
}

/// `__type(name, T)`: a pointer to T; the size is T's.
fn field_type(btf: &Btf<'_>, map: &str, what: &str, type_id: u32) -> Result<(u32, u32), String> {
    let t = btf
        .get(type_id)
        .ok_or_else(|| format!("map '{map}': {what} type [{type_id}] not found"))?;
    if t.kind != Kind::Ptr {
        return Err(format!(
            "map '{map}': {what} spec is not PTR: {}",
            t.kind.name()
        ));
    }
    let size = btf.resolve_size(t.type_id(), 8).map_err(|e| {
        format!(
            "map '{map}': can't determine {what} size for type [{}]: {e}",
            t.type_id()
        )
    })?;
    Ok((t.type_id(), size))
}

fn set_size(map: &str, what: &str, cur: &mut u32, v: u32) -> Result<(), String> {
    if *cur != 0 && *cur != v {
        return Err(format!(
            "map '{map}': conflicting {what} size {} != {v}",
            *cur
        ));
    }
    *cur = v;
    Ok(())
}

/// `parse_btf_map_def` in strict mode for the outer map.
fn parse_def(btf: &Btf<'_>, map: &str, def: &Type<'_>, out: &mut MapDef) -> Result<(), Problem> {
    let members: Vec<_> = def.members().collect();
    let last = members.len().saturating_sub(1);
    for (i, m) in members.iter().enumerate() {
        let field = btf
            .str_at(m.name_off)
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .ok_or_else(|| format!("map '{map}': invalid field #{i}"))?;
        match field.as_str() {
            "type" => out.map_type = field_int(btf, map, &field, m.type_id)?,
            "max_entries" => out.max_entries = field_int(btf, map, &field, m.type_id)?,
            "map_flags" => out.map_flags = field_int(btf, map, &field, m.type_id)?,
            "numa_node" => out.numa_node = field_int(btf, map, &field, m.type_id)?,
            "key_size" => {
                let v = field_int(btf, map, &field, m.type_id)?;
                set_size(map, "key", &mut out.key_size, v)?;
            }
            "value_size" => {
                let v = field_int(btf, map, &field, m.type_id)?;
                set_size(map, "value", &mut out.value_size, v)?;
            }
            "key" => {
                let (id, size) = field_type(btf, map, "key", m.type_id)?;
                set_size(map, "key", &mut out.key_size, size)?;
                out.btf_key_type_id = id;
            }
            "value" => {
                let (id, size) = field_type(btf, map, "value", m.type_id)?;
                set_size(map, "value", &mut out.value_size, size)?;
                out.btf_value_type_id = id;
            }
            "values" => {
                if i != last {
                    return Err(format!("map '{map}': '{field}' member should be last").into());
                }
                match out.map_type {
                    map_type::PROG_ARRAY => {}
                    map_type::ARRAY_OF_MAPS | map_type::HASH_OF_MAPS => {
                        return Err(Problem::Unsupported(format!(
                            "map '{map}': map-in-map (inner map definitions) is not supported by this loader"
                        )))
                    }
                    _ => {
                        return Err(format!("map '{map}': should be map-in-map or prog-array").into())
                    }
                }
                set_size(map, "value", &mut out.value_size, 4)?;
                let arr = btf.get(m.type_id).and_then(|t| t.array());
                if arr.is_none_or(|a| a.nelems != 0) {
                    return Err(format!(
                        "map '{map}': prog-array value spec is not a zero-sized array"
                    )
                    .into());
                }
                let elem = arr
                    .and_then(|a| btf.skip_mods_and_typedefs(a.type_id))
                    .filter(|t| t.kind == Kind::Ptr)
                    .and_then(|p| btf.skip_mods_and_typedefs(p.type_id()));
                if elem.is_none_or(|t| t.kind != Kind::FuncProto) {
                    return Err(
                        format!("map '{map}': prog-array value def is of unexpected kind").into(),
                    );
                }
            }
            "pinning" => {
                let v = field_int(btf, map, &field, m.type_id)?;
                match v {
                    0 => {}
                    1 => {
                        return Err(Problem::Unsupported(format!(
                        "map '{map}': pinning (LIBBPF_PIN_BY_NAME) is not supported by this loader"
                    )))
                    }
                    _ => return Err(format!("map '{map}': invalid pinning value {v}").into()),
                }
            }
            "map_extra" => out.map_extra = field_long(btf, map, &field, m.type_id)?,
            _ => return Err(format!("map '{map}': unknown field '{field}'").into()),
        }
    }
    if out.map_type == map_type::UNSPEC {
        return Err(format!("map '{map}': map type isn't specified").into());
    }
    Ok(())
}

/// libbpf's `adjust_ringbuf_sz`: a power-of-two multiple of the page size, at least `sz`.
pub(crate) fn adjust_ringbuf_sz(sz: u32, page: u32) -> u32 {
    if sz == 0 || page == 0 {
        return sz;
    }
    if sz % page == 0 && (sz / page).is_power_of_two() {
        return sz;
    }
    let mut mul: u32 = 1;
    while let Some(v) = mul.checked_mul(page) {
        if v > sz {
            return v;
        }
        mul = match mul.checked_mul(2) {
            Some(m) => m,
            None => break,
        };
    }
    sz
}

/// The `.maps` maps, in DATASEC order.
fn btf_maps(
    elf: &ElfObject<'_>,
    btf: Option<&Btf<'_>>,
    page_size: u32,
) -> Result<Vec<MapDef>, Problem> {
    let Some(sec) = elf.sections.iter().find(|s| s.name == ".maps") else {
        return Ok(Vec::new());
    };
    let btf = btf.ok_or("BTF is required for maps in '.maps', but the object has none")?;
    let datasec = btf
        .types()
        .find(|t| t.kind == Kind::Datasec && btf.str_at(t.name_off) == Some(b".maps"))
        .ok_or("DATASEC '.maps' not found")?;
    let mut out = Vec::new();
    for (i, vi) in datasec.datasec_vars().enumerate() {
        let var = btf.get(vi.type_id);
        let name = var.map(|v| name_of(btf, v.name_off)).unwrap_or_default();
        if name.is_empty() {
            return Err(format!("map #{i}: empty name").into());
        }
        if u64::from(vi.offset) + u64::from(vi.size) > sec.size {
            return Err(format!("map '{name}' BTF data is corrupted").into());
        }
        let var = var
            .filter(|v| v.kind == Kind::Var)
            .ok_or_else(|| format!("map '{name}': unexpected var kind"))?;
        match var.var_linkage() {
            Some(1) => {}
            Some(l) => {
                return Err(format!(
                    "map '{name}': unsupported map linkage {}",
                    match l {
                        0 => "static",
                        2 => "extern",
                        _ => "unknown",
                    }
                )
                .into())
            }
            None => return Err(format!("map '{name}': unexpected var kind").into()),
        }
        let def = btf
            .skip_mods_and_typedefs(var.type_id())
            .filter(|d| d.kind == Kind::Struct)
            .ok_or_else(|| format!("map '{name}': unexpected def kind"))?;
        if def.size() > vi.size {
            return Err(format!("map '{name}': invalid def size").into());
        }
        let mut m = MapDef {
            name: name.clone(),
            kernel_name: name.clone(),
            kind: MapKind::Btf,
            sec_idx: sec.index,
            sec_offset: u64::from(vi.offset),
            map_type: 0,
            key_size: 0,
            value_size: 0,
            max_entries: 0,
            map_flags: 0,
            numa_node: 0,
            map_extra: 0,
            btf_key_type_id: 0,
            btf_value_type_id: 0,
            initial: None,
        };
        parse_def(btf, &name, &def, &mut m)?;
        if m.map_type == map_type::RINGBUF || m.map_type == map_type::USER_RINGBUF {
            m.max_entries = adjust_ringbuf_sz(m.max_entries, page_size);
        }
        if matches!(m.map_type, map_type::STRUCT_OPS | map_type::ARENA) {
            return Err(Problem::Unsupported(format!(
                "map '{name}': map type {} (struct_ops/arena) is not supported by this loader",
                m.map_type
            )));
        }
        out.push(m);
    }
    if let Some(rel) = elf
        .relocations
        .iter()
        .find(|(_, target, rels)| *target == sec.index && !rels.is_empty())
    {
        let _ = rel;
        return Err(Problem::Unsupported(
            "'.rel.maps': initial slots of prog-array (or map-in-map) maps are not supported by this loader"
                .into(),
        ));
    }
    Ok(out)
}

fn data_kind(s: &Section<'_>) -> Option<MapKind> {
    use object::elf::{SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS};
    let dotted = |base: &str| {
        s.name == base
            || s.name
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with('.'))
    };
    if s.sh_type == SHT_PROGBITS.0 && s.size > 0 && s.flags & SHF_EXECINSTR.0 == 0 {
        if matches!(
            s.name,
            "license" | "version" | ".maps" | ".BTF" | ".BTF.ext"
        ) {
            return None;
        }
        if dotted(".data") {
            return Some(MapKind::Data);
        }
        if dotted(".rodata") {
            return Some(MapKind::Rodata);
        }
    }
    if s.sh_type == SHT_NOBITS.0 && s.size > 0 && dotted(".bss") {
        return Some(MapKind::Bss);
    }
    None
}

/// libbpf's `internal_map_name`: as much of the object name as fits before the section name
/// (at least 7 characters are kept for the section), none for custom `.data.*` sections,
/// characters the kernel refuses replaced by `_`.
pub(crate) fn internal_map_name(obj_name: &str, real_name: &str) -> String {
    const MAX: usize = 15;
    let sfx_len = real_name.len().clamp(7, MAX);
    let custom = real_name.get(1..).is_some_and(|r| r.contains('.'));
    let pfx_len = if custom {
        0
    } else {
        (MAX - sfx_len).min(obj_name.len())
    };
    let name: Vec<u8> = obj_name
        .bytes()
        .take(pfx_len)
        .chain(real_name.bytes().take(sfx_len))
        .take(MAX)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
                c
            } else {
                b'_'
            }
        })
        .collect();
    String::from_utf8_lossy(&name).into_owned()
}

/// Global data maps in section order.
fn data_maps(
    elf: &ElfObject<'_>,
    btf: Option<&Btf<'_>>,
    obj_name: &str,
) -> Result<Vec<MapDef>, Problem> {
    let mut out = Vec::new();
    for s in &elf.sections {
        let Some(kind) = data_kind(s) else {
            continue;
        };
        // Bounded so a hostile section header cannot make us allocate gigabytes of zeros.
        let Some(value_size) = u32::try_from(s.size).ok().filter(|&v| v <= MAX_DATA_SIZE) else {
            return Err(Problem::Unsupported(format!(
                "global data section '{}' of {} bytes exceeds the {MAX_DATA_SIZE}-byte limit of this loader",
                s.name, s.size
            )));
        };
        let datasec = btf.and_then(|b| {
            b.types()
                .find(|t| b.str_at(t.name_off) == Some(s.name.as_bytes()))
        });
        let btf_value_type_id = datasec.map_or(0, |t| t.id);
        // libbpf makes a data map mmapable when its DATASEC has a non-static variable.
        let mmapable = match (btf, datasec) {
            (Some(b), Some(t)) if t.kind == Kind::Datasec => t.datasec_vars().any(|v| {
                b.get(v.type_id)
                    .and_then(|x| x.var_linkage())
                    .is_some_and(|l| l != 0)
            }),
            _ => false,
        };
        let mut flags = if kind == MapKind::Rodata {
            F_RDONLY_PROG
        } else {
            0
        };
        if mmapable {
            flags |= F_MMAPABLE;
        }
        let initial = match kind {
            MapKind::Bss => vec![0u8; value_size as usize],
            _ => s.data.to_vec(),
        };
        out.push(MapDef {
            name: s.name.to_string(),
            kernel_name: internal_map_name(obj_name, s.name),
            kind,
            sec_idx: s.index,
            sec_offset: 0,
            map_type: map_type::ARRAY,
            key_size: 4,
            value_size,
            max_entries: 1,
            map_flags: flags,
            numa_node: 0,
            map_extra: 0,
            btf_key_type_id: 0,
            btf_value_type_id,
            initial: Some(initial),
        });
    }
    Ok(out)
}

/// Every map of the object in libbpf's order: `.maps` first, then global data by section.
/// `btf` is the BTF as finalized for the kernel (DATASEC sizes and offsets filled in).
pub(crate) fn collect(
    elf: &ElfObject<'_>,
    btf: Option<&Btf<'_>>,
    obj_name: &str,
    page_size: u32,
) -> Result<Vec<MapDef>, Problem> {
    if elf.sections.iter().any(|s| s.name == "maps") {
        return Err(
            "legacy map definitions in 'maps' section are not supported by libbpf v1.0+".into(),
        );
    }
    let mut maps = btf_maps(elf, btf, page_size)?;
    maps.extend(data_maps(elf, btf, obj_name)?);
    Ok(maps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_names_follow_libbpf() {
        assert_eq!(internal_map_name("maps_data", ".rodata"), "maps_dat.rodata");
        assert_eq!(internal_map_name("maps_data", ".bss"), "maps_dat.bss");
        assert_eq!(
            internal_map_name("my_object_name", ".rodata"),
            "my_objec.rodata"
        );
        assert_eq!(
            internal_map_name("my_object_name", ".kconfig"),
            "my_obje.kconfig"
        );
        assert_eq!(internal_map_name("maps_data", ".data.foo"), ".data.foo");
        assert_eq!(
            internal_map_name("x", ".rodata.abracadabra"),
            ".rodata.abracad"
        );
        assert_eq!(internal_map_name("", ".data"), ".data");
        assert_eq!(internal_map_name("a-b", ".data"), "a_b.data");
    }

    #[test]
    fn ringbuf_sizes_round_up_to_power_of_two_pages() {
        assert_eq!(adjust_ringbuf_sz(0, 4096), 0);
        assert_eq!(adjust_ringbuf_sz(4096, 4096), 4096);
        assert_eq!(adjust_ringbuf_sz(3 * 4096, 4096), 4 * 4096);
        assert_eq!(adjust_ringbuf_sz(1, 4096), 4096);
        assert_eq!(adjust_ringbuf_sz(u32::MAX, 4096), u32::MAX);
    }
}
