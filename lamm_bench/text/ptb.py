"""PTB tokenization as pycocoevalcap applies it before caption metrics, in Python (no Java).

pycocoevalcap's ``PTBTokenizer`` joins all captions with newlines, runs Stanford CoreNLP 3.4.1's
``edu.stanford.nlp.process.PTBTokenizer -preserveLines -lowerCase`` on them and drops the tokens
``'' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ;``. This module reproduces that pipeline with a
longest-match scanner over token rules that model the CoreNLP 3.4.1 lexer's behaviour (which spans of text form
one token, how clitics, abbreviations, numbers, hyphenated words, URLs and brackets are split and normalised).
It is an independent re-implementation, not a translation of CoreNLP's (GPL) grammar; its agreement with the Java
tokenizer is measured on ``tests/golden/ptb/corpus.txt`` by ``tools/measure_ptb_agreement.py`` and every known
difference is listed in docs/text-metrics.md.

Scanning rule (as in the lexer): at each position every rule is tried; the one whose match, including its
look-ahead context, is longest wins, earlier rules winning ties; the token is the match without the context.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Tokens pycocoevalcap removes after tokenizing (pycocoevalcap/tokenizer/ptbtokenizer.py).
REMOVED_TOKENS = frozenset({"''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-",
                            "--", "...", ";"})
_LINE_BREAKS = re.compile("[\r\x0b\x0c\x85\u2028\u2029]")
# The Java lexer reads UTF-16 code units: a character outside the Basic Multilingual Plane is two surrogates,
# which no rule matches (each is deleted). Two other unmatched characters stand in for them.
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
_NEWLINE = "\n"


def _ci(word: str) -> str:
    """Regex for ``word`` matching either case of each letter (the lexer is caseless outside character classes)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def _ci_alternatives(words: str) -> str:
    """Caseless alternation of space-separated words; ``^X`` marks a first letter that must be upper case."""
    parts = []
    for word in sorted(words.split(), key=len, reverse=True):
        parts.append(word[1] + _ci(word[2:]) if word.startswith("^") else _ci(word))
    return "(?:" + "|".join(parts) + ")"


# Character classes.
# Python's [^\W\d_] also matches numeric characters that are not letters (superscripts, fractions, roman
# numerals, circled numbers: Unicode No/Nl); the lexer does not count them as letters.
_NOT_LETTERS = ("\u00B2\u00B3\u00B9\u00BC-\u00BE\u09F4-\u09F9\u0B72-\u0B77\u0BF0-\u0BF2\u0C78-\u0C7E"
                "\u0D58-\u0D5E\u0D70-\u0D78\u0F2A-\u0F33\u1369-\u137C\u16EE-\u16F0\u17F0-\u17F9\u19DA\u2070"
                "\u2074-\u2079\u2080-\u2089\u2150-\u2182\u2185-\u2189\u2460-\u249B\u24EA-\u24FF\u2776-\u2793"
                "\u2CFD\u3007\u3021-\u3029\u3038-\u303A\u3192-\u3195\u3220-\u3229\u3248-\u324F\u3251-\u325F"
                "\u3280-\u3289\u32B1-\u32BF\uA6E6-\uA6EF\uA830-\uA835")
LETTER = rf"[^\W\d_{_NOT_LETTERS}]"  # a letter (Unicode L*)
L = rf"(?:{LETTER}|[\u00AD\u0300-\u036F]|&[aeiouAEIOU]{_ci_alternatives('acute grave uml')};)"  # + soft hyphen,
# combining accents and the HTML entities of accented vowels
D = r"\d"
LD = rf"(?:{LETTER}|{D})"
APOS = r"(?:['\u0092\u2019]|&apos;)"
APOSX = r"(?:['\u0092\u2019`\u0091\u2018\u201B]|&apos;)"
SPACE = r"[ \t\u00A0\u2000-\u200A\u3000]"
NEWLINE = r"(?:\r\n|[\r\n\u2028\u2029\x0b\x0c\x85])"
SPACENL = rf"(?:{SPACE}|{NEWLINE})"
WORD = rf"{L}(?:{L}|{D})*(?:[.!?]{L}(?:{L}|{D})*)*"
REDAUX = rf"{APOS}(?:[msdMSD]|{_ci('re')}|{_ci('ve')}|{_ci('ll')})"
SREDAUX = rf"[nN]{APOSX}[tT]"
_ACRO_COMPOUND = (rf"{_ci_alternatives('canada sino korean eu japan non')}-{_ci('u.s')}"
                  rf"|{_ci('u.s.-')}(?:{_ci('u.s.s.r')}|{_ci('u.k')})")
ACRO = rf"(?:{_ACRO_COMPOUND}|[A-Za-z](?:\.[A-Za-z])*)"
ACRO2 = rf"(?:{_ACRO_COMPOUND}|[A-Za-z](?:\.[A-Za-z])+)"
SGML = (r"<(?:[!?][A-Za-z\-][^>\r\n]*|[A-Za-z][A-Za-z0-9_:.\-]*(?: +(?:[A-Za-z][A-Za-z0-9_:.\-]* *= *"
        r"(?:'[^']*'|\"[^\"]*\")|[A-Za-z][A-Za-z0-9_:.\-]*))* */?|/[A-Za-z][A-Za-z0-9_:.\-]*) *>")
HYPHEN = r"[-_\u058A\u2010\u2011]"
THING_PART = rf"(?:[dDoOlL]{APOSX}{LD})?{LD}+"
THING = rf"{THING_PART}(?:{HYPHEN}{THING_PART})*"
HTHING = rf"[A-Za-z0-9][A-Za-z0-9.,\u00AD]*(?:-(?:{ACRO2}\.|[A-Za-z0-9\u00AD]+))+"
THINGA = r"[A-Z]+(?:(?:[+&]|&amp;)[A-Z]+)+"
# www.host.tld or host.com/net/org/edu (whose labels exclude the characters "," to "_", digits and capitals
# included, as in the lexer), with an optional path
LIKELY_URL = (rf"(?:{_ci('www.')}(?:[^ \t\n\f\r\"<>|.!?(){{}},]+\.)+[a-zA-Z]{{2,4}}"
              rf"|(?:[^ \t\n\f\r\"`'<>|.!?(){{}}\x2C-\x5F$]+\.)+{_ci_alternatives('com net org edu')})"
              r"(?:/[^ \t\n\f\r\"<>|()]+[^ \t\n\f\r\"<>|.!?(){},-])?")
INSENTP = r"[,;:\u3001]"
NUM = rf"(?:{D}*(?:[.:,\u00AD\u066B\u066C]{D}+)+|{D}+)"

# Abbreviations written with a final period (the lexer's word lists; ^ marks a case-sensitive capital).
_SENTENCE_ABBREVIATION_WORDS = (  # kept as one token; usually followed by lower case
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri "
    "ala ariz ^Az ^Ark calif colo conn ct dak ^Del fla ga ^Ill ind kan kans ky ^La ^Mass md mich minn ^Miss mo "
    "mont neb nev okla ^Ore ^Pa penn tenn ^Tex va vt ^Wash wis wisc wyo "
    "inc co cos corp ltd plc rt bancorp bhd assn univ intl sys tel est ext sq jr sr bros ed.d ph.d blvd rd esq "
    "etc al seq bldg")
_SENTENCE_ABBREVIATIONS = _ci_alternatives(_SENTENCE_ABBREVIATION_WORDS)
_PTY = r"(?:[pP][pP]?[tT][ye][sS]?)"  # Pty, Ptes, ... (the y/e is case-sensitive in the lexer)
_TITLE_ABBREVIATION_WORDS = (  # kept as one token; usually followed by a capitalised name
    "mr mrs ms ^Miss dr drs prof profs sen sens rep reps atty attys lt col gen messrs gov govs adm rev maj sgt cpl "
    "pvt capt st ste ave pres lieut hon brig cmdr comdr pfc spc supt supts det mt ft adj adv asst assoc ens insp "
    "mlle mme msgr sfc vs alex wm jos cie a.k.a cf treas ph invt elec natl mfg mtg dept")
_TITLE_ABBREVIATIONS = _ci_alternatives(_TITLE_ABBREVIATION_WORDS)
_NUMBER_ABBREVIATION_WORDS = "ca fig figs prop no nos art bldg pp op"  # kept with the period only before a number
_NUMBER_ABBREVIATIONS = _ci_alternatives(_NUMBER_ABBREVIATION_WORDS)
_SENTENCE_STARTERS = "|".join(
    w[0] + _ci(w[1:]) for w in sorted(
        "About According Additionally After An A As At But Earlier He Her Here However If In It Last Many More "
        "Mr. Ms. Now Once One Other Our She Since So Some Such That The Their Then There These They This We When "
        "While What Yet You".split(), key=len, reverse=True))
_FILE_EXTENSIONS = _ci_alternatives(
    "bat bmp c class cgi cpp dll doc docx exe gif gz h htm html jar java jpeg jpg mov mp3 pdf php pl png ppt ps py "
    "sql tar txt wav x xml zip")
_MISC_SYMBOLS = (r"+%&~^|\\" "\u00A6\u00A7\u00A8\u00A9\u00AC\u00AE\u00AF\u00B0-\u00BA\u00D7\u00F7\u0387\u05BE\u05C0"
                 "\u05C3\u05C6\u05F3\u05F4\u0600-\u0603\u0606-\u060A\u060C\u0614\u061B\u061E\u066A\u066D"
                 "\u0703-\u070D\u07F6-\u07F8\u0964\u0965\u0E4F\u1FBD\u2016\u2017\u2020-\u2023\u2030-\u2038"
                 "\u203B\u203E-\u2042\u2044\u207A-\u207F\u208A-\u208E\u2100-\u214F\u2190-\u21FF\u2200-\u2BFF"
                 "\u3012\u30FB\uFF01-\uFF0F\uFF1A-\uFF20\uFF3B-\uFF40\uFF5B-\uFF65")
_QUOTE_CHARS = "`\u2018\u2019\u201A\u201B\u201C\u201D\u0091\u0092\u0093\u0094\u201E\u201F\u2039\u203A\u00AB\u00BB"

# Normalisations applied to some tokens.
_FRACTIONS = str.maketrans({"\u00BC": "1/4", "\u00BD": "1/2", "\u00BE": "3/4", "\u2153": "1/3", "\u2154": "2/3"})
_CURRENCY = str.maketrans({"\u00A2": "cents", "\u00A3": "#", "\u0080": "$", "\u00A4": "$", "\u20A0": "$",
                           "\u20AC": "$"})
_QUOTES_RIGHT = str.maketrans({"\u0091": "`", "\u2018": "`", "\u201B": "`", "\u2039": "`", "\u0092": "'",
                               "\u2019": "'", "\u203A": "'", "\u0093": "``", "\u201C": "``", "\u00AB": "``",
                               "\u0094": "''", "\u201D": "''", "\u00BB": "''", '"': "''"})
_PARENS = str.maketrans({"(": "-LRB-", ")": "-RRB-"})
_SPECIAL_ENTITIES = re.compile("&apos;|&quot;")


def _same(text: str) -> str:
    return text


def _soft(text: str) -> str:
    """Drop soft hyphens (never leaving an empty token)."""
    return text.replace("\u00AD", "") or "-"


def _nbsp(text: str) -> str:
    return text.replace(" ", "\u00A0")


def _quotes(text: str) -> str:
    """The lexer's LaTeX-style quote normalisation for a closing quote or clitic."""
    return _SPECIAL_ENTITIES.sub(lambda m: "'" if m.group() == "&apos;" else "''", text).translate(_QUOTES_RIGHT)


def _amp(text: str) -> str:
    return re.sub("(?i:&amp;)", "&", text)


def _dashes(text: str) -> str:
    return "--" if 3 <= len(text) <= 4 else text


@dataclass(frozen=True)
class _Rule:
    """One token rule: group 1 of ``pattern`` is the token, group 2 (if any) the context that must follow it.

    Head and context are matched together, so the context is counted for the longest match.
    """

    pattern: re.Pattern[str]
    emit: Callable[[str], str | None]  # token text to output; None drops the match (spaces, unknown characters)
    give_back: int = 0  # the last characters of the token returned to the input and scanned again ("can|not")


def _rule(head: str, tail: str | None = None, emit: Callable[[str], str | None] = _same,
          give_back: int = 0) -> _Rule:
    return _Rule(re.compile(f"({head})({tail})" if tail else f"({head})"), emit, give_back)


@functools.cache
def _rules() -> tuple[_Rule, ...]:
    """The token rules in priority order (earlier wins among equally long matches), compiled on first use."""
    return (
        _rule(rf"{_ci('c')}\+\+"),
        _rule(r"[cCfF]#"),
        _rule(_ci("cannot"), give_back=3),
        _rule("'" + _ci("twas"), give_back=3),
        _rule("'" + _ci("tis"), give_back=2),
        _rule(_ci_alternatives("gonna gotta lemme gimme wanna"), give_back=2),
        _rule(SGML, emit=_nbsp),
        _rule(rf"&{_ci_alternatives('md mdash ndash')};|[\u0096\u0097\u2013\u2014\u2015]", emit=lambda t: "--"),
        _rule(_ci("&amp;"), emit=_amp),
        _rule(rf"&(?:{_ci_alternatives('ht tl ur lr qc ql qr odq cdq')}|#[0-9]+);"),
        _rule(WORD, REDAUX, emit=_soft),
        _rule(r"[A-Za-z\u00AD]*[A-MO-Za-mo-z]\u00AD*", SREDAUX, emit=_soft),
        _rule(WORD, emit=_soft),
        # words with an apostrophe inside or at an edge
        _rule(rf"{APOS}[nN]{APOS}?|[lLdDjJ]{APOS}|{_ci_alternatives('dunkin somethin ol')}{APOS}|{APOS}{_ci('em')}"),
        _rule(rf"[A-HJ-XZn]{APOSX}{LETTER}{{2}}{LETTER}*"),
        _rule(rf"{APOS}[2-9]0[sS]|{APOS}{_ci('til')}[lL]?|{APOS}{_ci('cause')}|{_ci('cont')}'{_ci('d')}\.?"),
        _rule(rf"{LETTER}+[aeiouyAEIOUY]{APOSX}[aeiouA-Z]{LETTER}*"),
        _rule(_ci_alternatives("'twas nor'easter c'mon e'er s'mores ev'ry li'l nat'l") + rf"|[oO]{APOSX}[oO]"),
        _rule(rf"[yY]{APOS}", LETTER),
        # URLs, e-mail, handles
        _rule(r"[hH][tT][tT][pP][sS]?://[^ \t\n\f\r\"<>|(){}]+[^ \t\n\f\r\"<>|.!?(){},-]"),
        _rule(LIKELY_URL),
        _rule(r"(?:&lt;|<)?[a-zA-Z0-9][^ \t\n\f\r\"<>|()\u00A0{}]*@(?:[^ \t\n\f\r\"<>|(){}.\u00A0]+\.)*"
              r"[^ \t\n\f\r\"<>|(){}.\u00A0]+(?:&gt;|>)?"),
        _rule(rf"@[a-zA-Z_][a-zA-Z_0-9]*|#{L}+"),
        _rule(REDAUX, r"[^A-Za-z]", emit=_quotes),
        _rule(SREDAUX, r"[^A-Za-z]", emit=_quotes),
        # numbers
        _rule(rf"{D}{{1,2}}[-/]{D}{{1,2}}[-/]{D}{{2,4}}"),
        _rule(rf"[-+]?{NUM}", emit=_soft),
        _rule(r"[\u207A\u207B\u208A\u208B]?(?:[\u2070\u00B9\u00B2\u00B3\u2074-\u2079]+|[\u2080-\u2089]+)"),
        _rule(rf"(?:{D}{{1,4}}[- \u00A0])?{D}{{1,4}}(?:\\?/|\u2044){D}{{1,4}}", emit=_nbsp),
        _rule(r"[\u00BC\u00BD\u00BE\u2153-\u215E]", emit=lambda t: t.translate(_FRACTIONS)),
        _rule(rf"-(?:{_ci_alternatives('rrb lrb rcb lcb rsb lsb')})-|{_ci('c.d.s')}|{_ci('pro-')}|{_ci('anti-')}"
              rf"|[sS](?:&|{_ci('&amp;')})(?:[pP]-500|{_ci('ls')})|{_ci('cap')}{APOS}[nN]|[cC]{APOS}{_ci('est')}",
              emit=_amp),
        _rule(r"[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\?/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}"),
        _rule(r"[A-Z]*\$|#"),
        _rule("[\u00A2\u00A3\u00A4\u00A5\u0080\u20A0\u20AC\u060B\u0E3F\u20A4\uFFE0\uFFE1\uFFE5\uFFE6]",
              emit=lambda t: t.translate(_CURRENCY)),
        # periods after abbreviations and acronyms
        _rule(rf"{ACRO}\.", rf"{SPACENL}+(?:{_SENTENCE_STARTERS}|{SGML}){SPACENL}",
              emit=lambda t: t[:-1] if len(t) == 2 else t),
        _rule(rf"{_NUMBER_ABBREVIATIONS}\.", rf"{SPACENL}?{D}"),
        _rule(rf"(?:{_PTY}|{_ci('co')})\.", rf"{SPACE}{_ci_alternatives('ltd lim')}"),
        _rule(rf"(?:{_SENTENCE_ABBREVIATIONS}|{_PTY})\.", r"[\s\S]{2}"),
        _rule(rf"(?:{_SENTENCE_ABBREVIATIONS}|{_PTY})\."),
        _rule(rf"(?:{_TITLE_ABBREVIATIONS}|{ACRO})\."),
        _rule(rf"{_TITLE_ABBREVIATIONS}|{ACRO}", SPACE),
    _rule(ACRO, SPACENL),
    _rule(rf"{APOS}[0-9][0-9]", SPACENL),
        _rule(rf"{LD}+(?:\.{LD}+)*\.{_FILE_EXTENSIONS}", rf"{SPACENL}|[.?!,]"),
        _rule(rf"{WORD}\.", INSENTP, emit=_soft),
        _rule(r"(?:\([0-9]{2,3}\)[ \u00A0]?|(?:\+\+?)?(?:[0-9]{2,4}[- \u00A0])?[0-9]{2,4}[- \u00A0])[0-9]{3,4}"
              r"[- \u00A0]?[0-9]{3,5}|(?:(?:\+\+?)?[0-9]{2,4}\.)?[0-9]{2,4}\.[0-9]{3,4}\.[0-9]{3,5}",
              emit=lambda t: _nbsp(t).translate(_PARENS)),
        _rule(r"\"|&quot;", r"[A-Za-z0-9$]", emit=lambda t: "``"),
        _rule(r"\"|&quot;", emit=lambda t: "''"),
        _rule("\x7f", emit=lambda t: None),
        _rule(r"<|&lt;", emit=lambda t: "<"),
        _rule(r">|&gt;", emit=lambda t: ">"),
        _rule(r"[<>]?[:;=][\-o*']?[()DPdpO\\{@|\[\]]", r"[^A-Za-z0-9]", emit=lambda t: t.translate(_PARENS)),
        _rule(r"[\^x=~<>]\.\[\^x=~<>\]|[\-\^x=~<>']_[\-\^x=~<>']|\([\-\^x=~<>'][_.]?[\-\^x=~<>']\)"
              r"|\([\^x=~<>']-[\^x=~<>'`]\)", emit=lambda t: t.translate(_PARENS)),
        _rule(r"[{}\[\]()]", emit=lambda t: {"{": "-LCB-", "}": "-RCB-", "[": "-LSB-", "]": "-RSB-", "(": "-LRB-",
                                             ")": "-RRB-"}[t]),
        _rule(r"-+", emit=_dashes),
        _rule(r"\.{3,5}|(?:\.[ \u00A0]){2,4}\.|[\u0085\u2026]", emit=lambda t: "..."),
        _rule(r"@+|#+|_+"),
        _rule(r"\*+|(?:\\\*){1,3}"),
        _rule(INSENTP),
        _rule(r"[?!]+"),
        _rule("[.\u00A1\u00BF\u037E\u0589\u061F\u06D4\u0700-\u0702\u07FA\u3002]"),
        _rule(r"=|/"),
        _rule(rf"{HTHING}\.", INSENTP, emit=_soft),
        _rule(HTHING, emit=_soft),
        _rule(rf"{THING}\.", INSENTP),
        _rule(THING),
        _rule(rf"{THINGA}\.", INSENTP, emit=_amp),
        _rule(THINGA, emit=_amp),
        _rule("'", r"[A-Za-z][^ \t\n\r\u00A0]", emit=lambda t: "`"),
        _rule(REDAUX, emit=_quotes),
        _rule(SREDAUX, emit=_quotes),
        _rule(rf"''|[{_QUOTE_CHARS}]{{1,2}}|{APOS}", emit=_quotes),
        _rule(r"<<|>>"),
        _rule(f"[{_MISC_SYMBOLS}]"),
        _rule(rf"\x00|{SPACE}+|[\u200B\u200E\u200F\uFEFF]", emit=lambda t: None),
        _rule(NEWLINE, emit=lambda t: _NEWLINE),
        _rule(_ci("&nbsp;"), emit=lambda t: None),
    )


# Fast path: a run of ASCII letters (or digits) ending at a space, a newline or the end of the text, or right
# before a comma or period that is itself followed by one of those; or such a comma or period itself. No other
# rule can match a longer span there, so the run is the token, except for the words the lexer splits or keeps
# with their period (left to the rules). tests/lamm_bench/text/test_text_ptb.py checks both paths agree.
_FAST = re.compile(r" +|([A-Za-z]+|[0-9]+)(?=[ \n]|\Z|[.,](?:[ \n]|\Z))|([.,])(?:(?=\n)|\Z| (?![.\u00A0]))|(\n)")


@functools.cache
def _slow_words() -> frozenset[str]:
    """Lower-cased letter runs the fast path must leave to the rules (abbreviations, split words)."""
    lists = f"{_SENTENCE_ABBREVIATION_WORDS} {_TITLE_ABBREVIATION_WORDS} {_NUMBER_ABBREVIATION_WORDS}"
    return frozenset(lists.replace("^", "").lower().split()) | {
        "cannot", "gonna", "gotta", "lemme", "gimme", "wanna", "co", "pty", "pte", "ptys", "ptes", "ppty", "ppte",
        "pptys", "pptes"}


def _fast_token(text: str, pos: int) -> tuple[int, str | None] | None:
    """``(end, token)`` when the fast path applies at ``pos`` (token None for spaces), else None."""
    m = _FAST.match(text, pos)
    if m is None:
        return None
    run = m.group(1)
    if run is None:
        if m.group(2):  # "." or "," before a space (not starting ". . ."), a newline or the end
            return pos + 1, m.group(2)
        if m.group(3):  # the line break between two captions
            return pos + 1, _NEWLINE
        return m.end(), None
    nxt = text[m.end():m.end() + 1]
    if run.isdigit():
        # a digit run before a space may continue as a phone number or fraction ("2 1/2", "555 1234")
        if nxt == " " and text[m.end() + 1:m.end() + 2].isdigit():
            return None
        return m.end(), run
    if run.lower() in _slow_words() or (nxt == "." and len(run) == 1):
        return None
    return m.end(), run


def _scan(text: str, fast_path: bool = True) -> list[str]:
    """Tokens of ``text`` (newline tokens included as ``"\\n"``), before lower-casing and punctuation removal."""
    rules = _rules()
    tokens: list[str] = []
    pos, end = 0, len(text)
    while pos < end:
        fast = _fast_token(text, pos) if fast_path else None
        if fast is not None:
            pos, token = fast
            if token is not None:
                tokens.append(token)
            continue
        best_len, best_rule, best_head = 0, None, 0
        for rule in rules:
            m = rule.pattern.match(text, pos)
            if m is not None and m.end() - pos > best_len:
                best_len, best_rule, best_head = m.end() - pos, rule, m.end(1) - pos
        if best_rule is None or best_head == 0:  # a character no rule covers: the lexer deletes it
            pos += 1
            continue
        best_head -= best_rule.give_back
        token = best_rule.emit(text[pos:pos + best_head])
        if token is not None:
            tokens.append(token)
        pos += best_head
    return tokens


def ptb_tokenize(texts: Sequence[str]) -> list[str]:
    """Tokenise captions exactly as pycocoevalcap's ``PTBTokenizer`` (CoreNLP 3.4.1, ``-lowerCase``) would.

    Args:
        texts: captions; as in pycocoevalcap they are tokenised as one newline-joined stream, so the last
            characters of one caption can act as look-ahead for the previous one.

    Returns:
        One string per caption: lower-cased tokens joined by single spaces, punctuation tokens removed.
        Characters the Java lexer treats as line breaks (CR, VT, FF, NEL, U+2028, U+2029) are read as spaces
        here; pycocoevalcap would instead shift every later caption by one line.
    """
    stream = _NEWLINE.join(_LINE_BREAKS.sub(" ", t.replace("\n", " ")) for t in texts)
    stream = _ASTRAL.sub("\x01\x01", stream)
    lines: list[list[str]] = [[]]
    for token in _scan(stream):
        if token == _NEWLINE:
            lines.append([])
        else:
            lines[-1].append(token.lower())
    lines += [[] for _ in range(len(texts) - len(lines))]
    return [" ".join(w for w in " ".join(line).rstrip().split(" ") if w not in REMOVED_TOKENS)
            for line in lines[:len(texts)]]
