"""line_features.c: a line's own features in C give features.python_line_row's row and content words bit for bit,
and a page's rows give numpy_page_features' and numpy_context_rows'; a library that would differ is never put in
place, a stale one is not used, and lines with characters it does not know go to Python."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import needs_compiler
from detente.lines import compiled, features, native
from detente.lines.features import LINE_COLUMNS, LINE_WIDTH, native_line_row, native_line_rows_lists, native_page_layout, python_line_row

REPO = Path(__file__).resolve().parents[2]
SHARED_DEV = REPO.parent / "shared" / "boilerplate" / "dev"


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> compiled.NativeFeatures:
    out = tmp_path_factory.mktemp("line-features") / "line_features.so"
    assert native.compile_line_features(out) == native.PROBE_LINES
    rows = compiled.load_line_features(out, LINE_COLUMNS, LINE_WIDTH, native_line_rows_lists(), native_page_layout())
    assert rows is not None
    return rows


def _seed_lines() -> list[str]:
    return [line.strip() for path in sorted((REPO / "raw").glob("*.txt")) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


@needs_compiler
def test_the_seeds_lines_get_the_same_rows_and_words(library):
    lines = _seed_lines()
    assert len(lines) == 171 and sum(not line.isascii() for line in lines) == 49  # curly quotes, dashes, Cyrillic
    for line in lines:
        assert native_line_row(library, line) == python_line_row(line), line


# Text with every kind of whitespace, the characters the features look at, digits and colons for years and clock
# times, the speech verbs and letters of other alphabets; stripped like the cleaner's lines
_LINES = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x3100, exclude_categories=("Cs",)), min_size=1, max_size=12),
        st.sampled_from(["says", "SAID:", "wrote", "Writes", "replied", "1999", "2023", "7:45", "12:30", "123:45", "the",
                         "share", "read more", "http", "www.", "@", "'", '"', "(", ")", "...", "?", "!", "- ", "* ", " ",
                         "\t", "\x1c", "\xa0", "“", "”", "’", "…", "—", "•", "©", "Москва", "ΣΟΦΙΑ", "ſ", "²", "٣"]),
    ),
    min_size=1, max_size=30,
).map(lambda parts: "".join(parts).strip()).filter(bool)


@needs_compiler
@settings(max_examples=500, deadline=None)
@given(line=_LINES)
def test_any_stripped_line_gets_the_same_row_and_words_or_is_left_to_python(library, line):
    computed = native_line_row(library, line)
    known = all(native.character_flags(character)[0] & 1 for character in line) and ord(max(line)) < native.CHARACTER_TABLE_SIZE
    assert (computed is not None) == known
    if known:
        assert computed == python_line_row(line)


@needs_compiler
def test_lines_with_characters_the_c_does_not_know_go_to_python(library):
    for line in native.UNKNOWN_LINES:
        assert native_line_row(library, line) is None, line
        assert features._line_row(line) == python_line_row(line)
    assert library.row(" padded ", 0) is None  # not stripped: never asked, refused all the same
    assert native_line_row(library, "a\0b") == python_line_row("a\0b")  # NUL is a character like another


def test_the_character_table_follows_python():
    assert native.character_flags("É") == (1 | 2 | 4, ord("é")) and native.character_flags("’") == (1, ord("’"))
    assert native.character_flags("\xa0") == (1 | 8, 0xA0) and native.character_flags("7") == (1, ord("7"))
    for unknown in ("٣", "²", "Σ", "ſ", "ß", "İ", "\u212a"):
        assert native.character_flags(unknown)[0] & 1 == 0, unknown
    assert "detente_character_flags[12288]" in native.character_table()


@needs_compiler
def test_the_library_is_never_copied(library):
    with pytest.raises(TypeError, match="cannot be copied or pickled"):
        pickle.dumps(library)


@needs_compiler
def test_a_library_that_differs_from_python_is_never_put_in_place(tmp_path, monkeypatch):
    source = tmp_path / "line_features.c"  # a bug in the C: a stop word no longer counts
    source.write_text(compiled.LINE_FEATURES_SOURCE.read_text(encoding="utf-8").replace("stop += is_stop;", "stop += 0;"), encoding="utf-8")
    monkeypatch.setattr(native, "LINE_FEATURES_SOURCE", source)
    monkeypatch.setattr(compiled, "LINE_FEATURES_SOURCE", source)
    out = tmp_path / "out" / "line_features.so"
    out.parent.mkdir()
    with pytest.raises(native.CompileError, match="the compiled line features differ from features.py on the probe line .*; not installed"):
        native.compile_line_features(out)
    assert list(out.parent.iterdir()) == []


@needs_compiler
def test_a_stale_or_damaged_library_is_not_used(library, tmp_path, monkeypatch):
    built = tmp_path / "line_features.so"
    native.compile_line_features(built)
    lists, layout = native_line_rows_lists(), native_page_layout()
    monkeypatch.setattr(compiled, "line_features_sha256", lambda: "0" * 64)  # features.py or the C edited since
    with pytest.warns(UserWarning, match="was built from another version of detente; line features are computed in Python"):
        assert compiled.load_line_features(built, LINE_COLUMNS, LINE_WIDTH, lists, layout) is None
    monkeypatch.undo()
    with pytest.warns(UserWarning, match="was built from another version of detente"):  # a column renamed in features.py
        assert compiled.load_line_features(built, (*LINE_COLUMNS[:-1], "renamed"), LINE_WIDTH, lists, layout) is None
    damaged = tmp_path / "damaged.so"
    damaged.write_bytes(b"not a library")
    with pytest.warns(UserWarning, match="not a line-features library"):
        assert compiled.load_line_features(damaged, LINE_COLUMNS, LINE_WIDTH, lists, layout) is None
    assert compiled.load_line_features(tmp_path / "none.so", LINE_COLUMNS, LINE_WIDTH, lists, layout) is None  # not built: Python, silently


def test_probe_lines_are_stripped_known_and_repeatable():
    lines = native.probe_lines(2000)
    assert len(lines) == 2000 and lines == native.probe_lines(2000)
    assert all(line and line == line.strip() and all(native.character_flags(c)[0] & 1 for c in line) for line in lines)
    assert {"7:45", "joetoronto says:", "1999"} <= set(lines)
    assert sum(not line.isascii() for line in lines) > 500 and any("\0" in line for line in lines)


def test_the_cleaner_uses_the_compiled_line_features_once_make_env_built_them():
    if not features.NATIVE_LINE_FEATURES.is_file():
        pytest.skip(f"{features.NATIVE_LINE_FEATURES} is not built (`make env` builds it with `detente compile-line-model`)")
    assert features.line_features_backend() == "C (Python for lines with other characters)"


@needs_compiler
@pytest.mark.skipif(not (SHARED_DEV / "raw").is_dir(), reason=f"{SHARED_DEV} is absent (a maintainers' folder): the line features are compared on the seeds and generated lines only")
def test_the_dev_pages_lines_get_the_same_rows_and_words(library):
    lines = {line.strip() for path in sorted((SHARED_DEV / "raw").glob("*.txt")) for line in path.read_text(encoding="utf-8").split("\n")}
    taken = 0
    for line in sorted(line for line in lines if line):
        computed = native_line_row(library, line)
        if computed is not None:
            taken += 1
            assert computed == python_line_row(line), line
    assert taken > 10900  # of 11,151 distinct non-blank lines


# A page's rows ------------------------------------------------------------------------------------------------


def _context_rows(library: compiled.NativeFeatures, page: np.ndarray, p: np.ndarray, texts: list[str]) -> np.ndarray:
    words = features.page_words(texts)
    return library.context_rows(page, p, words.chars, words.word_ids, words.line_of_word, words.distinct, words.per_line)


@needs_compiler
def test_the_seed_pages_get_numpys_page_rows(library):
    rng = np.random.default_rng(3)
    for path in sorted((REPO / "raw").glob("*.txt")):
        texts = [line.strip() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
        assert native.page_rows_differ(library, texts, rng.random((3, len(texts)))) is None
        columns = features.page_columns(texts)
        page = features.numpy_page_features(*columns)
        assert library.page_features(*columns).tobytes() == page.tobytes(), path.name
        p = rng.random((3, len(texts)))
        expected = features.numpy_context_rows(page, p, features.page_words(texts))
        assert expected.shape == (3, len(texts), len(features.FEATURE_NAMES) + len(features.CONTEXT_NAMES))
        assert _context_rows(library, page, p, texts).tobytes() == expected.tobytes(), path.name


_PAGE_LINES = st.sampled_from([
    "Menu", "Share", "the and of", "Beijing talks resumed on Monday after a long pause between the two sides.",
    "Officials said the meeting, the first in months, went well.", "Trade Talks Resume In Beijing", "joetoronto says:",
    "Related stories", "7:45 pm", "Comments (12)", "Xi and Biden meet", "© 2023 Reuters", "x",
    "ΣΟΦΙΑ says the talks on straße matter", "emoji 🙂 reactions",  # left to Python: the page's words are numbered there
])
_PROBABILITIES = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.5, float(np.nextafter(0.5, 0.0)), float(np.nextafter(0.5, 1.0)), 0.0, 1.0]))


@needs_compiler
@settings(max_examples=300, deadline=None)
@given(data=st.data(), texts=st.lists(_PAGE_LINES, min_size=1, max_size=80), members=st.sampled_from([1, 3]))
def test_any_page_gets_numpys_page_rows(library, data, texts, members):
    p = np.array([data.draw(st.lists(_PROBABILITIES, min_size=len(texts), max_size=len(texts))) for _ in range(members)])
    assert native.page_rows_differ(library, texts, p) is None


@needs_compiler
def test_the_cleaner_computes_the_page_rows_in_c_once_built(library, monkeypatch):
    texts = ["Menu", "Trade Talks Resume In Beijing", "Beijing talks resumed on Monday after a long pause between the two sides.", "Share"]
    expected_page, _ = features.page_features(texts)
    monkeypatch.setattr(features, "native_features", lambda: None)  # as without a compiler: numpy
    numpy_page, mask = features.page_features(texts)
    assert expected_page.tobytes() == numpy_page.tobytes() and mask.tolist() == [True] * 4
    p = np.array([[0.1, 0.6, 0.9, 0.2]])
    numpy_rows = features.context_rows(numpy_page, p, features.page_words(texts))
    monkeypatch.setattr(features, "native_features", lambda: library)
    assert features.context_rows(numpy_page, p, features.page_words(texts)).tobytes() == numpy_rows.tobytes()


@needs_compiler
def test_odd_probabilities_get_numpys_context_rows(library):
    texts = ["Menu", "Trade Talks Resume In Beijing", "Beijing talks resumed on Monday after a long pause.", "Share", "x"]
    page = features.numpy_page_features(*features.page_columns(texts))
    for row in ([0.3, float("nan"), 0.2, 0.9, 0.1], [-0.0, 0.0, 0.0, 0.0, 0.0], [float("nan")] * 5, [-1.0, 2.0, 0.5, float("inf"), 0.0]):
        p = np.array([row])
        assert _context_rows(library, page, p, texts).tobytes() == features.numpy_context_rows(page, p, features.page_words(texts)).tobytes(), row


@needs_compiler
def test_inconsistent_page_inputs_are_refused_not_read_past(library):
    texts = ["Beijing talks resumed on Monday.", "Share"]
    columns = features.page_columns(texts)
    with pytest.raises(ValueError, match="page features of 2 lines"):
        library.page_features(columns[0], columns[1][:1], columns[2], columns[3])
    for repeats in (np.array([-1.0, 1.0]), np.array([np.nan, 1.0]), np.array([1.5, 1.0])):  # counts are whole numbers from 1
        with pytest.raises(ValueError, match="each line's count and length must be a whole number from 1"):
            library.page_features(columns[0], repeats, columns[2], columns[3])
    page = features.numpy_page_features(*columns)
    words = features.page_words(texts)
    with pytest.raises(ValueError, match="context rows of 1 members and 2 lines"):
        library.context_rows(page, np.array([[0.5, 0.5]]), words.chars, words.word_ids + 5, words.line_of_word, words.distinct, words.per_line)
    with pytest.raises(ValueError, match="context rows of 1 members and 3 lines"):
        library.context_rows(page, np.array([[0.5, 0.5, 0.5]]), words.chars, words.word_ids, words.line_of_word, words.distinct, words.per_line)


@needs_compiler
@pytest.mark.parametrize(("bug", "what"), [
    ("rule_classes[i], width, rows + i * width", "page lines"),  # every line read as one no rule fires on
    ("*r++ = (double)(i - first) / (double)n;", "page features"),  # from_first_prose off by a line's share
    ("*c++ = (double)headlines_before;", "context rows"),
])
def test_page_rows_that_differ_from_numpy_are_never_put_in_place(tmp_path, monkeypatch, bug, what):
    source = tmp_path / "line_features.c"
    text = compiled.LINE_FEATURES_SOURCE.read_text(encoding="utf-8")
    assert text.count(bug) == 1
    broken = bug.replace("rule_classes[i]", "0") if what == "page lines" else bug.replace(";", " + 1.0 / 1024;")
    source.write_text(text.replace(bug, broken), encoding="utf-8")
    monkeypatch.setattr(native, "LINE_FEATURES_SOURCE", source)
    monkeypatch.setattr(compiled, "LINE_FEATURES_SOURCE", source)
    out = tmp_path / "out" / "line_features.so"
    out.parent.mkdir()
    with pytest.raises(native.CompileError, match=f"the compiled {what} differ from features.py's on probe page \\d+ \\(\\d+ lines\\); not installed"):
        native.compile_line_features(out)
    assert list(out.parent.iterdir()) == []


@needs_compiler
def test_a_library_that_refuses_the_page_layout_or_writes_other_widths_is_not_used(tmp_path):
    built = tmp_path / "line_features.so"
    native.compile_library(native.line_features_c_source(), built)  # not loaded yet: its page layout is not set
    lists, layout = native_line_rows_lists(), native_page_layout()
    beyond = replace(layout, layout=(layout.layout[0], layout.layout[0], *layout.layout[2:]))  # prose_like past the line's columns
    with pytest.warns(UserWarning, match="refused features.py's word lists or page layout"):
        assert compiled.load_line_features(built, LINE_COLUMNS, LINE_WIDTH, lists, beyond) is None
    with pytest.warns(UserWarning, match="writes page rows of other widths than features.py's names"):
        assert compiled.load_line_features(built, LINE_COLUMNS, LINE_WIDTH, lists, replace(layout, context_width=layout.context_width + 1)) is None
    assert compiled.load_line_features(built, LINE_COLUMNS, LINE_WIDTH, lists, layout) is not None


def test_probe_pages_are_repeatable_and_cover_ties_and_pages_without_prose():
    lines = native.probe_lines(500)
    pages = native.probe_pages(lines, 60)
    assert len(pages) == 60 and all(a[0] == b[0] and a[1].tobytes() == b[1].tobytes() for a, b in zip(pages, native.probe_pages(lines, 60)))
    assert {len(texts) for texts, _ in pages} >= {1, 600} and {len(p) for _, p in pages} == {1, 3}
    assert any((p == 0.5).any() for _, p in pages) and any((p < 0.5).all() for _, p in pages)
    assert all(p.shape[1] == len(texts) for texts, p in pages)


@needs_compiler
@pytest.mark.skipif(not (SHARED_DEV / "raw").is_dir(), reason=f"{SHARED_DEV} is absent (a maintainers' folder): the page rows are compared on the seeds and generated pages only")
def test_the_dev_pages_get_numpys_page_rows(library):
    rng = np.random.default_rng(5)
    for path in sorted((SHARED_DEV / "raw").glob("*.txt")):
        texts = [line.strip() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
        assert native.page_rows_differ(library, texts, rng.random((3, len(texts)))) is None, path.name
