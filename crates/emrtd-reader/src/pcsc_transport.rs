//! Desk readers through the system's PC/SC service (pcsc-lite on Linux; `pcscd` must run).

use std::ffi::CString;

use crate::Error;
use crate::reader::Transport;

/// The names of the connected PC/SC readers.
pub fn list_readers() -> Result<Vec<String>, Error> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User)
        .map_err(|e| Error::Transport(format!("PC/SC: {e}")))?;
    let readers = ctx
        .list_readers_owned()
        .map_err(|e| Error::Transport(format!("PC/SC: {e}")))?;
    Ok(readers
        .into_iter()
        .map(|r| r.to_string_lossy().into_owned())
        .collect())
}

/// A card in a PC/SC reader.
pub struct PcscTransport {
    card: pcsc::Card,
    buf: Vec<u8>,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PcscTransport")
    }
}

impl PcscTransport {
    /// Connects to the card in the reader whose name contains `name` (case-insensitive).
    pub fn connect(name: &str) -> Result<PcscTransport, Error> {
        let ctx = pcsc::Context::establish(pcsc::Scope::User)
            .map_err(|e| Error::Transport(format!("PC/SC: {e}")))?;
        let readers = ctx
            .list_readers_owned()
            .map_err(|e| Error::Transport(format!("PC/SC: {e}")))?;
        let wanted = name.to_lowercase();
        let reader: CString = readers
            .into_iter()
            .find(|r| r.to_string_lossy().to_lowercase().contains(&wanted))
            .ok_or_else(|| Error::Transport(format!("no PC/SC reader matches {name:?}")))?;
        let card = ctx
            .connect(&reader, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY)
            .map_err(|e| Error::Transport(format!("PC/SC connect: {e}")))?;
        Ok(PcscTransport {
            card,
            buf: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        })
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, Error> {
        self.card
            .transmit(apdu, &mut self.buf)
            .map(<[u8]>::to_vec)
            .map_err(|e| Error::Transport(format!("PC/SC transmit: {e}")))
    }
}
