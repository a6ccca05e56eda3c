"""The rule-based content decision of the 0.1.0–0.3.0 cleaner (detente-cleaner/1), kept as the benchmark's "old rules" row.

Nothing in the pipeline calls it: the cleaner now takes its content decision from the learned line model
(detente.lines.model). This is the old `predict_categories` of detente.pipeline.clean, ported unchanged: the rules of
detente.lines.rules on each line's own text (through detente.pipeline.clean.line_features), then a block pass (a short line
sandwiched in one boilerplate block joins it), then the page-structure pass (header zone, title, standfirst,
body, related section, footer). `rules_content` keeps the lines whose old category is of class content
(title, standfirst, subhead, body).
"""

from __future__ import annotations

from detente.pipeline.clean import LineFeatures, categories_of_class, line_features


def _neighbour(category: list[str | None], i: int, step: int) -> int | None:
    """The nearest non-blank line before (step -1) or after (step 1) line i."""
    j = i + step
    while 0 <= j < len(category) and category[j] == "whitespace":
        j += step
    return j if 0 <= j < len(category) else None


def _join_sandwiched_lines(features: list[LineFeatures], category: list[str | None], rule: list[str]) -> None:
    """Pass 2: a short non-prose line between two lines of the same boilerplate block belongs to it."""
    boilerplate = categories_of_class("boilerplate") - {"whitespace"}
    for i in [i for i, cat in enumerate(category) if cat is None]:
        if not features[i].prose:
            before, after = _neighbour(category, i, -1), _neighbour(category, i, 1)
            if before is not None and after is not None and category[before] == category[after] in boilerplate:
                category[i], rule[i] = category[before], "sandwiched-in-block"


def _structure_pass(features: list[LineFeatures], category: list[str | None], rule: list[str]) -> None:
    """Pass 3: page structure (header zone, title, standfirst, body, footer zone) for the lines still open."""
    count = len(features)
    open_lines = [i for i, cat in enumerate(category) if cat is None]
    prose = [i for i in open_lines if features[i].prose and not features[i].bullet]
    first_prose = prose[0] if prose else count
    related_headers = [i for i, found in enumerate(features) if found.starts_related_section]
    section_start = next((h for h in related_headers if h > first_prose), count)
    body_prose = [i for i in prose if i < section_start]
    last_prose = body_prose[-1] if body_prose else -1
    title = next((i for i in open_lines if i < first_prose and features[i].headline), None)

    for i in open_lines:
        found = features[i]
        if i == title:
            category[i], rule[i] = "title", "first-headline-before-body"
        elif i < first_prose:
            after_title = title is not None and i > title
            if after_title and (found.bullet or found.words >= 5):
                category[i], rule[i] = "standfirst", "between-title-and-body"
            else:
                category[i], rule[i] = "navigation", "header-zone"
        elif i >= section_start:
            category[i], rule[i] = "related_link", "in-related-section"
        elif i <= last_prose:
            if found.prose or found.bullet:
                category[i], rule[i] = "body", "prose-in-body"
            elif (previous := _neighbour(category, i, -1)) is not None and category[previous] == "video_widget":
                category[i], rule[i] = "video_widget", "follows-video-widget"
            elif found.words <= 4:
                category[i], rule[i] = "subhead", "short-line-in-body"
            else:
                category[i], rule[i] = "related_link", "headline-in-body"
        else:
            category[i], rule[i] = "footer", "after-body"


def rules_categories(features: list[LineFeatures]) -> tuple[list[str], list[str]]:
    """The old cleaner's category and rule ID of every line, from its own text and its place on the page."""
    category: list[str | None] = [found.rule_category for found in features]  # pass 1: the rules (in line_features)
    rule = [found.rule_id for found in features]
    _join_sandwiched_lines(features, category, rule)
    _structure_pass(features, category, rule)
    return [cat or "" for cat in category], rule  # pass 3 decided every line the rules left open


def rules_content(stripped_lines: list[str]) -> list[bool]:
    """Whether the old cleaner labelled each line of a page content (title, standfirst, subhead or body)."""
    categories, _ = rules_categories([line_features(line.strip()) for line in stripped_lines])
    content = categories_of_class("content")
    return [category in content for category in categories]
