//! `segue eq`: the equaliser of an output device, kept in the library like the app's Settings
//! panel keeps it (a running app or `segue play` takes a change from its next start).

use anyhow::{Result, bail};
use segue_core::{EQ_BAND_CENTRES_HZ, EqualiserSettings, EqualiserView, ParametricBand};
use segue_service::{Service, apply_equaliser_preset, band_label};

/// `segue eq`'s subcommands.
#[derive(clap::Subcommand)]
pub enum EqCommand {
    /// The equaliser's settings and the response they give at each band.
    Show {
        /// The output device (an id from `segue devices`; default: the chosen one, else the
        /// system default).
        #[arg(long, value_name = "ID")]
        device: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Changes what is given and switches the equaliser on; the rest is kept.
    Set {
        #[arg(long, value_name = "ID")]
        device: Option<String>,
        /// Gain before the filters, -12 to 12 dB.
        #[arg(long, value_name = "DB", allow_hyphen_values = true)]
        preamp: Option<f32>,
        /// One band's gain, -12 to 12 dB: 31.5=4, 1k=-3, 16k=2 (given once or more).
        #[arg(long = "band", value_name = "HZ=DB", allow_hyphen_values = true)]
        bands: Vec<String>,
        /// All ten gains, from 31.5 Hz to 16 kHz: 4,3,1,0,0,0,0,1,2,3.
        #[arg(long, value_name = "DB,…", allow_hyphen_values = true)]
        all: Option<String>,
        /// Adds a parametric band: 3150:-4:2 (Hz, dB, Q from 0.1 to 10); given once or more.
        #[arg(
            long = "parametric",
            value_name = "HZ:DB:Q",
            allow_hyphen_values = true
        )]
        parametric: Vec<String>,
        /// Removes every parametric band (before adding those given).
        #[arg(long)]
        clear_parametric: bool,
        #[arg(long)]
        json: bool,
    },
    /// Sets the bands from a preset and switches the equaliser on; without a name, lists them.
    Preset {
        name: Option<String>,
        #[arg(long, value_name = "ID")]
        device: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Switches the equaliser off (its settings are kept for `segue eq set`).
    Off {
        #[arg(long, value_name = "ID")]
        device: Option<String>,
    },
}

pub fn eq(service: &Service, command: EqCommand) -> Result<i32> {
    match command {
        EqCommand::Show { device, json } => {
            let view = current(service, device.as_deref())?;
            print_view(&view, json)?;
        }
        EqCommand::Set {
            device,
            preamp,
            bands,
            all,
            parametric,
            clear_parametric,
            json,
        } => {
            let view = current(service, device.as_deref())?;
            let mut settings = view.settings.clone();
            settings.enabled = true;
            if let Some(db) = preamp {
                settings.preamp_db = db;
            }
            if let Some(all) = all {
                settings.bands_db = parse_all(&all)?;
                settings.preset = None;
            }
            for band in &bands {
                let (index, db) = parse_band(band)?;
                settings.bands_db[index] = db;
                settings.preset = None;
            }
            if clear_parametric {
                settings.parametric.clear();
            }
            for band in &parametric {
                settings.parametric.push(parse_parametric(band)?);
            }
            let view = save(service, &view, settings)?;
            print_view(&view, json)?;
        }
        EqCommand::Preset { name, device, json } => {
            let Some(name) = name else {
                let presets = service.equaliser_presets();
                if json {
                    println!("{}", serde_json::to_string_pretty(&presets)?);
                } else {
                    for p in presets {
                        let gains: Vec<String> =
                            p.bands_db.iter().map(|g| format!("{g:+}")).collect();
                        println!("{:<14} {:<14} {}", p.id, p.name, gains.join(" "));
                    }
                }
                return Ok(0);
            };
            let view = current(service, device.as_deref())?;
            let settings = apply_equaliser_preset(&view.settings, &name)?;
            let view = save(service, &view, settings)?;
            print_view(&view, json)?;
        }
        EqCommand::Off { device } => {
            let view = current(service, device.as_deref())?;
            let settings = EqualiserSettings {
                enabled: false,
                ..view.settings.clone()
            };
            let view = save(service, &view, settings)?;
            println!("Equaliser off for {}.", view.device_name);
        }
    }
    Ok(0)
}

/// The named device's equaliser (it must be a known output), else the chosen or default one's.
fn current(service: &Service, device: Option<&str>) -> Result<EqualiserView> {
    let (id, name) = match device {
        Some(id) => {
            let outputs = service.output_devices()?;
            let Some(output) = outputs.iter().find(|o| o.id == id) else {
                bail!("no audio output {id:?}: `segue devices` lists those there are");
            };
            (output.id.clone(), output.name.clone())
        }
        None => service.equaliser_device(None)?,
    };
    Ok(service.equaliser(&id, &name, None)?)
}

fn save(
    service: &Service,
    view: &EqualiserView,
    settings: EqualiserSettings,
) -> Result<EqualiserView> {
    Ok(service.set_equaliser(&view.device_id, &view.device_name, settings, None)?)
}

/// "1k=-3", "31.5=4", "16000=+2".
fn parse_band(text: &str) -> Result<(usize, f32)> {
    let Some((hz, db)) = text.split_once('=') else {
        bail!("--band {text}: write it as HZ=DB, for example 1k=-3");
    };
    let index = band_index(hz)?;
    let db = gain(db, &format!("--band {text}"))?;
    Ok((index, db))
}

fn band_index(text: &str) -> Result<usize> {
    let text = text.trim().to_ascii_lowercase();
    let number = text.trim_end_matches("hz").trim_end();
    let hz = match number.strip_suffix('k') {
        Some(k) => k.trim().parse::<f32>().map(|k| k * 1000.0),
        None => number.parse::<f32>(),
    };
    let centres = || {
        EQ_BAND_CENTRES_HZ
            .iter()
            .map(|&c| band_label(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Ok(hz) = hz else {
        bail!("{text:?} is not a band: the bands are {}", centres());
    };
    // Within 5 %: 31 and 32 name the 31.5 Hz band, 16000 the 16 kHz one.
    EQ_BAND_CENTRES_HZ
        .iter()
        .position(|&c| (hz / c - 1.0).abs() < 0.05)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no band at {text}: the bands are {} (--parametric takes any frequency)",
                centres()
            )
        })
}

fn parse_all(text: &str) -> Result<Vec<f32>> {
    let gains = text
        .split(',')
        .map(|g| gain(g, "--all"))
        .collect::<Result<Vec<f32>>>()?;
    if gains.len() != EQ_BAND_CENTRES_HZ.len() {
        bail!(
            "--all takes {} gains, one per band from 31.5 Hz to 16 kHz; {} were given",
            EQ_BAND_CENTRES_HZ.len(),
            gains.len()
        );
    }
    Ok(gains)
}

/// "3150:-4:2".
fn parse_parametric(text: &str) -> Result<ParametricBand> {
    let parts: Vec<&str> = text.split(':').collect();
    let [hz, db, q] = parts.as_slice() else {
        bail!("--parametric {text}: write it as HZ:DB:Q, for example 3150:-4:2");
    };
    let number = |s: &str, what: &str| {
        s.trim()
            .parse::<f32>()
            .map_err(|_| anyhow::anyhow!("--parametric {text}: {what} {s:?} is not a number"))
    };
    Ok(ParametricBand {
        frequency_hz: number(hz, "the frequency")?,
        gain_db: number(db, "the gain")?,
        q: number(q, "the Q")?,
    })
}

fn gain(text: &str, option: &str) -> Result<f32> {
    let trimmed = text
        .trim()
        .trim_end_matches("dB")
        .trim_end_matches("db")
        .trim();
    match trimmed.parse::<f32>() {
        Ok(db) => Ok(db),
        Err(_) => bail!("{option}: {text:?} is not a gain in dB"),
    }
}

fn print_view(view: &EqualiserView, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(view)?);
        return Ok(());
    }
    let s = &view.settings;
    let r = &view.response;
    println!(
        "Equaliser for {} ({}): {}{}",
        view.device_name,
        view.device_id,
        if s.enabled { "on" } else { "off" },
        match &s.preset {
            Some(p) => format!(", preset {p}"),
            None => String::new(),
        }
    );
    println!(
        "Preamp {:+.1} dB{}",
        s.preamp_db,
        if r.headroom_db < 0.0 {
            format!(
                ", lowered {:.1} dB more so the loudest frequency stays at full scale",
                -r.headroom_db
            )
        } else {
            String::new()
        }
    );
    println!("{:>9}  {:>7}  {:>9}", "band", "set", "response");
    for ((&hz, set), heard) in EQ_BAND_CENTRES_HZ
        .iter()
        .zip(&s.bands_db)
        .zip(&r.band_gains_db)
    {
        println!("{:>9}  {:>+7.1}  {:>+9.2}", band_label(hz), set, heard);
    }
    for b in &s.parametric {
        println!(
            "Parametric {} Hz, {:+.1} dB, Q {}",
            b.frequency_hz, b.gain_db, b.q
        );
    }
    Ok(())
}
