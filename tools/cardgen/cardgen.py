#!/usr/bin/env python3
"""Draws photographed backs of SYNTHETIC INE-like credentials, for testing MRZ reading.

Every identity is made up (random CIC, OCR block, dates and common names) with valid
ICAO check digits; the artwork is a generic card, not INE's design, and carries the
legend "DATOS SINTETICOS". Output: images plus manifest.tsv (the truth MRZ per image).
Deterministic per seed (same seed, same Pillow/libjpeg -> same files).

    cardgen.py --out DIR --count N [--seed S] [--start K] [--difficulty mixed|clean|hard]
               [--width 1024] [--formats jpg,png,webp] [--misprint] [--phone [--fail KIND]]

--phone draws what a phone camera takes instead of a flat scan-like photo: the card
tilted away from the camera (each corner moved independently by up to 5 % of the frame),
filling 50-70 % of a 1280-1600 px wide frame, on a cluttered table (wood or cloth, a
keyboard, a printed page, a hand holding the card), with shadows, a soft specular
highlight that may cross the MRZ, directional motion blur of 0.5-2 px, down-scaling from
the sensor's resolution, sensor noise and JPEG quality 45-70 (--width and --formats are
ignored: phones save JPEG at their own size).

--fail KIND (with --phone) draws phone photos a person should take again, each failing in one
way the reader names (vision::ReadFailure): `blurred` (out of focus), `glare` (a lamp's
reflection washing out the middle of the MRZ), `too_small` (the card filling 16-20 % of the
frame: too far), `cut_off` (the card's left or right end, MRZ included, out of the frame),
`mrz_not_found` (a card with no MRZ printed, as the card's front would be). The manifest
still gives the identity's MRZ, and its params column `fail=KIND`.

--misprint prints each card with one CIC digit changed, so its check digits no longer
hold (the manifest gives the MRZ as printed): a reader must reject such a card, never
"repair" it into some other identity.

Needs Python 3 with Pillow and numpy (Debian: python3-pil python3-numpy) and the OCR-B
font (Debian: fonts-ocr-b), found with `fc-match 'OCR B'`.
"""

import argparse
import io
import math
import os
import random
import subprocess
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SURNAMES = ["HERNANDEZ", "GARCIA", "MARTINEZ", "LOPEZ", "GONZALEZ", "PEREZ", "RODRIGUEZ", "SANCHEZ", "RAMIREZ",
            "CRUZ", "FLORES", "GOMEZ", "MORALES", "VAZQUEZ", "JIMENEZ", "REYES", "DIAZ", "TORRES", "GUTIERREZ",
            "RUIZ", "MENDOZA", "AGUILAR", "ORTIZ", "CASTILLO", "MORENO", "ROMERO", "ALVAREZ", "CHAVEZ",
            "RIVERA", "JUAREZ", "DOMINGUEZ", "DE<LA<CRUZ", "MUNOZ", "IBARRA", "QUINTERO"]
GIVEN_MALE = ["JUAN", "JOSE", "LUIS", "CARLOS", "JORGE", "MIGUEL", "ANGEL", "FRANCISCO", "ALEJANDRO", "PEDRO",
              "RICARDO", "FERNANDO", "EDUARDO", "JAVIER", "ROBERTO", "SERGIO", "DAVID", "BENITO", "ERIK",
              "KEVIN"]
GIVEN_FEMALE = ["MARIA", "GUADALUPE", "JUANA", "VERONICA", "LETICIA", "ROSA", "ALEJANDRA", "PATRICIA",
                "ELIZABETH", "GABRIELA", "SILVIA", "ADRIANA", "MARTHA", "LAURA", "SOFIA", "XIMENA", "KARLA"]
CONSONANTS = "BCDFGHJKLMNPQRSTVWXYZ"
CURP_STATES = ["AS", "BC", "BS", "CC", "CL", "CM", "CS", "CH", "DF", "DG", "GT", "GR", "HG", "JC", "MC", "MN",
               "MS", "NT", "NL", "OC", "PL", "QT", "QR", "SP", "SL", "SR", "TC", "TS", "TL", "VZ", "YN", "ZS"]


def icao_check_digit(field):
    """ICAO 9303 7-3-1 check digit (ine-domain.md §4.2)."""
    total = 0
    for i, c in enumerate(field):
        if c.isdigit():
            value = int(c)
        elif "A" <= c <= "Z":
            value = ord(c) - ord("A") + 10
        elif c == "<":
            value = 0
        else:
            raise ValueError("not an MRZ character")
        total += value * (7, 3, 1)[i % 3]
    return str(total % 10)


def curp_check_digit(first17):
    """RENAPO check digit (ine-domain.md §3.5); no Ñ in generated CURPs."""
    alphabet = "0123456789ABCDEFGHIJKLMN\u00d1OPQRSTUVWXYZ"
    total = sum(alphabet.index(c) * (18 - i) for i, c in enumerate(first17))
    return str((10 - total % 10) % 10)


def first_internal_consonant(word):
    for c in word[1:]:
        if c in CONSONANTS:
            return c
    return "X"


def synthetic_identity(rng):
    """A made-up credential: CIC, OCR block, dates, sex, names, CURP, clave de elector."""
    sex = rng.choice("HM")
    surname1, surname2 = rng.choice(SURNAMES), rng.choice(SURNAMES)
    given = rng.sample(GIVEN_MALE if sex == "H" else GIVEN_FEMALE, rng.choice([1, 1, 2]))
    year = rng.randint(1940, 2006)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    birth = "%02d%02d%02d" % (year % 100, month, day)
    cic = "%09d" % rng.randrange(10 ** 9)
    ocr = "%04d%09d" % (rng.randrange(10 ** 4), rng.randrange(10 ** 9))
    vigencia = rng.randint(2024, 2035)
    optional = "<<<<<<<<<<<" if rng.random() < 0.5 else "<%02d<<%05d<" % (rng.randint(0, 9), rng.randrange(10 ** 5))

    s1, s2 = surname1.replace("<", ""), surname2.replace("<", "")
    curp17 = (s1[0] + next((c for c in s1[1:] if c in "AEIOU"), "X") + s2[0] + given[0][0] + birth + sex +
              rng.choice(CURP_STATES) + first_internal_consonant(s1) + first_internal_consonant(s2) +
              first_internal_consonant(given[0]) + ("0" if year < 2000 else "A"))
    curp = curp17 + curp_check_digit(curp17)
    elector_key = (s1[0] + first_internal_consonant(s1) + s2[0] + first_internal_consonant(s2) + given[0][0] +
                   first_internal_consonant(given[0]) + birth + "%02d" % rng.randint(1, 32) + sex +
                   "%03d" % rng.randrange(1000))

    line1 = "IDMEX" + cic + icao_check_digit(cic) + "<<" + ocr
    birth_part = birth + icao_check_digit(birth)
    expiry = "%02d1231" % (vigencia % 100)
    expiry_part = expiry + icao_check_digit(expiry)
    composite = icao_check_digit(line1[5:] + birth_part + expiry_part + optional)
    line2 = birth_part + sex + expiry_part + "MEX" + optional + composite
    line3 = (surname1 + "<" + surname2 + "<<" + "<".join(given))[:30].ljust(30, "<")
    assert len(line1) == len(line2) == len(line3) == 30
    return {"mrz": [line1, line2, line3], "curp": curp, "elector_key": elector_key}


def find_font(pattern):
    path = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True,
                          check=True).stdout.strip()
    if not path or not os.path.exists(path):
        sys.exit("cardgen: no font for %r (fc-match)" % pattern)
    return path


# Card geometry: ID-1 is 85.6 x 54 mm; drawn at 12 px/mm. The MRZ follows ICAO 9303's
# TD1 placement roughly: 30 characters at 2.54 mm pitch, lines 3.53 mm apart, from the
# bottom of the card.
PX_PER_MM = 12
CARD_W, CARD_H = int(85.6 * PX_PER_MM), int(54 * PX_PER_MM)


def draw_card(identity, rng, fonts, mrz=True):
    card = Image.new("RGB", (CARD_W, CARD_H))
    # Pastel background with a soft gradient and guilloche-like waves.
    base = np.array([rng.randint(215, 245), rng.randint(210, 240), rng.randint(215, 250)], dtype=np.float32)
    ys, xs = np.mgrid[0:CARD_H, 0:CARD_W]
    gradient = (xs / CARD_W * rng.uniform(-18, 18) + ys / CARD_H * rng.uniform(-18, 18))[..., None]
    card = Image.fromarray(np.clip(base + gradient, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(card)
    for k in range(14):
        phase, amp = rng.uniform(0, 6.28), rng.uniform(6, 20)
        y0 = rng.uniform(0, CARD_H * 0.62)
        color = tuple(int(c) - rng.randint(20, 45) for c in base)
        pts = [(x, y0 + amp * math.sin(x / rng.uniform(30, 70) + phase)) for x in range(0, CARD_W, 6)]
        draw.line(pts, fill=color, width=1)

    # Ghost photo box, a QR-like block, a signature box, some text.
    gx, gy = int(CARD_W * 0.05), int(CARD_H * 0.08)
    draw.rectangle([gx, gy, gx + 150, gy + 190], outline=(150, 150, 160), width=2, fill=(225, 225, 230))
    draw.ellipse([gx + 40, gy + 30, gx + 110, gy + 110], fill=(200, 200, 208))
    draw.ellipse([gx + 20, gy + 110, gx + 130, gy + 220], fill=(200, 200, 208))
    qx, qy, cell = int(CARD_W * 0.72), int(CARD_H * 0.07), 7
    for i in range(25):
        for j in range(25):
            if rng.random() < 0.5 or (i < 7 and j < 7) or (i < 7 and j > 17) or (i > 17 and j < 7):
                draw.rectangle([qx + i * cell, qy + j * cell, qx + i * cell + cell - 1, qy + j * cell + cell - 1],
                               fill=(30, 30, 40))
    tx = gx + 180
    draw.text((tx, gy), "CREDENCIAL DE PRUEBA", font=fonts["bold"], fill=(90, 40, 90))
    draw.text((tx, gy + 34), "DATOS SINTETICOS - NO VALIDA", font=fonts["text"], fill=(60, 60, 70))
    for k in range(4):
        words = " ".join(rng.choice(["SECCION", "MUNICIPIO", "LOCALIDAD", "EMISION", "DISTRITO", "FIRMA"])
                         + " " + str(rng.randint(10, 9999)) for _ in range(2))
        draw.text((tx, gy + 80 + 28 * k), words, font=fonts["small"], fill=(70, 70, 80))
    draw.rectangle([tx, gy + 200, tx + 260, gy + 250], outline=(120, 120, 130), width=1)
    draw.line([(tx + 10, gy + 235), (tx + 60, gy + 215), (tx + 120, gy + 240), (tx + 200, gy + 212)],
              fill=(40, 40, 120), width=3)

    # The MRZ: a white-ish band, three lines of OCR-B.
    mrz_top = CARD_H - int(17.5 * PX_PER_MM)
    draw.rectangle([0, mrz_top, CARD_W, CARD_H], fill=tuple(min(255, int(c) + 10) for c in base))
    draw.line([(0, mrz_top), (CARD_W, mrz_top)], fill=(150, 150, 160), width=2)
    left = int(4.5 * PX_PER_MM)
    pitch = 2.54 * PX_PER_MM
    for n, line in enumerate(identity["mrz"] if mrz else []):
        y = mrz_top + int((2.2 + 3.6 * n) * PX_PER_MM)
        for i, ch in enumerate(line):
            draw.text((left + i * pitch, y), ch, font=fonts["ocrb"], fill=(15, 15, 20))
    return card


def photograph(card, rng, nprng, params, out_w):
    """Places the card on a background like a phone photo: scale, rotation, offset,
    uneven light, blur, noise. Returns an RGB image (JPEG compression is applied on save)."""
    out_h = int(out_w * 0.75)
    bg_base = np.array([rng.randint(30, 200) for _ in range(3)], dtype=np.float32)
    ys, xs = np.mgrid[0:out_h, 0:out_w]
    texture = nprng.normal(0, 10, (out_h // 8 + 1, out_w // 8 + 1, 1)).repeat(8, 0).repeat(8, 1)[:out_h, :out_w]
    bg = np.clip(bg_base + texture + (xs / out_w * rng.uniform(-40, 40))[..., None], 0, 255).astype(np.uint8)
    image = Image.fromarray(bg)

    card_w = int(out_w * params["card_frac"])
    card_h = int(card_w * CARD_H / CARD_W)
    scaled = card.resize((card_w, card_h), Image.LANCZOS)
    mask = Image.new("L", scaled.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, card_w - 1, card_h - 1], radius=card_w // 30, fill=255)
    scaled.putalpha(mask)
    rotated = scaled.rotate(params["angle"], resample=Image.BICUBIC, expand=True)
    max_x, max_y = max(0, out_w - rotated.width), max(0, out_h - rotated.height)
    x = int(max_x * params["offset_x"])
    y = int(max_y * params["offset_y"])
    image.paste(rotated, (x, y), rotated)

    pixels = np.asarray(image).astype(np.float32)
    if params["light"] > 0:
        cx, cy = rng.uniform(0, out_w), rng.uniform(0, out_h)
        dist = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2) / math.hypot(out_w, out_h)
        pixels *= (1.0 - params["light"] * dist)[..., None]
        pixels += params["light"] * 60 * (1 - dist)[..., None]  # a soft highlight
    if params["noise"] > 0:
        pixels += nprng.normal(0, params["noise"], pixels.shape)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if params["blur"] > 0:
        image = image.filter(ImageFilter.GaussianBlur(params["blur"]))
    return image


def variation(rng, difficulty):
    if difficulty == "clean":
        return {"card_frac": rng.uniform(0.75, 0.9), "angle": rng.uniform(-0.5, 0.5), "offset_x": rng.uniform(0.3, 0.7),
                "offset_y": rng.uniform(0.3, 0.7), "blur": 0.0, "noise": rng.uniform(0, 3), "light": 0.0,
                "quality": rng.randint(88, 95)}
    return {"card_frac": rng.uniform(0.5, 0.9), "angle": rng.uniform(-4.0, 4.0), "offset_x": rng.random(),
            "offset_y": rng.random(), "blur": rng.choice([0.0, 0.0, rng.uniform(0.3, 1.3)]),
            "noise": rng.uniform(0, 10), "light": rng.uniform(0, 0.6), "quality": rng.randint(55, 92)}


# --- Phone-like photos (--phone) ---------------------------------------------------------


def perspective_coefficients(to_points, from_points):
    """PIL's PERSPECTIVE data: maps each of the four `to_points` (output image) onto the
    matching `from_points` (input image)."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(to_points, from_points):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64)).tolist()


def apply_homography(coefficients, x, y):
    a, b, c, d, e, f, g, h = coefficients
    w = g * x + h * y + 1
    return (a * x + b * y + c) / w, (d * x + e * y + f) / w


def gaussian_blob(shape, center, sigma_along, sigma_across, angle):
    """A soft elliptical spot, 1 at its centre."""
    dx = np.arange(shape[1], dtype=np.float32)[None, :] - center[0]
    dy = np.arange(shape[0], dtype=np.float32)[:, None] - center[1]
    cos, sin = math.cos(angle), math.sin(angle)
    along, across = dx * cos + dy * sin, -dx * sin + dy * cos
    return np.exp(-0.5 * ((along / sigma_along) ** 2 + (across / sigma_across) ** 2))


def cluttered_table(rng, nprng, w, h, fonts):
    """Wood grain or cloth, and on it some of: a keyboard, a printed page, a pen."""
    xs, ys = np.arange(w, dtype=np.float32)[None, :], np.arange(h, dtype=np.float32)[:, None]
    if rng.random() < 0.5:  # wood: grain along one direction
        base = np.array([rng.randint(110, 190), rng.randint(70, 130), rng.randint(30, 80)], dtype=np.float32)
        angle = rng.uniform(0, math.pi)
        along = xs * math.sin(angle) - ys * math.cos(angle)
        grain = np.sin(along / rng.uniform(3, 9) + 3 * np.sin(along / rng.uniform(60, 200))) * rng.uniform(8, 22)
        pixels = base + grain[..., None]
    else:  # cloth or laminate: a flat colour with fine noise
        base = np.array([rng.randint(40, 230) for _ in range(3)], dtype=np.float32)
        pixels = base + rng.uniform(3, 12) * nprng.standard_normal((h, w, 1), dtype=np.float32)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    if rng.random() < 0.5:  # a keyboard: rows of dark keys with light legends
        key = rng.randint(int(w * 0.035), int(w * 0.055))
        kx, ky = rng.randint(-w // 4, w // 2), rng.choice([rng.randint(-key * 2, h // 6), rng.randint(h // 2, h)])
        keys = "QWERTYUIOPASDFGHJKLZXCVBNM1234567890"
        legend = ImageFont.truetype(fonts["sans_path"], max(8, key // 3))
        shade = rng.randint(20, 70)
        for row in range(5):
            for col in range(14):
                x0, y0 = kx + col * key + row * key // 3, ky + row * key
                draw.rounded_rectangle([x0, y0, x0 + key - 4, y0 + key - 4], radius=key // 6,
                                       fill=(shade, shade, shade + 5))
                draw.text((x0 + key // 4, y0 + key // 5), rng.choice(keys), font=legend, fill=(210, 210, 210))
    if rng.random() < 0.4:  # a printed page with ragged lines of text
        page = Image.new("RGB", (rng.randint(w // 3, w // 2), rng.randint(h // 3, h // 2)), (238, 236, 230))
        page_draw = ImageDraw.Draw(page)
        size = rng.randint(14, 26)
        text_font = ImageFont.truetype(fonts["sans_path"], size)
        words = ["FACTURA", "TOTAL", "IMPORTE", "FECHA", "CLIENTE", "PAGO", "SALDO", "REFERENCIA", "MXN"]
        for line in range(2, page.height // (size * 2) - 1):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(2, 7)))
            page_draw.text((size, line * size * 2), text, font=text_font, fill=(40, 40, 50))
        page = page.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC, expand=True, fillcolor=(0, 0, 0))
        mask = page.convert("L").point(lambda v: 255 if v > 0 else 0)
        image.paste(page, (rng.randint(-page.width // 3, w - page.width // 2), rng.randint(-page.height // 3, h - page.height // 2)), mask)
    if rng.random() < 0.4:  # a pen
        x0, y0 = rng.randint(0, w), rng.randint(0, h)
        angle = rng.uniform(0, math.pi)
        length = rng.uniform(0.2, 0.4) * w
        draw.line([(x0, y0), (x0 + length * math.cos(angle), y0 + length * math.sin(angle))],
                  fill=tuple(rng.randint(0, 90) for _ in range(3)), width=rng.randint(8, 16))
    return image


def draw_thumb(image, rng, corners):
    """A thumb holding the card by its left or right edge, above the MRZ."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = corners  # top-left, top-right, bottom-right, bottom-left
    t = rng.uniform(0.2, 0.45)  # how far down the edge (the MRZ is in the bottom third)
    if rng.random() < 0.5:
        ex, ey, outward = x0 + (x3 - x0) * t, y0 + (y3 - y0) * t, -1
    else:
        ex, ey, outward = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t, 1
    card_w = math.hypot(x1 - x0, y1 - y0)
    # Long enough to reach out of the frame, like a hand's.
    length, width = card_w * rng.uniform(0.9, 1.2), card_w * rng.uniform(0.09, 0.12)
    overlap = card_w * rng.uniform(0.03, 0.08)
    cx = ex + outward * (length / 2 - overlap)
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse([cx - length / 2, ey - width / 2, cx + length / 2, ey + width / 2], fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(2))
    skin = Image.new("RGB", image.size, (rng.randint(150, 235), rng.randint(105, 175), rng.randint(80, 140)))
    image.paste(skin, (0, 0), mask)


def motion_blur_kernel(length, direction):
    """A 5 x 5 kernel smearing each pixel along `direction` over `length` (at most 2) pixels:
    points along the segment, each spread bilinearly over its four neighbouring taps."""
    weights = np.zeros((5, 5))
    samples = 21
    for i in range(samples):
        t = length * (i / (samples - 1) - 0.5)
        x, y = 2 + t * math.cos(direction), 2 + t * math.sin(direction)
        x0, y0 = int(math.floor(x)), int(math.floor(y))
        fx, fy = x - x0, y - y0
        weights[y0, x0] += (1 - fx) * (1 - fy)
        weights[y0, x0 + 1] += fx * (1 - fy)
        weights[y0 + 1, x0] += (1 - fx) * fy
        weights[y0 + 1, x0 + 1] += fx * fy
    return ImageFilter.Kernel((5, 5), (weights / weights.sum()).flatten().tolist(), scale=1)


def phone_variation(rng):
    return {"frame_w": rng.randint(1280, 1600), "card_frac": rng.uniform(0.5, 0.7), "rotation": rng.uniform(-2, 2),
            "sensor_scale": rng.uniform(1.0, 1.6), "motion": rng.uniform(0.5, 2.0),
            "motion_angle": rng.uniform(0, 180), "defocus": rng.choice([0.0, rng.uniform(0.2, 0.7)]),
            "highlight": rng.uniform(0.4, 0.8), "highlight_on_mrz": rng.random() < 0.5,
            "shadow": rng.choice([0.0, rng.uniform(0.2, 0.45)]), "light": rng.uniform(0, 0.4),
            "noise": rng.uniform(1.5, 5), "thumb": rng.random() < 0.4, "quality": rng.randint(45, 70)}


FAILURES = ["blurred", "glare", "too_small", "cut_off", "mrz_not_found"]


def failing_variation(rng, kind):
    """A phone photo's conditions, changed so the photo fails one way (--fail). Drawn after
    phone_variation's, so the ordinary phone set stays the same."""
    params = phone_variation(rng)
    params.update({"fail": kind, "highlight_on_mrz": False, "shadow": 0.0, "thumb": False})
    if kind == "blurred":  # out of focus: a blur over half a character's stroke spacing
        params.update({"defocus": rng.uniform(2.2, 3.0), "highlight": rng.uniform(0.2, 0.4)})
    elif kind == "glare":  # a lamp's reflection, burnt out to white over the MRZ's middle
        params.update({"defocus": 0.0, "motion": rng.uniform(0.5, 1.0), "highlight": 1.0, "highlight_on_mrz": True})
    elif kind == "too_small":  # the card far from the camera
        params.update({"card_frac": rng.uniform(0.16, 0.2), "defocus": 0.0, "motion": rng.uniform(0.5, 1.0),
                       "highlight": rng.uniform(0.2, 0.4)})
    elif kind == "cut_off":  # one end of the card, the MRZ's too, out of the frame
        params.update({"cut_side": rng.choice([-1, 1]), "cut_share": rng.uniform(0.1, 0.2), "defocus": 0.0,
                       "motion": rng.uniform(0.5, 1.0), "highlight": rng.uniform(0.2, 0.4)})
    return params


def phone_photograph(card, rng, nprng, params, fonts):
    """The card as a phone takes it: perspective, clutter, light, blur, down-scaling."""
    out_w = params["frame_w"]
    out_h = out_w * 3 // 4
    scale = params["sensor_scale"]  # drawn at the sensor's size, saved smaller
    w, h = int(out_w * scale), int(out_h * scale)
    image = cluttered_table(rng, nprng, w, h, fonts)

    # Where the card's corners land: a rotated rectangle, each corner then moved on its own
    # by up to 5 % of the frame (the card tilted away from the camera).
    card_w = params["card_frac"] * w
    card_h = card_w * CARD_H / CARD_W
    angle = math.radians(params["rotation"])
    margin = 0.06 * w
    cx = rng.uniform(margin + card_w / 2, w - margin - card_w / 2)
    if params.get("cut_side"):  # this share of the card's width past the frame's edge
        cx = w / 2 + params["cut_side"] * (w / 2 - card_w / 2 + params["cut_share"] * card_w)
    cy = rng.uniform(margin + card_h / 2, max(margin + card_h / 2 + 1, h - margin - card_h / 2))
    corners = []
    # A far card is tilted as much as a near one: its corners move in proportion to its size.
    tilt = 0.05 * params["card_frac"] / 0.6 if params.get("fail") == "too_small" else 0.05
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        dx, dy = sx * card_w / 2, sy * card_h / 2
        x = cx + dx * math.cos(angle) - dy * math.sin(angle) + rng.uniform(-tilt, tilt) * w
        y = cy + dx * math.sin(angle) + dy * math.cos(angle) + rng.uniform(-tilt, tilt) * h
        if not params.get("cut_side"):
            x, y = min(max(x, 2), w - 3), min(max(y, 2), h - 3)
        corners.append((x, y))
    source = card.resize((int(card_w), int(card_h)), Image.LANCZOS)
    mask = Image.new("L", source.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, source.width - 1, source.height - 1], radius=source.width // 30,
                                           fill=255)
    source.putalpha(mask)
    source_corners = [(0, 0), (source.width, 0), (source.width, source.height), (0, source.height)]
    to_source = perspective_coefficients(corners, source_corners)
    to_frame = perspective_coefficients(source_corners, corners)
    warped = source.transform((w, h), Image.PERSPECTIVE, to_source, resample=Image.BICUBIC)
    image.paste(warped, (0, 0), warped)
    if params["thumb"]:
        draw_thumb(image, rng, corners)

    pixels = np.asarray(image).astype(np.float32)
    xs, ys = np.arange(w, dtype=np.float32)[None, :], np.arange(h, dtype=np.float32)[:, None]
    if params["light"] > 0:  # light falling off across the frame
        lx, ly = rng.uniform(0, w), rng.uniform(0, h)
        dist = np.sqrt((xs - lx) ** 2 + (ys - ly) ** 2) / math.hypot(w, h)
        pixels *= (1.0 - params["light"] * dist)[..., None]
    if params["shadow"] > 0:  # a soft-edged shadow (the phone, a hand) that may cross the card
        shade = Image.new("L", (w, h), 0)
        sx, sy = rng.uniform(0, w), rng.uniform(0, h)
        points = [(sx + rng.uniform(-0.5, 0.5) * w, sy + rng.uniform(-0.5, 0.5) * h) for _ in range(4)]
        ImageDraw.Draw(shade).polygon(points, fill=255)
        shade = shade.filter(ImageFilter.GaussianBlur(rng.uniform(0.01, 0.04) * w))
        pixels *= (1.0 - params["shadow"] * np.asarray(shade, dtype=np.float32) / 255.0)[..., None]
    # A lamp's reflection on the laminate: a soft spot that lifts the card towards white.
    if params.get("fail") == "glare":  # over the MRZ's middle, burnt out to white at its core
        u, v = rng.uniform(0.4, 0.6) * source.width, (1 - rng.uniform(0.16, 0.2)) * source.height
        spot = gaussian_blob((h, w), apply_homography(to_frame, u, v), rng.uniform(0.06, 0.09) * card_w,
                             rng.uniform(0.06, 0.08) * card_w, rng.uniform(0, math.pi))
        spot = np.minimum(1.0, 2.0 * spot)
    elif params["highlight_on_mrz"]:
        u, v = rng.uniform(0.15, 0.85) * source.width, (1 - rng.uniform(0.06, 0.25)) * source.height
    else:
        u, v = rng.uniform(0, 1) * source.width, rng.uniform(0, 1) * source.height
    if params.get("fail") != "glare":
        spot = gaussian_blob((h, w), apply_homography(to_frame, u, v), rng.uniform(0.05, 0.15) * card_w,
                             rng.uniform(0.03, 0.08) * card_w, rng.uniform(0, math.pi))
    on_card = np.asarray(warped.getchannel("A"), dtype=np.float32) / 255.0
    pixels += (255.0 - pixels) * (params["highlight"] * spot * on_card)[..., None]
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))

    if params["defocus"] > 0:
        image = image.filter(ImageFilter.GaussianBlur(params["defocus"] * scale))
    image = image.resize((out_w, out_h), rng.choice([Image.BILINEAR, Image.BICUBIC, Image.LANCZOS, Image.BOX]))
    image = image.filter(motion_blur_kernel(params["motion"], math.radians(params["motion_angle"])))
    pixels = np.asarray(image, dtype=np.float32)
    pixels += params["noise"] * nprng.standard_normal(pixels.shape, dtype=np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0,
                        help="number of the first image: each image depends only on --seed and its number, so a"
                             " large set can be drawn in parts (--start 500 --count 500 is the second half of 1000)")
    parser.add_argument("--difficulty", choices=["mixed", "clean", "hard"], default="mixed",
                        help="mixed: every third image clean, the rest hard")
    parser.add_argument("--width", type=int, default=1024, help="output image width in pixels")
    parser.add_argument("--formats", default="jpg", help="comma-separated, cycled over images: jpg,png,webp")
    parser.add_argument("--misprint", action="store_true",
                        help="change one CIC digit after the check digits are computed")
    parser.add_argument("--phone", action="store_true", help="phone-camera photos (see above)")
    parser.add_argument("--fail", choices=FAILURES, help="with --phone: photos that fail this way (see above)")
    args = parser.parse_args()
    if args.fail and not args.phone:
        parser.error("--fail needs --phone")

    fonts = {
        "ocrb": ImageFont.truetype(find_font("OCR B"), int(3.1 * PX_PER_MM)),
        "text": ImageFont.truetype(find_font("DejaVu Sans"), 24),
        "small": ImageFont.truetype(find_font("DejaVu Sans"), 19),
        "bold": ImageFont.truetype(find_font("DejaVu Sans:bold"), 28),
        "sans_path": find_font("DejaVu Sans"),
    }
    formats = args.formats.split(",")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "manifest.tsv"), "w") as manifest:
        manifest.write("# file\tclean\tline1\tline2\tline3\tcurp\telector_key\tparams (synthetic data, cardgen.py"
                       " --seed %d)\n" % args.seed)
        for n in range(args.start, args.start + args.count):
            rng = random.Random("%d/%d" % (args.seed, n))
            nprng = np.random.default_rng([args.seed, n])
            identity = synthetic_identity(rng)
            if args.misprint:
                line1 = identity["mrz"][0]
                slot = rng.randrange(5, 14)  # a CIC digit
                wrong = str((int(line1[slot]) + rng.randrange(1, 10)) % 10)
                identity["mrz"][0] = line1[:slot] + wrong + line1[slot + 1:]
            if args.phone:
                clean = False
                params = failing_variation(rng, args.fail) if args.fail else phone_variation(rng)
                card = draw_card(identity, rng, fonts, mrz=args.fail != "mrz_not_found")
                image = phone_photograph(card, rng, nprng, params, fonts)
                fmt = "jpg"
            else:
                clean = args.difficulty == "clean" or (args.difficulty == "mixed" and n % 3 == 0)
                params = variation(rng, "clean" if clean else "hard")
                image = photograph(draw_card(identity, rng, fonts), rng, nprng, params, args.width)
                fmt = formats[n % len(formats)]
            name = "card_%04d.%s" % (n, fmt)
            buffer = io.BytesIO()
            if fmt == "jpg":
                image.save(buffer, "JPEG", quality=params["quality"])
            elif fmt == "webp":
                image.save(buffer, "WEBP", quality=params["quality"])
            else:
                image.save(buffer, "PNG", optimize=True)
            with open(os.path.join(args.out, name), "wb") as f:
                f.write(buffer.getvalue())
            described = ",".join("%s=%s" % (k, round(v, 3) if isinstance(v, float) else v) for k, v in params.items())
            manifest.write("\t".join([name, "1" if clean else "0", *identity["mrz"], identity["curp"],
                                      identity["elector_key"], described]) + "\n")


if __name__ == "__main__":
    main()
