#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <turbojpeg.h>

#include "runtime/image/decode.hpp"
#include "runtime/image/encode.hpp"
#include "runtime/image/prepare.hpp"
#include "runtime/image/resize.hpp"
#include "tests/runtime/image_fixtures.hpp"

using namespace boocode::image;
using namespace boocode::image::testing;

// --- sniffing ---------------------------------------------------------------

TEST(ImageTest, SniffRecognisesEachFormatByItsMagicBytes) {
  const pixels px = make_pixels(16, 16);
  EXPECT_EQ(sniff(png_of(px)), format::png);
  EXPECT_EQ(sniff(jpeg_of(px)), format::jpeg);
  EXPECT_EQ(sniff(webp_of(px)), format::webp);
  EXPECT_EQ(sniff(make_gif(4, 4, {filled_frame(4, 4, 0)})), format::gif);
  EXPECT_EQ(sniff("GIF87a\x04\0\x04\0"), format::gif);
}

TEST(ImageTest, SniffIgnoresNamesAndRefusesLookalikes) {
  // What a text file named picture.png holds: no name reaches sniff().
  EXPECT_EQ(sniff("just some notes, saved as picture.png\n"), std::nullopt);
  EXPECT_EQ(sniff(""), std::nullopt);
  EXPECT_EQ(sniff("\x89PNG"), std::nullopt);                // signature cut short
  EXPECT_EQ(sniff("RIFF\x24\0\0\0WAVEfmt "), std::nullopt); // RIFF, but audio
  EXPECT_EQ(sniff("GIF90a"), std::nullopt);
  const auto refused = prepare("just some notes, saved as picture.png\n", limits{});
  EXPECT_EQ(error_of(refused), "not a PNG, JPEG, WebP or GIF image");
}

TEST(ImageTest, MediaTypesMatchFormats) {
  for (format fmt : {format::png, format::jpeg, format::webp, format::gif})
    EXPECT_EQ(format_of_media_type(media_type(fmt)), fmt);
  EXPECT_EQ(media_type(format::jpeg), "image/jpeg");
  EXPECT_EQ(format_of_media_type(" Image/JPG; charset=binary"), format::jpeg);
  EXPECT_EQ(format_of_media_type("image/svg+xml"), std::nullopt);
}

// --- decoding ---------------------------------------------------------------

TEST(ImageTest, PngRoundTripsExactly) {
  const pixels px = make_pixels(37, 23, true);
  const pixels back = value_of(decode(png_of(px)));
  EXPECT_EQ(back.width, 37);
  EXPECT_EQ(back.height, 23);
  EXPECT_EQ(back.rgba, px.rgba);
  EXPECT_TRUE(back.has_alpha);
}

TEST(ImageTest, AlphaMeansSomePixelIsNotOpaque) {
  pixels opaque_rgba = make_pixels(8, 8);
  opaque_rgba.has_alpha = true; // written as an RGBA PNG, every alpha 255
  EXPECT_FALSE(value_of(decode(png_of(opaque_rgba))).has_alpha);
  EXPECT_FALSE(value_of(decode(jpeg_of(make_pixels(8, 8)))).has_alpha);
  EXPECT_TRUE(value_of(decode(webp_of(make_pixels(64, 64, true)))).has_alpha);
  EXPECT_FALSE(value_of(decode(webp_of(make_pixels(64, 64)))).has_alpha);
}

TEST(ImageTest, TruncatedPngIsRefused) {
  const std::string png = png_of(make_pixels(200, 200));
  const std::string half = png.substr(0, png.size() / 2);
  EXPECT_TRUE(std::holds_alternative<header>(read_header(half))); // the header is intact
  const std::string error = error_of(decode(half));
  EXPECT_TRUE(error.starts_with("the PNG data is truncated or corrupt")) << error;
  EXPECT_EQ(error_of(prepare(half, limits{})), error);
  // Losing only the IEND chunk loses no pixels: libpng stops after the image.
  EXPECT_TRUE(std::holds_alternative<pixels>(decode(png.substr(0, png.size() - 12))));
}

TEST(ImageTest, TruncatedJpegIsRefused) {
  const std::string jpeg = jpeg_of(make_pixels(300, 200, false, true));
  for (std::size_t percent : {30u, 60u, 95u, 99u}) {
    const std::string cut = jpeg.substr(0, jpeg.size() * percent / 100);
    const std::string error = error_of(prepare(cut, limits{}));
    EXPECT_TRUE(error.starts_with("the JPEG data is truncated or corrupt")) << error;
  }
  // Cut before the frame header: TurboJPEG calls that a warning and a 0x0
  // image; read_header refuses it.
  EXPECT_TRUE(error_of(read_header(jpeg.substr(0, 10))).starts_with("the JPEG data is truncated"));
}

TEST(ImageTest, JpegWithHarmlessWarningsIsAccepted) {
  // Stray bytes before the EOI marker: libjpeg warns "Corrupt JPEG data: 3
  // extraneous bytes before marker 0xd9", but the picture is whole.
  std::string jpeg = jpeg_of(solid(32, 32, {0, 200, 0, 255}));
  ASSERT_EQ(jpeg.substr(jpeg.size() - 2), "\xFF\xD9");
  jpeg.insert(jpeg.size() - 2, std::string(3, '\0'));
  const pixels px = value_of(decode(jpeg));
  EXPECT_GT(pixel_at(px, 16, 16).g, 180);
}

TEST(ImageTest, TruncatedWebpAndGifAreRefused) {
  const std::string webp = webp_of(make_pixels(200, 200, false, true));
  EXPECT_TRUE(error_of(decode(webp.substr(0, webp.size() * 2 / 3))).starts_with("the WebP data"));
  const std::string gif = make_gif(64, 64, {filled_frame(64, 64, 1)});
  EXPECT_TRUE(error_of(decode(gif.substr(0, gif.size() / 2))).starts_with("the GIF data"));
}

TEST(ImageTest, EmptyInputIsRefused) {
  EXPECT_EQ(error_of(prepare("", limits{})), "the image is empty");
  EXPECT_EQ(error_of(decode("")), "the image is empty");
}

TEST(ImageTest, CmykJpegDecodesToRgb) {
  // TurboJPEG writes CMYK as an Adobe (inverted) YCCK JPEG, the common kind.
  std::vector<unsigned char> cmyk;
  for (int i = 0; i < 16 * 16; ++i)
    cmyk.insert(cmyk.end(), {255, 0, 0, 255}); // inverted: no cyan ink, full M and Y
  tjhandle handle = tjInitCompress();
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  ASSERT_EQ(
    tjCompress2(handle, cmyk.data(), 16, 0, 16, TJPF_CMYK, &buffer, &size, TJSAMP_444, 95, 0), 0);
  const std::string jpeg(reinterpret_cast<const char*>(buffer), size);
  tjFree(buffer);
  tjDestroy(handle);
  const pixels px = value_of(decode(jpeg));
  const rgba_color c = pixel_at(px, 8, 8);
  EXPECT_GT(c.r, 240);
  EXPECT_LT(c.g, 15);
  EXPECT_LT(c.b, 15);
}

TEST(ImageTest, JpegExifOrientationIsApplied) {
  // Stored 40x20: left half red, right half blue; tagged "turn clockwise".
  pixels stored = solid(40, 20, {255, 0, 0, 255});
  for (int y = 0; y < 20; ++y)
    for (int x = 20; x < 40; ++x) {
      auto* p = &stored.rgba[static_cast<std::size_t>(y * 40 + x) * 4];
      p[0] = 0;
      p[2] = 255;
    }
  const std::string jpeg = with_exif_orientation(jpeg_of(stored), 6);
  const header head = value_of(read_header(jpeg));
  EXPECT_EQ(head.width, 20);
  EXPECT_EQ(head.height, 40);
  EXPECT_EQ(head.orientation, 6);
  const pixels upright = value_of(decode(jpeg));
  ASSERT_EQ(upright.width, 20);
  ASSERT_EQ(upright.height, 40);
  EXPECT_GT(pixel_at(upright, 10, 5).r, 200);  // top: was the left
  EXPECT_GT(pixel_at(upright, 10, 35).b, 200); // bottom: was the right
  // Small, but a model reading it without EXIF would see it on its side.
  const prepared out = value_of(prepare(jpeg, limits{}));
  ASSERT_TRUE(out.model_copy.has_value());
  EXPECT_EQ(out.model_copy->width, 20);
  EXPECT_EQ(out.model_copy->height, 40);
}

// --- GIF ----------------------------------------------------------------------

TEST(ImageTest, TwoFrameGifIsAnimatedAndDecodesItsFirstFrame) {
  gif_frame first = filled_frame(10, 6, 0); // red ...
  first.rows[2][3] = 3;                     // ... one white pixel ...
  first.rows[4][7] = 2;                     // ... one transparent (index 2)
  first.transparent = 2;
  const std::string gif = make_gif(10, 6, {first, filled_frame(10, 6, 1)});
  const header head = value_of(read_header(gif));
  EXPECT_EQ(head.fmt, format::gif);
  EXPECT_EQ(head.width, 10);
  EXPECT_EQ(head.height, 6);
  EXPECT_TRUE(head.animated);
  const pixels px = value_of(decode(gif));
  ASSERT_EQ(px.width, 10);
  ASSERT_EQ(px.height, 6);
  EXPECT_TRUE(px.has_alpha);
  const rgba_color red = pixel_at(px, 0, 0), white = pixel_at(px, 3, 2), hole = pixel_at(px, 7, 4);
  EXPECT_EQ((std::vector<int>{red.r, red.g, red.b, red.a}), (std::vector<int>{255, 0, 0, 255}));
  EXPECT_EQ((std::vector<int>{white.r, white.g, white.b}), (std::vector<int>{255, 255, 255}));
  EXPECT_EQ(hole.a, 0);

  const prepared out = value_of(prepare(gif, limits{}));
  EXPECT_TRUE(out.animated);
  ASSERT_TRUE(out.model_copy.has_value());
  EXPECT_EQ(out.model_copy->fmt, format::png); // transparency kept
  const pixels copy = value_of(decode(out.model_copy->bytes));
  EXPECT_EQ(pixel_at(copy, 7, 4).a, 0);
  EXPECT_EQ(pixel_at(copy, 0, 0).r, 255);
}

TEST(ImageTest, SingleFrameGifIsNotAnimatedAndStillGetsAModelCopy) {
  const std::string gif = make_gif(8, 8, {filled_frame(8, 8, 2)});
  const prepared out = value_of(prepare(gif, limits{}));
  EXPECT_FALSE(out.animated);
  ASSERT_TRUE(out.model_copy.has_value());
  EXPECT_EQ(out.model_copy->fmt, format::jpeg); // opaque
  EXPECT_GT(pixel_at(value_of(decode(out.model_copy->bytes)), 4, 4).b, 240);
}

TEST(ImageTest, InterlacedGifRowsLandInPlace) {
  gif_frame frame = filled_frame(4, 19, 0);
  for (std::size_t y = 0; y < frame.rows.size(); ++y)
    frame.rows[y].assign(4, static_cast<GifPixelType>(y % 4)); // red, green, blue, white
  frame.interlace = true;
  const pixels px = value_of(decode(make_gif(4, 19, {frame})));
  ASSERT_EQ(px.height, 19);
  for (int y = 0; y < 19; ++y) {
    const rgba_color c = pixel_at(px, 1, y);
    const int want = y % 4;
    EXPECT_EQ(c.r, want == 0 || want == 3 ? 255 : 0) << "row " << y;
    EXPECT_EQ(c.g, want == 1 || want == 3 ? 255 : 0) << "row " << y;
    EXPECT_EQ(c.b, want >= 2 ? 255 : 0) << "row " << y;
  }
}

TEST(ImageTest, GifWithoutTrailerStillDecodes) {
  const std::string gif = make_gif(8, 8, {filled_frame(8, 8, 1)}, false);
  ASSERT_NE(gif.back(), ';');
  EXPECT_EQ(pixel_at(value_of(decode(gif)), 0, 0).g, 255);
}

// --- WebP -------------------------------------------------------------------

TEST(ImageTest, WebpAlwaysGetsAModelCopyAModelCanRead) {
  const prepared opaque = value_of(prepare(webp_of(make_pixels(100, 80)), limits{}));
  ASSERT_TRUE(opaque.model_copy.has_value());
  EXPECT_EQ(opaque.model_copy->fmt, format::jpeg);
  EXPECT_EQ(opaque.model_copy->width, 100);
  EXPECT_EQ(opaque.model_copy->height, 80);
  EXPECT_EQ(sniff(opaque.model_copy->bytes), format::jpeg);

  const prepared clear = value_of(prepare(webp_of(make_pixels(100, 80, true)), limits{}));
  ASSERT_TRUE(clear.model_copy.has_value());
  EXPECT_EQ(clear.model_copy->fmt, format::png);
}

TEST(ImageTest, AnimatedWebpDecodesItsFirstFrame) {
  const std::string webp =
    animated_webp(48, 32, {solid(48, 32, {255, 0, 0, 255}), solid(48, 32, {0, 0, 255, 255})});
  const header head = value_of(read_header(webp));
  EXPECT_TRUE(head.animated);
  EXPECT_EQ(head.width, 48);
  EXPECT_EQ(head.height, 32);
  const pixels px = value_of(decode(webp));
  ASSERT_EQ(px.width, 48);
  const rgba_color c = pixel_at(px, 24, 16);
  EXPECT_GT(c.r, 200);
  EXPECT_LT(c.b, 60);
  const prepared out = value_of(prepare(webp, limits{}));
  EXPECT_TRUE(out.animated);
  ASSERT_TRUE(out.model_copy.has_value());
  EXPECT_EQ(out.model_copy->fmt, format::jpeg);
}

// --- sizes and copies -------------------------------------------------------

TEST(ImageTest, LargePngGetsAModelCopyAndAThumbnail) {
  const prepared out = value_of(prepare(png_of(make_pixels(3000, 1000)), limits{}));
  EXPECT_EQ(out.fmt, format::png);
  EXPECT_EQ(out.width, 3000);
  EXPECT_EQ(out.height, 1000);
  EXPECT_FALSE(out.animated);
  ASSERT_TRUE(out.model_copy.has_value());
  EXPECT_EQ(out.model_copy->fmt, format::jpeg);
  EXPECT_EQ(out.model_copy->width, 1568);
  EXPECT_EQ(out.model_copy->height, 523);
  const header model_head = value_of(read_header(out.model_copy->bytes));
  EXPECT_EQ(model_head.width, 1568);
  EXPECT_EQ(model_head.height, 523);

  EXPECT_EQ(out.thumbnail.fmt, format::webp);
  EXPECT_EQ(out.thumbnail.width, 320);
  EXPECT_EQ(out.thumbnail.height, 107);
  const pixels thumb = value_of(decode(out.thumbnail.bytes));
  EXPECT_EQ(thumb.width, 320);
  EXPECT_EQ(thumb.height, 107);
  // The gradient survives scaling: red grows left to right.
  EXPECT_LT(pixel_at(thumb, 10, 50).r, 30);
  EXPECT_GT(pixel_at(thumb, 310, 50).r, 225);
}

TEST(ImageTest, SmallPngAndJpegGoToTheModelAsTheyAre) {
  const prepared png = value_of(prepare(png_of(make_pixels(1568, 900)), limits{}));
  EXPECT_FALSE(png.model_copy.has_value());
  EXPECT_EQ(png.thumbnail.width, 320);
  const prepared jpeg = value_of(prepare(jpeg_of(make_pixels(640, 480)), limits{}));
  EXPECT_EQ(jpeg.fmt, format::jpeg);
  EXPECT_FALSE(jpeg.model_copy.has_value());
  EXPECT_EQ(jpeg.thumbnail.width, 320);
  EXPECT_EQ(jpeg.thumbnail.height, 240);
  const prepared tiny = value_of(prepare(png_of(make_pixels(5, 3)), limits{}));
  EXPECT_FALSE(tiny.model_copy.has_value());
  EXPECT_EQ(tiny.thumbnail.width, 5); // never enlarged
}

TEST(ImageTest, TransparentImageKeepsAlphaInAPngModelCopy) {
  const prepared out = value_of(prepare(png_of(make_pixels(2000, 1600, true)), limits{}));
  ASSERT_TRUE(out.model_copy.has_value());
  EXPECT_EQ(out.model_copy->fmt, format::png);
  EXPECT_EQ(out.model_copy->width, 1568);
  EXPECT_EQ(out.model_copy->height, 1254);
  const pixels copy = value_of(decode(out.model_copy->bytes));
  EXPECT_TRUE(copy.has_alpha);
  EXPECT_EQ(pixel_at(copy, 10, 10).a, 0);
  EXPECT_EQ(pixel_at(copy, 1500, 1200).a, 255);
  EXPECT_TRUE(value_of(decode(out.thumbnail.bytes)).has_alpha);
}

TEST(ImageTest, FitWithinKeepsAspectAndAtLeastOnePixel) {
  const pixels thin = fit_within(make_pixels(5000, 2), 1568);
  EXPECT_EQ(thin.width, 1568);
  EXPECT_EQ(thin.height, 1);
  EXPECT_EQ(thin.rgba.size(), rgba_size(1568, 1));
  const pixels tall = fit_within(make_pixels(300, 1200), 400);
  EXPECT_EQ(tall.width, 100);
  EXPECT_EQ(tall.height, 400);
  const pixels same = fit_within(make_pixels(30, 20), 30);
  EXPECT_EQ(same.rgba, make_pixels(30, 20).rgba);
}

TEST(ImageTest, JpegFlattensTransparencyOntoWhite) {
  const pixels px = value_of(decode(bytes_of(encode_jpeg(solid(16, 16, {0, 0, 0, 0}), 90))));
  EXPECT_GT(pixel_at(px, 8, 8).r, 245);
  EXPECT_GT(pixel_at(px, 8, 8).b, 245);
}

// --- limits, checked from the header ------------------------------------------

TEST(ImageTest, HugeClaimedSizeIsRefusedFromTheHeader) {
  // The IHDR says 100000x100000, the data is for 8x8: decoding would fail
  // with a different message, so the size refusal proves nothing was decoded.
  const std::string png = png_claiming(100000, 100000);
  const header head = value_of(read_header(png));
  EXPECT_EQ(head.width, 100000);
  EXPECT_EQ(head.height, 100000);
  EXPECT_EQ(error_of(prepare(png, limits{})),
            "the image is 100000x100000 pixels; its longer side may be at most 8192");
}

TEST(ImageTest, TooManyPixelsIsRefusedFromTheHeader) {
  const std::string png = png_claiming(8000, 8000);
  EXPECT_EQ(error_of(prepare(png, limits{})),
            "the image is 8000x8000 pixels, 64000000 in all; at most 40000000 are allowed");
  limits tight;
  tight.max_pixels = 10'000;
  EXPECT_EQ(error_of(prepare(png_of(make_pixels(200, 100)), tight)),
            "the image is 200x100 pixels, 20000 in all; at most 10000 are allowed");
  tight.max_edge = 150;
  EXPECT_EQ(error_of(prepare(make_gif(200, 10, {filled_frame(200, 10, 0)}), tight)),
            "the image is 200x10 pixels; its longer side may be at most 150");
}
