//! LEB128 varints (unsigned, little-endian groups of 7 bits) as the M2M formats use them.

use super::error::DecodeError;
use super::limits::{MAX_VARINT32_LEN, MAX_VARINT64_LEN};

/// Appends `value` as a LEB128 varint.
pub fn write(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        // Truncation to the low 7 bits is the point of LEB128.
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a varint of at most [`MAX_VARINT64_LEN`] bytes at `*pos`, advancing `*pos`.
pub fn read_u64(buf: &[u8], pos: &mut usize, field: &'static str) -> Result<u64, DecodeError> {
    let mut value: u64 = 0;
    for i in 0..MAX_VARINT64_LEN {
        let Some(&byte) = buf.get(*pos + i) else {
            return Err(DecodeError::Truncated { field, needed: 1 });
        };
        let bits = u64::from(byte & 0x7f);
        if i == MAX_VARINT64_LEN - 1 && bits > 1 {
            return Err(DecodeError::BadVarint { field });
        }
        value |= bits << (7 * i);
        if byte & 0x80 == 0 {
            *pos += i + 1;
            return Ok(value);
        }
    }
    Err(DecodeError::BadVarint { field })
}

/// Reads a varint that must fit a u32 (at most [`MAX_VARINT32_LEN`] bytes).
pub fn read_u32(buf: &[u8], pos: &mut usize, field: &'static str) -> Result<u32, DecodeError> {
    let start = *pos;
    let value = read_u64(buf, pos, field)?;
    if *pos - start > MAX_VARINT32_LEN {
        return Err(DecodeError::BadVarint { field });
    }
    u32::try_from(value).map_err(|_| DecodeError::BadVarint { field })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_encodings() {
        let cases: [(u64, &[u8]); 5] = [
            (0, &[0]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (300, &[0xac, 0x02]),
            (
                u64::MAX,
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
        ];
        for (value, bytes) in cases {
            let mut out = Vec::new();
            write(&mut out, value);
            assert_eq!(out, bytes, "{value}");
            let mut pos = 0;
            assert_eq!(read_u64(&out, &mut pos, "v").unwrap(), value);
            assert_eq!(pos, bytes.len());
        }
    }

    #[test]
    fn rejects_overlong_and_truncated() {
        let mut pos = 0;
        assert_eq!(
            read_u64(&[0x80], &mut pos, "v"),
            Err(DecodeError::Truncated {
                field: "v",
                needed: 1
            })
        );
        let overlong = [0xff; 11];
        assert_eq!(
            read_u64(&overlong, &mut 0, "v"),
            Err(DecodeError::BadVarint { field: "v" })
        );
        let too_big = [0xff, 0xff, 0xff, 0xff, 0x1f];
        assert_eq!(
            read_u32(&too_big, &mut 0, "v"),
            Err(DecodeError::BadVarint { field: "v" })
        );
    }
}
