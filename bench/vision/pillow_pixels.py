"""Prepares pictures for an exported Loupe ONNX file with Pillow, following the words in
the file's `preprocessing` metadata (nothing from Loupe's code), and writes the uint8 RGB
pixels the model's `image` input takes, one picture after another, to OUT.

Usage: python3 pillow_pixels.py OUT SIZE PICTURE...
SIZE is the side the metadata names (0 when the model takes pictures at their own size;
then every picture must have the same size, as one batch does).
"""
import sys

from PIL import Image, ImageOps


def upright_rgb(path):
    im = Image.open(path)
    im.seek(0)  # first frame or page only
    im = ImageOps.exif_transpose(im)  # upright by the EXIF orientation
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im)  # alpha onto white
    return im.convert("RGB")


def main():
    out, size, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    with open(out, "wb") as f:
        for p in paths:
            im = upright_rgb(p)
            if size:
                im = ImageOps.fit(im, (size, size), Image.LANCZOS)  # cover, centre crop, Lanczos
            f.write(im.tobytes())


main()
