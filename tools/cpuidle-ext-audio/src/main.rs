//! cpuidle-ext-audio: loads cpuidle_ext's audio BPF policy (cpuidle_ext/bpf/audio.bpf.c) and
//! tells it whether music plays, as a phone's audio service would; the Rust counterpart of
//! `bpftool struct_ops register` and `bpftool map update`. See `cmd::USAGE`.
//!
//! `attach` registers the program's struct_ops map and pins it and the policy's `audio_cfg`
//! map, then exits: the registration outlives the process, as bpftool's does. The other
//! commands find the maps by their pins; `detach` unregisters and removes them.

mod cmd;

use std::process::ExitCode;

use cmd::{parse, Command, USAGE};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cpuidle-ext-audio: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cpuidle-ext-audio: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(target_os = "linux")]
fn run(command: Command) -> Result<(), String> {
    policy::run(command)
}

#[cfg(not(target_os = "linux"))]
fn run(_: Command) -> Result<(), String> {
    Err("BPF struct_ops needs Linux".into())
}

#[cfg(target_os = "linux")]
mod policy {
    use std::fs;
    use std::path::{Path, PathBuf};

    use libbpf_rs::{MapCore, MapFlags, MapHandle, MapType, ObjectBuilder};

    use crate::cmd::{Cfg, Command, Mode};

    const OPS_FILE: &str = "/sys/kernel/cpuidle_ext/ops";
    const KEY: [u8; 4] = [0; 4];

    fn pin_dir() -> PathBuf {
        std::env::var_os("CPUIDLE_EXT_AUDIO_PIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/sys/fs/bpf/cpuidle_ext_audio"))
    }

    /// The program the governor runs, as its ops file says (none, unsupported, or a name).
    fn governor_ops() -> Result<String, String> {
        fs::read_to_string(OPS_FILE)
            .map(|s| s.trim().to_string())
            .map_err(|e| format!("{OPS_FILE}: {e} (is cpuidle_ext loaded?)"))
    }

    fn pinned(dir: &Path, name: &str) -> Result<MapHandle, String> {
        let path = dir.join(name);
        MapHandle::from_pinned_path(&path).map_err(|e| {
            format!(
                "{}: {e} (no policy attached by cpuidle-ext-audio?)",
                path.display()
            )
        })
    }

    pub fn run(command: Command) -> Result<(), String> {
        let dir = pin_dir();
        match command {
            Command::Attach(obj) => attach(Path::new(&obj), &dir),
            Command::Play(period_us) => set(&dir, Mode::Playing, period_us),
            Command::Stop => set(&dir, Mode::Timers, 0),
            Command::Status => status(&dir),
            Command::Detach => detach(&dir),
        }
    }

    fn attach(obj: &Path, dir: &Path) -> Result<(), String> {
        match governor_ops()?.as_str() {
            "none" => {}
            "unsupported" => {
                return Err(
                    "cpuidle_ext was built without module BTF: it takes no BPF policy".into(),
                )
            }
            other => {
                return Err(format!(
                    "policy {other:?} is attached already: detach it first"
                ))
            }
        }
        if dir.exists() {
            return Err(format!(
                "{} exists: detach first (or remove it)",
                dir.display()
            ));
        }
        let open = ObjectBuilder::default()
            .open_file(obj)
            .map_err(|e| format!("{}: {e}", obj.display()))?;
        let mut loaded = open.load().map_err(|e| {
            format!(
                "{}: loading failed: {e} (see the kernel log)",
                obj.display()
            )
        })?;
        if !loaded.maps().any(|m| m.name() == "audio_cfg") {
            return Err(format!(
                "{}: no audio_cfg map: not the audio policy",
                obj.display()
            ));
        }
        let mut ops: Vec<_> = loaded
            .maps_mut()
            .filter(|m| m.map_type() == MapType::StructOps)
            .collect();
        let [ops] = ops.as_mut_slice() else {
            return Err(format!(
                "{}: {} struct_ops maps, expected one",
                obj.display(),
                ops.len()
            ));
        };
        let mut link = ops
            .attach_struct_ops()
            .map_err(|e| format!("registering: {e}"))?;
        // The registration stays when this process exits; detach undoes it through the pin.
        link.disconnect();
        if let Err(e) = pin_maps(&mut loaded, dir) {
            // Nothing could detach a registration without its pin: undo it.
            let unregistered = loaded
                .maps()
                .find(|m| m.map_type() == MapType::StructOps)
                .map(|m| m.delete(&KEY));
            let _ = fs::remove_dir_all(dir);
            return Err(match unregistered {
                Some(Ok(())) => format!("{e}; the policy was unregistered again"),
                _ => format!("{e}; the policy stays registered (rmmod is refused anyway)"),
            });
        }
        println!("attached: {}", governor_ops()?);
        Ok(())
    }

    fn pin_maps(loaded: &mut libbpf_rs::Object, dir: &Path) -> Result<(), String> {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for mut map in loaded.maps_mut() {
            let pin = match (map.map_type(), map.name().to_str()) {
                (MapType::StructOps, _) => "ops",
                (_, Some("audio_cfg")) => "cfg",
                _ => continue,
            };
            map.pin(dir.join(pin))
                .map_err(|e| format!("pinning {pin}: {e}"))?;
        }
        Ok(())
    }

    fn set(dir: &Path, mode: Mode, period_us: u32) -> Result<(), String> {
        let cfg = Cfg {
            mode,
            period_us,
            garbage: 0,
        };
        pinned(dir, "cfg")?
            .update(&KEY, &cfg.encode(), MapFlags::ANY)
            .map_err(|e| format!("audio_cfg: {e}"))?;
        println!("{cfg}");
        Ok(())
    }

    fn status(dir: &Path) -> Result<(), String> {
        println!("governor ops: {}", governor_ops()?);
        let value = pinned(dir, "cfg")?
            .lookup(&KEY, MapFlags::ANY)
            .map_err(|e| format!("audio_cfg: {e}"))?
            .ok_or("audio_cfg: no entry")?;
        println!("audio policy: {}", Cfg::decode(&value)?);
        Ok(())
    }

    fn detach(dir: &Path) -> Result<(), String> {
        let gone = match pinned(dir, "ops")?.delete(&KEY) {
            Ok(()) => "",
            // Unregistered by other means (bpftool map delete; the kernel then answers
            // EINPROGRESS): with no program attached, only the pins are left.
            Err(e) => match governor_ops()?.as_str() {
                "none" => " (it was no longer registered)",
                ops => return Err(format!("unregistering: {e} (governor ops: {ops})")),
            },
        };
        fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        println!("detached{gone}: governor ops {}", governor_ops()?);
        Ok(())
    }
}
