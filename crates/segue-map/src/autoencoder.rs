//! A small autoencoder with a 2-D code (input → 64 tanh → 2 → 64 tanh → input), trained by
//! hand-written backpropagation and Adam. Written here because the Rust deep-learning crates
//! (burn, candle, tch) each build hundreds of crates or a C++ library, minutes on two cores,
//! for four dense layers; the whole network is a few thousand weights.
//!
//! It reads the PCA-reduced rows: the components are orthonormal, so the squared error there
//! is the squared error on the feature rows (embedding, tags, DSP) less what PCA already
//! drops. A new track's point is one forward pass through the encoder (microseconds).

use crate::{Job, MapError, Point, Rng, Rows};

#[derive(Debug, Clone)]
pub struct AutoencoderParams {
    pub hidden: usize,
    /// Gradient steps of `batch` rows each (the same work whatever the library's size).
    pub steps: usize,
    pub batch: usize,
    pub learning_rate: f32,
    pub seed: u64,
}

impl Default for AutoencoderParams {
    fn default() -> Self {
        AutoencoderParams {
            hidden: 64,
            steps: 6_000,
            batch: 32,
            learning_rate: 3e-3,
            seed: 11,
        }
    }
}

/// A dense layer, `out × inp` weights row-major, with Adam's moments.
#[derive(Debug, Clone)]
struct Layer {
    inp: usize,
    out: usize,
    w: Vec<f32>,
    b: Vec<f32>,
    gw: Vec<f32>,
    gb: Vec<f32>,
    mw: Vec<f32>,
    vw: Vec<f32>,
    mb: Vec<f32>,
    vb: Vec<f32>,
}

impl Layer {
    fn new(inp: usize, out: usize, rng: &mut Rng) -> Layer {
        // Glorot: keeps tanh units out of saturation at the start.
        let scale = (6.0 / (inp + out) as f32).sqrt();
        Layer {
            inp,
            out,
            w: (0..inp * out)
                .map(|_| (rng.unit() * 2.0 - 1.0) * scale)
                .collect(),
            b: vec![0.0; out],
            gw: vec![0.0; inp * out],
            gb: vec![0.0; out],
            mw: vec![0.0; inp * out],
            vw: vec![0.0; inp * out],
            mb: vec![0.0; out],
            vb: vec![0.0; out],
        }
    }

    fn forward(&self, x: &[f32], y: &mut [f32], tanh: bool) {
        for (o, yo) in y.iter_mut().enumerate() {
            let row = &self.w[o * self.inp..(o + 1) * self.inp];
            let s = self.b[o] + row.iter().zip(x).map(|(w, x)| w * x).sum::<f32>();
            *yo = if tanh { s.tanh() } else { s };
        }
    }

    /// Adds this example's gradients; `dy` is the loss gradient at the layer's output
    /// (before the activation's derivative is applied by the caller). Writes `dx`.
    fn backward(&mut self, x: &[f32], dy: &[f32], dx: &mut [f32]) {
        dx.fill(0.0);
        for (o, g) in dy.iter().enumerate() {
            self.gb[o] += g;
            let row = o * self.inp..(o + 1) * self.inp;
            for ((gw, w), (xi, dxi)) in self.gw[row.clone()]
                .iter_mut()
                .zip(&self.w[row])
                .zip(x.iter().zip(dx.iter_mut()))
            {
                *gw += g * xi;
                *dxi += g * w;
            }
        }
    }

    fn adam(&mut self, rate: f32, t: i32, batch: f32) {
        let (b1, b2) = (0.9f32, 0.999f32);
        let c1 = 1.0 - b1.powi(t);
        let c2 = 1.0 - b2.powi(t);
        let update = |p: &mut [f32], g: &mut [f32], m: &mut [f32], v: &mut [f32]| {
            for (((p, g), m), v) in p.iter_mut().zip(g.iter_mut()).zip(m).zip(v) {
                let grad = *g / batch;
                *m = b1 * *m + (1.0 - b1) * grad;
                *v = b2 * *v + (1.0 - b2) * grad * grad;
                *p -= rate * (*m / c1) / ((*v / c2).sqrt() + 1e-8);
                *g = 0.0;
            }
        };
        update(&mut self.w, &mut self.gw, &mut self.mw, &mut self.vw);
        update(&mut self.b, &mut self.gb, &mut self.mb, &mut self.vb);
    }
}

#[derive(Debug, Clone)]
pub struct Autoencoder {
    /// Inputs are multiplied by this (one factor: unit mean square per column overall).
    input_scale: f32,
    layers: [Layer; 4],
    /// Mean squared reconstruction error on the training rows at the end, scaled units.
    pub final_loss: f32,
}

impl Autoencoder {
    pub fn train(
        rows: &Rows,
        params: &AutoencoderParams,
        job: &Job,
    ) -> Result<Autoencoder, MapError> {
        let d = rows.dim;
        let h = params.hidden;
        let n = rows.len();
        let mean_square =
            rows.data.iter().map(|x| x * x).sum::<f32>() / rows.data.len().max(1) as f32;
        let input_scale = 1.0 / mean_square.sqrt().max(1e-9);
        let mut rng = Rng(params.seed);
        let mut net = Autoencoder {
            input_scale,
            layers: [
                Layer::new(d, h, &mut rng),
                Layer::new(h, 2, &mut rng),
                Layer::new(2, h, &mut rng),
                Layer::new(h, d, &mut rng),
            ],
            final_loss: f32::NAN,
        };
        if n == 0 {
            return Ok(net);
        }
        let mut x = vec![0.0f32; d];
        let (mut a1, mut a2, mut a3, mut a4) =
            (vec![0.0; h], vec![0.0; 2], vec![0.0; h], vec![0.0; d]);
        let (mut d1, mut d2, mut d3, mut d4) =
            (vec![0.0; h], vec![0.0; 2], vec![0.0; h], vec![0.0; d]);
        let mut scratch = vec![0.0f32; d];
        let mut recent = 0.0f32;
        for step in 0..params.steps {
            let mut loss = 0.0f32;
            for _ in 0..params.batch {
                let i = rng.below(n);
                x.iter_mut()
                    .zip(rows.row(i))
                    .for_each(|(x, r)| *x = r * input_scale);
                net.layers[0].forward(&x, &mut a1, true);
                net.layers[1].forward(&a1, &mut a2, false);
                net.layers[2].forward(&a2, &mut a3, true);
                net.layers[3].forward(&a3, &mut a4, false);
                // d(mean squared error)/d(output).
                for ((g, y), t) in d4.iter_mut().zip(&a4).zip(&x) {
                    *g = 2.0 * (y - t) / d as f32;
                    loss += (y - t) * (y - t) / d as f32;
                }
                net.layers[3].backward(&a3, &d4, &mut d3);
                d3.iter_mut().zip(&a3).for_each(|(g, a)| *g *= 1.0 - a * a);
                net.layers[2].backward(&a2, &d3, &mut d2);
                net.layers[1].backward(&a1, &d2, &mut d1);
                d1.iter_mut().zip(&a1).for_each(|(g, a)| *g *= 1.0 - a * a);
                net.layers[0].backward(&x, &d1, &mut scratch);
            }
            // The rate decays linearly to a tenth: big steps first, then settle.
            let rate =
                params.learning_rate * (1.0 - 0.9 * step as f32 / params.steps.max(1) as f32);
            for layer in &mut net.layers {
                layer.adam(rate, step as i32 + 1, params.batch as f32);
            }
            recent = 0.98 * recent + 0.02 * loss / params.batch as f32;
            if step % 500 == 0 {
                job.check(step as f32 / params.steps.max(1) as f32)?;
            }
        }
        net.final_loss = recent;
        job.check(1.0)?;
        Ok(net)
    }

    /// A row's 2-D code.
    pub fn encode(&self, row: &[f32]) -> Point {
        let x: Vec<f32> = row.iter().map(|r| r * self.input_scale).collect();
        let mut a1 = vec![0.0f32; self.layers[0].out];
        let mut code = [0.0f32; 2];
        self.layers[0].forward(&x, &mut a1, true);
        self.layers[1].forward(&a1, &mut code, false);
        code
    }

    pub fn encode_all(&self, rows: &Rows) -> Vec<Point> {
        (0..rows.len()).map(|i| self.encode(rows.row(i))).collect()
    }
}
