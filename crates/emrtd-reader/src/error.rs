//! The crate's one error type.

/// Why reading a chip failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transport (reader, virtual chip) failed to exchange an APDU.
    #[error("transport: {0}")]
    Transport(String),
    /// BAC or PACE was refused: the MRZ or CAN does not match the chip.
    #[error("access denied: {0}")]
    AccessDenied(&'static str),
    /// A command answered with an error status word.
    #[error("{command}: status {sw:04X}")]
    Status {
        /// The command.
        command: &'static str,
        /// The status word.
        sw: u16,
    },
    /// Secure messaging failed: a wrong MAC (tampering), missing or malformed data objects.
    #[error("secure messaging: {0}")]
    SecureMessaging(&'static str),
    /// The chip answered something the protocol does not allow.
    #[error("protocol: {0}")]
    Protocol(&'static str),
    /// The chip asks for something we do not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A file read from the chip does not parse.
    #[error(transparent)]
    Lds(#[from] emrtd::Error),
}

impl Error {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::Transport(_) => "reader_transport",
            Error::AccessDenied(_) => "access_denied",
            Error::Status { sw: 0x6A82, .. } => "file_not_found",
            Error::Status { sw: 0x6982, .. } => "security_status_not_satisfied",
            Error::Status { sw: 0x6700, .. } => "wrong_length",
            Error::Status {
                sw: 0x6987 | 0x6988,
                ..
            } => "secure_messaging_refused",
            Error::Status { .. } => "card_status",
            Error::SecureMessaging(_) => "secure_messaging_invalid",
            Error::Protocol(_) => "protocol_error",
            Error::Unsupported(_) => "protocol_unsupported",
            Error::Lds(e) => e.code(),
        }
    }
}
