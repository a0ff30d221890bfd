//! argctx in the browser: stateless wasm-bindgen exports over the core. No analysis logic lives here.

use wasm_bindgen::prelude::*;

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
