//! What kind of image a cover's bytes are: the one rule for import (what is stored as a cover)
//! and for the app's `cover:` protocol (what is served, and as what). The type a tag or a file
//! name declares is never taken: a music file can declare `image/png` over a page of script.

/// The raster image type of `data` by its signature: JPEG, PNG, GIF, BMP or WebP, else `None`.
/// SVG is none of them: it can carry script.
pub fn image_type(data: &[u8]) -> Option<&'static str> {
    match data {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n', ..] => Some("image/png"),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some("image/gif"),
        // A BITMAPFILEHEADER is 14 bytes.
        [b'B', b'M', _, _, _, _, _, _, _, _, _, _, _, _, ..] => Some("image/bmp"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_bytes_and_nothing_else_is_an_image() {
        assert_eq!(
            image_type(b"\xFF\xD8\xFF\xE0\0\x10JFIF"),
            Some("image/jpeg")
        );
        assert_eq!(
            image_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("image/png")
        );
        assert_eq!(image_type(b"GIF89a\x01\0\x01\0"), Some("image/gif"));
        assert_eq!(
            image_type(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0"),
            Some("image/bmp")
        );
        assert_eq!(image_type(b"RIFF\x24\0\0\0WEBPVP8 "), Some("image/webp"));
        for not_an_image in [
            &b""[..],
            b"\xFF\xD8",
            b"\x89PNG",
            b"BM",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"<html><script>alert(1)</script></html>",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        ] {
            assert_eq!(image_type(not_an_image), None, "{not_an_image:?}");
        }
    }
}
