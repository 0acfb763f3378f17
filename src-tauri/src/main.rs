// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[allow(unsafe_code)]
fn main() {
    let (name, value) = segue_service::analysis::TELEMETRY_OPT_OUT;
    // SAFETY: the first statement of `main`: no other thread exists to read the environment.
    unsafe { std::env::set_var(name, value) };
    segue_app_lib::run();
}
