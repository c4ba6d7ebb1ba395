// Build script of the napi-rs cdylib: links the addon against Node-API
// (napi_build::setup sets the platform's linker flags).

fn main() {
    napi_build::setup();
}
