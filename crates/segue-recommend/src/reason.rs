//! One line of "why" from a suggestion's terms: the term that lifted it most above the other
//! candidates leads, then the join (tempo, key) when it counted, then a second driver from
//! another family when it lifted at least half as much. The line is kept in parts (messages),
//! so the UI can say it in any language; `segue_core::english_reason` writes it in English.

use segue_core::{Detail, ReasonPart, ScoreTerm, TermKind};

/// Terms count in a reason only above this lift.
const NOTABLE: f32 = 0.08;

fn said(detail: &Detail) -> bool {
    *detail != Detail::Nothing
}

/// `terms` sorted by lift, largest first.
pub(crate) fn write(terms: &[ScoreTerm]) -> Vec<ReasonPart> {
    let find = |kind: TermKind| terms.iter().find(|t| t.kind == kind);
    // The lead is the largest lift that has something to say: a term can lift a track and have
    // no words (the sound of a track not analysed yet, a taste with no evidence). When nothing
    // said lifted it, a fact about the track itself (not played yet) is still true.
    let Some(top) = terms
        .iter()
        .find(|t| t.lift > 0.0 && said(&t.about))
        .or_else(|| find(TermKind::Novelty).filter(|t| said(&t.about)))
        .or_else(|| terms.iter().find(|t| said(&t.about)))
    else {
        return Vec::new();
    };
    let is_join = |k: TermKind| matches!(k, TermKind::Tempo | TermKind::Key | TermKind::Energy);
    let lead = match top.kind {
        // "Sounds like X" says more with the shared styles, which name the same track.
        TermKind::Sound => match find(TermKind::Tags) {
            Some(tags) if tags.lift > NOTABLE && matches!(tags.about, Detail::CloseTo { .. }) => {
                tags.about.clone()
            }
            _ => top.about.clone(),
        },
        _ => top.about.clone(),
    };
    let mut parts = vec![ReasonPart {
        smooth_join: is_join(top.kind),
        details: vec![lead],
    }];
    if matches!(top.kind, TermKind::Sound | TermKind::Tags) || is_join(top.kind) {
        let join: Vec<Detail> = [TermKind::Tempo, TermKind::Key]
            .into_iter()
            .filter(|&k| k != top.kind)
            .filter_map(find)
            .filter(|t| t.lift > NOTABLE && said(&t.about))
            .map(|t| t.about.clone())
            .collect();
        if !join.is_empty() {
            parts.push(ReasonPart {
                smooth_join: false,
                details: join,
            });
        }
    }
    // A second driver from another family, when it was at least half the first.
    if let Some(second) = terms.iter().find(|t| {
        !matches!(t.kind, TermKind::Sound | TermKind::Tags | TermKind::Session)
            && !is_join(t.kind)
            && t.kind != top.kind
    }) && second.lift > NOTABLE
        && second.lift >= 0.5 * top.lift
        && said(&second.about)
    {
        parts.push(ReasonPart {
            smooth_join: false,
            details: vec![second.about.clone()],
        });
    }
    parts
}
