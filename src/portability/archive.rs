//! The archive container: POSIX ustar, written and read in a single pass
//! over async streams, so `tar tf` lists an archive while the server never
//! holds more than one member in memory.
//!
//! Only what an export writes is read back: regular files with short,
//! relative, lowercase names. A link, a device, an absolute name, a `..`
//! segment or a bad header checksum is refused before its content is read.

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

const BLOCK: usize = 512;
/// The longest member name (ustar's `name` field; `prefix` is not used).
pub const MAX_NAME: usize = 100;
/// The largest member an import reads into memory.
pub const MAX_MEMBER: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("not a tenant archive: {0}")]
    Malformed(String),
    #[error("archive i/o: {0}")]
    Io(#[from] std::io::Error),
}

fn malformed(what: impl Into<String>) -> ArchiveError {
    ArchiveError::Malformed(what.into())
}

/// Writes members one after another, hashing every byte it writes.
pub struct Writer<W> {
    out: W,
    sha: Sha256,
    bytes: u64,
}

impl<W: AsyncWrite + Unpin> Writer<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            sha: Sha256::new(),
            bytes: 0,
        }
    }

    async fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.sha.update(data);
        self.bytes += data.len() as u64;
        self.out.write_all(data).await
    }

    /// Adds a member `name` holding `data`.
    pub async fn member(&mut self, name: &str, data: &[u8]) -> Result<(), ArchiveError> {
        let header = header(name, data.len() as u64)?;
        self.write(&header).await?;
        self.write(data).await?;
        let padding = (BLOCK - data.len() % BLOCK) % BLOCK;
        self.write(&[0; BLOCK][..padding]).await?;
        Ok(())
    }

    /// Ends the archive; returns the output, its SHA-256 and its size.
    pub async fn finish(mut self) -> Result<(W, [u8; 32], u64), ArchiveError> {
        self.write(&[0; 2 * BLOCK]).await?;
        self.out.flush().await?;
        Ok((self.out, self.sha.finalize().into(), self.bytes))
    }
}

/// A ustar header of a regular file: mode 0600, owner 0, time 0, so the
/// same content always gives the same bytes.
fn header(name: &str, size: u64) -> Result<[u8; BLOCK], ArchiveError> {
    check_name(name)?;
    if size >= 1 << 33 {
        return Err(malformed(format!("{name} is larger than 8 GiB")));
    }
    let mut block = [0u8; BLOCK];
    block[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut block[100..108], 0o600);
    octal(&mut block[108..116], 0);
    octal(&mut block[116..124], 0);
    octal(&mut block[124..136], size);
    octal(&mut block[136..148], 0);
    block[156] = b'0';
    block[257..263].copy_from_slice(b"ustar\0");
    block[263..265].copy_from_slice(b"00");
    let sum = checksum(&block);
    octal(&mut block[148..155], sum);
    block[155] = b' ';
    Ok(block)
}

/// `value` in octal, zero-padded, NUL-terminated, filling `field`.
fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    field[..digits].copy_from_slice(&text.as_bytes()[text.len() - digits..]);
    field[digits] = 0;
}

/// The header's checksum: its bytes summed, the checksum field as spaces.
fn checksum(block: &[u8; BLOCK]) -> u64 {
    block
        .iter()
        .enumerate()
        .map(|(i, b)| u64::from(if (148..156).contains(&i) { b' ' } else { *b }))
        .sum()
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c| c == '\0' || c == ' ');
    u64::from_str_radix(text, 8).ok()
}

/// Names an export writes: relative, lowercase, no empty, `.` or `..`
/// segment.
fn check_name(name: &str) -> Result<(), ArchiveError> {
    let allowed = |c: char| matches!(c, 'a'..='z' | '0'..='9' | '/' | '_' | '.' | '-' | '#');
    let bad_segment = |s: &str| s.is_empty() || s == "." || s == "..";
    if name.is_empty()
        || name.len() > MAX_NAME
        || !name.chars().all(allowed)
        || name.split('/').any(bad_segment)
    {
        return Err(malformed(format!("refused member name {name:?}")));
    }
    Ok(())
}

/// A member's header, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub size: u64,
}

/// Reads members one after another, hashing every byte it reads.
pub struct Reader<R> {
    input: R,
    sha: Sha256,
}

impl<R: AsyncRead + Unpin> Reader<R> {
    pub fn new(input: R) -> Self {
        Self {
            input,
            sha: Sha256::new(),
        }
    }

    async fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), ArchiveError> {
        self.input
            .read_exact(buf)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => malformed("the archive is truncated"),
                _ => e.into(),
            })?;
        self.sha.update(&*buf);
        Ok(())
    }

    /// The next member's header; `None` at the end of the archive.
    pub async fn next(&mut self) -> Result<Option<Entry>, ArchiveError> {
        let mut block = [0u8; BLOCK];
        self.read_exact(&mut block).await?;
        if block.iter().all(|b| *b == 0) {
            return Ok(None);
        }
        let recorded = parse_octal(&block[148..156]);
        if recorded != Some(checksum(&block)) {
            return Err(malformed("a header's checksum is wrong"));
        }
        if !matches!(block[156], b'0' | 0) || block[345..500].iter().any(|b| *b != 0) {
            return Err(malformed("only regular files are accepted (no link)"));
        }
        let end = block[..MAX_NAME]
            .iter()
            .position(|b| *b == 0)
            .unwrap_or(MAX_NAME);
        let name = std::str::from_utf8(&block[..end])
            .map_err(|_| malformed("a member name is not UTF-8"))?;
        check_name(name)?;
        let size = parse_octal(&block[124..136]).ok_or_else(|| malformed("bad member size"))?;
        Ok(Some(Entry {
            name: name.to_owned(),
            size,
        }))
    }

    /// The content of the member whose header was just read.
    pub async fn body(&mut self, entry: &Entry) -> Result<Vec<u8>, ArchiveError> {
        if entry.size > MAX_MEMBER {
            return Err(malformed(format!("{} is too large", entry.name)));
        }
        let size = entry.size as usize;
        let mut data = vec![0u8; size + (BLOCK - size % BLOCK) % BLOCK];
        self.read_exact(&mut data).await?;
        data.truncate(size);
        Ok(data)
    }

    /// SHA-256 of what was read so far.
    pub fn sha256(&self) -> [u8; 32] {
        self.sha.clone().finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn members_round_trip_and_tar_can_list_them() -> Result<(), ArchiveError> {
        let mut writer = Writer::new(Vec::new());
        writer.member("manifest.json", b"{}").await?;
        writer.member("data/00-a/0", &[7u8; 1000]).await?;
        writer.member("files/#1", b"").await?;
        let (bytes, sha, size) = writer.finish().await?;
        assert_eq!(size as usize, bytes.len());
        assert_eq!(bytes.len() % BLOCK, 0);
        let mut reader = Reader::new(&bytes[..]);
        let mut seen = Vec::new();
        while let Some(entry) = reader.next().await? {
            let body = reader.body(&entry).await?;
            assert_eq!(body.len() as u64, entry.size);
            seen.push(entry.name);
        }
        assert_eq!(seen, ["manifest.json", "data/00-a/0", "files/#1"]);
        // The reader stops at the first zero block; the rest is padding.
        let mut rest = Vec::new();
        reader.input.read_to_end(&mut rest).await?;
        assert_eq!(rest, vec![0; BLOCK]);
        assert_eq!(Sha256::digest(&bytes).as_slice(), sha);
        Ok(())
    }

    #[tokio::test]
    async fn escapes_links_and_bad_checksums_are_refused() -> Result<(), ArchiveError> {
        for name in ["../etc/passwd", "/abs", "a//b", "A", "a/./b", ""] {
            assert!(header(name, 0).is_err(), "{name:?}");
        }
        let mut link = header("files/0", 0)?;
        link[156] = b'2';
        link[148..156].fill(b' ');
        let sum = checksum(&link);
        octal(&mut link[148..155], sum);
        assert!(Reader::new(&link[..]).next().await.is_err());
        let mut tampered = header("files/0", 0)?;
        tampered[0] = b'g';
        assert!(Reader::new(&tampered[..]).next().await.is_err());
        Ok(())
    }
}
