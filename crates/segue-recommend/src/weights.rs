//! Term weights: hand-set bases and slopes over the exploration setting, and the user's
//! learned offsets.

use segue_core::TERM_COUNT;

/// Term weights at a given exploration setting.
pub(crate) struct Weights {
    pub(crate) sound: f32,
    pub(crate) tags: f32,
    pub(crate) session: f32,
    pub(crate) tempo: f32,
    pub(crate) key: f32,
    pub(crate) energy: f32,
    pub(crate) taste: f32,
    pub(crate) novelty: f32,
    pub(crate) explore: f32,
    pub(crate) time_of_day: f32,
    /// Penalty per unit of similarity to a track already picked for this list.
    pub(crate) variety: f32,
    /// The momentum term's weight ([`MOMENTUM`]).
    pub(crate) momentum: f32,
}

/// The penalty per unit of sound similarity to a track already picked for the list, at the
/// closest setting (it doubles at the most exploring): a list is not ten takes on one sound. In
/// the learned ranker's log-odds units (a quarter of the sound join's weight at the default).
pub const VARIETY: f32 = 0.14;

/// The weight of momentum (by an artist played more lately than usual; the term is 0.5 to 1),
/// set by hand: the learned ranker reads a fixed row of [`segue_core::RANKED_TERMS`] and was
/// trained on logs without this term, so it is added after the ranker, outside it, and the
/// user's learned offsets do not move it. About the time-of-day term's weight (0.34): a nudge
/// among tracks that fit, not a reason to leave what plays.
pub const MOMENTUM: f32 = 0.3;

/// The first stage's term weights as `base + slope * exploration`, in [`segue_core::RANKED_TERMS`] order:
/// the learned ranker's shapes as straight lines (`first_stage_base` and `first_stage_slope` in
/// `models/ranker/ranker.json`; `crates/segue-analysis/tests/ranker.rs` checks they agree). The
/// ONNX ranker scores the short list exactly; without it these weights rank alone.
pub const WEIGHT_BASE: [f32; TERM_COUNT] = [
    0.689, 0.239, 0.162, 0.125, 0.199, 0.273, 2.905, 0.0, 0.0, 0.341,
];
pub const WEIGHT_SLOPE: [f32; TERM_COUNT] = [
    -0.409, -0.17, -0.102, -0.068, -0.068, 0.0, 0.0, 0.0, 0.436, 0.0,
];

impl Weights {
    /// At an exploration setting (0..1), with the user's learned offsets added.
    pub(crate) fn at(exploration: f32, offsets: &[f32; TERM_COUNT]) -> Weights {
        let x = exploration.clamp(0.0, 1.0);
        let w: Vec<f32> = (0..TERM_COUNT)
            .map(|k| WEIGHT_BASE[k] + WEIGHT_SLOPE[k] * x + offsets[k])
            .collect();
        Weights {
            sound: w[0],
            tags: w[1],
            tempo: w[2],
            key: w[3],
            energy: w[4],
            session: w[5],
            taste: w[6],
            novelty: w[7],
            explore: w[8],
            time_of_day: w[9],
            variety: VARIETY * (1.0 + x),
            momentum: MOMENTUM,
        }
    }
}

/// One suggestion the user acted on: its term values (in [`segue_core::RANKED_TERMS`] order) and whether
/// they played it through (true) or skipped it early (false).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub values: [f32; TERM_COUNT],
    pub liked: bool,
}

/// The user's offsets to the term weights, learned from what they did with suggestions: a
/// logistic regression of "played through" on the term values, strongly regularised towards
/// zero (a handful of outcomes nudges the weights; many can move each by at most 1).
pub fn learn_offsets(outcomes: &[Outcome]) -> [f32; TERM_COUNT] {
    const STEPS: usize = 200;
    const RATE: f32 = 0.5;
    const L2: f32 = 0.05;
    let mut w = [0.0f32; TERM_COUNT];
    let mut bias = 0.0f32;
    if outcomes.is_empty() {
        return w;
    }
    let n = outcomes.len() as f32;
    for _ in 0..STEPS {
        let mut grad = [0.0f32; TERM_COUNT];
        let mut grad_bias = 0.0f32;
        for o in outcomes {
            let z: f32 = o.values.iter().zip(&w).map(|(v, w)| v * w).sum::<f32>() + bias;
            let p = 1.0 / (1.0 + (-z).exp());
            let e = p - if o.liked { 1.0 } else { 0.0 };
            for (g, v) in grad.iter_mut().zip(&o.values) {
                *g += e * v / n;
            }
            grad_bias += e / n;
        }
        for (w, g) in w.iter_mut().zip(&grad) {
            *w -= RATE * (g + L2 * *w);
        }
        bias -= RATE * grad_bias;
    }
    w.map(|x| x.clamp(-1.0, 1.0))
}
