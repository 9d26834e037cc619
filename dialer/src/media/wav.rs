//! WAV files of narrowband telephone audio: 8 kHz, mono, 16-bit linear PCM.
//!
//! The one format the dialer reads from disk: recordings to run the answering-machine detector
//! on (`dialer amd`), and the message a campaign plays to a person it cannot connect. Anything
//! else (another rate, stereo, 8-bit, µ-law, float, MP3 renamed .wav) is refused with an error
//! that names the file, says what it is, and gives the `sox` command that converts it; nothing
//! in a file makes the reader panic.
//!
//! The RIFF layout: a `RIFF` header whose form type is `WAVE`, then chunks of a four-byte id, a
//! little-endian length and the body (padded to an even length). `fmt ` says the encoding;
//! `data` holds the samples. Other chunks (`LIST`, `fact`, …) are skipped.
//!
//! ```
//! use dialer::media::wav;
//! let mut file = Vec::new();
//! wav::write(&mut file, &[0, 1000, -1000]).unwrap();
//! assert_eq!(wav::parse(&file).unwrap(), vec![0, 1000, -1000]);
//! ```

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The only sample rate read, in Hz.
pub const RATE: u32 = super::CLOCK_RATE;

/// `WAVE_FORMAT_PCM`: integer samples.
const FORMAT_PCM: u16 = 1;
/// `WAVE_FORMAT_EXTENSIBLE`: the real format is in the sub-format GUID's first two bytes.
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Why bytes are not an 8 kHz mono 16-bit PCM WAV file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WavFormatError {
    /// No `RIFF….WAVE` header.
    #[error("not a WAV file (no RIFF/WAVE header)")]
    NotWav,
    /// The header is there but a chunk runs past the end.
    #[error("the `{0}` chunk runs past the end of the file (truncated?)")]
    Truncated(String),
    /// No `fmt ` chunk before the data.
    #[error("no `fmt ` chunk before the `data` chunk")]
    NoFormat,
    /// No `data` chunk.
    #[error("no `data` chunk")]
    NoData,
    /// Not integer PCM.
    #[error("the encoding is {0}, not 16-bit linear PCM")]
    Encoding(&'static str),
    /// Not mono.
    #[error("it has {0} channels, not 1 (mono)")]
    Channels(u16),
    /// Not 8 kHz.
    #[error("it is sampled at {0} Hz, not 8000 Hz")]
    Rate(u32),
    /// Not 16 bits a sample.
    #[error("it has {0}-bit samples, not 16-bit")]
    Bits(u16),
}

impl WavFormatError {
    /// Whether converting the file with `sox` would fix it (every error but a missing header
    /// or a truncated file, which are damaged or not audio at all).
    pub fn convertible(&self) -> bool {
        !matches!(self, WavFormatError::NotWav | WavFormatError::Truncated(_))
    }
}

/// Why a WAV file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// The file could not be read at all.
    #[error("{}: cannot read it: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// The file is not in the one format read.
    #[error("{}: {problem}; the dialer reads 8 kHz mono 16-bit PCM WAV{}", path.display(), hint(path, problem))]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: WavFormatError,
    },
}

fn hint(path: &Path, problem: &WavFormatError) -> String {
    if problem.convertible() {
        format!(": convert it with `sox {} -r 8000 -c 1 -b 16 -e signed-integer OUT.wav`", path.display())
    } else {
        String::new()
    }
}

/// Reads a WAV file's samples.
pub fn read(path: &Path) -> Result<Vec<i16>, WavError> {
    let bytes = std::fs::read(path).map_err(|source| WavError::Io { path: path.to_owned(), source })?;
    parse(&bytes).map_err(|problem| WavError::Format { path: path.to_owned(), problem })
}

/// The samples of a WAV file held in memory.
///
/// Lenient where writers commonly are sloppy: a `data` chunk whose stated length runs past the
/// end of the file (a stream's writer could not go back to fill it in) holds what is there, and
/// an odd last byte is dropped.
pub fn parse(bytes: &[u8]) -> Result<Vec<i16>, WavFormatError> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavFormatError::NotWav);
    }
    let mut rest = &bytes[12..];
    let mut format_seen = false;
    while rest.len() >= 8 {
        let id = &rest[0..4];
        let len = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
        let body_all = &rest[8..];
        if id == b"data" {
            if !format_seen {
                return Err(WavFormatError::NoFormat);
            }
            let body = &body_all[..len.min(body_all.len())];
            return Ok(body.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect());
        }
        let Some(body) = body_all.get(..len) else {
            return Err(WavFormatError::Truncated(String::from_utf8_lossy(id).into_owned()));
        };
        if id == b"fmt " {
            check_format(body)?;
            format_seen = true;
        }
        // Chunks are padded to an even length.
        rest = body_all.get(len + len % 2..).unwrap_or(&[]);
    }
    Err(if format_seen { WavFormatError::NoData } else { WavFormatError::NoFormat })
}

/// Checks a `fmt ` chunk says 8 kHz mono 16-bit PCM.
fn check_format(body: &[u8]) -> Result<(), WavFormatError> {
    if body.len() < 16 {
        return Err(WavFormatError::Truncated("fmt ".to_owned()));
    }
    let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
    let mut tag = u16_at(0);
    if tag == FORMAT_EXTENSIBLE && body.len() >= 26 {
        tag = u16_at(24); // the sub-format GUID starts at 24 with the format tag
    }
    let name = match tag {
        FORMAT_PCM => None,
        3 => Some("32-bit float"),
        6 => Some("A-law (G.711)"),
        7 => Some("µ-law (G.711)"),
        0x11 => Some("IMA ADPCM"),
        0x55 => Some("MP3"),
        _ => Some("a compressed or unknown format"),
    };
    if let Some(name) = name {
        return Err(WavFormatError::Encoding(name));
    }
    let channels = u16_at(2);
    let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
    let bits = u16_at(14);
    if channels != 1 {
        return Err(WavFormatError::Channels(channels));
    }
    if rate != RATE {
        return Err(WavFormatError::Rate(rate));
    }
    if bits != 16 {
        return Err(WavFormatError::Bits(bits));
    }
    Ok(())
}

/// Writes samples as an 8 kHz mono 16-bit PCM WAV file (what [`parse`] reads).
///
/// # Errors
/// The writer's, or `InvalidInput` for more samples than a RIFF length can count (over 2^31 −
/// 37 bytes, 37 hours).
pub fn write<W: Write>(mut w: W, samples: &[i16]) -> io::Result<()> {
    let data = u32::try_from(samples.len() * 2)
        .ok()
        .filter(|&d| d <= u32::MAX - 36)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "too many samples for one WAV file"))?;
    let mut header = Vec::with_capacity(44);
    header.extend_from_slice(b"RIFF");
    header.extend_from_slice(&(36 + data).to_le_bytes());
    header.extend_from_slice(b"WAVEfmt ");
    header.extend_from_slice(&16u32.to_le_bytes());
    header.extend_from_slice(&FORMAT_PCM.to_le_bytes());
    header.extend_from_slice(&1u16.to_le_bytes()); // mono
    header.extend_from_slice(&RATE.to_le_bytes());
    header.extend_from_slice(&(RATE * 2).to_le_bytes()); // bytes a second
    header.extend_from_slice(&2u16.to_le_bytes()); // bytes a frame
    header.extend_from_slice(&16u16.to_le_bytes());
    header.extend_from_slice(b"data");
    header.extend_from_slice(&data.to_le_bytes());
    w.write_all(&header)?;
    let body: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    w.write_all(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(samples: &[i16]) -> Vec<u8> {
        let mut out = Vec::new();
        write(&mut out, samples).unwrap();
        out
    }

    /// Sets the `fmt ` fields of a canonical 44-byte file.
    fn with_format(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let mut f = file(&[1, 2, 3]);
        f[20..22].copy_from_slice(&tag.to_le_bytes());
        f[22..24].copy_from_slice(&channels.to_le_bytes());
        f[24..28].copy_from_slice(&rate.to_le_bytes());
        f[34..36].copy_from_slice(&bits.to_le_bytes());
        f
    }

    #[test]
    fn round_trip_and_the_canonical_header() {
        let samples: Vec<i16> = (-500..500).map(|i| (i * 65) as i16).collect();
        let f = file(&samples);
        assert_eq!(f.len(), 44 + 2000);
        assert_eq!(&f[0..4], b"RIFF");
        assert_eq!(u32::from_le_bytes(f[4..8].try_into().unwrap()), 36 + 2000);
        assert_eq!(parse(&f).unwrap(), samples);
        assert_eq!(parse(&file(&[])).unwrap(), Vec::<i16>::new());
    }

    #[test]
    fn other_chunks_are_skipped_with_their_padding() {
        let f = file(&[7, -7]);
        let mut g = f[..36].to_vec();
        g.extend_from_slice(b"LIST");
        g.extend_from_slice(&3u32.to_le_bytes());
        g.extend_from_slice(b"abc\0"); // three bytes and a pad byte
        g.extend_from_slice(&f[36..]);
        assert_eq!(parse(&g).unwrap(), vec![7, -7]);
    }

    #[test]
    fn other_formats_are_refused_by_name() {
        assert_eq!(parse(&with_format(7, 1, 8000, 8)), Err(WavFormatError::Encoding("µ-law (G.711)")));
        assert_eq!(parse(&with_format(3, 1, 8000, 32)), Err(WavFormatError::Encoding("32-bit float")));
        assert_eq!(parse(&with_format(1, 2, 8000, 16)), Err(WavFormatError::Channels(2)));
        assert_eq!(parse(&with_format(1, 1, 22050, 16)), Err(WavFormatError::Rate(22050)));
        assert_eq!(parse(&with_format(1, 1, 8000, 8)), Err(WavFormatError::Bits(8)));
        // WAVE_FORMAT_EXTENSIBLE with a PCM sub-format is PCM.
        let mut f = file(&[5]);
        let mut ext = f[..20].to_vec();
        ext[16..20].copy_from_slice(&40u32.to_le_bytes());
        ext.extend_from_slice(&FORMAT_EXTENSIBLE.to_le_bytes());
        ext.extend_from_slice(&f[22..36]);
        ext.extend_from_slice(&[22, 0, 16, 0, 4, 0, 0, 0, 1, 0]);
        ext.extend_from_slice(&[0; 14]);
        ext.extend_from_slice(&f[36..]);
        assert_eq!(parse(&ext).unwrap(), vec![5]);
        f[0] = b'X';
        assert_eq!(parse(&f), Err(WavFormatError::NotWav));
    }

    #[test]
    fn damaged_files_are_errors_not_panics() {
        let f = file(&[1, 2, 3, 4]);
        for cut in 0..f.len() {
            let _ = parse(&f[..cut]);
        }
        assert_eq!(parse(&f[..30]), Err(WavFormatError::Truncated("fmt ".to_owned())));
        assert_eq!(parse(&f[..36]), Err(WavFormatError::NoData));
        assert_eq!(parse(b"RIFF\0\0\0\0WAVE"), Err(WavFormatError::NoFormat));
        // A data chunk longer than the file holds what is there (streamed writers), to whole samples.
        let mut streamed = f.clone();
        streamed[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
        streamed.push(9);
        assert_eq!(parse(&streamed).unwrap(), vec![1, 2, 3, 4]);
        // Arbitrary bytes after a valid header.
        let mut state = 1u32;
        for _ in 0..2000 {
            let mut g = f[..12].to_vec();
            for _ in 0..40 {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                g.push((state >> 24) as u8);
            }
            let _ = parse(&g);
        }
    }

    #[test]
    fn errors_name_the_file_and_the_fix() {
        let dir = std::env::temp_dir().join(format!("dialkit-wav-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("stereo.wav");
        std::fs::write(&path, with_format(1, 2, 8000, 16)).unwrap();
        let text = read(&path).unwrap_err().to_string();
        assert!(text.contains("stereo.wav") && text.contains("2 channels"), "{text}");
        assert!(text.contains("sox") && text.contains("-r 8000 -c 1 -b 16"), "{text}");
        let text = read(&dir.join("missing.wav")).unwrap_err().to_string();
        assert!(text.contains("missing.wav") && text.contains("cannot read"), "{text}");
        std::fs::write(&path, b"hello").unwrap();
        let text = read(&path).unwrap_err().to_string();
        assert!(text.contains("not a WAV file") && !text.contains("sox"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
