//! Accounts' credentials: ids and secrets generated from the operating
//! system's random source, secrets sealed under the server key
//! (ChaCha20-Poly1305) before they reach the store, so a copy of the
//! database alone does not hold usable keys.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use crate::ServerError;

/// The server key's file name in the data directory.
pub const SERVER_KEY_FILE: &str = "server.key";

/// The roles a key can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything in its account (and, for an administrator account, its members).
    Administrator,
    /// Reads only.
    ReadOnly,
    /// Pushes inventories and reads back its own resources' state; no listing.
    Ingest,
}

impl Role {
    /// The spelling on the command line and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::ReadOnly => "read-only",
            Role::Ingest => "ingest",
        }
    }

    /// Reads the spelling back.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "administrator" => Some(Role::Administrator),
            "read-only" => Some(Role::ReadOnly),
            "ingest" => Some(Role::Ingest),
            _ => None,
        }
    }
}

fn random_bytes<const N: usize>() -> Result<[u8; N], ServerError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| ServerError::Random(error.to_string()))?;
    Ok(bytes)
}

/// A new 12-digit account id (never starting with 0).
pub(crate) fn new_account_id() -> Result<String, ServerError> {
    let bytes = random_bytes::<8>()?;
    let number = u64::from_le_bytes(bytes) % 900_000_000_000 + 100_000_000_000;
    Ok(number.to_string())
}

/// A new access key id: `KENSA` and 15 characters of base32, 20 in all as AWS's.
pub(crate) fn new_access_key_id() -> Result<String, ServerError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bytes = random_bytes::<15>()?;
    let mut id = String::from("KENSA");
    for byte in bytes {
        id.push(char::from(ALPHABET.get(usize::from(byte) % ALPHABET.len()).copied().unwrap_or(b'A')));
    }
    Ok(id)
}

/// A new secret: 40 characters of base64 (30 random bytes), as AWS's.
pub(crate) fn new_secret() -> Result<String, ServerError> {
    use base64::Engine;
    let bytes = random_bytes::<30>()?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The server key, which seals secrets.
#[derive(Clone)]
pub struct ServerKey {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("ServerKey(…)")
    }
}

impl ServerKey {
    /// Reads the key from `path`, or creates it (0600) when `create`.
    pub fn load(path: &std::path::Path, create: bool) -> Result<ServerKey, ServerError> {
        let io = |operation: &'static str| {
            move |source: std::io::Error| ServerError::Io { operation, path: path.display().to_string(), source }
        };
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && create => {
                let key = random_bytes::<32>()?;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut file = options.open(path).map_err(io("create the server key"))?;
                std::io::Write::write_all(&mut file, &key).map_err(io("write the server key"))?;
                file.sync_all().map_err(io("write the server key"))?;
                key.to_vec()
            }
            Err(error) => return Err(io("read the server key")(error)),
        };
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| ServerError::Io {
            operation: "read the server key",
            path: path.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "the key must be 32 bytes"),
        })?;
        Ok(ServerKey { cipher: ChaCha20Poly1305::new(Key::from_slice(&key)) })
    }

    /// Seals a secret: nonce followed by ciphertext.
    pub fn seal(&self, secret: &str) -> Result<Vec<u8>, ServerError> {
        let nonce = random_bytes::<12>()?;
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), secret.as_bytes())
            .map_err(|_| ServerError::Random("sealing failed".to_string()))?;
        let mut sealed = nonce.to_vec();
        sealed.extend(ciphertext);
        Ok(sealed)
    }

    /// Opens a sealed secret; `None` when it was sealed under another key or damaged.
    pub fn open(&self, sealed: &[u8]) -> Option<String> {
        let (nonce, ciphertext) = (sealed.get(..12)?, sealed.get(12..)?);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), ciphertext).ok()?;
        String::from_utf8(plain).ok()
    }
}
