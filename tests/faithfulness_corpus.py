"""Hand-written faithfulness cases for the model-free `support` metric: short news articles, bullets
that are faithful to them, and unfaithful edits of those bullets.

Faithful bullets are written the way a summarizer writes them, not copied: reworded, joined from
two or three sentences of the article, numbers rewritten in another format or unit ("$48 million"
as "48 million dollars", "about 22,000" as "22,000", "five per cent" as "5%"). Each faithful bullet
has edits that make it unfaithful, one change each (the text `old` replaced by `new`):

- entity: a person, place or organisation swapped (often for one the article names elsewhere)
- number: a number changed
- negation: the statement negated or reversed
- attribution: the statement put in the mouth of someone else
- invented: a detail the article never gives, added

The articles and bullets are our own writing (no real events). `tests/test_faithfulness_corpus.py`
scores them; `bench/faithfulness_modelfree.py` compares versions of the metric on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

EDIT_TYPES = ("entity", "number", "negation", "attribution", "invented")

ARTICLES = {
    "bridge": (
        "The state transportation department on Monday approved a $48 million project to rebuild the "
        "Harlow River Bridge in Millbrook. "
        "Crews will replace the bridge's corroded steel deck and repaint its girders, work that is expected "
        "to take about 18 months. "
        "The bridge carries about 22,000 vehicles a day and is the main route between Millbrook and the "
        "interstate. "
        "Inspectors found last year that sections of the deck had lost nearly a third of their original "
        "thickness. "
        "Transportation Commissioner Dana Ruiz said the bridge was safe to use but that repairs could not "
        "wait any longer. "
        "One lane in each direction will stay open during construction, and a temporary footbridge will be "
        "built for pedestrians. "
        "Federal grants will cover 80 percent of the cost, with the state paying the rest. "
        "Local business owners have warned that months of traffic delays could drive customers away. "
        "Work is scheduled to begin in March."
    ),
    "budget": (
        "The Brookfield city council voted 7-2 on Tuesday to approve a $310 million budget for the coming "
        "year. "
        "The budget raises property taxes by 3.5 percent, the first increase since 2019. "
        "Most of the new money will go to the police and fire departments, which will hire 24 additional "
        "officers and firefighters. "
        "Mayor Linda Okafor said the increase was needed to keep response times from getting worse. "
        "Council member Greg Tanner, who voted against the plan, said residents were already struggling "
        "with higher prices. "
        "The budget also sets aside $4.2 million to repair roads in the city's eastern neighbourhoods. "
        "Library hours will be cut on Sundays to save about $300,000. "
        "A typical homeowner will pay about $120 more a year under the new tax rate. "
        "The budget takes effect on July 1."
    ),
    "earnings": (
        "Northwind Logistics said on Thursday that its quarterly profit fell 41 percent, to $62 million, as "
        "shipping volumes dropped. "
        "Revenue slipped to $1.9 billion from $2.2 billion a year earlier. "
        "The company will cut about 1,500 jobs, roughly 6 percent of its workforce, and close two "
        "distribution centres in Ohio. "
        "Chief executive Maria Santos said the cuts would save the company $150 million a year. "
        "She said demand from retailers had weakened sharply after the holiday season. "
        "Northwind shares fell 9 percent in afternoon trading in New York. "
        "Analysts at Harper Securities had expected a profit of $85 million. "
        "The company lowered its forecast for the full year and suspended its share buyback programme. "
        "Northwind, based in Columbus, employs about 25,000 people in 14 countries."
    ),
    "study": (
        "People who walk at least 7,000 steps a day have a lower risk of dying early than those who walk "
        "less, according to a study published on Wednesday in the journal Preventive Health. "
        "Researchers at the University of Leeds followed 48,000 adults for an average of 11 years. "
        "Those who reached 7,000 steps had a 31 percent lower risk of death during the study than those "
        "who took fewer than 4,000. "
        "Benefits levelled off above about 10,000 steps a day. "
        "The lead author, Dr. Helen Ward, said even small increases in daily walking made a measurable "
        "difference. "
        "The study was observational and cannot prove that walking itself caused the lower risk, the "
        "authors noted. "
        "Participants wore a step counter on their wrist for a week at the start of the study. "
        "The research was funded by the British Heart Foundation."
    ),
    "match": (
        "Riverside United beat Eastport City 3-1 on Saturday to move top of the league with four games "
        "left. "
        "Striker Tomas Keller scored twice in the first half, his 18th and 19th goals of the season. "
        "Eastport pulled one back through a penalty by Sam Osei after the break. "
        "Defender Luca Moreno sealed the win with a header in the 84th minute. "
        "A crowd of 41,000 watched the game at Riverside's Harbour Park stadium. "
        "Riverside manager Anna Berg said her side had shown real character after a difficult month. "
        "Eastport's coach, Paul Dunne, complained that the penalty should have come earlier. "
        "Riverside are now two points clear of Westbrook, who drew 0-0 with Hillside on Friday. "
        "Keller has scored in each of his last five league games."
    ),
    "wildfire": (
        "A wildfire in the hills north of Canyon Springs has burned more than 12,000 acres and destroyed "
        "35 homes, fire officials said on Sunday. "
        "About 4,000 residents were ordered to leave their homes as strong winds pushed the fire toward "
        "the town. "
        "The fire was 20 percent contained by Sunday evening, according to the county fire department. "
        "More than 600 firefighters and eight helicopters are fighting the blaze. "
        "Fire Chief Robert Lane said the crews expected the winds to ease on Monday. "
        "Two firefighters suffered minor injuries, and no residents have been hurt. "
        "The cause of the fire is under investigation. "
        "Governor Maria Chen declared a state of emergency for the county on Saturday night, freeing "
        "state money for the response. "
        "An evacuation centre has been set up at Canyon Springs High School."
    ),
    "strike": (
        "Teachers in the Lakeview school district went on strike on Monday, closing 28 schools and "
        "keeping about 19,000 students at home. "
        "The teachers' union is asking for a 9 percent pay rise over three years and smaller class sizes. "
        "The district has offered 5 percent over the same period, saying it cannot afford more without "
        "cutting programmes. "
        "Union president Karen Holt said teachers had not had a real pay increase in a decade. "
        "Superintendent James Patel said the district wanted the schools open again as soon as possible. "
        "It is the district's first strike since 2008, when teachers stayed out for eleven days. "
        "Free lunches will still be handed out at four community centres while schools are closed. "
        "Talks between the two sides are set to resume on Wednesday."
    ),
}


@dataclass(frozen=True)
class Case:
    article: str  # a key of ARTICLES
    bullet: str
    kind: str  # "faithful", or one of EDIT_TYPES
    how: str  # faithful: how it was written ("reworded", "joined", "numbers"); an edit: what changed
    original: int = -1  # an edit: the index in CASES of the faithful bullet it edits


# (article, how, faithful bullet, [(edit type, old, new), ...]): each edit replaces `old`, which
# occurs once in the bullet, with `new`.
_WRITTEN: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    # ---- bridge ----
    (
        "bridge",
        "joined",
        "The $48 million project will replace a corroded steel deck on a bridge carrying about 22,000 vehicles a day.",
        [
            ("number", "22,000", "32,000"),
            ("number", "$48 million", "$84 million"),
            ("negation", "will replace", "will not replace"),
            ("invented", "corroded steel deck", "corroded steel deck and widen it to six lanes"),
        ],
    ),
    (
        "bridge",
        "numbers",
        "The state approved 48 million dollars to rebuild the Harlow River Bridge in Millbrook.",
        [
            ("entity", "Millbrook", "Riverton"),
            ("number", "48 million", "48 billion"),
            ("negation", "The state approved", "The state rejected"),
            ("invented", "in Millbrook", "in Millbrook after a truck struck it"),
        ],
    ),
    (
        "bridge",
        "reworded",
        "Commissioner Dana Ruiz said the bridge is safe but the repairs cannot be delayed any further.",
        [
            ("attribution", "Commissioner Dana Ruiz said", "Local business owners said"),
            ("negation", "the bridge is safe", "the bridge is unsafe"),
            ("entity", "Dana Ruiz", "Dana Hughes"),
            ("invented", "any further", "any further because of a crack found in May"),
        ],
    ),
    (
        "bridge",
        "numbers",
        "Federal grants will pay for 80% of the cost, and the state will pay the remainder.",
        [
            ("number", "80%", "60%"),
            ("entity", "Federal grants", "City taxes"),
            ("negation", "Federal grants will pay", "Federal grants will not pay"),
            ("invented", "the remainder", "the remainder from a new fuel tax"),
        ],
    ),
    (
        "bridge",
        "joined",
        "Work begins in March and should take about a year and a half, with one lane open each way.",
        [
            ("entity", "in March", "in June"),
            ("negation", "with one lane open", "with no lanes open"),
            ("invented", "each way", "each way and tolls charged"),
        ],
    ),
    (
        "bridge",
        "reworded",
        "Inspectors found last year that parts of the deck had lost almost a third of their original thickness.",
        [
            ("number", "a third", "a half"),
            ("entity", "Inspectors", "Residents"),
            ("invented", "last year", "last year after a chunk of concrete fell onto a car"),
        ],
    ),
    (
        "bridge",
        "reworded",
        "Local business owners warn that months of traffic delays may drive away customers.",
        [
            ("attribution", "Local business owners warn", "Commissioner Dana Ruiz warned"),
            ("negation", "may drive away customers", "will not affect customers"),
            ("invented", "months of traffic delays", "months of traffic delays and a rise in parking fees"),
        ],
    ),
    (
        "bridge",
        "joined",
        "A temporary footbridge will be built for pedestrians while the Harlow River Bridge is rebuilt.",
        [
            ("entity", "Harlow River Bridge", "Millbrook Tunnel"),
            ("negation", "will be built", "will not be built"),
            ("invented", "for pedestrians", "for pedestrians and cyclists at a cost of $2 million"),
        ],
    ),
    # ---- budget ----
    (
        "budget",
        "numbers",
        "Brookfield's council approved a 310 million dollar budget by a vote of 7-2 on Tuesday.",
        [
            ("number", "310 million", "350 million"),
            ("entity", "Brookfield", "Greenfield"),
            ("negation", "approved", "rejected"),
            ("invented", "on Tuesday", "on Tuesday after a five-hour debate"),
        ],
    ),
    (
        "budget",
        "numbers",
        "Property taxes will rise 3.5% under the budget, the first increase since 2019.",
        [
            ("number", "3.5%", "5.5%"),
            ("number", "since 2019", "since 2015"),
            ("negation", "will rise", "will fall"),
            ("invented", "the first increase since 2019", "the first increase since 2019 and the largest in the state"),
        ],
    ),
    (
        "budget",
        "joined",
        "Mayor Linda Okafor said the tax increase is needed to stop response times from getting worse, "
        "and most of the new money will fund 24 more officers and firefighters.",
        [
            ("attribution", "Mayor Linda Okafor said", "Council member Greg Tanner said"),
            ("number", "24 more", "42 more"),
            ("entity", "Linda Okafor", "Linda Harper"),
            ("negation", "the tax increase is needed", "the tax increase is not needed"),
            ("invented", "officers and firefighters", "officers and firefighters and buy three fire engines"),
        ],
    ),
    (
        "budget",
        "reworded",
        "Council member Greg Tanner voted against the plan, saying residents already struggle with higher prices.",
        [
            ("attribution", "Council member Greg Tanner voted", "Mayor Linda Okafor voted"),
            ("negation", "voted against the plan", "voted for the plan"),
            ("invented", "higher prices", "higher prices and rising rents"),
        ],
    ),
    (
        "budget",
        "numbers",
        "The budget sets aside $4.2m for road repairs in eastern neighbourhoods.",
        [
            ("number", "$4.2m", "$2.4m"),
            ("entity", "eastern", "western"),
            ("invented", "road repairs", "road repairs and new bike lanes"),
        ],
    ),
    (
        "budget",
        "numbers",
        "Cutting Sunday library hours will save some 300,000 dollars.",
        [
            ("number", "300,000", "800,000"),
            ("entity", "Sunday", "Saturday"),
            ("negation", "will save", "will not save"),
        ],
    ),
    (
        "budget",
        "joined",
        "Under the new tax rate, a typical homeowner will pay around $120 more each year starting July 1.",
        [
            ("number", "$120", "$210"),
            ("entity", "July 1", "January 1"),
            ("negation", "will pay around $120 more", "will pay around $120 less"),
            ("invented", "a typical homeowner", "a typical homeowner with two children"),
        ],
    ),
    # ---- earnings ----
    (
        "earnings",
        "numbers",
        "Northwind Logistics' quarterly profit dropped 41% to 62 million dollars as shipping volumes fell.",
        [
            ("number", "41%", "14%"),
            ("number", "62 million", "26 million"),
            ("entity", "Northwind Logistics'", "Harper Securities'"),
            ("negation", "profit dropped", "profit rose"),
            ("invented", "as shipping volumes fell", "as shipping volumes fell and fuel prices rose"),
        ],
    ),
    (
        "earnings",
        "numbers",
        "Revenue fell to $1.9bn from $2.2bn a year before.",
        [
            ("number", "$1.9bn", "$1.2bn"),
            ("negation", "Revenue fell", "Revenue rose"),
            ("invented", "a year before", "a year before, its lowest level in a decade"),
        ],
    ),
    (
        "earnings",
        "joined",
        "The company will cut some 1,500 jobs, about six percent of its workforce, which chief executive "
        "Maria Santos said would save $150 million a year.",
        [
            ("number", "1,500", "2,500"),
            ("number", "six percent", "nine percent"),
            ("attribution", "chief executive Maria Santos said", "analysts at Harper Securities said"),
            ("entity", "Maria Santos", "Maria Lopez"),
            ("negation", "will cut", "will not cut"),
        ],
    ),
    (
        "earnings",
        "reworded",
        "Northwind will shut two distribution centres in Ohio.",
        [
            ("number", "two", "three"),
            ("entity", "in Ohio", "in Texas"),
            ("negation", "will shut", "will keep open"),
            ("invented", "in Ohio", "in Ohio by the end of June"),
        ],
    ),
    (
        "earnings",
        "reworded",
        "Maria Santos said retailers' demand weakened sharply after the holiday season.",
        [
            ("attribution", "Maria Santos said", "Analysts at Harper Securities said"),
            ("negation", "weakened sharply", "grew sharply"),
            ("entity", "retailers'", "airlines'"),
        ],
    ),
    (
        "earnings",
        "joined",
        "Northwind shares fell nine percent in New York after the profit came in below the $85m analysts had expected.",
        [
            ("number", "nine percent", "19 percent"),
            ("number", "$85m", "$58m"),
            ("attribution", "analysts had expected", "Maria Santos had promised"),
            ("entity", "in New York", "in London"),
            ("negation", "shares fell", "shares rose"),
        ],
    ),
    (
        "earnings",
        "reworded",
        "The company cut its full-year forecast and suspended its share buyback.",
        [
            ("negation", "cut its full-year forecast", "raised its full-year forecast"),
            ("invented", "suspended its share buyback", "suspended its share buyback and its dividend"),
        ],
    ),
    (
        "earnings",
        "numbers",
        "Columbus-based Northwind has roughly 25,000 employees in fourteen countries.",
        [
            ("number", "25,000", "52,000"),
            ("number", "fourteen", "forty"),
            ("entity", "Columbus-based", "Chicago-based"),
        ],
    ),
    # ---- study ----
    (
        "study",
        "numbers",
        "Adults who took 7,000 or more steps a day had a 31% lower risk of death than those taking under 4,000.",
        [
            ("number", "31%", "13%"),
            ("number", "7,000", "9,000"),
            ("negation", "lower risk", "higher risk"),
            ("invented", "risk of death", "risk of death and dementia"),
        ],
    ),
    (
        "study",
        "joined",
        "University of Leeds researchers followed 48,000 adults for 11 years on average, and the results "
        "were published on Wednesday in Preventive Health.",
        [
            ("entity", "University of Leeds", "University of York"),
            ("number", "48,000", "84,000"),
            ("number", "11 years", "21 years"),
            ("entity", "Preventive Health", "The Lancet"),
        ],
    ),
    (
        "study",
        "reworded",
        "The benefits stopped growing beyond about 10,000 steps a day.",
        [
            ("number", "10,000", "15,000"),
            ("negation", "stopped growing", "kept growing"),
        ],
    ),
    (
        "study",
        "reworded",
        "Dr. Helen Ward, the lead author, said even small increases in daily walking made a measurable difference.",
        [
            ("entity", "Helen Ward", "Helen Price"),
            ("attribution", "Dr. Helen Ward, the lead author, said", "The British Heart Foundation said"),
            ("negation", "made a measurable difference", "made no measurable difference"),
            ("invented", "daily walking", "daily walking or cycling"),
        ],
    ),
    (
        "study",
        "reworded",
        "Because the study was observational, it cannot prove walking caused the lower risk, the authors noted.",
        [
            ("negation", "it cannot prove", "it proves"),
            ("attribution", "the authors noted", "critics of the study noted"),
            ("invented", "the authors noted", "the authors noted, calling for a trial of 5,000 people"),
        ],
    ),
    (
        "study",
        "joined",
        "Participants wore a wrist step counter for a week, and the British Heart Foundation funded the research.",
        [
            ("entity", "British Heart Foundation", "Wellcome Trust"),
            ("number", "for a week", "for a month"),
            ("invented", "a wrist step counter", "a wrist step counter and a heart monitor"),
        ],
    ),
    # ---- match ----
    (
        "match",
        "joined",
        "Riverside United beat Eastport City 3-1 on Saturday, with Tomas Keller scoring twice in the first "
        "half to reach 19 goals this season.",
        [
            ("number", "3-1", "4-1"),
            ("entity", "Tomas Keller", "Luca Moreno"),
            ("number", "19 goals", "21 goals"),
            ("negation", "Riverside United beat Eastport City", "Riverside United lost to Eastport City"),
        ],
    ),
    (
        "match",
        "reworded",
        "The win puts Riverside top of the league with four games to play.",
        [
            ("number", "four games", "six games"),
            ("negation", "top of the league", "bottom of the league"),
            ("entity", "puts Riverside", "puts Westbrook"),
        ],
    ),
    (
        "match",
        "joined",
        "Sam Osei scored a penalty for Eastport after half-time before Luca Moreno headed in Riverside's "
        "third goal in the 84th minute.",
        [
            ("entity", "Sam Osei", "Paul Dunne"),
            ("number", "84th minute", "89th minute"),
            ("entity", "Luca Moreno", "Tomas Keller"),
            ("invented", "scored a penalty", "scored a penalty after a handball"),
        ],
    ),
    (
        "match",
        "reworded",
        "Some 41,000 fans were at Harbour Park for the game.",
        [
            ("number", "41,000", "14,000"),
            ("entity", "Harbour Park", "Westbrook Stadium"),
        ],
    ),
    (
        "match",
        "reworded",
        "Manager Anna Berg said Riverside showed real character after a tough month.",
        [
            ("attribution", "Manager Anna Berg said", "Eastport coach Paul Dunne said"),
            ("entity", "Anna Berg", "Anna Kraus"),
            ("invented", "after a tough month", "after a tough month of injuries"),
        ],
    ),
    (
        "match",
        "reworded",
        "Eastport coach Paul Dunne complained the penalty should have been given earlier.",
        [
            ("attribution", "Eastport coach Paul Dunne", "Riverside manager Anna Berg"),
            ("negation", "should have been given earlier", "should not have been given"),
        ],
    ),
    (
        "match",
        "joined",
        "Riverside lead Westbrook by two points after Westbrook's 0-0 draw with Hillside on Friday.",
        [
            ("number", "two points", "five points"),
            ("entity", "with Hillside", "with Eastport"),
            ("negation", "Riverside lead Westbrook", "Riverside trail Westbrook"),
        ],
    ),
    (
        "match",
        "numbers",
        "Keller has scored in each of his last 5 league games.",
        [
            ("number", "5 league", "8 league"),
            ("entity", "Keller", "Moreno"),
        ],
    ),
    # ---- wildfire ----
    (
        "wildfire",
        "numbers",
        "The wildfire north of Canyon Springs has burned over 12,000 acres and destroyed thirty-five homes.",
        [
            ("number", "12,000", "21,000"),
            ("number", "thirty-five", "fifty-five"),
            ("entity", "Canyon Springs", "Pine Valley"),
            ("invented", "destroyed thirty-five homes", "destroyed thirty-five homes and a school"),
        ],
    ),
    (
        "wildfire",
        "joined",
        "Around 4,000 people were told to evacuate as strong winds drove the fire toward town, and an "
        "evacuation centre opened at Canyon Springs High School.",
        [
            ("number", "4,000", "40,000"),
            ("entity", "Canyon Springs High School", "Canyon Springs Library"),
            ("invented", "strong winds", "strong winds of 60 mph"),
        ],
    ),
    (
        "wildfire",
        "numbers",
        "The county fire department said the blaze was 20% contained by Sunday evening.",
        [
            ("number", "20%", "70%"),
            ("entity", "Sunday evening", "Saturday evening"),
            ("attribution", "The county fire department said", "Governor Maria Chen said"),
        ],
    ),
    (
        "wildfire",
        "joined",
        "More than 600 firefighters and 8 helicopters are fighting the fire, and Chief Robert Lane expects "
        "the winds to ease on Monday.",
        [
            ("number", "600", "900"),
            ("number", "8 helicopters", "12 helicopters"),
            ("attribution", "Chief Robert Lane expects", "Governor Maria Chen expects"),
            ("negation", "expects the winds to ease", "expects the winds to strengthen"),
        ],
    ),
    (
        "wildfire",
        "reworded",
        "Two firefighters were slightly hurt, but no residents have been injured.",
        [
            ("number", "Two firefighters", "Five firefighters"),
            ("negation", "no residents have been injured", "several residents have been injured"),
            ("invented", "slightly hurt", "slightly hurt by a falling tree"),
        ],
    ),
    (
        "wildfire",
        "reworded",
        "Investigators have not yet determined what caused the fire.",
        [
            ("invented", "what caused the fire", "what caused the fire, though a power line is suspected"),
            ("negation", "have not yet determined", "have determined"),
        ],
    ),
    (
        "wildfire",
        "reworded",
        "Governor Maria Chen declared a county state of emergency on Saturday night, releasing state funds.",
        [
            ("entity", "Maria Chen", "Maria Santos"),
            ("entity", "Saturday night", "Monday night"),
            ("attribution", "Governor Maria Chen declared", "Fire Chief Robert Lane declared"),
        ],
    ),
    (
        "wildfire",
        "reworded",
        "Fire officials said on Sunday that 35 homes had been destroyed.",
        [
            ("attribution", "Fire officials said", "Governor Maria Chen said"),
            ("number", "35 homes", "53 homes"),
            ("negation", "had been destroyed", "had not been destroyed"),
        ],
    ),
    # ---- strike ----
    (
        "strike",
        "numbers",
        "A teachers' strike closed twenty-eight schools in Lakeview on Monday, keeping roughly 19,000 pupils home.",
        [
            ("number", "twenty-eight", "thirty-eight"),
            ("number", "19,000", "9,000"),
            ("entity", "Lakeview", "Lakeside"),
            ("invented", "on Monday", "on Monday for the second week"),
        ],
    ),
    (
        "strike",
        "joined",
        "The union wants a 9% raise over three years, while the district has offered 5%.",
        [
            ("number", "9%", "12%"),
            ("number", "offered 5%", "offered 3%"),
            ("number", "three years", "two years"),
            ("negation", "has offered 5%", "has not offered anything"),
        ],
    ),
    (
        "strike",
        "reworded",
        "Union president Karen Holt said teachers have gone a decade without a real pay increase.",
        [
            ("attribution", "Union president Karen Holt said", "Superintendent James Patel said"),
            ("entity", "Karen Holt", "Karen Mills"),
            ("number", "a decade", "two decades"),
        ],
    ),
    (
        "strike",
        "reworded",
        "Superintendent James Patel said the district wants schools reopened as soon as possible.",
        [
            ("attribution", "Superintendent James Patel said", "Union president Karen Holt said"),
            ("negation", "wants schools reopened", "does not want schools reopened"),
            ("invented", "as soon as possible", "as soon as possible, by hiring substitute teachers"),
        ],
    ),
    (
        "strike",
        "numbers",
        "This is the district's first strike since 2008, when teachers were out for 11 days.",
        [
            ("number", "since 2008", "since 1998"),
            ("number", "11 days", "17 days"),
            ("negation", "first strike since 2008", "second strike this year"),
        ],
    ),
    (
        "strike",
        "joined",
        "Talks resume on Wednesday, and free lunches are still being handed out at four community centres.",
        [
            ("entity", "on Wednesday", "on Friday"),
            ("number", "four community centres", "seven community centres"),
            ("negation", "are still being handed out", "are no longer being handed out"),
        ],
    ),
    (
        "strike",
        "reworded",
        "The district says it cannot afford more than 5 percent without cutting programmes.",
        [
            ("attribution", "The district says", "The union says"),
            ("negation", "cannot afford", "can afford"),
            ("invented", "cutting programmes", "cutting programmes and closing two schools"),
        ],
    ),
]


def _cases() -> list[Case]:
    cases: list[Case] = []
    for article, how, bullet, edits in _WRITTEN:
        if article not in ARTICLES:
            raise ValueError(f"faithfulness corpus: unknown article {article!r} for {bullet!r}")
        original = len(cases)
        cases.append(Case(article, bullet, "faithful", how))
        for kind, old, new in edits:
            if kind not in EDIT_TYPES or bullet.count(old) != 1:
                raise ValueError(f"faithfulness corpus: edit {kind!r} {old!r} must occur once in {bullet!r}")
            cases.append(Case(article, bullet.replace(old, new), kind, f"{old!r} -> {new!r}", original))
    return cases


CASES = _cases()


@dataclass(frozen=True)
class Shares:
    """What a metric makes of the corpus: the share of faithful bullets it supports, and per edit
    type the share it calls unsupported (`caught`) and the share it scores below the faithful
    bullet they edit (`ranked_lower`, what a lexical score can do even above its threshold)."""

    faithful: float
    faithful_by_how: dict[str, float]
    caught: dict[str, float]
    ranked_lower: dict[str, float]
    counts: dict[str, int]


def shares(score: Callable[[Sequence[Case]], list[float]], threshold: float) -> Shares:
    """`score` gives each case's bullet a support score against its article (one call, all cases)."""
    values = score(CASES)
    faithful = [i for i, c in enumerate(CASES) if c.kind == "faithful"]

    def supported(indices: list[int]) -> float:
        return sum(values[i] >= threshold for i in indices) / len(indices)

    by_how = {
        how: [i for i in faithful if CASES[i].how == how] for how in dict.fromkeys(CASES[i].how for i in faithful)
    }
    edits = {kind: [i for i, c in enumerate(CASES) if c.kind == kind] for kind in EDIT_TYPES}
    return Shares(
        faithful=supported(faithful),
        faithful_by_how={how: supported(indices) for how, indices in by_how.items()},
        caught={kind: 1 - supported(indices) for kind, indices in edits.items()},
        ranked_lower={
            kind: sum(values[i] < values[CASES[i].original] for i in indices) / len(indices)
            for kind, indices in edits.items()
        },
        counts={"faithful": len(faithful), **{kind: len(indices) for kind, indices in edits.items()}},
    )


def table(named: dict[str, Shares]) -> str:
    """A Markdown table: one row per measure, one column per named result."""
    first = next(iter(named.values()))
    lines = ["| measure | n | " + " | ".join(named) + " |", "|---|---|" + "---|" * len(named)]

    def row(label: str, n: int, values: list[float]) -> None:
        lines.append(f"| {label} | {n} | " + " | ".join(f"{v:.2f}" for v in values) + " |")

    row("faithful bullets supported", first.counts["faithful"], [s.faithful for s in named.values()])
    for how in first.faithful_by_how:
        n = sum(c.kind == "faithful" and c.how == how for c in CASES)
        row(f"  faithful, {how}", n, [s.faithful_by_how[how] for s in named.values()])
    for kind in EDIT_TYPES:
        row(f"{kind} edits caught (unsupported)", first.counts[kind], [s.caught[kind] for s in named.values()])
    for kind in EDIT_TYPES:
        row(
            f"{kind} edits scored below the original",
            first.counts[kind],
            [s.ranked_lower[kind] for s in named.values()],
        )
    return "\n".join(lines)
