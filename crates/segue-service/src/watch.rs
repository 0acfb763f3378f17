//! Live folders: the library folders are watched (inotify on Linux, through `notify`), and
//! what changes under them is imported through [`LibraryJobs`], then analysed, as any import.
//!
//! - **Debounced per file.** A file's events are held until it has been quiet for
//!   [`DEBOUNCE`] (a copy in progress keeps writing), then the library folders they fall in are
//!   imported; events that arrive during an import make one more import after it (see
//!   [`LibraryJobs`]). A bulk copy is imported in batches as it lands, each batch committed and
//!   announced, never one import per file.
//! - **Only what the library reads.** Opening and reading files (playback, analysis, the
//!   import's own reads) is not a change; hidden files (which the import skips) and the library
//!   database, should it live inside a library folder, are not either.
//! - **Moves keep their track.** An import sees the old path gone and the new one present, and
//!   the scanner recognises the file by its fingerprint: id, history and playlist entries stay.
//! - **A vanished folder loses nothing.** A library folder that disappears (an unplugged drive,
//!   renamed or deleted) becomes [`WatchState::Unavailable`]; its tracks are kept as they were.
//!   It is checked every [`CHECK_EVERY`], and watched and imported again when it comes back.
//! - **A folder the system will not watch** (too many folders for the inotify limit) is
//!   [`WatchState::NotWatched`] with the system's reason; a rescan still imports it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use segue_core::{FolderWatch, LibraryEvent, ScanCause, WatchState};

use crate::jobs::{EventSink, LibraryJobs, lock};
use crate::{Result, Service, ServiceError, normalize_folder};

/// How long a file must be quiet before its change is imported.
pub const DEBOUNCE: Duration = Duration::from_millis(300);
/// How often vanished folders are looked for (and watched ones checked they are still there).
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

enum Control {
    /// The library's folders changed: watch the new ones, forget the removed ones.
    Refresh,
    Stop,
}

/// The watching thread, stopped when dropped.
pub(crate) struct FolderWatcher {
    control: crossbeam_channel::Sender<Control>,
    states: Arc<Mutex<Vec<FolderWatch>>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for FolderWatcher {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Stop);
        if let Some(thread) = self.thread.take()
            // The watching thread itself may drop the last handle on the jobs.
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

impl LibraryJobs {
    /// Starts watching the library's folders (see the module's guarantees); changes are
    /// imported and analysed in the background. Watching again restarts the watch.
    pub fn watch(self: &Arc<Self>) -> Result<()> {
        self.stop_watching();
        let (control, control_rx) = crossbeam_channel::unbounded();
        let states = Arc::new(Mutex::new(Vec::new()));
        let watch = Watch {
            jobs: Arc::downgrade(self),
            service: self.service().clone(),
            sink: self.sink(),
            db: normalize_folder(self.service().db_path()),
            folders: Vec::new(),
            states: states.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("segue-watch".into())
            .spawn(move || watch.run(&control_rx))
            .map_err(|e| ServiceError::Internal(format!("cannot start the folder watcher: {e}")))?;
        *lock(&self.watcher) = Some(FolderWatcher {
            control,
            states,
            thread: Some(thread),
        });
        Ok(())
    }

    /// Stops watching (waits for the watcher to stop).
    pub fn stop_watching(&self) {
        let watcher = lock(&self.watcher).take();
        drop(watcher);
    }

    /// Tells the watcher the library's folders changed (added or removed).
    pub fn folders_changed(&self) {
        if let Some(w) = lock(&self.watcher).as_ref() {
            let _ = w.control.send(Control::Refresh);
        }
    }

    /// Each library folder's watch state; empty when not watching.
    pub fn watched_folders(&self) -> Vec<FolderWatch> {
        lock(&self.watcher)
            .as_ref()
            .map(|w| lock(&w.states).clone())
            .unwrap_or_default()
    }
}

/// A library folder as the watcher knows it.
struct Folder {
    path: PathBuf,
    state: WatchState,
    message: Option<String>,
    /// The folder's device and inode when watched: a folder deleted and made again under the
    /// same name within a check is a new folder, whose watch must be made anew.
    identity: Option<(u64, u64)>,
}

impl Folder {
    fn shown(&self) -> FolderWatch {
        FolderWatch {
            folder: self.path.to_string_lossy().into_owned(),
            state: self.state,
            message: self.message.clone(),
        }
    }
}

/// The watching thread's state.
struct Watch {
    jobs: Weak<LibraryJobs>,
    service: Arc<Service>,
    sink: EventSink,
    /// The library database, never a change to import.
    db: PathBuf,
    folders: Vec<Folder>,
    states: Arc<Mutex<Vec<FolderWatch>>>,
}

type FsWatcher = Debouncer<notify::RecommendedWatcher, RecommendedCache>;

impl Watch {
    fn run(mut self, control: &crossbeam_channel::Receiver<Control>) {
        let (events_tx, events) = crossbeam_channel::unbounded::<DebounceEventResult>();
        let mut fs = match new_debouncer(DEBOUNCE, None, move |r: DebounceEventResult| {
            let _ = events_tx.send(r);
        }) {
            Ok(fs) => Some(fs),
            Err(e) => {
                tracing::error!("cannot watch the library folders: {e}");
                None
            }
        };
        let unwatched = fs.is_none().then(|| watch_error(&notify_error_text(None)));
        self.sync(fs.as_mut(), unwatched.as_deref());
        let mut next_check = Instant::now() + CHECK_EVERY;
        loop {
            let wait = next_check.saturating_duration_since(Instant::now());
            crossbeam_channel::select! {
                recv(control) -> msg => match msg {
                    Ok(Control::Refresh) => self.sync(fs.as_mut(), unwatched.as_deref()),
                    Ok(Control::Stop) | Err(_) => break,
                },
                recv(events) -> r => if let Ok(r) = r {
                    // A library folder itself renamed or deleted: say so now, not at the
                    // next check.
                    if self.changed(r) {
                        next_check = Instant::now();
                    }
                },
                default(wait) => {}
            }
            if Instant::now() >= next_check {
                if let Some(fs) = fs.as_mut() {
                    self.check(fs);
                }
                next_check = Instant::now() + CHECK_EVERY;
            }
        }
    }

    fn emit(&self, folder: &Folder) {
        (self.sink)(&LibraryEvent::Folder {
            watch: folder.shown(),
        });
    }

    fn publish(&self) {
        *lock(&self.states) = self.folders.iter().map(Folder::shown).collect();
    }

    fn import(&self, cause: ScanCause, folders: &[PathBuf]) {
        if let Some(jobs) = self.jobs.upgrade() {
            jobs.scan_folders(cause, folders);
        }
    }

    /// Watches the library's folders as they are now.
    fn sync(&mut self, mut fs: Option<&mut FsWatcher>, unwatched: Option<&str>) {
        let roots = match self.service.folders() {
            Ok(roots) => roots,
            Err(e) => {
                tracing::error!("cannot read the library folders to watch them: {e}");
                return;
            }
        };
        for gone in self.folders.iter().filter(|f| !roots.contains(&f.path)) {
            if let (Some(fs), WatchState::Watching) = (fs.as_deref_mut(), gone.state) {
                let _ = fs.unwatch(&gone.path);
            }
        }
        self.folders.retain(|f| roots.contains(&f.path));
        for root in roots {
            if self.folders.iter().any(|f| f.path == root) {
                continue;
            }
            let mut folder = Folder {
                path: root,
                state: WatchState::Unavailable,
                message: None,
                identity: None,
            };
            match (fs.as_deref_mut(), unwatched) {
                (Some(fs), _) => start_watching(fs, &mut folder),
                (None, why) => {
                    folder.state = WatchState::NotWatched;
                    folder.message = why.map(str::to_owned);
                }
            }
            self.emit(&folder);
            self.folders.push(folder);
        }
        self.publish();
    }

    /// Files changed: import the library folders they are in. True when one of those folders
    /// is itself gone (it is not imported: it becomes unavailable at the check).
    fn changed(&self, result: DebounceEventResult) -> bool {
        let events = match result {
            Ok(events) => events,
            Err(errors) => {
                for e in errors {
                    tracing::warn!("watching the library folders: {e}");
                }
                return false;
            }
        };
        let watched: Vec<&Folder> = self
            .folders
            .iter()
            .filter(|f| f.state == WatchState::Watching)
            .collect();
        let mut dirty: Vec<PathBuf> = Vec::new();
        let mut mark = |root: &Path| {
            if !dirty.iter().any(|d| d == root) {
                dirty.push(root.to_path_buf());
            }
        };
        for event in events.iter() {
            if event.need_rescan() {
                // The system dropped events (its queue overflowed): import every folder.
                watched.iter().for_each(|f| mark(&f.path));
                continue;
            }
            if !changes_files(&event.kind) {
                continue;
            }
            for path in &event.paths {
                for folder in &watched {
                    if path.starts_with(&folder.path) && !self.ignored(path, &folder.path) {
                        mark(&folder.path);
                    }
                }
            }
        }
        let before = dirty.len();
        dirty.retain(|root| identity(root).is_some());
        let vanished = dirty.len() < before;
        if !dirty.is_empty() {
            tracing::debug!("files changed under {dirty:?}");
            self.import(ScanCause::FilesChanged, &dirty);
        }
        vanished
    }

    /// A path whose change the library does not see: hidden (the import skips it) or the
    /// library database itself and its journals.
    fn ignored(&self, path: &Path, root: &Path) -> bool {
        let hidden = path.strip_prefix(root).is_ok_and(|rel| {
            rel.components()
                .any(|c| c.as_os_str().as_encoded_bytes().first() == Some(&b'.'))
        });
        hidden
            || path
                .as_os_str()
                .as_encoded_bytes()
                .starts_with(self.db.as_os_str().as_encoded_bytes())
    }

    /// Folders that vanished, came back, or were replaced.
    fn check(&mut self, fs: &mut FsWatcher) {
        let mut returned = Vec::new();
        let mut changed = false;
        for i in 0..self.folders.len() {
            let folder = &mut self.folders[i];
            let now = identity(&folder.path);
            match (folder.state, now) {
                (WatchState::Watching, None) | (WatchState::NotWatched, None) => {
                    if folder.state == WatchState::Watching {
                        let _ = fs.unwatch(&folder.path);
                    }
                    tracing::warn!(
                        "library folder {} is gone; its tracks are kept",
                        folder.path.display()
                    );
                    folder.state = WatchState::Unavailable;
                    folder.message = None;
                    folder.identity = None;
                }
                (WatchState::Watching, Some(id)) if folder.identity != Some(id) => {
                    // Deleted and made again between two checks: the old watch is dead.
                    let _ = fs.unwatch(&folder.path);
                    start_watching(fs, folder);
                    returned.push(folder.path.clone());
                }
                (WatchState::Unavailable, Some(_)) => {
                    tracing::info!("library folder {} is back", folder.path.display());
                    start_watching(fs, folder);
                    returned.push(folder.path.clone());
                }
                _ => continue,
            }
            changed = true;
            let folder = &self.folders[i];
            self.emit(folder);
        }
        if changed {
            self.publish();
        }
        if !returned.is_empty() {
            self.import(ScanCause::FolderReturned, &returned);
        }
    }
}

/// Watches `folder` (recursively), recording how that went.
fn start_watching(fs: &mut FsWatcher, folder: &mut Folder) {
    folder.identity = identity(&folder.path);
    if folder.identity.is_none() {
        folder.state = WatchState::Unavailable;
        folder.message = None;
        return;
    }
    match fs.watch(&folder.path, RecursiveMode::Recursive) {
        Ok(()) => {
            folder.state = WatchState::Watching;
            folder.message = None;
        }
        Err(e) => {
            tracing::warn!("cannot watch {}: {e}", folder.path.display());
            // A half-made recursive watch is taken down: the folder is one or the other.
            let _ = fs.unwatch(&folder.path);
            folder.state = WatchState::NotWatched;
            folder.message = Some(watch_error(&notify_error_text(Some(&e))));
        }
    }
}

fn notify_error_text(e: Option<&notify::Error>) -> String {
    match e {
        Some(e) if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) => {
            "the system's limit on watched folders is reached (raise fs.inotify.max_user_watches)"
                .into()
        }
        Some(e) => e.to_string(),
        None => "the system's file watcher could not start".into(),
    }
}

fn watch_error(why: &str) -> String {
    format!("{why}; changes show up at the next rescan")
}

/// Whether an event can change what the library holds. Opening and reading a file cannot (the
/// import, analysis and playback read files all the time); a write being closed can.
fn changes_files(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// A folder's device and inode, or `None` when it is not a folder (or not there).
fn identity(path: &Path) -> Option<(u64, u64)> {
    let meta = std::fs::metadata(path).ok().filter(|m| m.is_dir())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Some((0, 0))
    }
}
