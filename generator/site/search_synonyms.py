"""The synonyms staff keep for the search: `content/search-synonyms.yml`.

Each language apart, a list of groups of words that mean the same to a
visitor (عملية = جراحة, قسطرة = قثطرة; surgery = operation):

    ar:
      - [عملية, جراحة]
    en:
      - [surgery, operation]

The build hands each language's groups to its search index (search_index.py);
the search page reads every word of them as it reads the pages' and the
query's words (words.js) and ranks a page found through a synonym below one
found through the word itself or its root. The file may be missing or empty:
then the search has no synonyms.
"""
from __future__ import annotations

import re
from pathlib import Path

from generator.core.i18n import LANGUAGE_CODES
from generator.core.problems import N_, Phrase, Problems, closest
from generator.core.yamlsource import LineDict, LineList, load_yaml_file

SYNONYMS_FILE = "content/search-synonyms.yml"

# Only to tell one word listed twice: the search's own reading of words is words.js.
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")


def load_synonyms(root: Path, problems: Problems) -> dict[str, list[list[str]]]:
    """Each language's groups of synonyms; every mistake goes to `problems`."""
    rel = SYNONYMS_FILE
    groups: dict[str, list[list[str]]] = {lang: [] for lang in LANGUAGE_CODES}
    path = root / rel
    if not path.exists():
        return groups
    data = load_yaml_file(path, rel=rel, problems=problems)
    if data is None:  # empty, or not valid YAML (reported)
        return groups
    if not isinstance(data, LineDict):
        problems.error(rel, getattr(data, "line", 1), "invalid-structure",
                       N_("This file must hold one section per language (%(items)s), each a list of groups of "
                          'words, e.g. "- [عملية, جراحة]".'), items=', '.join((f'{c}:' for c in LANGUAGE_CODES)))
        return groups
    for lang in data:
        if lang not in LANGUAGE_CODES:
            problems.error(rel, data.line_of(lang), "unknown-key",
                           N_('Unknown language "%(lang)s".%(suggestion)s The languages are %(items)s.'),
                           lang=lang, items=', '.join(LANGUAGE_CODES), suggest=closest(str(lang), LANGUAGE_CODES))
            continue
        groups[lang] = _load_groups(rel, data, lang, problems)
    return groups


def _load_groups(rel: str, data: LineDict, lang: str, problems: Problems) -> list[list[str]]:
    value = data[lang]
    if value is None:
        return []
    if not isinstance(value, LineList):
        problems.error(rel, data.line_of(lang), "invalid-structure",
                       N_('"%(lang)s:" must be a list of groups, each on its own line starting with "- ", e.g. "- '
                          '[عملية, جراحة]".'), lang=lang)
        return []
    groups: list[list[str]] = []
    seen: dict[str, int] = {}  # word -> line of its group
    for index, group in enumerate(value):
        line = value.line_of(index)
        if not isinstance(group, LineList):
            problems.error(rel, line, "invalid-structure",
                           N_('Each group is a list of words in square brackets, separated by commas, e.g. "- '
                              '[عملية, جراحة]".'))
            continue
        words: list[str] = []
        for word in group:
            if not isinstance(word, str) or not word.strip():
                problems.error(rel, line, "invalid-value",
                               N_('Each synonym must be a word; %(word)s is not. Write it as text, e.g. "جراحة".'),
                               word=repr(word))
                continue
            word = word.strip()
            if re.search(r"\s", word):
                problems.error(rel, line, "synonym-phrase",
                               N_('"%(word)s" is more than one word. The search matches each word of a query on '
                                  "its own: list single words only (split it, or keep the word that carries the "
                                  "meaning)."), word=word)
                continue
            key = _MARKS.sub("", word).casefold()
            if key in seen:
                where = (Phrase(N_("earlier in this group")) if seen[key] == line
                         else Phrase(N_("in the group on line %(line)s"), line=seen[key]))
                problems.error(rel, line, "duplicate-synonym",
                               N_('"%(word)s" is already listed %(where)s. A word belongs to one group: merge the '
                                  "groups or remove it from one of them."), word=word, where=where)
                continue
            seen[key] = line
            words.append(word)
        if len(group) < 2:
            problems.error(rel, line, "invalid-value",
                           N_('A group needs at least two words that mean the same, e.g. "- [عملية, جراحة]".'))
            continue
        if len(words) >= 2:
            groups.append(words)
    return groups
