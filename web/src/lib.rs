//! argctx in the browser: stateless wasm-bindgen exports over the core.
//!
//! Every export takes the object's bytes, calls one core function and converts its result: no
//! analysis logic lives here, and no state survives between calls, so a trap in one call cannot
//! poison the next one (the page re-initialises the module after a `WebAssembly.RuntimeError`).
//! Results are plain JSON-compatible objects (`None` becomes `null`), the same shapes as the
//! CLI's `--format json`.

use std::fmt::Display;

use argctx::fallback::{Arch, Options};
use argctx::program::Object;
use argctx::report;
use argctx::verdict::{self, KernelVersion, Loader, VerdictOptions};
use serde::de::{DeserializeOwned, Visitor};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

mod ext;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

/// The argctx version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Installs the panic hook so a trap shows its message in the console.
#[wasm_bindgen(start)]
pub fn start() {
    #[cfg(feature = "console_error_panic_hook")]
    console_error_panic_hook::set_once();
}

/// What to emulate, as the page passes it: every field is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct JsOptions {
    /// Programs to load (as if only they were autoloaded); empty: libbpf's default autoload.
    programs: Option<Vec<String>>,
    /// Architecture name as `argctx --arch` takes it.
    arch: Option<String>,
    /// `"fallback"` (default), `"native"` or a version such as `"5.10"`.
    kernel: Option<String>,
}

/// Converts an error of any layer into a JS `Error` carrying its `Display` text.
pub(crate) fn into_error<E: Display>(e: E) -> JsError {
    JsError::new(&e.to_string())
}

/// Verdict options as the page passes them (`argctx check`'s flags): every field is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct JsCheckOptions {
    /// Kernels as `argctx check --kernel` takes them; empty: the core's default set.
    kernels: Option<Vec<String>>,
    /// Architecture name as `argctx --arch` takes it.
    arch: Option<String>,
    /// `"libbpf"` (default) or `"plain"`.
    loader: Option<String>,
    /// Whether the kernels have their own BTF (default true; `--no-kernel-btf` is false).
    kernel_btf: Option<bool>,
    /// Programs to judge; empty: every entry program.
    programs: Option<Vec<String>>,
}

/// An options object read as a map of its own keys. serde-wasm-bindgen reads a struct by looking up
/// its declared fields only, so `deny_unknown_fields` would never see a misspelt one.
struct OptionsObject(serde_wasm_bindgen::Deserializer);

impl<'de> serde::Deserializer<'de> for OptionsObject {
    type Error = serde_wasm_bindgen::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The options object, or the defaults for `undefined` and `null`.
fn parse_options<T: Default + DeserializeOwned>(value: JsValue) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    T::deserialize(OptionsObject(value.into())).map_err(|e| {
        // The error is a JS `Error`, whose text starts with its name.
        let text = e.to_string();
        let text = text.strip_prefix("Error: ").unwrap_or(&text);
        into_error(format!("invalid options: {text}"))
    })
}

/// The architecture named by `--arch` (x86_64 when absent).
fn arch(name: Option<&str>) -> Result<Arch, JsError> {
    match name {
        None | Some("") => Ok(Arch::X86_64),
        Some(name) => Arch::from_name(name).ok_or_else(|| {
            let names: Vec<_> = Arch::ALL.iter().map(|a| a.name()).collect();
            into_error(format!(
                "unknown architecture '{name}' (one of: {})",
                names.join(", ")
            ))
        }),
    }
}

fn options(value: JsValue) -> Result<Options, JsError> {
    let o: JsOptions = parse_options(value)?;
    let arch = arch(o.arch.as_deref())?;
    let mut opts = Options {
        programs: o.programs.unwrap_or_default(),
        arch,
        ..Options::default()
    };
    opts.set_kernel(o.kernel.as_deref().unwrap_or(""))
        .map_err(into_error)?;
    Ok(opts)
}

/// The verdict options, parsed as `argctx check` parses its flags (the CLI's messages).
fn check_options(value: JsValue) -> Result<VerdictOptions<'static>, JsError> {
    let o: JsCheckOptions = parse_options(value)?;
    let mut kernels = o
        .kernels
        .unwrap_or_default()
        .iter()
        .map(|k| {
            KernelVersion::parse(k).ok_or_else(|| {
                into_error(format!(
                    "'{k}' is not a kernel version (X.Y, X.Y.Z or latest)"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    kernels.dedup();
    let loader = match o.loader.as_deref() {
        None | Some("") | Some("libbpf") => Loader::Libbpf,
        Some("plain") => Loader::Plain,
        Some(l) => {
            return Err(into_error(format!(
                "unknown loader '{l}' (one of: libbpf, plain)"
            )))
        }
    };
    Ok(VerdictOptions {
        kernels,
        arch: arch(o.arch.as_deref())?,
        loader,
        kernel_btf: o.kernel_btf.unwrap_or(true),
        programs: o.programs.unwrap_or_default(),
        ..VerdictOptions::default()
    })
}

/// The value as a plain JS object, through JSON: serializing in wasm and letting the engine's
/// `JSON.parse` build the objects is several times faster than building them value by value across
/// the wasm boundary (hundreds of thousands of short strings in a large report).
fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(v).map_err(into_error)?;
    js_sys::JSON::parse(&text).map_err(|e| into_error(format!("{e:?}")))
}

/// `argctx explain --format json`: what libbpf 1.7 does to the BTF when it loads the object.
///
/// `options`: `{programs?: string[], arch?: string, kernel?: "fallback" | "native"}`.
#[wasm_bindgen(unchecked_return_type = "ExplainReport")]
pub fn explain(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "ExplainOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let e = report::explain(bytes, &self::options(options)?).map_err(into_error)?;
    to_js(&e.report)
}

/// `argctx explain` (text): the same report, rendered for people.
#[wasm_bindgen]
pub fn explain_text(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "ExplainOptions | undefined")] options: JsValue,
) -> Result<String, JsError> {
    let e = report::explain(bytes, &self::options(options)?).map_err(into_error)?;
    Ok(report::render_explain(&e.report))
}

/// `argctx programs --format json`: every entry program as libbpf sees it after open.
#[wasm_bindgen(unchecked_return_type = "ProgramsReport")]
pub fn programs(bytes: &[u8]) -> Result<JsValue, JsError> {
    to_js(&report::programs(bytes).map_err(into_error)?)
}

/// `argctx btf dump`: the whole BTF in bpftool's raw format. `bytes` is an object or a raw BTF
/// blob (such as the one [`rewrite_btf`] returns).
#[wasm_bindgen]
pub fn btf_dump(bytes: &[u8]) -> Result<String, JsError> {
    let btf = argctx::btf_of(bytes).map_err(into_error)?;
    Ok(argctx::btf::dump::dump(&btf))
}

/// `argctx rewrite`: the BTF blob libbpf 1.7 sends to the kernel for these options.
#[wasm_bindgen]
pub fn rewrite_btf(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "ExplainOptions | undefined")] options: JsValue,
) -> Result<Vec<u8>, JsError> {
    let e = report::explain(bytes, &self::options(options)?).map_err(into_error)?;
    if let Some(err) = e.report.error {
        return Err(into_error(format!("libbpf would fail the load: {err}")));
    }
    e.btf
        .ok_or_else(|| into_error("the object has no .BTF section"))
}

/// The `.BTF.ext` records of the object, per subsection and ELF section, or `null` when the
/// object has none (libbpf's open warnings say why when it was present but invalid).
#[wasm_bindgen(unchecked_return_type = "BtfExt | null")]
pub fn btf_ext(bytes: &[u8]) -> Result<JsValue, JsError> {
    let obj = Object::open(bytes).map_err(into_error)?;
    match (&obj.btf, &obj.btf_ext) {
        (Some(btf), Some(x)) => to_js(&ext::BtfExtDto::new(btf, x)),
        _ => Ok(JsValue::NULL),
    }
}

/// `argctx check --format json` (a file's `report`): will each program load on each kernel, and if
/// not, why and what the verifier will print.
///
/// `options`: `{kernels?: string[], arch?: string, loader?: "libbpf" | "plain",
/// kernel_btf?: boolean, programs?: string[]}`; no kernels: the default set (5.10, 5.15, 6.1, 6.6,
/// 6.8, latest).
#[wasm_bindgen(unchecked_return_type = "VerdictReport")]
pub fn check(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "CheckOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let r = verdict::check(bytes, &check_options(options)?).map_err(into_error)?;
    to_js(&r)
}

/// `argctx check` (text): the program × kernel matrix and the reasons, rendered for people.
#[wasm_bindgen]
pub fn check_text(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "CheckOptions | undefined")] options: JsValue,
) -> Result<String, JsError> {
    let r = verdict::check(bytes, &check_options(options)?).map_err(into_error)?;
    Ok(verdict::render_text(&r))
}

/// Architecture names in the order the page offers them (`x86_64` first, the default).
#[wasm_bindgen]
pub fn architectures() -> Vec<String> {
    Arch::ALL.iter().map(|a| a.name().to_string()).collect()
}
