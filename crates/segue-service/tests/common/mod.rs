//! Shared by the service's integration tests.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use segue_service::Service;
use segue_service::analysis::{AnalysisOptions, Device};

/// The demo library imported and analysed (CPU, `patches` per track) into `db`.
pub fn analysed_demo(db: &Path, patches: usize) -> Service {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    let service = Service::open(db).expect("open");
    service.add_folders(&[demo]).expect("folder");
    let never = AtomicBool::new(false);
    service.scan(&[], &never, &mut |_| {}).expect("scan");
    let mut options = AnalysisOptions {
        workers: 2,
        ..Default::default()
    };
    options.analyzer.device = Device::Cpu;
    options.analyzer.max_patches = patches;
    let report = service
        .analyze(&options, &never, &never, &mut |_| {})
        .expect("analyse");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    service
}
