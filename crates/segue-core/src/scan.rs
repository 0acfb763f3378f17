use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Why a file (or folder entry) could not be imported.
///
/// Each kind corresponds to a class of bad input a library really contains; the scanner never
/// stops on any of them, it records the file with one of these kinds and a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum IssueKind {
    /// A library folder given to the scan does not exist.
    FolderNotFound,
    /// The file or folder exists but could not be opened or read (permissions, I/O error).
    Unreadable,
    /// The file is zero bytes long.
    Empty,
    /// The file ends before its own headers say it should.
    Truncated,
    /// The content is damaged: headers or tags fail to parse.
    Corrupt,
    /// The content is not audio at all (e.g. a text file named `.mp3`).
    NotAudio,
    /// Audio in a format Segue does not read.
    Unsupported,
    /// A tag or embedded image declares an absurd size.
    TooLarge,
    /// A symbolic link whose target does not exist.
    BrokenLink,
    /// A symbolic link that leads back into a folder being walked.
    LinkLoop,
    /// Not a regular file (a FIFO, socket or device named like audio).
    NotAFile,
}

impl IssueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::FolderNotFound => "folder_not_found",
            IssueKind::Unreadable => "unreadable",
            IssueKind::Empty => "empty",
            IssueKind::Truncated => "truncated",
            IssueKind::Corrupt => "corrupt",
            IssueKind::NotAudio => "not_audio",
            IssueKind::Unsupported => "unsupported",
            IssueKind::TooLarge => "too_large",
            IssueKind::BrokenLink => "broken_link",
            IssueKind::LinkLoop => "link_loop",
            IssueKind::NotAFile => "not_a_file",
        }
    }

    pub fn parse(name: &str) -> Option<IssueKind> {
        ALL_ISSUE_KINDS.iter().copied().find(|k| k.as_str() == name)
    }
}

const ALL_ISSUE_KINDS: [IssueKind; 11] = [
    IssueKind::FolderNotFound,
    IssueKind::Unreadable,
    IssueKind::Empty,
    IssueKind::Truncated,
    IssueKind::Corrupt,
    IssueKind::NotAudio,
    IssueKind::Unsupported,
    IssueKind::TooLarge,
    IssueKind::BrokenLink,
    IssueKind::LinkLoop,
    IssueKind::NotAFile,
];

/// A file that could not be imported, or was imported with something wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FileIssue {
    /// Path, lossily converted to UTF-8 for display.
    pub path: String,
    pub kind: IssueKind,
    pub message: String,
    /// The file is in the library all the same (a truncated file plays what is there).
    #[serde(default)]
    pub imported: bool,
}

/// Where a scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ScanPhase {
    /// Listing folders; `files_total` grows.
    Walking,
    /// Reading tags of new and changed files; `files_done` grows towards `files_total`.
    Reading,
    /// Recording moves and missing files.
    Finishing,
    Done,
}

/// Progress of a running scan, reported several times a second.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScanProgress {
    pub phase: ScanPhase,
    /// Audio files found so far.
    #[ts(type = "number")]
    pub files_found: u64,
    /// Files that need reading (new or changed).
    #[ts(type = "number")]
    pub files_to_read: u64,
    /// Of those, read so far (successfully or not).
    #[ts(type = "number")]
    pub files_read: u64,
    #[ts(type = "number")]
    pub files_failed: u64,
}

/// What a finished (or cancelled) scan did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScanReport {
    /// Audio files found under the scanned folders.
    #[ts(type = "number")]
    pub files_found: u64,
    #[ts(type = "number")]
    pub added: u64,
    #[ts(type = "number")]
    pub updated: u64,
    #[ts(type = "number")]
    pub unchanged: u64,
    /// Files recognised at a new path by their content; they kept their id, plays and ratings.
    #[ts(type = "number")]
    pub moved: u64,
    /// Files no longer found; kept with their history, marked missing.
    #[ts(type = "number")]
    pub missing: u64,
    /// Files that could not be imported this time (see `issues`).
    #[ts(type = "number")]
    pub failed: u64,
    /// The scan was cancelled; what was read so far is stored and the next scan resumes.
    pub cancelled: bool,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
    pub issues: Vec<FileIssue>,
}
