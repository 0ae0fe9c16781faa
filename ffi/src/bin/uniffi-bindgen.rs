//! uniffi's binding generator, built with the exact uniffi version of the scaffolding:
//! `cargo run -p trestle-ffi --features cli --bin uniffi-bindgen -- generate --library ...`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
