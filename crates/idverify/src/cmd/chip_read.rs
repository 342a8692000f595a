//! `idverify chip read` and `idverify chip readers`: reading a chip over PC/SC or the virtual chip.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use emrtd_reader::{AccessKey, Reader, Transport};

type Rng = rand_core::UnwrapErr<getrandom::SysRng>;

fn rng() -> Rng {
    rand_core::UnwrapErr(getrandom::SysRng)
}

pub fn readers() -> anyhow::Result<ExitCode> {
    #[cfg(feature = "pcsc")]
    {
        let names = emrtd_reader::pcsc_transport::list_readers()
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
        if names.is_empty() {
            println!("no PC/SC reader connected");
        }
        for n in names {
            println!("{n}");
        }
        Ok(ExitCode::SUCCESS)
    }
    #[cfg(not(feature = "pcsc"))]
    {
        bail!(
            "this build has no PC/SC support (build with --features pcsc); the virtual chip is `--reader virtual:DIR`"
        )
    }
}

fn access_key(mrz_file: Option<&Path>, can: Option<String>) -> anyhow::Result<AccessKey> {
    if let Some(can) = can {
        if can.len() != 6 || !can.bytes().all(|b| b.is_ascii_digit()) {
            bail!("--can must be 6 digits");
        }
        return Ok(AccessKey::Can(can.into()));
    }
    let path = mrz_file.context("--mrz FILE or --can NNNNNN is required")?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    // The access key uses the fields as printed; the date window only matters for reporting.
    let today = mrz::Date::new(2000, 1, 1).context("date")?;
    let parsed = mrz::Mrz::parse(&text, &mrz::ParseOptions::new(today).with_repair(true))
        .map_err(|e| anyhow::anyhow!("{}: {e} ({})", path.display(), e.code()))?;
    AccessKey::from_mrz(&parsed).map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))
}

/// A virtual chip serving the files of a directory written by `chip read` or the test kit.
fn virtual_chip(dir: &Path) -> anyhow::Result<emrtd_reader::VirtualChip<Rng>> {
    let mut files = BTreeMap::new();
    let mut card_access = None;
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot open {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_ascii_uppercase();
        let bytes = std::fs::read(entry.path())?;
        let stem = name.strip_suffix(".BIN").unwrap_or(&name);
        let stem = stem
            .strip_prefix("EF.")
            .or_else(|| stem.strip_prefix("EF_"))
            .unwrap_or(stem);
        match stem {
            "SOD" => {
                files.insert(0x011D_u16, bytes);
            }
            "COM" => {
                files.insert(0x011E, bytes);
            }
            "CARDACCESS" => card_access = Some(bytes),
            s => {
                if let Some(n) = s
                    .strip_prefix("DG")
                    .and_then(|n| n.parse::<u8>().ok())
                    .filter(|n| (1..=16).contains(n))
                {
                    files.insert(0x0100 | u16::from(n), bytes);
                }
            }
        }
    }
    let dg1 = files
        .get(&0x0101)
        .context("the virtual chip needs DG1 (its BAC key comes from the MRZ)")?;
    let today = mrz::Date::new(2000, 1, 1).context("date")?;
    let mrz = emrtd::lds::Dg1::parse(dg1, &mrz::ParseOptions::new(today))
        .map_err(|e| anyhow::anyhow!("DG1: {e}"))?;
    let info =
        mrz::bac::BacKeys::mrz_information_of(&mrz.mrz).map_err(|e| anyhow::anyhow!("DG1: {e}"))?;
    if !files.contains_key(&0x011E) {
        // EF.COM from the data groups present.
        let tags: Vec<u8> = files
            .keys()
            .filter(|fid| (0x0101..=0x0110).contains(*fid))
            .filter_map(|fid| emrtd::lds::DgNumber::new(u8::try_from(fid & 0xFF).ok()?))
            .filter_map(|n| emrtd::lds::LdsFile::Dg(n).tag())
            .filter_map(|t| u8::try_from(t.value()).ok())
            .collect();
        let mut body = Vec::new();
        tlv::encode_into(tlv::Tag::new(0x5F01), b"0107", &mut body)?;
        tlv::encode_into(tlv::Tag::new(0x5F36), b"040000", &mut body)?;
        tlv::encode_into(tlv::Tag::new(0x5C), &tags, &mut body)?;
        files.insert(0x011E, tlv::encode(tlv::Tag::new(0x60), &body)?);
    }
    let mut chip = emrtd_reader::VirtualChip::new(files, &info, rng());
    if let Some(ca) = card_access {
        chip = chip.with_master_file(0x011C, ca);
    }
    Ok(chip)
}

pub fn read(
    reader_name: &str,
    mrz_file: Option<&Path>,
    can: Option<String>,
    out: &Path,
    require_pace: bool,
    aa_challenge: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let key = access_key(mrz_file, can)?;
    let challenge: Option<[u8; 8]> = match aa_challenge {
        Some(h) => Some(
            hex::decode(h.trim())
                .context("--aa-challenge is not hex")?
                .try_into()
                .map_err(|_| anyhow::anyhow!("--aa-challenge must be 8 bytes"))?,
        ),
        None => None,
    };
    if let Some(dir) = reader_name.strip_prefix("virtual:") {
        let mut chip = virtual_chip(Path::new(dir))?;
        return run_read(&mut chip, key, out, require_pace, challenge);
    }
    #[cfg(feature = "pcsc")]
    {
        let mut transport = emrtd_reader::pcsc_transport::PcscTransport::connect(reader_name)
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
        run_read(&mut transport, key, out, require_pace, challenge)
    }
    #[cfg(not(feature = "pcsc"))]
    {
        let _ = (out, require_pace);
        bail!(
            "this build has no PC/SC support (build with --features pcsc); use --reader virtual:DIR for the virtual chip"
        )
    }
}

fn run_read<T: Transport>(
    transport: &mut T,
    key: AccessKey,
    out: &Path,
    require_pace: bool,
    challenge: Option<[u8; 8]>,
) -> anyhow::Result<ExitCode> {
    let mut reader = Reader::new(transport, key, rng()).require_pace(require_pace);
    let read = match reader.read_all(|file, len| eprintln!("read {file} ({len} bytes)")) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("idverify: cannot read the chip ({}): {e}", e.code());
            return Ok(ExitCode::from(if e.code() == "access_denied" {
                1
            } else {
                2
            }));
        }
    };
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let write = |name: &str, bytes: &[u8]| -> anyhow::Result<()> {
        std::fs::write(out.join(name), bytes).with_context(|| format!("cannot write {name}"))
    };
    if let Some(com) = &read.com {
        write("EF.COM", com)?;
    }
    if let Some(sod) = &read.sod {
        write("EF.SOD", sod)?;
    }
    for (n, bytes) in &read.data_groups {
        write(&format!("DG{}.bin", n.get()), bytes)?;
    }
    for (n, code) in &read.skipped {
        eprintln!("skipped DG{} ({code})", n.get());
    }
    let protocol = reader.protocol().map_or("none", |p| match p {
        emrtd_reader::AccessProtocol::Bac => "BAC",
        emrtd_reader::AccessProtocol::Pace => "PACE",
    });
    println!("access: {protocol}");
    if let Some(why) = reader.pace_fallback() {
        println!("PACE offered but not used ({why}): fell back to BAC");
    }
    let mut clone_detected = false;
    if let Some(dg14) = read.data_groups.get(&emrtd::lds::DgNumber::DG14) {
        let outcome = match reader.verify_chip_authentication_mapping(dg14) {
            Some(r) => ("PACE-CAM", r),
            None => ("Chip Authentication", reader.chip_authentication(dg14)),
        };
        match outcome {
            (how, Ok(())) => println!("chip authentication: pass ({how})"),
            (how, Err(e)) if e.code() == "access_denied" => {
                clone_detected = true;
                println!("chip authentication: FAIL ({how}): {e}");
            }
            (how, Err(e)) => println!("chip authentication: not performed ({how}: {})", e.code()),
        }
    }
    if let Some(ch) = challenge {
        match reader.active_authentication(&ch) {
            Ok(resp) => {
                write("aa-response.hex", hex::encode(&resp).as_bytes())?;
                println!("active authentication response written to aa-response.hex");
            }
            Err(e) => println!("active authentication: not performed ({})", e.code()),
        }
    }
    let stats = reader.stats();
    println!(
        "{} APDUs, {} bytes, {} secure channel(s); files in {}",
        stats.apdus,
        stats.bytes_read,
        stats.channels_opened,
        out.display()
    );
    Ok(if clone_detected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
