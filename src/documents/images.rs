//! Photos made fit to keep: turned upright (the EXIF orientation a phone
//! records instead of rotating its pixels), scaled down to a maximum side,
//! and encoded again, which leaves every metadata block behind (EXIF with
//! its GPS position, XMP, comments) but the colour profile. CPU-bound:
//! called on the blocking pool, a few at a time.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits};

use super::error::DocumentError;
use super::inspect::Kind;

/// JPEG quality of re-encoded photos: no visible loss, a third of the size.
const JPEG_QUALITY: u8 = 85;
/// What a decoder may allocate: a 48-megapixel photo fits, a bomb does not.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// The limits of one normalisation.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Longer side after scaling down.
    pub max_side: u32,
    /// Larger images are refused before their pixels are decoded.
    pub max_dimension: u32,
}

/// `bytes` (of kind `kind`, an image) normalised: the new bytes and their
/// kind (JPEG or PNG).
pub fn normalise(
    bytes: &[u8],
    kind: Kind,
    bounds: Bounds,
) -> Result<(Vec<u8>, Kind), DocumentError> {
    let format = match kind {
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Png => ImageFormat::Png,
        Kind::Webp => ImageFormat::WebP,
        _ => return Err(DocumentError::Unsupported),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(bounds.max_dimension);
    limits.max_image_height = Some(bounds.max_dimension);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let unreadable = |_| DocumentError::Unreadable;
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    let profile = decoder.icc_profile().ok().flatten();
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);
    if image.width().max(image.height()) > bounds.max_side {
        image = image.resize(bounds.max_side, bounds.max_side, FilterType::Triangle);
    }
    let out = match kind {
        Kind::Png => Kind::Png,
        Kind::Webp if image.color().has_alpha() => Kind::Png,
        _ => Kind::Jpeg,
    };
    Ok((encode(&image, out, profile)?, out))
}

fn encode(
    image: &DynamicImage,
    kind: Kind,
    profile: Option<Vec<u8>>,
) -> Result<Vec<u8>, DocumentError> {
    let mut bytes = Vec::new();
    let written = match kind {
        Kind::Png => {
            let mut encoder = PngEncoder::new(&mut bytes);
            if let Some(profile) = profile {
                // A profile the encoder cannot take only costs colour accuracy.
                let _ = encoder.set_icc_profile(profile);
            }
            image.write_with_encoder(encoder)
        }
        _ => {
            let mut encoder = JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY);
            if let Some(profile) = profile {
                let _ = encoder.set_icc_profile(profile);
            }
            // JPEG has no transparency: flattened to RGB first.
            DynamicImage::ImageRgb8(image.to_rgb8()).write_with_encoder(encoder)
        }
    };
    written.map_err(|_| DocumentError::Unreadable)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Result = std::result::Result<(), Box<dyn std::error::Error>>;

    const BOUNDS: Bounds = Bounds {
        max_side: 64,
        max_dimension: 4000,
    };

    fn png(width: u32, height: u32) -> std::result::Result<Vec<u8>, image::ImageError> {
        let image = DynamicImage::new_rgb8(width, height);
        let mut bytes = Vec::new();
        image.write_with_encoder(PngEncoder::new(&mut bytes))?;
        Ok(bytes)
    }

    #[test]
    fn large_images_are_scaled_down_and_small_ones_kept_in_size() -> Result {
        let (bytes, kind) = normalise(&png(300, 150)?, Kind::Png, BOUNDS)?;
        assert_eq!(kind, Kind::Png);
        let shrunk = image::load_from_memory(&bytes)?;
        assert_eq!((shrunk.width(), shrunk.height()), (64, 32));
        let (bytes, _) = normalise(&png(20, 10)?, Kind::Png, BOUNDS)?;
        let kept = image::load_from_memory(&bytes)?;
        assert_eq!((kept.width(), kept.height()), (20, 10));
        Ok(())
    }

    #[test]
    fn a_canvas_past_the_bound_or_garbage_is_unreadable() -> Result {
        let huge = png(4001, 2)?;
        assert!(matches!(
            normalise(&huge, Kind::Png, BOUNDS),
            Err(DocumentError::Unreadable)
        ));
        let garbage = b"\xff\xd8\xff\xe0 not really a jpeg";
        assert!(normalise(garbage, Kind::Jpeg, BOUNDS).is_err());
        Ok(())
    }
}
