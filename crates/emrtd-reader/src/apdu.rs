//! Command and response APDUs (ISO/IEC 7816-4 §5.1), short and extended length.

use crate::Error;

/// A command APDU.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (Lc is its length).
    pub data: Vec<u8>,
    /// Expected response length: None for no response data; 256 (short) or 65536 (extended)
    /// mean "as much as available".
    pub le: Option<usize>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Command({:02X} {:02X} {:02X} {:02X}, {} bytes, le {:?})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

impl Command {
    /// A command without data.
    #[must_use]
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Command {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    /// With data.
    #[must_use]
    pub fn with_data(mut self, data: Vec<u8>) -> Command {
        self.data = data;
        self
    }

    /// With an expected length.
    #[must_use]
    pub fn with_le(mut self, le: usize) -> Command {
        self.le = Some(le);
        self
    }

    /// Whether this needs extended length (Lc > 255 or Le > 256).
    #[must_use]
    pub fn is_extended(&self) -> bool {
        self.data.len() > 255 || self.le.is_some_and(|le| le > 256)
    }

    /// The encoded APDU (cases 1–4, short or extended).
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        if self.data.len() > 65_535 || self.le.is_some_and(|le| le > 65_536) {
            return Err(Error::Protocol("APDU too long"));
        }
        let mut out = vec![self.cla, self.ins, self.p1, self.p2];
        let extended = self.is_extended();
        if !self.data.is_empty() {
            if extended {
                out.push(0);
                out.extend_from_slice(
                    &u16::try_from(self.data.len())
                        .unwrap_or(u16::MAX)
                        .to_be_bytes(),
                );
            } else {
                out.push(u8::try_from(self.data.len()).unwrap_or(u8::MAX));
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                out.extend_from_slice(&u16::try_from(le % 65_536).unwrap_or(0).to_be_bytes());
            } else {
                out.push(u8::try_from(le % 256).unwrap_or(0));
            }
        }
        Ok(out)
    }

    /// Decodes an encoded APDU (the chip side).
    pub fn decode(bytes: &[u8]) -> Result<Command, Error> {
        let bad = || Error::Protocol("malformed command APDU");
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(bad());
        };
        let mut cmd = Command::new(*cla, *ins, *p1, *p2);
        match body {
            [] => {}
            [le] => cmd.le = Some(if *le == 0 { 256 } else { usize::from(*le) }),
            [0, hi, lo] => {
                let le = usize::from(u16::from_be_bytes([*hi, *lo]));
                cmd.le = Some(if le == 0 { 65_536 } else { le });
            }
            [0, hi, lo, rest @ ..]
                if !rest.is_empty()
                    && rest.len() >= usize::from(u16::from_be_bytes([*hi, *lo])) =>
            {
                let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
                cmd.data = rest.get(..lc).ok_or_else(bad)?.to_vec();
                match rest.get(lc..).ok_or_else(bad)? {
                    [] => {}
                    [h, l] => {
                        let le = usize::from(u16::from_be_bytes([*h, *l]));
                        cmd.le = Some(if le == 0 { 65_536 } else { le });
                    }
                    _ => return Err(bad()),
                }
            }
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                cmd.data = rest.get(..lc).ok_or_else(bad)?.to_vec();
                match rest.get(lc..).ok_or_else(bad)? {
                    [] => {}
                    [le] => cmd.le = Some(if *le == 0 { 256 } else { usize::from(*le) }),
                    _ => return Err(bad()),
                }
            }
        }
        Ok(cmd)
    }
}

/// A response APDU.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// Response data.
    pub data: Vec<u8>,
    /// Status word SW1 SW2.
    pub sw: u16,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Response({} bytes, {:04X})", self.data.len(), self.sw)
    }
}

/// 9000: success.
pub const SW_OK: u16 = 0x9000;

impl Response {
    /// Splits off the status word.
    pub fn decode(bytes: &[u8]) -> Result<Response, Error> {
        let split = bytes
            .len()
            .checked_sub(2)
            .ok_or(Error::Protocol("response shorter than a status word"))?;
        let (data, sw) = bytes.split_at(split);
        let sw = match sw {
            [a, b] => u16::from_be_bytes([*a, *b]),
            _ => return Err(Error::Protocol("status word")),
        };
        Ok(Response {
            data: data.to_vec(),
            sw,
        })
    }

    /// Data then status word.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }

    /// A bare status word.
    #[must_use]
    pub fn status(sw: u16) -> Response {
        Response {
            data: Vec::new(),
            sw,
        }
    }

    /// The data if the status is 9000 (or a warning 62xx/63xx with data on READ BINARY's end of
    /// file, 6282), else the status as an error naming `command`.
    pub fn ok(self, command: &'static str) -> Result<Vec<u8>, Error> {
        match self.sw {
            SW_OK | 0x6282 => Ok(self.data),
            sw => Err(Error::Status { command, sw }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_short_and_extended_round_trip() {
        let cases = [
            Command::new(0x00, 0x84, 0, 0).with_le(8),
            Command::new(0x00, 0xA4, 2, 0x0C).with_data(vec![1, 0x1E]),
            Command::new(0x00, 0xB0, 0, 0).with_le(256),
            Command::new(0x00, 0x82, 0, 0)
                .with_data(vec![0; 40])
                .with_le(40),
            Command::new(0x00, 0xB0, 0, 0).with_le(1000),
            Command::new(0x00, 0x88, 0, 0)
                .with_data(vec![7; 300])
                .with_le(65_536),
            Command::new(0x00, 0x88, 0, 0).with_data(vec![7; 300]),
        ];
        for c in cases {
            let enc = c.encode().unwrap();
            assert_eq!(Command::decode(&enc).unwrap(), c, "{enc:02x?}");
        }
        assert_eq!(
            Command::new(0, 0x84, 0, 0).with_le(8).encode().unwrap(),
            [0, 0x84, 0, 0, 8]
        );
        assert_eq!(
            Command::new(0, 0xB0, 0, 0).with_le(1000).encode().unwrap(),
            [0, 0xB0, 0, 0, 0, 0x03, 0xE8]
        );
    }
}
