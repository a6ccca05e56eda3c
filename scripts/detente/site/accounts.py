"""The quotation layer as the pages show it: each quotation with the mentions and event it points at, and, per event
cluster, the statements about it grouped by whose account they are (US, Chinese, third-party, side not stated).

A quotation's `about_event_id` names an event mention of its own article; that event's cluster links statements
made in different articles about the same event, which is what the accounts page sets side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from detente.site.load import Article, SiteData

# The sides in the order the pages show them; the first two are the columns of the accounts page.
SIDES = ("us", "china", "third_party", "unknown")
SIDE_NAMES = {"us": "US", "china": "China", "third_party": "third party", "unknown": "unknown"}
ACCOUNT_NAMES = {"us": "US account", "china": "Chinese account", "third_party": "Third-party accounts", "unknown": "Side not stated"}
ACCOUNTS_PAGE = "accounts.html"


def side_name(side: Any) -> str:
    return SIDE_NAMES.get(str(side), str(side))


def account_name(side: Any) -> str:
    return ACCOUNT_NAMES.get(str(side), f"{side} account")


def source_name(source_type: Any) -> str:
    """A source type as text: "press_release" -> "press release"; none stated -> "not stated"."""
    return str(source_type).replace("_", " ") if source_type else "not stated"


@dataclass(frozen=True)
class Statement:
    """A quotation of an article with what it points at (None where the field is null)."""

    article: Article
    quotation: dict[str, Any]
    speaker: dict[str, Any] | None  # the speaker's mention
    addressee: dict[str, Any] | None
    event: dict[str, Any] | None  # the event mention it is about

    @property
    def quote_id(self) -> str:
        return str(self.quotation["id"])

    @property
    def side(self) -> str:
        return str(self.quotation["side"])

    @property
    def cluster_id(self) -> str | None:
        return (self.event or {}).get("cluster_id") or None


def statements(article: Article) -> list[Statement]:
    """The article's quotations in text order."""
    mentions = {m["id"]: m for m in article.record["entities"]}
    events = {e["id"]: e for e in article.record["events"]}
    return [
        Statement(article, q, mentions.get(q.get("speaker_id") or ""), mentions.get(q.get("addressee_id") or ""), events.get(q.get("about_event_id") or ""))
        for q in sorted(article.quotations, key=lambda q: (q["start"], q["end"], q["id"]))
    ]


def person_name(mention: dict[str, Any] | None, data: SiteData) -> str:
    """Who a mention is, by the registry's name when it is linked ("he" -> "Qin Gang"), else as the text says it."""
    if mention is None:
        return "not named"
    return data.entity_name(mention["entity_id"]) if mention.get("entity_id") else str(mention["text"])


@dataclass(frozen=True)
class ClusterAccounts:
    """The statements about one event cluster, by side (every side of SIDES, possibly with none)."""

    cluster_id: str
    name: str
    when: str  # the registry's date, "start" or "start – end"; "" when it has none
    by_side: dict[str, list[Statement]]

    @property
    def count(self) -> int:
        return sum(len(s) for s in self.by_side.values())

    @property
    def article_count(self) -> int:
        return len({s.article.doc_id for side in self.by_side.values() for s in side})

    @property
    def others(self) -> list[str]:
        """The sides after the two columns that have statements."""
        return [side for side in self.by_side if side not in ("us", "china") and self.by_side[side]]


def cluster_accounts(data: SiteData) -> list[ClusterAccounts]:
    """Every event cluster some quotation is about, by the cluster's date, then ID; statements in reading order."""
    by_cluster: dict[str, list[Statement]] = {}
    for article in data.articles:
        for statement in statements(article):
            if statement.cluster_id:
                by_cluster.setdefault(statement.cluster_id, []).append(statement)
    result = []
    for cluster_id, found in by_cluster.items():
        when = data.clusters.get(cluster_id, {}).get("date") or {}
        when_text = (str(when.get("start")) + (f" – {when['end']}" if when.get("end") else "")) if when.get("start") else ""
        sides = list(SIDES) + sorted({s.side for s in found} - set(SIDES))  # a side the schema may add later comes last
        by_side = {side: [s for s in found if s.side == side] for side in sides}
        result.append(ClusterAccounts(cluster_id, data.cluster_name(cluster_id), when_text, by_side))
    return sorted(result, key=lambda c: (str((data.clusters.get(c.cluster_id, {}).get("date") or {}).get("start") or "9999"), c.cluster_id))
