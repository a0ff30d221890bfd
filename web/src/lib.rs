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
    /// `"fallback"` (default) or `"native"`.
    kernel: Option<String>,
}

/// Converts an error of any layer into a JS `Error` carrying its `Display` text.
pub(crate) fn into_error<E: Display>(e: E) -> JsError {
    JsError::new(&e.to_string())
}

fn options(value: JsValue) -> Result<Options, JsError> {
    let o: JsOptions = if value.is_undefined() || value.is_null() {
        JsOptions::default()
    } else {
        serde_wasm_bindgen::from_value(value)
            .map_err(|e| into_error(format!("invalid options: {e}")))?
    };
    let arch = match o.arch.as_deref() {
        None | Some("") => Arch::X86_64,
        Some(name) => Arch::from_name(name).ok_or_else(|| {
            let names: Vec<_> = Arch::ALL.iter().map(|a| a.name()).collect();
            into_error(format!(
                "unknown architecture '{name}' (one of: {})",
                names.join(", ")
            ))
        })?,
    };
    let native = match o.kernel.as_deref() {
        None | Some("") | Some("fallback") => false,
        Some("native") => true,
        Some(k) => {
            return Err(into_error(format!(
                "unknown kernel '{k}' (one of: fallback, native)"
            )))
        }
    };
    Ok(Options {
        programs: o.programs.unwrap_or_default(),
        arch,
        native,
    })
}

fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(into_error)
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

/// Architecture names in the order the page offers them (`x86_64` first, the default).
#[wasm_bindgen]
pub fn architectures() -> Vec<String> {
    Arch::ALL.iter().map(|a| a.name().to_string()).collect()
}
