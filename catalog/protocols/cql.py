"""CQL, the query language of SRU, read by the cql-parser package and answered by the catalog's
own search: what an SRU client asks for, and which records in what order.

The subset: indexes `cql.serverChoice` (and `any`, `cql.anywhere`, `keyword`), `title`
(`dc.title`, `bath.title`), `creator` (`author`, `dc.creator`, `bath.author`, `bath.name`),
`subject` (`dc.subject`, `bath.subject`), `isbn` (`bath.isbn`) and `identifier`
(`dc.identifier`: ISBN, ISSN, LCCN or OCLC number); relations `=`, `adj` (a phrase), `all`
(every word), `any` (one word or more), and `==` for the identifier indexes; `and`, `or`,
`not` and parentheses; quoted terms. A lone serverChoice `=` query is the REST API's `?q=`
(web-search syntax, ISBNs in any form) and gives its results in its order; anything else
is ranked with the same rank over the same search vectors, a field's words matched only
where the vector keeps that field (title A, contributors B, subjects C).
"""

import logging
import threading
from dataclasses import dataclass
from typing import Any

from cql._vendor.ply.yacc import NullLogger
from cql.lexer import CQLLexerError
from cql.parser import CQLParser12, CQLParserError, CQLSearchClause, CQLTriple
from django.contrib.postgres.search import SearchQueryField
from django.db.models import (
    BooleanField,
    F,
    Field,
    FloatField,
    Func,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from catalog.identifiers import InvalidIdentifier, identifier_normalize
from catalog.models import Identifier, Record, RecordSearch
from catalog.search import record_search
from catalog.search.lookups import isbn_parse
from catalog.search.match import search_query
from catalog.selectors import record_list
from catalog.text import search_forms

# The lexer and the parser log every syntax error they meet; a bad query is the client's,
# answered as a diagnostic, not an error of ours, and must not fill the log.
logging.getLogger("cql").setLevel(logging.CRITICAL)

ANY, TITLE, CREATOR, SUBJECT, ISBN, IDENTIFIER = (
    "any", "title", "creator", "subject", "isbn", "identifier",
)  # fmt: skip
INDEXES = {
    "cql.serverchoice": ANY, "cql.anywhere": ANY, "serverchoice": ANY, "any": ANY,
    "anywhere": ANY, "keyword": ANY, "cql.keywords": ANY,
    "title": TITLE, "dc.title": TITLE, "bath.title": TITLE,
    "creator": CREATOR, "author": CREATOR, "name": CREATOR, "dc.creator": CREATOR,
    "bath.author": CREATOR, "bath.name": CREATOR, "bath.personalname": CREATOR,
    "subject": SUBJECT, "dc.subject": SUBJECT, "bath.subject": SUBJECT,
    "isbn": ISBN, "bath.isbn": ISBN,
    "identifier": IDENTIFIER, "dc.identifier": IDENTIFIER, "bath.standardidentifier": IDENTIFIER,
}  # fmt: skip
# The weight a field's words carry in a record's search vector (catalog.services).
WEIGHTS = {TITLE: "A", CREATOR: "B", SUBJECT: "C"}
TEXT_RELATIONS = {"=", "adj", "all", "any"}
IDENTIFIER_RELATIONS = {"=", "=="}
IDENTIFIER_KINDS = ("isbn", "issn", "lccn", "oclc")


class Diagnostic(Exception):
    """An SRU diagnostic (info:srw/diagnostic/1/<number>): the query cannot be answered."""

    MESSAGES = {
        10: "Query syntax error",
        16: "Unsupported index",
        19: "Unsupported relation",
        20: "Unsupported relation modifier",
        27: "Empty term unsupported",
        28: "Masking character not supported",
        37: "Unsupported boolean operator",
        46: "Unsupported boolean modifier",
        80: "Sort not supported",
    }

    def __init__(self, number: int, details: str) -> None:
        super().__init__(f"{self.MESSAGES[number]}: {details}")
        self.number = number
        self.details = details
        self.message = self.MESSAGES[number]


class _Parser(CQLParser12):
    """cql-parser's CQL 1.2 parser, keeping the token it stopped at: its own messages name
    the grammar's symbols, not what the client typed."""

    stopped_at: Any = None

    def p_error(self, p: Any) -> None:
        self.stopped_at = p
        super().p_error(p)


_parser_lock = threading.Lock()
_parser: _Parser | None = None


def _syntax_details(query: str, failed: Exception, token: Any) -> str:
    """Where the query stops being CQL, in the client's own characters (positions count from
    1)."""
    if isinstance(failed, CQLLexerError):
        token = failed.args[1] if len(failed.args) > 1 else None
        if token is not None and token.value[:1] == '"':
            return f"The quotation mark at character {token.lexpos + 1} is never closed."
    if token is None:
        return f"The query ends at character {len(query)} before it is complete."
    # A token's value is its text as typed (a quoted term's without its quotation marks).
    return f'Unexpected "{token.value}" at character {token.lexpos + 1}.'


def cql_parse(query: str) -> Any:
    """The query's tree (cql-parser's); Diagnostic 10 if it is not CQL."""
    global _parser  # built once per process: building its tables takes a while
    with _parser_lock:
        if _parser is None:
            parser = _Parser()
            parser.build(debug=False, errorlog=NullLogger())
            _parser = parser
        _parser.stopped_at = None
        try:
            tree = _parser.parse(query)
        except (CQLLexerError, CQLParserError) as failed:
            raise Diagnostic(10, _syntax_details(query, failed, _parser.stopped_at)) from None
        except Exception:  # PLY's own, on input its tables do not expect
            raise Diagnostic(10, f"The query is not CQL: {query}") from None
    if tree is None:
        raise Diagnostic(10, f"The query is not CQL: {query}")
    return tree.root


# --- SQL pieces -------------------------------------------------------------------------------


def _infix(operator: str, output_field: Field, *operands: Any) -> Func:
    """`(a <operator> b ...)`: text search's operators, which Django has no expression for."""
    return Func(
        *operands,
        template="(%(expressions)s)",
        arg_joiner=f" {operator} ",
        output_field=output_field,
    )


class _Rank(Func):
    function = "ts_rank"
    output_field = FloatField()


def _weighted(query: Any, weight: str) -> Any:
    """The text search query with each of its words matched only at `weight` ('mobil' ->
    'mobil':A): the field that weight marks in the search vectors."""
    text = Func(
        Cast(query, TextField()),
        Value(r"'((?:[^']|'')+)'"),
        Value(rf"'\1':{weight}"),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )
    return Cast(text, SearchQueryField())


def _words(term: str) -> list[str]:
    """A term's words, without what web-search syntax would read as operators."""
    words = [word.strip('"').lstrip("-") for word in term.replace('"', " ").split()]
    return [word for word in words if word and word.lower() != "or"]


def _masked(term: str) -> bool:
    """Whether the term truncates with CQL's unescaped `*` (`\\*` is a plain asterisk). `?`,
    CQL's other mask, is taken as itself: titles end with it far more often than searches
    mask a letter."""
    escaped = False
    for char in term:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            return True
    return False


def _web_text(term: str, relation: str, index: str) -> str:
    """The term as the catalog's web-search syntax for this relation."""
    if relation == "=" and index == ANY:
        return term
    words = _words(term)
    if relation == "all":
        return " ".join(words)
    if relation == "any":
        return " or ".join(words)
    return f'"{" ".join(words)}"' if len(words) > 1 else " ".join(words)


@dataclass(frozen=True)
class _Part:
    """A compiled piece of the query: the records it selects, and the text query it ranks
    by (None: it does not rank)."""

    condition: Q
    ranking: Any


def _identifier_condition(term: str, index: str) -> Q:
    kinds = ("isbn",) if index == ISBN else IDENTIFIER_KINDS
    condition = Q(pk__in=[])
    for kind in kinds:
        try:
            # An ISBN is also looked up among the invalid ones imports keep (isbn_parse).
            kind, value = (
                isbn_parse(term) if kind == "isbn" else (kind, identifier_normalize(kind, term))
            )
        except InvalidIdentifier:
            continue
        records = Identifier.objects.filter(kind=kind, value=value).values("record_id")
        condition |= Q(pk__in=records)
    return condition


def _clause(node: CQLSearchClause) -> _Part:
    name = str(node.index).lower() if node.index is not None else "cql.serverchoice"
    index = INDEXES.get(name)
    if index is None:
        raise Diagnostic(16, str(node.index))
    relation = str(node.relation.comparitor).lower() if node.relation is not None else "="
    if node.relation is not None and node.relation.modifiers:
        raise Diagnostic(20, node.relation.toCQL())
    term = node.term or ""
    if not term.strip():
        raise Diagnostic(27, node.toCQL())
    if index in (ISBN, IDENTIFIER):
        if relation not in IDENTIFIER_RELATIONS:
            raise Diagnostic(19, relation)
        return _Part(_identifier_condition(term, index), None)
    if relation not in TEXT_RELATIONS:
        raise Diagnostic(19, relation)
    if _masked(term):
        # Words are matched whole: `gard*` would silently find nothing.
        raise Diagnostic(28, term)
    query: Any = search_query(search_forms(_web_text(term, relation, index)))
    if index in WEIGHTS:
        query = _weighted(query, WEIGHTS[index])
    matches = _infix("@@", BooleanField(), F("vector"), query)
    vectors = RecordSearch.objects.filter(matches).values("record_id")
    condition = Q(pk__in=vectors)
    if index == ANY:
        # As the API's search: a term that is an ISBN finds its record too.
        condition |= _identifier_condition(term, ISBN)
    return _Part(condition, query)


def _compile(node: Any) -> _Part:
    if getattr(node, "sortSpecs", None):
        raise Diagnostic(80, "sortby")
    if isinstance(node, CQLSearchClause):
        return _clause(node)
    if not isinstance(node, CQLTriple):  # pragma: no cover - the parser makes only these
        raise Diagnostic(10, str(node))
    operator = node.operator.value.lower()
    if node.operator.modifiers:
        raise Diagnostic(46, node.operator.toCQL())
    if operator not in ("and", "or", "not"):
        raise Diagnostic(37, operator)
    left, right = _compile(node.left), _compile(node.right)
    if operator == "not":
        return _Part(left.condition & ~right.condition, left.ranking)
    rankings = [part.ranking for part in (left, right) if part.ranking is not None]
    ranking = rankings[0] if len(rankings) == 1 else None
    if len(rankings) == 2:
        ranking = _infix("&&" if operator == "and" else "||", SearchQueryField(), *rankings)
    if operator == "and":
        return _Part(left.condition & right.condition, ranking)
    return _Part(left.condition | right.condition, ranking)


def cql_search(query: str) -> QuerySet[Record]:
    """The records a CQL query finds, best first (relevance, then newest), as record_list
    gives them (record_links_attach adds a page's links); Diagnostic if the query is outside
    the subset this catalog answers."""
    root = cql_parse(query)
    if (
        isinstance(root, CQLSearchClause)
        and not root.sortSpecs
        and INDEXES.get(str(root.index).lower() if root.index else "cql.serverchoice") == ANY
        and (
            root.relation is None
            or (str(root.relation.comparitor) == "=" and not root.relation.modifiers)
        )
        and (root.term or "").strip()
        and not _masked(root.term)
    ):
        # The API's own search, word for word.
        return record_search(q=root.term, ordering="relevance")
    part = _compile(root)
    records = record_list().filter(part.condition)
    rank: Any = Value(0.0, output_field=FloatField())
    if part.ranking is not None:
        rank = Coalesce(
            _Rank(F("search__vector"), part.ranking), Value(0.0), output_field=FloatField()
        )
    return records.annotate(rank=rank).order_by("-rank", "-id")
