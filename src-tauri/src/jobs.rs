//! Import, analysis and live folders for the app. The policy ("import, then analyse what is
//! new, again when more arrived", watching the library folders) is
//! [`segue_service::LibraryJobs`]'s; the app hands its events to the window as one event,
//! [`AppEvent::Library`], whose payload type (`LibraryEvent`) is generated for the UI.

use std::ops::Deref;
use std::sync::Arc;

use segue_core::{AppEvent, LibraryEvent};
use segue_service::{JobOptions, LibraryJobs, Service};
use tauri::{AppHandle, Emitter};

/// The app's library jobs: [`LibraryJobs`] whose events go to the window.
pub struct Jobs(Arc<LibraryJobs>);

impl Jobs {
    pub fn new(app: &AppHandle, service: &Arc<Service>) -> Jobs {
        let app = app.clone();
        let sink = Arc::new(move |event: &LibraryEvent| {
            let _ = app.emit(AppEvent::Library.name(), event);
        });
        Jobs(LibraryJobs::new(
            service.clone(),
            JobOptions::default(),
            sink,
        ))
    }
}

impl Deref for Jobs {
    type Target = Arc<LibraryJobs>;

    fn deref(&self) -> &Arc<LibraryJobs> {
        &self.0
    }
}
