"""Small labelled pages written by the tests (no ../shared needed): furniture around a few body sentences."""

from __future__ import annotations

import random
from pathlib import Path

FURNITURE = ["Home", "News", "Sport", "Share", "Subscribe now", "Sign in", "Most read", "Privacy policy", "Contact us",
             "Advertisement", "Follow us on Twitter", "Terms of use", "Newsletter", "Search", "Menu"]
WORDS = "the minister said talks with officials from both countries would continue next month after a long meeting in the capital".split()


def body_sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(14, 30))).capitalize() + "."


def write_pages(folder: Path, count: int, seed: int = 0) -> Path:
    """`count` pages as raw/<id>.txt + gold/<id>.tsv + manifest.json (two pages per site)."""
    rng = random.Random(seed)
    (folder / "raw").mkdir(parents=True)
    (folder / "gold").mkdir()
    entries = []
    for k in range(count):
        page_id = f"p{k:03d}"
        lines = [(line, 0) for line in rng.sample(FURNITURE, 5)]
        lines.append((" ".join(rng.choice(WORDS) for _ in range(8)).title(), 1))
        lines += [(body_sentence(rng), 1) for _ in range(rng.randint(2, 6))]
        lines += [(line, 0) for line in rng.sample(FURNITURE, 4)]
        (folder / "raw" / f"{page_id}.txt").write_text("".join(f"{text}\n" for text, _ in lines), encoding="utf-8")
        rows = "".join(f"{n}\t{label}\t{text}\n" for n, (text, label) in enumerate(lines, start=1))
        (folder / "gold" / f"{page_id}.tsv").write_text("line\tcontent\ttext\n" + rows, encoding="utf-8")
        entries.append({"id": page_id, "site": f"site{k // 2}.example", "title_lines": [6]})
    import json

    (folder / "manifest.json").write_text(json.dumps({"pages": entries}), encoding="utf-8")
    return folder
