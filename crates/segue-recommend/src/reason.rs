//! One line of "why" from a suggestion's terms: the term that lifted it most above the other
//! candidates leads, then the join (tempo, key) when it counted, then a second driver from
//! another family when it lifted at least half as much.

use segue_core::{ScoreTerm, TermKind};

/// Terms count in a reason only above this lift.
const NOTABLE: f32 = 0.08;

/// `terms` sorted by lift, largest first.
pub(crate) fn write(terms: &[ScoreTerm]) -> String {
    let Some(top) = terms.first() else {
        return String::new();
    };
    let find = |kind: TermKind| terms.iter().find(|t| t.kind == kind);
    let mut parts: Vec<String> = Vec::new();
    let is_join = |k: TermKind| matches!(k, TermKind::Tempo | TermKind::Key | TermKind::Energy);
    let lead = match top.kind {
        // "Sounds like X" says more with the shared styles, which name the same track.
        TermKind::Sound => match find(TermKind::Tags) {
            Some(tags) if tags.lift > NOTABLE && tags.detail.contains(':') => tags.detail.clone(),
            _ => top.detail.clone(),
        },
        k if is_join(k) => format!("smooth join: {}", top.detail),
        _ => top.detail.clone(),
    };
    parts.push(lead);
    if matches!(top.kind, TermKind::Sound | TermKind::Tags) || is_join(top.kind) {
        let join: Vec<&str> = [TermKind::Tempo, TermKind::Key]
            .into_iter()
            .filter(|&k| k != top.kind)
            .filter_map(find)
            .filter(|t| t.lift > NOTABLE && !t.detail.is_empty())
            .map(|t| t.detail.as_str())
            .collect();
        if !join.is_empty() {
            parts.push(join.join(", "));
        }
    }
    // A second driver from another family, when it was at least half the first.
    if let Some(second) = terms.iter().skip(1).find(|t| {
        !matches!(t.kind, TermKind::Sound | TermKind::Tags | TermKind::Session)
            && !is_join(t.kind)
            && t.kind != top.kind
    }) && second.lift > NOTABLE
        && second.lift >= 0.5 * top.lift
        && !second.detail.is_empty()
    {
        parts.push(second.detail.clone());
    }
    let mut line = parts.join("; ");
    if let Some(first) = line.get(..1) {
        line = first.to_uppercase() + &line[1..];
    }
    line
}
