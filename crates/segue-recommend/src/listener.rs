//! The listener model: what this listener enjoys, learned from their own feedback over every
//! kind of evidence Segue has, and how sure it is.
//!
//! A Gaussian process over tracks: enjoyment is a sum of one function per view, each as smooth
//! as its kernel says. Views are the three row spaces (the musicnn embedding, the musicnn tags,
//! the DSP's timbre; kernel: cosine of centred rows) and six facets (artist, album, composer,
//! genre, folder, era; kernel: 1 when two tracks share the value). Each view's scale is fitted
//! to this listener's evidence (type-II maximum likelihood with a log-normal prior around the
//! defaults): a listener whose likes follow composers comes to weigh composers, one whose likes
//! follow a sound the embedding. With no evidence every scale is its default and every track
//! is equally uncertain.
//!
//! What the rest of the recommender reads:
//! - the posterior mean, which is linear in a track's rows plus a value per facet, so the
//!   first stage scores the whole library with it in one pass ([`ListenerModel::mean_rows`],
//!   [`ListenerModel::facet_means`]);
//! - for the short list, the posterior spread and a joint sample from the posterior (Thompson
//!   sampling: a pick that looks good in a plausible version of the listener's taste), drawn by
//!   pathwise conditioning from a seeded prior sample, so the same draw gives the same list;
//! - per view, what the mean is made of, for the reasons.
//!
//! Small dense linear algebra (at most [`MAX_EVIDENCE`] tracks) is written here: Segue has no
//! linear-algebra crate, and a Cholesky factor of a 64 × 64 matrix does not call for one.

use segue_core::Facet;

use crate::library::{FACETS, FOLDER_ABOVE, Library, Linear, NO_KEY, SPACES, Space, slot};
use crate::taste::Taste;
use crate::vector::dot;

/// What the model compares tracks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    Space(Space),
    Facet(Facet),
}

pub(crate) const VIEW_COUNT: usize = 9;

pub(crate) const VIEWS: [View; VIEW_COUNT] = [
    View::Space(Space::Sound),
    View::Space(Space::Style),
    View::Space(Space::Timbre),
    View::Facet(Facet::Artist),
    View::Facet(Facet::Album),
    View::Facet(Facet::Composer),
    View::Facet(Facet::Genre),
    View::Facet(Facet::Folder),
    View::Facet(Facet::Era),
];

/// Each view's prior scale (variance of its part of enjoyment, which runs -1..1), before the
/// listener's evidence reweights them.
const PRIOR_SCALE: [f32; VIEW_COUNT] = [0.3, 0.3, 0.1, 0.6, 1.0, 0.3, 0.1, 1.0, 0.1];

/// Spread of the log-normal prior on each scale: one unit lets evidence move a scale about
/// 2.7 times either way before the prior pulls back as hard as the evidence pushes.
const SCALE_SPREAD: f32 = 2.0;

/// The prior on the listener's baseline (how much they enjoy a track nothing is known about,
/// now): below zero, because most of a library is not what a listener wants at a given moment,
/// and because the evidence is biased the other way (what they heard was picked for them).
const BASELINE: f32 = -0.5;
const BASELINE_SPREAD: f32 = 0.25;

/// Evidence the model reads: the newest this many tracks with feedback.
pub(crate) const MAX_EVIDENCE: usize = 64;

/// The variance of one listen's enjoyment around the track's (moods vary).
const LISTEN_NOISE: f32 = 0.25;

/// Plays this many hours of clock time away from now count half as surely (their noise
/// doubles), ten hours away a twelfth: what someone plays at breakfast says less about the
/// evening.
const CLOCK_HOURS: f32 = 3.0;

/// The largest change of a log scale per step of the fit.
const FIT_STEP: f64 = 1.0;

/// Gradient steps of the scale fit.
const FIT_STEPS: usize = 4;

/// The fitted model for one listener and library.
pub(crate) struct ListenerModel {
    /// Library positions of the tracks with evidence, their enjoyment and its noise variance.
    obs: Vec<usize>,
    y: Vec<f64>,
    noise: Vec<f64>,
    /// When each piece of evidence was last given.
    given_at_ms: Vec<i64>,
    /// Each view's fitted scale.
    pub(crate) scales: [f32; VIEW_COUNT],
    /// How much the listener enjoys a track nothing is known about.
    pub(crate) baseline: f32,
    /// Lower Cholesky factor of K + N over the evidence (n × n, row-major).
    chol: Vec<f64>,
    /// (K + N)⁻¹ (y - baseline): the posterior mean's weight on each piece of evidence.
    alpha: Vec<f64>,
    /// The posterior mean's part in the row spaces: Σᵢ αᵢ · scale · rowᵢ per space.
    pub(crate) mean_rows: Linear,
}

impl ListenerModel {
    /// Fits the model to `taste`'s evidence (the newest [`MAX_EVIDENCE`] tracks in `library`).
    /// `clock`, when known, is the local time of day now (hours, 0-24) and the local offset
    /// from UTC (hours): plays at another time of day say less about what the listener wants
    /// now (what they say explicitly holds all day).
    pub(crate) fn fit(
        library: &Library,
        taste: &Taste,
        now_ms: i64,
        clock: Option<(f32, f32)>,
    ) -> ListenerModel {
        let mut obs = Vec::new();
        let (mut y, mut noise, mut given_at_ms) = (Vec::new(), Vec::new(), Vec::new());
        for e in taste.evidence(now_ms) {
            if obs.len() == MAX_EVIDENCE {
                break;
            }
            if let Some(i) = library.index(e.track) {
                let hours_away = match clock {
                    Some((now, offset)) if !e.explicit => {
                        let then = ((e.at_ms as f64 / 3_600_000.0 + f64::from(offset))
                            .rem_euclid(24.0)) as f32;
                        let apart = (then - now).abs();
                        apart.min(24.0 - apart)
                    }
                    _ => 0.0,
                };
                obs.push(i);
                given_at_ms.push(e.at_ms);
                y.push(f64::from(e.y));
                let away = 1.0 + (hours_away / CLOCK_HOURS).powi(2);
                noise.push(f64::from((e.noise * away).max(1e-4)));
            }
        }
        let n = obs.len();
        // Each view's kernel over the evidence.
        let kernels: Vec<Vec<f64>> = VIEWS
            .iter()
            .map(|&v| {
                let mut k = vec![0.0f64; n * n];
                for a in 0..n {
                    for b in 0..=a {
                        let x = f64::from(kernel(library, v, obs[a], obs[b]));
                        k[a * n + b] = x;
                        k[b * n + a] = x;
                    }
                }
                k
            })
            .collect();
        let mut theta = [0.0f64; VIEW_COUNT];
        let scales_at = |theta: &[f64; VIEW_COUNT]| -> [f64; VIEW_COUNT] {
            std::array::from_fn(|v| f64::from(PRIOR_SCALE[v]) * theta[v].exp())
        };
        let mut fitted = Fitted::solve(&kernels, &scales_at(&theta), &y, &noise);
        if n >= 2 {
            for _ in 0..FIT_STEPS {
                // d log p(y) / d θᵥ = ½ tr((ααᵀ - C⁻¹) sᵥ Kᵥ), plus the prior's pull.
                let scales = scales_at(&theta);
                let inverse = fitted.inverse();
                let mut grad = [0.0f64; VIEW_COUNT];
                for (v, k) in kernels.iter().enumerate() {
                    let mut t = 0.0;
                    for a in 0..n {
                        for b in 0..n {
                            t += (fitted.alpha[a] * fitted.alpha[b] - inverse[a * n + b])
                                * k[a * n + b];
                        }
                    }
                    grad[v] = 0.5 * scales[v] * t - theta[v] / f64::from(SCALE_SPREAD).powi(2);
                }
                let largest = grad.iter().fold(1.0f64, |m, g| m.max(g.abs()));
                for v in 0..VIEW_COUNT {
                    theta[v] = (theta[v] + FIT_STEP * grad[v] / largest).clamp(-3.0, 3.0);
                }
                fitted = Fitted::solve(&kernels, &scales_at(&theta), &y, &noise);
            }
        }
        let scales = scales_at(&theta).map(|s| s as f32);
        let mut mean_rows = Linear::zero(library);
        for (a, &i) in obs.iter().enumerate() {
            for s in SPACES {
                mean_rows.add(
                    (fitted.alpha[a] * f64::from(scales[view_of_space(s)])) as f32,
                    s,
                    library.rows[s as usize].row(i),
                );
            }
        }
        ListenerModel {
            obs,
            y,
            noise,
            given_at_ms,
            scales,
            baseline: fitted.baseline as f32,
            chol: fitted.chol,
            alpha: fitted.alpha,
            mean_rows,
        }
    }

    /// Adds the posterior mean's facet part to `out` (one value per library track): each
    /// facet value the evidence has, spread over the tracks that share it.
    pub(crate) fn facet_means(&self, library: &Library, out: &mut [f32]) {
        for f in FACETS {
            let scale = self.scales[view_of_facet(f)];
            // A track's values in this facet: one, or for folders the bag of two (see `kernel`).
            let (slots, share): (&[usize], f32) = if f == Facet::Folder {
                (&[slot(Facet::Folder), FOLDER_ABOVE], 0.5)
            } else {
                (std::slice::from_ref(&FACET_SLOTS[slot(f)]), 1.0)
            };
            // Evidence sharing a value adds up once per value.
            let mut weights: Vec<(u32, f64)> = Vec::new();
            for (&i, &a) in self.obs.iter().zip(&self.alpha) {
                for &s in slots {
                    let key = library.keys[i][s];
                    if key == NO_KEY {
                        continue;
                    }
                    match weights.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, w)) => *w += a,
                        None => weights.push((key, a)),
                    }
                }
            }
            for (key, weight) in weights {
                let add = share * scale * weight as f32;
                let members = if f == Facet::Folder {
                    &library.folder_members[key as usize]
                } else {
                    &library.members[slot(f)][key as usize]
                };
                for &m in members {
                    out[m as usize] += add;
                }
            }
        }
    }

    /// The posterior mean at track `i`, split by view (the baseline is not in any view).
    pub(crate) fn view_means(&self, library: &Library, i: usize) -> [f32; VIEW_COUNT] {
        std::array::from_fn(|v| {
            let k = self.scales[v];
            self.obs
                .iter()
                .zip(&self.alpha)
                .map(|(&j, &a)| k * kernel(library, VIEWS[v], i, j) * a as f32)
                .sum()
        })
    }

    /// Everything the short list needs from the model, for each of `candidates` (library
    /// positions), from one pass over the evidence per candidate: the mean, the spread and
    /// chance, a joint posterior draw seeded by `draw` (as [`Self::sample`]), and the part of the
    /// mean that evidence from before `before_ms` adds.
    pub(crate) fn assess(
        &self,
        library: &Library,
        candidates: &[usize],
        draw: u64,
        before_ms: i64,
    ) -> Vec<Assessment> {
        // Thompson sampling by pathwise conditioning: a prior draw (a random direction in each
        // row space, a random value per facet value: functions of the seed only) moved to agree
        // with the evidence (Matheron's rule), so a candidate's draw does not depend on which
        // other tracks are scored.
        let mut rng = Normal::new(draw);
        let directions: Vec<Vec<f32>> = SPACES
            .iter()
            .map(|&s| {
                let sd = self.scales[view_of_space(s)].sqrt();
                (0..library.rows[s as usize].dim)
                    .map(|_| sd * rng.next())
                    .collect()
            })
            .collect();
        let prior = |i: usize| -> f64 {
            let rows: f32 = SPACES
                .iter()
                .map(|&s| dot(library.rows[s as usize].row(i), &directions[s as usize]))
                .sum();
            let facets: f32 = FACETS
                .iter()
                .map(|&f| {
                    let value = |key: u32| {
                        if key == NO_KEY {
                            0.0
                        } else {
                            Normal::keyed(draw, slot(f) as u64, u64::from(key))
                        }
                    };
                    let scale = self.scales[view_of_facet(f)];
                    if f == Facet::Folder {
                        // The bag of the folder and the one above it (see `kernel`).
                        let k = &library.keys[i];
                        (scale / 2.0).sqrt() * (value(k[slot(f)]) + value(k[FOLDER_ABOVE]))
                    } else {
                        scale.sqrt() * value(library.keys[i][slot(f)])
                    }
                })
                .sum();
            f64::from(rows + facets)
        };
        let residual: Vec<f64> = self
            .obs
            .iter()
            .zip(&self.y)
            .zip(&self.noise)
            .map(|((&j, &y), &noise)| {
                y - f64::from(self.baseline) - prior(j) - noise.sqrt() * f64::from(rng.next())
            })
            .collect();
        let beta = solve_cholesky(&self.chol, &residual);
        candidates
            .iter()
            .map(|&i| {
                // Every view's kernel against the evidence, summed: once per candidate.
                let cross: Vec<f64> = self
                    .obs
                    .iter()
                    .map(|&j| {
                        VIEWS
                            .iter()
                            .zip(&self.scales)
                            .map(|(&v, &s)| f64::from(s * kernel(library, v, i, j)))
                            .sum()
                    })
                    .collect();
                let dot64 = |w: &[f64]| cross.iter().zip(w).map(|(k, w)| k * w).sum::<f64>();
                let mean = f64::from(self.baseline) + dot64(&self.alpha);
                let before: f64 = cross
                    .iter()
                    .zip(&self.alpha)
                    .zip(&self.given_at_ms)
                    .filter(|(_, at)| **at < before_ms)
                    .map(|((k, a), _)| k * a)
                    .sum();
                let prior_variance: f32 = VIEWS
                    .iter()
                    .zip(&self.scales)
                    .map(|(&v, &s)| s * kernel(library, v, i, i))
                    .sum();
                let w = solve_lower(&self.chol, &cross);
                let explained: f64 = w.iter().map(|x| x * x).sum();
                let spread = (f64::from(prior_variance) - explained).max(0.0).sqrt() as f32;
                let mean = mean as f32;
                let z = mean / (spread * spread + LISTEN_NOISE).sqrt();
                Assessment {
                    mean,
                    // The logistic curve within 0.01 of the normal's.
                    chance: 1.0 / (1.0 + (-1.702 * z).exp()),
                    sample: (f64::from(self.baseline) + prior(i) + dot64(&beta)) as f32,
                    before: before as f32,
                }
            })
            .collect()
    }

    /// The other track whose evidence, in the direction of `sign` (liked for a positive term,
    /// disliked or skipped for a negative one), is most like track `i` in view `view`: a
    /// library position, and that evidence times the view's similarity. What a reason names,
    /// so it is chosen by what the listener did (not by the model's weights, whose sign can
    /// differ from the evidence when similar tracks explain each other).
    pub(crate) fn strongest_evidence(
        &self,
        library: &Library,
        view: usize,
        i: usize,
        sign: f32,
    ) -> Option<(usize, f32)> {
        self.obs
            .iter()
            .zip(&self.y)
            .filter(|(j, y)| **j != i && f64::from(sign) * **y > 0.0)
            .map(|(&j, &y)| {
                (
                    j,
                    self.scales[view] * kernel(library, VIEWS[view], i, j) * y as f32,
                )
            })
            .filter(|(_, c)| sign * c > 0.0)
            .max_by(|a, b| (sign * a.1).total_cmp(&(sign * b.1)))
    }

    /// What track `i`'s own feedback adds to its mean, if it has any.
    pub(crate) fn own_part(&self, library: &Library, i: usize) -> Option<f32> {
        let a = self.obs.iter().position(|&j| j == i)?;
        let prior: f32 = VIEWS
            .iter()
            .zip(&self.scales)
            .map(|(&v, &s)| s * kernel(library, v, i, i))
            .sum();
        Some(prior * self.alpha[a] as f32)
    }
}

impl ListenerModel {
    /// The chance that the listener enjoys library track `i`, 0-1.
    #[cfg(test)]
    pub(crate) fn chance(&self, library: &Library, i: usize) -> f32 {
        self.assess(library, &[i], 0, i64::MIN)[0].chance
    }
}

/// What the model says of one short-listed track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Assessment {
    pub(crate) mean: f32,
    /// The chance the listener enjoys it, 0-1.
    pub(crate) chance: f32,
    /// A joint posterior draw (Thompson sampling).
    pub(crate) sample: f32,
    /// The part of the mean that evidence from before the session adds.
    pub(crate) before: f32,
}

/// Each facet's slot, for borrowing one as a slice.
const FACET_SLOTS: [usize; 6] = [0, 1, 2, 3, 4, 5];

/// The view index of a row space.
pub(crate) fn view_of_space(s: Space) -> usize {
    s as usize
}

/// The view index of a facet.
pub(crate) fn view_of_facet(f: Facet) -> usize {
    crate::library::SPACE_COUNT + slot(f)
}

/// The kernel of one view between library tracks `i` and `j`.
fn kernel(library: &Library, view: View, i: usize, j: usize) -> f32 {
    match view {
        View::Space(s) => {
            let rows = &library.rows[s as usize];
            dot(rows.row(i), rows.row(j))
        }
        View::Facet(Facet::Folder) => {
            // Folders are a bag of the track's folder and the one above it.
            let (a, b) = (&library.keys[i], &library.keys[j]);
            let mut n = 0u8;
            for x in [a[slot(Facet::Folder)], a[FOLDER_ABOVE]] {
                for y in [b[slot(Facet::Folder)], b[FOLDER_ABOVE]] {
                    n += u8::from(x != NO_KEY && x == y);
                }
            }
            f32::from(n) / 2.0
        }
        View::Facet(f) => {
            let (a, b) = (library.keys[i][slot(f)], library.keys[j][slot(f)]);
            f32::from(u8::from(a != NO_KEY && a == b))
        }
    }
}

/// The solved system at one set of scales.
struct Fitted {
    chol: Vec<f64>,
    alpha: Vec<f64>,
    baseline: f64,
}

impl Fitted {
    fn solve(kernels: &[Vec<f64>], scales: &[f64; VIEW_COUNT], y: &[f64], noise: &[f64]) -> Fitted {
        let n = y.len();
        let mut c = vec![0.0f64; n * n];
        for (k, s) in kernels.iter().zip(scales) {
            c.iter_mut().zip(k).for_each(|(c, k)| *c += s * k);
        }
        for (a, noise) in noise.iter().enumerate() {
            c[a * n + a] += noise;
        }
        let chol = cholesky(c, n);
        // The baseline: generalised least squares under its prior, N(0, spread²).
        let ones = vec![1.0f64; n];
        let (c_y, c_1) = (solve_cholesky(&chol, y), solve_cholesky(&chol, &ones));
        let (prior, spread) = (f64::from(BASELINE), f64::from(BASELINE_SPREAD));
        let baseline = (c_y.iter().sum::<f64>() + prior / spread.powi(2))
            / (c_1.iter().sum::<f64>() + 1.0 / spread.powi(2));
        let centred: Vec<f64> = y.iter().map(|v| v - baseline).collect();
        let alpha = solve_cholesky(&chol, &centred);
        Fitted {
            chol,
            alpha,
            baseline,
        }
    }

    /// (K + N)⁻¹, from the factor.
    fn inverse(&self) -> Vec<f64> {
        let n = self.alpha.len();
        let mut inverse = vec![0.0f64; n * n];
        let mut unit = vec![0.0f64; n];
        for col in 0..n {
            unit.iter_mut().for_each(|x| *x = 0.0);
            unit[col] = 1.0;
            let x = solve_cholesky(&self.chol, &unit);
            for row in 0..n {
                inverse[row * n + col] = x[row];
            }
        }
        inverse
    }
}

/// The lower Cholesky factor of a symmetric positive definite `n × n` matrix (row-major). The
/// noise on the diagonal keeps it definite; a pivot that still fails is floored.
fn cholesky(mut a: Vec<f64>, n: usize) -> Vec<f64> {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        let d = d.max(1e-9).sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
        for k in j + 1..n {
            a[j * n + k] = 0.0;
        }
    }
    a
}

/// Solves L x = b for lower-triangular L.
fn solve_lower(l: &[f64], b: &[f64]) -> Vec<f64> {
    let n = b.len();
    let mut x = b.to_vec();
    for i in 0..n {
        for k in 0..i {
            x[i] -= l[i * n + k] * x[k];
        }
        x[i] /= l[i * n + i];
    }
    x
}

/// Solves (L Lᵀ) x = b.
fn solve_cholesky(l: &[f64], b: &[f64]) -> Vec<f64> {
    let n = b.len();
    let mut x = solve_lower(l, b);
    for i in (0..n).rev() {
        for k in i + 1..n {
            x[i] -= l[k * n + i] * x[k];
        }
        x[i] /= l[i * n + i];
    }
    x
}

/// Standard normal draws from a seed (SplitMix64 and Box-Muller).
struct Normal {
    state: u64,
}

impl Normal {
    fn new(seed: u64) -> Normal {
        Normal {
            state: seed ^ 0x6A09_E667_F3BC_C909,
        }
    }

    fn next(&mut self) -> f32 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let z = mix(self.state);
        from_bits(z)
    }

    /// A draw that depends only on (seed, facet, value): the same facet value gets the same
    /// draw whichever tracks are scored.
    fn keyed(seed: u64, facet: u64, key: u64) -> f32 {
        from_bits(mix(seed
            ^ mix(
                facet.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ key.wrapping_add(0xBB67_AE85)
            )))
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A standard normal from 64 random bits (Box-Muller on two 32-bit halves).
fn from_bits(z: u64) -> f32 {
    let u = ((z >> 32) as f32 + 0.5) / 4_294_967_296.0;
    let v = (z & 0xFFFF_FFFF) as f32 / 4_294_967_296.0;
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f32::consts::PI * v).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_small_system() {
        // [[4, 2], [2, 3]] x = [2, 1]  →  x = [0.5, 0].
        let l = cholesky(vec![4.0, 2.0, 2.0, 3.0], 2);
        let x = solve_cholesky(&l, &[2.0, 1.0]);
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12, "{x:?}");
    }

    #[test]
    fn normal_draws_have_unit_spread() {
        let mut rng = Normal::new(7);
        let draws: Vec<f32> = (0..20_000).map(|_| rng.next()).collect();
        let mean = draws.iter().sum::<f32>() / draws.len() as f32;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / draws.len() as f32;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}
