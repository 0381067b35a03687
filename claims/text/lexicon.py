"""The French and English word lists, accent folding and language codes, each defined once.

Calendar words, reporting verbs, titles and abbreviations are shared pieces that several
rules build on. Each rule's stop-word list is its own (see "stop words" below), written out
here beside the others so a word can be added to every rule that wants it in one file.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# --- language codes ------------------------------------------------------------------------

# The languages py3langid may answer, with the names Snowball's stemmers go by.
LANGUAGE_NAMES = {
    "fr": "french",
    "en": "english",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
}
# The languages the hand-written rules (check-worthiness, speakers, mutations) have words for.
RULE_LANGUAGES = ("fr", "en")


def language_code(value: object) -> str:
    """Return the two-letter code a language tag starts with: " FR-fr " -> "fr", None -> ""."""
    return str(value or "").strip().lower()[:2]


def rule_languages(value: object, supported: tuple[str, ...] = RULE_LANGUAGES) -> tuple[str, ...]:
    """Return (code,) for a supported language; an unknown or missing one tries them all."""
    code = language_code(value)
    return (code,) if code in supported else supported


# --- folding -------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Strip accents and case-fold, so « Édouard », "EDOUARD" and "𝐄𝐝𝐨𝐮𝐚𝐫𝐝" give "edouard"."""
    if text.isascii():
        # Nothing to decompose, and lower() is casefold() on ASCII: most text takes this path.
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    # Case-folding last lowers what NFKD uncovers ("𝐄" -> "E" -> "e"); marks go first.
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# --- calendar ------------------------------------------------------------------------------

# Each month's spellings, January first; tweets often drop the accents.
FR_MONTHS = (
    ("janvier",), ("février", "fevrier"), ("mars",), ("avril",), ("mai",), ("juin",),
    ("juillet",), ("août", "aout"), ("septembre",), ("octobre",), ("novembre",),
    ("décembre", "decembre"),
)  # fmt: skip
EN_MONTHS = (
    ("January",), ("February",), ("March",), ("April",), ("May",), ("June",), ("July",),
    ("August",), ("September",), ("October",), ("November",), ("December",),
)  # fmt: skip
# Abbreviations written with a full stop ("janv.", "Sept."), by month; none for short names.
FR_MONTH_ABBREVIATIONS = (
    ("janv",), ("févr", "fév"), (), ("avr",), (), (), ("juil",), (), ("sept",), ("oct",),
    ("nov",), ("déc",),
)  # fmt: skip
EN_MONTH_ABBREVIATIONS = (
    ("Jan",), ("Feb",), ("Mar",), ("Apr",), (), ("Jun",), ("Jul",), ("Aug",), ("Sep", "Sept"),
    ("Oct",), ("Nov",), ("Dec",),
)  # fmt: skip
FR_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def flat(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """Return the words of grouped spellings (months) in order, as one tuple."""
    return tuple(word for group in groups for word in group)


def words(text: str) -> tuple[str, ...]:
    """Return the whitespace-separated words of a list written out as one string."""
    return tuple(text.split())


# --- titles --------------------------------------------------------------------------------

# Abbreviations before a name, written with or without a full stop ("M. Dupont", "Mme Roux").
FR_TITLE_ABBREVIATIONS = words("M MM Mme Mmes Mlle Mlles Me Dr Pr St Ste Mgr")
EN_TITLE_ABBREVIATIONS = words("Mr Mrs Ms Messrs Prof Gen Gov Sen Rep Rev Sgt Lt Col Capt Mt Ft")
TITLE_ABBREVIATIONS = (*FR_TITLE_ABBREVIATIONS, *EN_TITLE_ABBREVIATIONS)
# Titles before a name are not part of it: "President Biden" is "Joe Biden".
TITLE_WORDS = words(
    """
    président présidente premier première ministre chancelier chancelière sénateur sénatrice
    député députée maire gouverneur roi reine pape général professeur docteur president
    prime minister chancellor senator representative rep governor mayor king queen pope
    general professor doctor secretary
    """
)

# --- stop words ----------------------------------------------------------------------------
#
# Each rule has its own list, on purpose: merging them into one changed 24 of the 92 API
# answers on the seed articles (BM25 scores, the quotation filter, name boundaries), and the
# check-worthiness weights were fit on these exact rules. So each list is written here once,
# beside the others, and a word meant for several rules is added to each.

# BM25 drops the commonest words of both languages whatever a text's language; folded, as the
# index folds before it tests. Short on purpose: "car" or "face" are English nouns.
BM25_STOPWORDS = frozenset(
    words(
        """
        a au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les leur
        leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui
        sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y ete etre
        est sont ont avait
        the of and to in is it that for was with as at by an be this are from or has have had
        not but its were which their been will would there they he she his her we you i
        """
    )
)
# A quotation made only of these (« Oui, bien sûr ! », "Well, that is it") states nothing;
# compared lower-cased, accents kept.
QUOTE_FILLERS = frozenset(
    words(
        """
        a à au aux avec ce ces c cela d de des du elle en est et il ils je j l la le les leur
        lui ma mais me mes moi mon ne n nous on ou où par pas pour qu que qui sa se ses si son
        sur ta te toi ton tu un une vous y oui non ça ah oh eh bah bon bien alors voilà merci
        an and are as at be but by do for he her him his i if in is it its my no not of
        or our she so that the their them they this to us was we what yes you your well
        """
    )
)
# Capitalised words that open clauses or precede names without being names themselves, and
# that are never the noun a figure counts (« 3 de plus »).
NON_NAMES = words(
    """
    le la les l un une des du de d au aux a à en dans par pour sur sous avec sans chez vers
    entre contre selon après avant depuis pendant lors il elle ils elles on nous vous je tu
    j ce cet cette ces ceci cela ça c celui celle qui que qu quoi dont où ou et mais donc or
    ni car si s quand lorsque puisque comme alors ainsi aussi pourtant cependant toutefois
    enfin puis ensuite hier aujourd demain son sa ses leur leurs mon ma mes notre nos votre
    vos tout tous toute toutes plus moins très non oui bref certes déjà encore jamais
    seulement surtout voici voilà m mm mme mmes mlle me mgr dr pr st ste monsieur madame
    the an he she it they we i you his her its their our my your this that these those
    there here according but and so if when while as at by with from to of in for
    into after before since during yesterday today tomorrow also however meanwhile then
    not no yes all some many most more less mr mrs ms prof sir près environ presque
    quelque quelques plusieurs certains certaines chaque aucun aucune seul seule seuls seules
    dès parmi malgré grâce face faute outre hormis désormais actuellement ici là bien
    tandis pourquoi comment combien quel quelle quels quelles y ne pas rien between among
    about around nearly almost over under fewer several each every both only just even still
    yet now thus despite although though because once whether what who where why how which
    last next up out
    """
)

# --- reported speech -----------------------------------------------------------------------

FR_ACCORDING_TO = ("selon", "d'après")
EN_ACCORDING_TO = ("according to",)
# Participles that report speech on their own: « déclaré », « a affirmé », « estimée ».
FR_REPORTING_PARTICIPLES = (
    "déclaré", "affirmé", "assuré", "indiqué", "annoncé", "estimé", "expliqué", "ajouté",
    "insisté", "averti", "évoqué", "précisé", "souligné", "rappelé", "confirmé", "reconnu",
    "martelé", "prévenu", "démenti", "dénoncé", "répété", "réaffirmé", "confié", "raconté",
)  # fmt: skip
# Participles that report speech only after an auxiliary: alone, « dit » also means "called".
FR_REPORTING_AFTER_AUXILIARY = ("dit", "répondu", "jugé", "fait savoir", "fait valoir")
# Present forms that report speech on their own: « déclare », « martèle ».
FR_REPORTING_PRESENT = (
    "déclare", "affirme", "explique", "souligne", "ajoute", "avertit", "martèle", "insiste",
    "indique",
)  # fmt: skip
FR_REPORTING_PRESENT_PLURAL = ("déclarent", "affirment")
# Present forms that report speech only when they introduce it (« il annonce que… »,
# « », conclut-il »): alone, « annonce » or « assure » mean something else.
FR_REPORTING_PRESENT_BEFORE_SPEECH = (
    "assure", "dit", "estime", "précise", "annonce", "rappelle", "confirme", "reconnaît",
    "prévient", "poursuit", "conclut", "raconte", "répond", "commente", "résume",
)  # fmt: skip
# Past forms that also name the speaker in the passive: "was said by X".
EN_REPORTED_BY = ("said", "stated", "announced", "claimed", "confirmed", "denied", "declared")
EN_REPORTING_VERBS = (
    *EN_REPORTED_BY, "says", "say", "told", "tells", "announces", "warned", "warns", "added",
    "adds", "explained", "insisted", "noted", "argued", "stressed",
)  # fmt: skip
# These report speech too and name a speaker, but the check-worthiness signal leaves them out:
# its learned weights were fit without them.
EN_REPORTING_VERBS_MORE = (
    "explains", "insists", "argues", "wrote", "tweeted", "acknowledged", "admitted",
)  # fmt: skip
# The auxiliaries of « a dit », « avaient déclaré ».
FR_AUXILIARIES = ("a", "ont", "avait", "avaient", "aurait", "auraient")
# « a-t-il dit », « dit-elle »: the subjects that follow a verb in an inversion.
FR_INVERTED_SUBJECTS = ("il", "elle", "ils", "elles", "on")

# --- speakers ------------------------------------------------------------------------------

# Words that open a clause and are never part of a name that follows them.
FR_CONNECTIVES = words("mais et or puis ensuite alors ainsi enfin donc")
EN_CONNECTIVES = words("but and then however so meanwhile also")
# Words that end a speaker's noun phrase: « a déclaré Jean Dupont lundi », "said X in…".
SPEAKER_BOUNDARIES = {
    "fr": words(
        """
        à au aux devant lors dans en sur pendant après avant depuis pour par avec selon que
        qui dont où vers contre sans sous hier aujourd'hui
        """
    )
    + FR_WEEKDAYS,
    "en": words(
        """
        on in at to during after before yesterday today tonight who which that when while as
        from for with by adding according last this earlier later
        """
    )
    + tuple(day.lower() for day in EN_WEEKDAYS),
}
# Words cut from the end of a subject: « le ministre lui », "the minister has also".
SPEAKER_TRAILING = {
    "fr": words("lui leur l' nous vous y en ne n' me m' se s' qui aussi également encore déjà"),
    "en": words(
        """
        has have had also will would could can may might must did does do not never
        reportedly later previously again recently once then who hasn't can't won't didn't
        doesn't don't
        """
    ),
}
# Words that may open a speaker's noun phrase although written in lower case.
DETERMINERS = words(
    """
    le la les l' un une des du de d' ce cet cette ces son sa ses leur leurs notre nos
    plusieurs certains certaines chaque the a an this that these those his her its their our
    some several many each
    """
)
# First-person and indefinite subjects name nobody a claim can be attributed to.
FIRST_PERSON = words("je j' nous moi on i we me us you vous")
# Pronouns that stand for the previous sentence's speaker.
ANAPHORS = (
    "il", "elle", "ils", "elles", "lui", "eux", "ce dernier", "cette dernière", "celui-ci",
    "celle-ci", "he", "she", "they", "it", "him", "her", "them", "the latter",
)  # fmt: skip
# "a été dit", "was said by": the auxiliaries of the passive.
PASSIVE_AUXILIARIES = words("été est sont était étaient was were been is are be being")

# --- abbreviations -------------------------------------------------------------------------

# Abbreviations in references, after which a sentence (almost) never ends: « p. 12 », "vs.".
REFERENCE_ABBREVIATIONS = (
    "p", "pp", "art", "Art", "cf", "Cf", "env", "vol", "Vol", "chap", "Chap", "av", "apr", "n°",
    "N°", "éd", "fig", "Fig", "vs", "approx",
)  # fmt: skip
# Abbreviations that may end a sentence as well as sit inside one ("Apple Inc.", "etc.").
CLOSING_ABBREVIATIONS = (
    "etc", "No", "Nos", "Inc", "Ltd", "Co", "Corp", "Jr", "Sr", "e.g", "i.e", "U.S", "U.K",
    "J.-C", "J.-Ch", "a.m", "p.m", "ex", "hab", "min",
)  # fmt: skip
