"""The word lists and patterns of the script guard: the data of the rules, kept apart from their logic."""

from __future__ import annotations

import re
from typing import Final

_I = re.IGNORECASE
# Between the words of a phrase: operators write "gift card", "gift-card", "giftcard" and "gift\ncard" alike.
_S = r"[\s_\-]*"
_S1 = r"[\s_\-]+"


def _words(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive, word-bounded pattern; list longer phrases first, the first alternative wins."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", _I)


NUMBER_WORD_VALUES: Final = {
    "zero": 0,
    "oh": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_NW = r"(?:" + "|".join(sorted(NUMBER_WORD_VALUES, key=len, reverse=True)) + r"|hundred|thousand|double|triple)"
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"

IRS = re.compile(r"\b(?:irs|internal\s+revenue\s+service)\b|\bi\.\s?r\.\s?s\b", _I)

# Rule 3, defence in depth beside PhoneNumberMatcher.
DIGIT_RUN_7 = re.compile(r"\d(?:[\s.\-()]*\d){6,}")
OFFICIAL_DIGITS = re.compile(r"(?:1?8008291040)+")
# Letters inside a dialable pattern: 1-800-TAX-FORM, 800-FLOWERS, 1-8OO-829-1040 (letter O for zero).
VANITY_JOINED = re.compile(r"(?<![\w-])[a-z0-9]+(?:[-.][a-z0-9]+)+(?![\w-])", _I)
VANITY_SPACED = re.compile(r"(?<![\w-])(?:1[\s.\-]*)?\(?\d{3}\)?[\s.\-]+[A-Z]{3,}(?:[\s.\-]+[A-Z0-9]{2,})*")
SPELLED_RUN = re.compile(rf"\b{_NW}\b(?:[\s,.;:\-]+{_NW}\b){{3,}}", _I)
SPELLED_YEAR = re.compile(
    r"\b(?:nineteen|twenty)[\s\-]+(?:oh|zero|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen"
    r"|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b",
    _I,
)
EXTENSION = re.compile(rf"(?:\b(?:extension|ext)\b\.?|(?<=\d)\s*x)[\s#:.]*(?:\d+|{_NW}(?:[\s,\-]+{_NW})*\b)", _I)

# Rule 4: what may carry digits without being case detail.
PRESS_KEY = re.compile(rf"\bpress\s+(?:\d(?!\d|[,.]\d)|{_DIGIT_WORD}\b)", _I)
NOTICE_NUMBER = re.compile(
    rf"\b(?:c\.?\s*p|l\.?\s*t)\.?[\s#:\-]*(?:(?:no|num|number)\.?[\s#:]*)?(?:\d+[a-z]?\b|{_NW}\b(?:[\s,\-]+{_NW}\b)*)"
    rf"|\b(?:letters?|notices?|forms?)[\s#:.\-]*(?:(?:no|num|number)\.?[\s#:]*)?"
    rf"(?:\d+[a-z]?\b|{_NW}\b(?:[\s,\-]+{_NW}\b)+)",
    _I,
)
AMOUNT_DIGITS = re.compile(
    r"\$\s*\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s*(?:dollars?|cents?|usd|bucks)\b"
    r"|\b\d{1,3}(?:,\d{3})+(?:\.\d+)?\b|\b\d+\.\d{2}\b",
    _I,
)
DIGITS = re.compile(r"\d(?:[\d,./:\-]*\d)?")

# Rule 5: money talk, digits or not; never exempt, even in a warning.
AMOUNT_WORDS = re.compile(
    r"\$(?!\s*\d)|\b(?:dollars?|cents?|bucks|usd|balances?|amounts?" + _S1 + r"(?:due|owed|owing|outstanding)"
    r"|you" + _S1 + r"owe|owed|owing|unpaid|past" + _S1 + r"due|overdue|arrears|outstanding|back" + _S1 + r"taxes"
    r"|penalt(?:y|ies)|fees?|refunds?|rebates?|stimulus)\b",
    _I,
)

PAYMENT_DEMAND = _words(
    "pay",
    "pays",
    "paying",
    "paid",
    "payments?",
    "payable",
    r"repay\w*",
    r"remit\w*",
    r"settle" + _S1 + r"(?:up|your|the|this|it)",
    r"send(?:ing)?\s+(?:us\s+|the\s+)?(?:money|funds|cash)",
    r"transfer(?:ring)?\s+(?:the\s+)?(?:money|funds)",
    "owe",
    "owes",
    "owed",
    "owing",
    "debts?",
    r"collect(?:ing)?\s+(?:a\s+|the\s+|your\s+)?payments?",
)

_BRANDS = (
    r"itunes|apple|google" + _S + r"play|google|amazon|steam|target|walmart|ebay|vanilla|visa|mastercard|amex"
    r"|american" + _S1 + r"express|sephora|razer" + _S + r"gold|best" + _S1 + r"buy|home" + _S1 + r"depot|lowe'?s|cvs"
    r"|walgreens|starbucks|nordstrom|macy'?s|kohl'?s|costco|xbox|playstation|psn|nintendo|netflix|spotify|roblox"
)
PAYMENT_METHOD = _words(
    r"gift" + _S + r"(?:cards?|certificates?|codes?)",
    r"(?:" + _BRANDS + r")" + _S + r"(?:(?:gift|store|prepaid|cash|money|reload\w*)" + _S + r")?cards?",
    r"itunes|google" + _S + r"play|walmart|ebay|sephora|razer" + _S + r"gold|money" + _S + r"pak|green" + _S + r"dot"
    r"|netspend|reloadit|paysafe\w*|vanilla",
    r"prepaid(?:" + _S + r"(?:debit|credit|visa|mastercard|gift|cash|reloadable))?(?:" + _S + r"cards?)?",
    r"reloadable(?:" + _S + r"\w+)?" + _S + r"cards?",
    r"stored" + _S + r"value(?:" + _S + r"cards?)?",
    r"store" + _S + r"cards?",
    r"(?:credit|debit|bank|atm|cash)" + _S + r"cards?",
    r"(?:bitcoin|crypto)" + _S + r"atms?",
    r"wire" + _S + r"transfers?",
    r"wir(?:e|es|ed|ing)",
    r"western" + _S + r"union",
    r"money" + _S + r"gram",
    "ria",
    r"money" + _S + r"(?:transfers?|orders?)",
    r"bank" + _S + r"transfers?",
    r"cashier'?s?" + _S + r"(?:checks?|cheques?)",
    r"certified" + _S + r"(?:checks?|cheques?)",
    r"crypto\w*",
    r"btc",
    "ethereum",
    "ether",
    "tether",
    "usdt",
    "usdc",
    r"\w*coins?",
    "coinbase",
    "binance",
    r"cash" + _S + r"app",
    "venmo",
    "zelle",
    r"pay" + _S + r"pal",
    r"(?:apple|google|samsung)" + _S + r"pay",
    "cash",
    "vouchers?",
    r"(?:buy|purchase|pick" + _S1 + r"up|get)\s+(?:\w+\s+){0,3}?cards?",
    r"scratch\w*",
)

PERSONAL_DATA = _words(
    r"ssns?",
    r"social" + _S + r"security(?:" + _S + r"(?:numbers?|nos?|cards?))?",
    r"(?:individual" + _S1 + r")?taxpayer" + _S1 + r"identification(?:" + _S1 + r"numbers?)?",
    r"employer" + _S1 + r"identification(?:" + _S1 + r"numbers?)?",
    r"i?tins?",
    r"(?:card|account|routing|checking|savings)" + _S + r"numbers?",
    r"bank" + _S + r"(?:accounts?|details|information|info|logins?|routing)",
    "routing",
    r"pins?",
    r"passwords?",
    r"passcodes?",
    r"security" + _S + r"(?:codes?|questions?)",
    r"cvv\d?",
    "cvc",
    r"(?:one"
    + _S
    + r"time|verification|confirmation|access|claim|redemption|authori[sz]ation)"
    + _S
    + r"(?:codes?|pins?)",
    r"dates?" + _S1 + r"of" + _S1 + r"birth",
    r"birth" + _S + r"dates?",
    r"birthdays?",
    "dob",
    r"maiden" + _S1 + r"names?",
    r"(?:licen[cs]e|passport)" + _S1 + r"numbers?",
    r"verify" + _S1 + r"your" + _S1 + r"identity",
    r"identity" + _S1 + r"verification",
    r"confirm" + _S1 + r"(?:your|the)" + _S1 + r"(?:identity|name|address|social|ssn|date|birth|account|card|bank"
    r"|number|details|information|info|personal|tin|pin|password|email|phone|records?)",
    r"(?:personal|financial|banking|account|card)" + _S1 + r"(?:information|info|details|data)",
    r"last" + _S1 + r"(?:four|4)(?:" + _S1 + r"digits)?",
    r"log" + _S + r"ins?",
    r"usernames?",
    "credentials",
    r"(?:give|provide|tell|read|send|share|text|email)\s+(?:(?:us|me)\s+)?(?:with\s+)?your",
    r"numbers?\s+on\s+the\s+back",
    r"back\s+of\s+the\s+cards?",
    r"(?:read|give|tell|send)\s+(?:us|me)\s+the\s+(?:codes?|numbers?|pins?|digits)",
)

THREAT = _words(
    r"arrest\w*",
    r"police\w*",
    r"sheriff\w*",
    r"officers?",
    r"deput(?:y|ies)",
    r"marshals?",
    r"troopers?",
    r"on\s+(?:the|their|its|his|her)\s+way",
    r"(?:knock|show\s+up|come|coming|visit|visiting|go|going)\s+(?:to\s+|at\s+|on\s+)?your\s+"
    r"(?:door|home|house|address|work|office|workplace)",
    r"(?:contact|notify|call|inform|alert)\w*\s+your\s+(?:employer|bank|family|neighbou?rs?|landlord)",
    r"your\s+(?:employer|bank|family|neighbou?rs?|landlord)\s+(?:will|has|have)\s+(?:be(?:en)?\s+)?"
    r"(?:notified|contacted|informed|alerted)",
    r"authorities",
    r"against\s+you",
    r"fraud\w*",
    r"passports?",
    r"licen[cs]es?",
    r"warrants?",
    r"jail\w*",
    r"prison\w*",
    r"incarcerat\w*",
    r"imprison\w*",
    r"handcuff\w*",
    r"detain\w*",
    "detention",
    "custody",
    r"deport\w*",
    r"immigration(?:\s+status)?",
    r"revok\w*",
    "revocation",
    r"suspend\w*",
    "suspension",
    r"cancel(?:l?ed|lation)",
    r"lawsuits?",
    r"su(?:ed|ing)",
    r"(?:will|to|going\s+to|gonna|may|might|can|could|shall|would)\s+sue",
    r"sue\s+(?:you|your)",
    r"courts?",
    r"judges?",
    r"legal\s+(?:actions?|proceedings?|consequences?|steps?|department|team|matter|case)",
    r"criminal\w*",
    r"prosecut\w*",
    r"indict\w*",
    r"convict\w*",
    r"seiz(?:e|es|ed|ing|ures?)",
    r"confiscat\w*",
    r"repossess\w*",
    r"lev(?:y|ies|ied|ying)",
    r"liens?",
    r"garnish\w*",
    r"(?:freeze|frozen|freezing|lock|locked|block|blocked|close|closed)\s+(?:all\s+)?(?:of\s+)?your\s+(?:bank\s+)?"
    r"(?:accounts?|assets|wages|property|funds|cards?)",
    "freeze",
    "frozen",
    r"(?:be|been|being|get|are|is|were)\s+charged",
    r"charges",
    r"tax\s+(?:evasion|fraud)",
    "evasion",
    r"investigat\w*",
    r"consequences?",
    r"enforcement(?:\s+actions?)?",
)

# Pressure and secrecy: scam callers keep the victim on the line and away from anyone who could warn them.
PRESSURE = _words(
    r"(?:do\s+not|don't)\s+hang\s+up",
    r"stay\s+on\s+the\s+line",
    r"(?:do\s+not|don't)\s+(?:tell|inform|contact|discuss\s+this\s+with)\s+(?:anyone|anybody|your)",
    r"confidential\w*",
    r"secre(?:t|tly|cy)",
    r"keep\s+this\s+(?:call\s+)?(?:private|between\s+us|to\s+yourself)",
)

_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
DEADLINE = _words(
    "today",
    "tonight",
    r"tomorrow",
    "tmrw",
    r"immediately",
    r"immediatly",
    r"right\s+(?:away|now)",
    r"urgent\w*",
    "urgency",
    rf"(?:within|in)\s+(?:the\s+next\s+)?(?:\d+|{_NW}(?:[\s\-]+{_NW}){{0,4}}|a|an|a\s+few|few|several|a\s+couple\s+of)"
    r"[\s\-]+(?:business\s+)?(?:minutes?|mins?|hours?|hrs?|days?|weeks?)",
    rf"(?:\d+|{_NW}(?:[\s\-]+{_NW}){{0,4}})[\s\-]*(?:hours?|hrs?)",
    r"(?:by\s+)?(?:the\s+)?(?:end|close)\s+of\s+(?:the\s+)?(?:business\s+)?(?:day|business|week)",
    "eod",
    r"deadlines?",
    r"final\s+(?:notice|warning|call|attempt|reminder|opportunity|chance|demand)",
    r"last\s+(?:chance|warning|opportunity|notice|attempt|call|reminder)",
    r"(?:before\s+it(?:\s+is|'s|s)?\s+)?too\s+late",
    r"expir\w*",
    r"time[\s\-]*sensitive",
    r"time\s+is\s+running\s+out",
    r"running\s+out\s+of\s+time",
    r"(?:within|in)\s+(?:the\s+)?next\s+(?:few\s+)?(?:minutes?|hours?|days?|weeks?)",
    r"within\s+(?:the|an?|one)\s+(?:hour|day|week)",
    # "by five p.m." is a deadline; "helped by one of our representatives" is not.
    r"(?:before|by|until)\s+(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"\s*(?:[ap]\.?\s?m\b\.?|o'clock)|(?:before|by|until)\s+noon",
    r"at\s+once",
    r"without\s+delay",
    r"no\s+later\s+than",
    r"act\s+now",
    r"hurry",
    rf"by\s+(?:{_WEEKDAY}|noon|midnight)",
    "midnight",
    r"this\s+(?:afternoon|evening|morning)",
)

_TLD = (
    r"com|gov|org|net|edu|mil|us|info|biz|io|co|ly|me|xyz|online|site|top|app|link|pay|tax|money|cc|tk|ru|cn|uk"
    r"|ca|to|gl|gd|tv|ws|club|shop|store|live|help|support|services|center|finance|cash|loan|click|page|web"
)
URL = re.compile(
    r"\bhttps?://[^\s]*[^\s.,;:!?)'\"]|\bwww\.[^\s]*[^\s.,;:!?)'\"]|[\w.+\-]{1,64}@[\w\-]+\.\w+"
    # Anchored at the start of a token: searching from every letter of a long dotted token takes quadratic time.
    rf"|(?<![\w.\-])[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:{_TLD})\b(?:/\S*)?"
    r"|(?<![\w.\-])[a-z0-9\-]+\.[a-z]{2,}/\S*|\bweb\s*(?:sites?|pages?)\b|\bonline\s+(?:portal|account)\b"
    rf"|\bdot\s+(?:{_TLD})\b"
    r"|\b(?:click|tap)\s+(?:on\s+)?(?:the|this|a)\s+link\b|\blink\s+(?:that\s+)?(?:we|i)\s+(?:sent|texted|emailed)\b",
    _I,
)

PLACEHOLDER_TOKEN = re.compile(r"\{[^{}]*\}|[{}]")
BRACE = re.compile(r"[{}]")

# Rule 13: a voicemail says who it is for, who calls and the number; nothing about the case (IRC 6103).
VOICEMAIL_DETAIL = _words(
    r"tax\w*",
    r"balances?",
    r"ow(?:e|es|ed|ing)",
    r"debts?",
    r"pay\w*",
    r"accounts?",
    r"notices?",
    r"letters?",
    r"collect\w*",
    r"lev(?:y|ies|ied)",
    r"liens?",
    r"penalt(?:y|ies)",
    "interest",
    r"refunds?",
    r"audit\w*",
    r"return(?:s|ed|ing)?",
    r"bill(?:s|ed|ing)?",
    "overdue",
    "due",
    r"amounts?",
    r"cases?",
)
VOICEMAIL_MAX_WORDS: Final = 60

# Rule 13a: a warning sentence is the IRS (or "we") saying what it never does.
SENTENCE_BREAK = re.compile(r"[.!?;:\n]|\s-+\s|--")
_SUBJECT = r"\b(?:(?:the\s+)?(?:irs|internal\s+revenue\s+service)|we)"
_NEGATION = (
    r"(?:(?:'ll|\s+will)\s+(?:never|not)|\s+won't|\s+never|\s+does\s+not|\s+doesn't|\s+do\s+not|\s+don't"
    r"|\s+would\s+never)"
)
# Only verbs of asking, calling or accepting make a reassurance; "we don't want to arrest you" is a veiled threat.
_WARNING_VERB = (
    r"(?:asks?|call|calls|demands?|requests?|requires?|threatens?|accepts?|contacts?|e-?mail|text|initiates?"
    r"|insists?|pressure|tell|say|leave|uses?|sends?|come|takes?|seeks?|makes?)"
)
NEGATED_SUBJECT = re.compile(_SUBJECT + _NEGATION + r"\b", _I)
WARNING = re.compile(_SUBJECT + _NEGATION + r"(?:\s*,?\s*ever\s*,?)?(?:\s+\w+ly)?\s+" + _WARNING_VERB + r"\b", _I)
# After the negation these turn a reassurance back into a demand ("..., but you must pay by wire"). Any
# affirmative modal counts: "the IRS will not call again and the sheriff will arrest you" is a threat.
_NOT_NEGATED = r"(?!\s+(?:never|not|ever)\b|n't\b)"
REVERSAL = re.compile(
    r"\b(?:but|however|instead|except\w*|unless|only|just|rather|so|otherwise|else|then|now|until|after|once"
    r"|when|whenever|unlike|provided|other\s+than|or\s+else|as\s+long\s+as|in\s+exchange|and\s+you|must|need\s+to"
    r"|needs\s+to|have\s+to|has\s+to|required|needed|fine|ok|okay|accepted|acceptable|preferred|welcome|works"
    r"|aren't|isn't|(?:that|which)\s+(?:are|is)\s+not)\b"
    r"|\b(?:will|shall|may|might|can|could|should|would)\b"
    + _NOT_NEGATED
    + r"|'ll\b"
    + _NOT_NEGATED
    + r"|\b(?:is|are)\s+(?:\w+ing|on\s+(?:the|their|its)\s+way)\b"
    r"|(?<!\beven\s)\bif\b"
    r"|\bplease\b.*\bpa(?:y|id|ying|yments?)\b"
    r"|\b(?:we|irs|you)\s+(?!never\b|don't\b|do\s+not\b)(?:accept|take|need|want|require|expect|prefer|ask"
    r"|demand|are|have)\b"
    r"|,\s*(?:simply\s+)?(?:pay|send|buy|purchase|transfer|give|provide|go|get|use|remit|settle|load|deposit"
    r"|read|tell|confirm|verify|keep|hand|wire(?!" + _S + r"transfers?\b))\b",
    _I,
)
