"""A corpus of realistic model replies, each with the bullets a careful reader would list.

Written by hand from the shapes current summarizers produce: chat models (GPT, Llama, Qwen,
Mistral, Gemma, Claude-style markdown), instruction-tuned seq2seq models (Flan-T5), reasoning
models (<think> blocks) and classic summarizers (BART/Pegasus prose, one sentence per line,
Pegasus `<n>`). Cases marked `issue=True` are the failures listed in the issue that asked for
this corpus. Expectations left as None are not checked for that case.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # chat | seq2seq | reasoning | summarizer | edge
    raw: str
    bullets: tuple[str, ...]
    style: str | None = None
    preamble: str | None = None  # exact expected preamble ("" = none)
    outro: str | None = None
    headings: tuple[str, ...] | None = None
    sub_points: int | None = None  # how many sub-points were folded into bullets
    unfinished: bool | None = None
    issue: bool = False


CORPUS: list[Case] = []


def case(id: str, kind: str, raw: str, bullets: list[str], **expect) -> None:
    CORPUS.append(Case(id, kind, raw, tuple(bullets), **expect))


BUDGET = [
    "The council approved a $2.1 billion budget.",
    "Property taxes will rise 3 percent.",
    "A new library opens in May.",
]
STRIKE = ["The strike ended on Tuesday.", "Trains run again on Friday."]
FLOOD = [
    "Floods forced 2,000 people from their homes.",
    "Rescue teams worked overnight.",
    "Schools stay closed until Monday.",
]
VACCINE = [
    "The vaccine cut hospital stays by 40%.",
    "The trial enrolled 12,000 adults.",
    "Regulators will review the data in June.",
]

# --- the cases the issue lists ------------------------------------------------------------------
case(
    "unmarked lines before one marker line",
    "chat",
    "The council approved a $2.1 billion budget.\nProperty taxes will rise 3 percent.\n- A new library opens in May.",
    BUDGET,
    preamble="",
    issue=True,
)
case(
    "unmarked line between marked items",
    "chat",
    "- The council approved a $2.1 billion budget.\nProperty taxes will rise 3 percent.\n- A new library opens in May.",
    BUDGET,
    issue=True,
)
case(
    "In conclusion glued after the list",
    "chat",
    "- " + "\n- ".join(BUDGET) + "\nIn conclusion, the city's finances look stable for next year.",
    BUDGET,
    outro="In conclusion, the city's finances look stable for next year.",
    issue=True,
)
case(
    "Overall glued after a numbered list",
    "chat",
    "1. " + STRIKE[0] + "\n2. " + STRIKE[1] + "\nOverall, the dispute appears to be resolved.",
    STRIKE,
    outro="Overall, the dispute appears to be resolved.",
    style="numbered",
    issue=True,
)
case(
    "To summarize after stars",
    "chat",
    "* " + "\n* ".join(FLOOD) + "\nTo summarize, the town is recovering slowly.",
    FLOOD,
    outro="To summarize, the town is recovering slowly.",
    issue=True,
)
case("middle dot marker", "chat", "· " + "\n· ".join(STRIKE), STRIKE, style="bullet_char", issue=True)
case("bullet operator marker", "chat", "∙ " + "\n∙ ".join(STRIKE), STRIKE, style="bullet_char", issue=True)
case("hyphen bullet marker", "chat", "⁃ " + "\n⁃ ".join(STRIKE), STRIKE, style="dash", issue=True)
case("minus sign marker", "chat", "− " + "\n− ".join(STRIKE), STRIKE, style="dash", issue=True)
case("check mark emoji", "chat", "✅ " + "\n✅ ".join(FLOOD), FLOOD, style="emoji", issue=True)
case(
    "keycap digits",
    "chat",
    "1️⃣ " + FLOOD[0] + "\n2️⃣ " + FLOOD[1] + "\n3️⃣ " + FLOOD[2],
    FLOOD,
    style="numbered",
    issue=True,
)
case(
    "keycap digits without variation selector",
    "chat",
    "1\u20e3 " + STRIKE[0] + "\n2\u20e3 " + STRIKE[1],
    STRIKE,
    style="numbered",
    issue=True,
)
case(
    "letters with parenthesis",
    "seq2seq",
    "a) " + BUDGET[0] + "\nb) " + BUDGET[1] + "\nc) " + BUDGET[2],
    BUDGET,
    style="lettered",
    issue=True,
)
case(
    "number space dash",
    "chat",
    "1 - " + BUDGET[0] + "\n2 - " + BUDGET[1] + "\n3 - " + BUDGET[2],
    BUDGET,
    style="numbered",
    issue=True,
)
case("dash without space", "seq2seq", "-" + "\n-".join(BUDGET), BUDGET, style="dash", issue=True)
case(
    "three bullets with two sub-points",
    "chat",
    "- The council approved a $2.1 billion budget:\n  - Schools get $400 million.\n  - Roads get $150 million.\n"
    "- Property taxes will rise 3 percent.\n- A new library opens in May.",
    [
        "The council approved a $2.1 billion budget: Schools get $400 million. Roads get $150 million.",
        "Property taxes will rise 3 percent.",
        "A new library opens in May.",
    ],
    sub_points=2,
    style="dash",
    issue=True,
)
case(
    "plain title line without colon",
    "chat",
    "Summary\n- " + "\n- ".join(STRIKE),
    STRIKE,
    preamble="Summary",
    issue=True,
)
case(
    "bullet ending in colon without sub-items",
    "chat",
    "- The mayor listed three priorities:\n- Taxes will rise 3 percent.\n- A library opens in May.",
    ["The mayor listed three priorities:", "Taxes will rise 3 percent.", "A library opens in May."],
    issue=True,
)
case(
    "bold sentence before a plain one",
    "chat",
    "**The strike ended on Tuesday.** Trains run again on Friday.",
    STRIKE,
    style="paragraph",
    issue=True,
)
case("pegasus newline tokens", "summarizer", "<n>".join(FLOOD), FLOOD, style="lines", issue=True)
case(
    "reasoning block before the list",
    "reasoning",
    "<think>\nThe user wants three bullets. Key facts: budget, taxes, library.\n- budget first\n</think>\n\n- "
    + "\n- ".join(BUDGET),
    BUDGET,
    preamble="",
    issue=True,
)

# --- chat models: markdown lists ---------------------------------------------------------------
case("dash list, no chatter", "chat", "- " + "\n- ".join(BUDGET), BUDGET, style="dash", preamble="", outro="")
case(
    "llama star list with preamble",
    "chat",
    "Here are 3 bullet points summarizing the article:\n\n* " + "\n* ".join(BUDGET),
    BUDGET,
    style="star",
    preamble="Here are 3 bullet points summarizing the article:",
)
case(
    "sure + preamble + outro",
    "chat",
    "Sure! Here are 3 bullet points summarizing the article:\n\n- "
    + "\n- ".join(BUDGET)
    + "\n\nLet me know if you need anything else!",
    BUDGET,
    style="dash",
    preamble="Sure! Here are 3 bullet points summarizing the article:",
    outro="Let me know if you need anything else!",
)
case("bullet characters", "chat", "• " + "\n• ".join(FLOOD), FLOOD, style="bullet_char")
case("triangular bullets", "chat", "‣ " + "\n‣ ".join(STRIKE), STRIKE, style="bullet_char")
case("bullet glued to text", "chat", "•" + "\n•".join(STRIKE), STRIKE, style="bullet_char")
case("en-dash list", "chat", "– " + "\n– ".join(STRIKE), STRIKE, style="dash")
case("em-dash list", "chat", "— " + "\n— ".join(FLOOD), FLOOD, style="dash")
case("plus list", "chat", "+ " + "\n+ ".join(STRIKE), STRIKE, style="dash")
case("numbered with dots", "chat", "1. " + STRIKE[0] + "\n2. " + STRIKE[1], STRIKE, style="numbered")
case("numbered with parens", "chat", "1) " + STRIKE[0] + "\n2) " + STRIKE[1], STRIKE, style="numbered")
case("numbered in brackets", "chat", "(1) " + STRIKE[0] + "\n(2) " + STRIKE[1], STRIKE, style="numbered")
case("bold numbers", "chat", "**1.** " + STRIKE[0] + "\n**2.** " + STRIKE[1], STRIKE, style="numbered")
case(
    "numbered without space before a capital",
    "chat",
    "1." + BUDGET[0] + "\n2." + BUDGET[1] + "\n3." + BUDGET[2],
    BUDGET,
    style="numbered",
)
case(
    "numbers from ten up",
    "chat",
    "\n".join(f"{i}. Point {i} of the list." for i in range(9, 12)),
    ["Point 9 of the list.", "Point 10 of the list.", "Point 11 of the list."],
    style="numbered",
)
case(
    "gpt bold heading and bold labels",
    "chat",
    "**Summary:**\n\n- **Budget:** The council approved $2.1 billion.\n- **Taxes:** Property taxes rise 3%.",
    ["Budget: The council approved $2.1 billion.", "Taxes: Property taxes rise 3%."],
    preamble="**Summary:**",
    style="dash",
)
case("markdown heading", "chat", "## Key Points\n\n- " + "\n- ".join(STRIKE), STRIKE, preamble="## Key Points")
case(
    "markdown h3 title then numbered",
    "chat",
    "### Article Summary\n1. " + FLOOD[0] + "\n2. " + FLOOD[1] + "\n3. " + FLOOD[2],
    FLOOD,
    preamble="### Article Summary",
    style="numbered",
)
case(
    "plain title line before list after blank",
    "chat",
    "Summary\n\n- " + "\n- ".join(STRIKE),
    STRIKE,
    preamble="Summary",
)
case(
    "title Key Takeaways no colon",
    "chat",
    "Key Takeaways\n* " + "\n* ".join(VACCINE),
    VACCINE,
    preamble="Key Takeaways",
)
case(
    "bold phrase inside a star bullet",
    "chat",
    "* **The strike ended** on Tuesday.\n* Trains run again on *Friday*.",
    ["The strike ended on Tuesday.", "Trains run again on *Friday*."],
    style="star",
)
case("whole-bullet emphasis", "chat", "- *The strike ended on Tuesday.*\n- __Trains run again on Friday.__", STRIKE)
case(
    "wrapped bullet joined",
    "chat",
    "- The council approved a budget of $2.1 billion\n  after a six-hour debate.\n- Taxes will rise.",
    ["The council approved a budget of $2.1 billion after a six-hour debate.", "Taxes will rise."],
)
case(
    "last bullet wrapped",
    "chat",
    "- Trains run again on Friday.\n- The strike ended after\nthree weeks of talks.",
    ["Trains run again on Friday.", "The strike ended after three weeks of talks."],
)
case("blank lines between bullets", "chat", "- The strike ended on Tuesday.\n\n- Trains run again on Friday.\n", STRIKE)
case(
    "surrounding whitespace",
    "chat",
    "   \n\n  - The strike ended on Tuesday.  \n   - Trains run again on Friday.\n\n",
    STRIKE,
)
case("windows line endings", "chat", "- The strike ended on Tuesday.\r\n- Trains run again on Friday.\r\n", STRIKE)
case(
    "code fence around list", "chat", "```\n- The strike ended on Tuesday.\n- Trains run again on Friday.\n```", STRIKE
)
case("markdown code fence with language", "chat", "```markdown\n* " + "\n* ".join(FLOOD) + "\n```", FLOOD)
case(
    "nested list under a label",
    "chat",
    "- Budget:\n  - The council approved $2.1 billion.\n  - Taxes rise 3%.\n- A library opens in May.",
    ["Budget: The council approved $2.1 billion. Taxes rise 3%.", "A library opens in May."],
    sub_points=2,
)
case(
    "numbered items with dash sub-points at the same indent",
    "chat",
    "1. The council approved a $2.1 billion budget.\n- Schools get $400 million.\n2. Property taxes will rise 3 percent.\n"
    "3. A new library opens in May.",
    ["The council approved a $2.1 billion budget. Schools get $400 million.", BUDGET[1], BUDGET[2]],
    sub_points=1,
    style="numbered",
)
case(
    "numbered items with lettered sub-points",
    "chat",
    "1. Budget approved\n   a) $2.1 billion in total\n   b) schools get the most\n2. Taxes rise 3 percent.",
    ["Budget approved: $2.1 billion in total; schools get the most", "Taxes rise 3 percent."],
    sub_points=2,
)
case(
    "sub-points without stops joined readably",
    "chat",
    "- Budget\n  - $2.1 billion\n  - passed 7-2\n- Library opens in May",
    ["Budget: $2.1 billion; passed 7-2", "Library opens in May"],
    sub_points=2,
)
case(
    "tab-indented sub-points",
    "chat",
    "- Flooding:\n\t- 2,000 people left their homes.\n- Schools stay closed.",
    ["Flooding: 2,000 people left their homes.", "Schools stay closed."],
    sub_points=1,
)
case(
    "bold numbered titles with indented explanations",
    "chat",
    "1. **Budget approved**\n   The council approved a $2.1 billion budget.\n2. **Taxes**\n   Property taxes will rise 3 percent.",
    ["Budget approved: The council approved a $2.1 billion budget.", "Taxes: Property taxes will rise 3 percent."],
    style="numbered",
)
case(
    "bold number with text inside the bold",
    "chat",
    "**1. Budget:** The council approved $2.1 billion.\n**2. Taxes:** Property taxes rise 3%.",
    ["Budget: The council approved $2.1 billion.", "Taxes: Property taxes rise 3%."],
    style="numbered",
)
case(
    "markdown heading items with numbers",
    "chat",
    "### 1. The strike ended on Tuesday.\n### 2. Trains run again on Friday.",
    STRIKE,
    style="numbered",
)
case(
    "section headings between bullets",
    "chat",
    "**Economy**\n- Property taxes will rise 3 percent.\n\n**Culture**\n- A new library opens in May.",
    ["Property taxes will rise 3 percent.", "A new library opens in May."],
    preamble="**Economy**",
    headings=("**Culture**",),
)
case(
    "section labels with colons between bullets",
    "chat",
    "What happened:\n- The strike ended on Tuesday.\nWhat comes next:\n- Trains run again on Friday.",
    STRIKE,
    preamble="What happened:",
    headings=("What comes next:",),
)
case("horizontal rules around list", "chat", "---\n- " + "\n- ".join(STRIKE) + "\n---", STRIKE)
case("block quote list", "chat", "> - " + STRIKE[0] + "\n> - " + STRIKE[1], STRIKE)
case("html list", "chat", "<ul><li>" + STRIKE[0] + "</li><li>" + STRIKE[1] + "</li></ul>", STRIKE)
case("dash then check emoji", "chat", "- ✅ " + STRIKE[0] + "\n- ✅ " + STRIKE[1], STRIKE, style="dash")
case(
    "topic emoji markers",
    "chat",
    "📈 Property taxes will rise 3 percent.\n📚 A new library opens in May.",
    ["Property taxes will rise 3 percent.", "A new library opens in May."],
    style="emoji",
)
case("pointing emoji markers", "chat", "👉 " + "\n👉 ".join(STRIKE), STRIKE, style="emoji")
case("heavy check marks", "chat", "✔️ " + "\n✔️ ".join(VACCINE), VACCINE, style="emoji")
case("arrow markers", "chat", "→ " + "\n→ ".join(STRIKE), STRIKE, style="bullet_char")
case("Bullet 1 labels", "chat", "Bullet 1: " + STRIKE[0] + "\nBullet 2: " + STRIKE[1], STRIKE, style="numbered")
case(
    "Point 1 labels",
    "chat",
    "Point 1: " + FLOOD[0] + "\nPoint 2: " + FLOOD[1] + "\nPoint 3: " + FLOOD[2],
    FLOOD,
    style="numbered",
)
case(
    "gpt-4o-mini typical",
    "chat",
    "- The Federal Reserve kept interest rates unchanged at 5.25%.\n- Officials signaled two cuts later this year.\n"
    "- Markets rose after the announcement.",
    [
        "The Federal Reserve kept interest rates unchanged at 5.25%.",
        "Officials signaled two cuts later this year.",
        "Markets rose after the announcement.",
    ],
    preamble="",
    outro="",
)
case(
    "mistral here-is with trailing note",
    "chat",
    "Here is a 3-bullet summary of the article:\n\n1. "
    + VACCINE[0]
    + "\n2. "
    + VACCINE[1]
    + "\n3. "
    + VACCINE[2]
    + "\n\nNote: The article does not say when the vaccine will be available.",
    VACCINE,
    preamble="Here is a 3-bullet summary of the article:",
    outro="Note: The article does not say when the vaccine will be available.",
)
case(
    "gemma bold title and outro",
    "chat",
    "**Here's a summary of the article in 3 bullet points:**\n\n* " + "\n* ".join(FLOOD) + "\n\nI hope this helps!",
    FLOOD,
    preamble="**Here's a summary of the article in 3 bullet points:**",
    outro="I hope this helps!",
)
case("qwen small model repeating marker", "chat", "- - " + STRIKE[0] + "\n- - " + STRIKE[1], STRIKE)
case(
    "chatter right after the list",
    "chat",
    "- " + "\n- ".join(STRIKE) + "\nI hope this helps!",
    STRIKE,
    outro="I hope this helps!",
)
case(
    "closing remark after a blank line",
    "chat",
    "1. " + STRIKE[0] + "\n2. " + STRIKE[1] + "\n\nThese bullet points capture the main facts.",
    STRIKE,
    outro="These bullet points capture the main facts.",
)
case(
    "note after the list",
    "chat",
    "- " + "\n- ".join(STRIKE) + "\n\nNote: The article does not give a date.\nFeel free to ask!",
    STRIKE,
    outro="Note: The article does not give a date.\nFeel free to ask!",
)
case(
    "in summary closing after a blank line",
    "chat",
    "- " + "\n- ".join(VACCINE) + "\n\nIn summary, the vaccine looks promising.",
    VACCINE,
    outro="In summary, the vaccine looks promising.",
)
case(
    "bold overall closing",
    "chat",
    "* " + "\n* ".join(STRIKE) + "\n**Overall**, commuters can relax.",
    STRIKE,
    outro="**Overall**, commuters can relax.",
)
case(
    "would you like closing",
    "chat",
    "- " + "\n- ".join(FLOOD) + "\nWould you like a longer summary?",
    FLOOD,
    outro="Would you like a longer summary?",
)
case(
    "unmarked point after the list",
    "chat",
    "- " + STRIKE[0] + "\n- " + STRIKE[1] + "\nUnion leaders claimed victory.",
    STRIKE + ["Union leaders claimed victory."],
)
case(
    "article meta sentence before list",
    "chat",
    "The article discusses the end of the rail strike.\n- " + "\n- ".join(STRIKE),
    STRIKE,
    preamble="The article discusses the end of the rail strike.",
)
case(
    "opener sentence and colon line before list",
    "chat",
    "Okay.\nHere are the main points:\n- " + "\n- ".join(STRIKE),
    STRIKE,
    preamble="Okay.\nHere are the main points:",
)
case(
    "below are line",
    "chat",
    "Below are the key facts from the article.\n\n- " + "\n- ".join(STRIKE),
    STRIKE,
    preamble="Below are the key facts from the article.",
)
case(
    "five bullets asked",
    "chat",
    "- The storm made landfall on Sunday.\n- Winds reached 120 mph.\n- 300,000 homes lost power.\n"
    "- Two people died.\n- Repairs could take weeks.",
    [
        "The storm made landfall on Sunday.",
        "Winds reached 120 mph.",
        "300,000 homes lost power.",
        "Two people died.",
        "Repairs could take weeks.",
    ],
)
case(
    "bullets with quotes",
    "chat",
    '- The mayor called the budget "responsible."\n- Critics said it "ignores renters."',
    ['The mayor called the budget "responsible."', 'Critics said it "ignores renters."'],
)
case(
    "bullets starting with numbers",
    "chat",
    "- 2,000 people fled.\n- 12 schools closed.",
    ["2,000 people fled.", "12 schools closed."],
)
case(
    "bullet starting with a year is not a marker",
    "chat",
    "- 2024 was the hottest year.\n- 1998 is now sixth.",
    ["2024 was the hottest year.", "1998 is now sixth."],
)
case("trailing spaces and markdown line breaks", "chat", "- " + STRIKE[0] + "  \n- " + STRIKE[1] + "  ", STRIKE)
case(
    "claude style with intro sentence and list",
    "chat",
    "Here's a concise summary:\n\n- **Vaccine results**: " + VACCINE[0] + "\n- **Trial size**: " + VACCINE[1],
    ["Vaccine results: " + VACCINE[0], "Trial size: " + VACCINE[1]],
    preamble="Here's a concise summary:",
)
case(
    "numbered list with bold labels and outro",
    "chat",
    "1. **Who**: Rail workers.\n2. **What**: A strike ended.\n3. **When**: Tuesday.\n\nLet me know if you want more detail.",
    ["Who: Rail workers.", "What: A strike ended.", "When: Tuesday."],
    outro="Let me know if you want more detail.",
)
case(
    "list with mixed dash and star",
    "chat",
    "- " + FLOOD[0] + "\n* " + FLOOD[1] + "\n- " + FLOOD[2],
    FLOOD,
    style="dash",
)
case("unicode bullets with spaces before", "chat", "  ●  " + STRIKE[0] + "\n  ●  " + STRIKE[1], STRIKE)
case("squares as markers", "chat", "▪ " + "\n▪ ".join(FLOOD), FLOOD, style="bullet_char")
case("lettered with dots", "chat", "a. " + STRIKE[0] + "\nb. " + STRIKE[1], STRIKE, style="lettered")
case("capital letters with parenthesis", "chat", "A) " + STRIKE[0] + "\nB) " + STRIKE[1], STRIKE, style="lettered")
case("roman numerals", "chat", "i. " + FLOOD[0] + "\nii. " + FLOOD[1] + "\niii. " + FLOOD[2], FLOOD, style="lettered")
case("numbered with dash spaced en dash", "chat", "1 – " + STRIKE[0] + "\n2 – " + STRIKE[1], STRIKE, style="numbered")
case("empty bullet dropped", "chat", "- " + STRIKE[0] + "\n- \n- " + STRIKE[1], STRIKE)
case(
    "list then unrelated second paragraph of prose",
    "chat",
    "- " + "\n- ".join(STRIKE) + "\n\nThe union had demanded a 6% raise. Management offered 4%.",
    STRIKE,
    outro="The union had demanded a 6% raise. Management offered 4%.",
)
case(
    "bold title line then numbered",
    "chat",
    "**Key Points**\n1. " + STRIKE[0] + "\n2. " + STRIKE[1],
    STRIKE,
    preamble="**Key Points**",
)
case("TL;DR heading then list", "chat", "TL;DR\n- " + "\n- ".join(STRIKE), STRIKE, preamble="TL;DR")
case(
    "summary line with colon and bullets glued", "chat", "Summary:\n- " + "\n- ".join(FLOOD), FLOOD, preamble="Summary:"
)
case(
    "truncated list by token limit",
    "chat",
    "- The council approved a $2.1 billion budget.\n- Property taxes will rise 3 percent for",
    ["The council approved a $2.1 billion budget.", "Property taxes will rise 3 percent for"],
    unfinished=True,
)
case(
    "truncated list ending with comma",
    "chat",
    "- The strike ended on Tuesday.\n- Trains, buses,",
    ["The strike ended on Tuesday.", "Trains, buses,"],
    unfinished=True,
)
case(
    "finished list without stops is not cut off",
    "chat",
    "- Strike ends Tuesday\n- Trains run Friday",
    ["Strike ends Tuesday", "Trains run Friday"],
    unfinished=False,
)
case("llama eot token", "chat", "- " + "\n- ".join(STRIKE) + "<|eot_id|>", STRIKE)
case("chatml end token", "chat", "* " + "\n* ".join(STRIKE) + "<|im_end|>", STRIKE)
case("indented whole list", "chat", "    - " + STRIKE[0] + "\n    - " + STRIKE[1], STRIKE)
case(
    "star list with wrapped lowercase continuation",
    "chat",
    "* Floods forced 2,000 people\nfrom their homes.\n* Rescue teams worked overnight.",
    ["Floods forced 2,000 people from their homes.", "Rescue teams worked overnight."],
)
case(
    "three levels deep",
    "chat",
    "- Budget:\n  - Spending:\n    - Schools get $400 million.\n- Taxes rise 3 percent.",
    ["Budget: Spending: Schools get $400 million.", "Taxes rise 3 percent."],
    sub_points=2,
)
case(
    "deeper sub-points with a wrapped line",
    "chat",
    "- The council approved a budget.\n  - Schools get $400 million\n    over two years.\n- Taxes rise.",
    ["The council approved a budget. Schools get $400 million over two years.", "Taxes rise."],
    sub_points=1,
)

# --- instruction-tuned seq2seq (Flan-T5, T0, BART-instruct) ------------------------------------
case(
    "flan-t5 one line",
    "seq2seq",
    "The strike ended on Tuesday and trains run again on Friday.",
    ["The strike ended on Tuesday and trains run again on Friday."],
    style="paragraph",
)
case(
    "flan-t5 dashes inline",
    "seq2seq",
    "- The strike ended on Tuesday. - Trains run again on Friday.",
    STRIKE,
    style="dash",
)
case(
    "numbered items on one line",
    "seq2seq",
    "1. " + BUDGET[0] + " 2. " + BUDGET[1] + " 3. " + BUDGET[2],
    BUDGET,
    style="numbered",
)
case(
    "numbered items on one line after a number",
    "chat",
    "1. Sales rose 5. 2. Costs fell 3. 3. Profit doubled.",
    ["Sales rose 5.", "Costs fell 3.", "Profit doubled."],
    style="numbered",
)
case(
    "bullets on one line", "seq2seq", "• " + FLOOD[0] + " • " + FLOOD[1] + " • " + FLOOD[2], FLOOD, style="bullet_char"
)
case(
    "numbers out of sequence stay inside the item",
    "chat",
    "1. The vote was 7 to 2. 5. The rest abstained.",
    ["The vote was 7 to 2. 5. The rest abstained."],
    style="numbered",
)
case("dash and Bullet label", "chat", "- Bullet 1: " + STRIKE[0] + "\n- Bullet 2: " + STRIKE[1], STRIKE, style="dash")
case("dash then number", "chat", "- 1. " + STRIKE[0] + "\n- 2. " + STRIKE[1], STRIKE, style="dash")
case(
    "gpt-4o curly apostrophe intro with bold labels",
    "chat",
    "Here’s a summary of the article in three bullet points:\n\n- **Bridge closure**: The bridge closes for 14 months.\n"
    "- **Cost**: The work costs $48 million.\n- **Traffic**: Drivers take the ring road.",
    [
        "Bridge closure: The bridge closes for 14 months.",
        "Cost: The work costs $48 million.",
        "Traffic: Drivers take the ring road.",
    ],
    preamble="Here’s a summary of the article in three bullet points:",
)
case(
    "gemma key takeaway after the list",
    "chat",
    "**Summary:**\n\n* " + "\n* ".join(STRIKE) + "\n\n**Key takeaway:** Commuters can plan again.",
    STRIKE,
    preamble="**Summary:**",
    outro="**Key takeaway:** Commuters can plan again.",
)
case("flan-t5 paragraph of sentences", "seq2seq", " ".join(BUDGET), BUDGET, style="paragraph")
case(
    "flan-t5 lowercase fragment",
    "seq2seq",
    "strike ends, trains run friday",
    ["strike ends, trains run friday"],
    style="paragraph",
)
case(
    "t5 lowercased tokenized paragraph",
    "seq2seq",
    "the city council approved a $ 2.1 billion budget . property taxes will rise 3 percent .",
    ["the city council approved a $ 2.1 billion budget .", "property taxes will rise 3 percent ."],
    style="paragraph",
)
case("seq2seq pad and eos tokens", "seq2seq", "<pad> " + " ".join(STRIKE) + "</s>", STRIKE, style="paragraph")
case(
    "seq2seq numbered on one line each",
    "seq2seq",
    "1. " + BUDGET[0] + "\n2. " + BUDGET[1] + "\n3. " + BUDGET[2],
    BUDGET,
    style="numbered",
)
case(
    "seq2seq lines without stops",
    "seq2seq",
    "Council approves budget\nTaxes rise 3 percent\nLibrary opens in May",
    ["Council approves budget", "Taxes rise 3 percent", "Library opens in May"],
    style="lines",
    preamble="",
)
case(
    "inline Summary: prefix", "seq2seq", "Summary: " + " ".join(STRIKE), STRIKE, style="paragraph", preamble="Summary:"
)
case(
    "TL;DR prefix",
    "seq2seq",
    "TL;DR: The strike ended and trains run again on Friday.",
    ["The strike ended and trains run again on Friday."],
    style="paragraph",
    preamble="TL;DR:",
)
case(
    "seq2seq repeated sentence kept",
    "seq2seq",
    "The strike ended. The strike ended. Trains run Friday.",
    ["The strike ended.", "The strike ended.", "Trains run Friday."],
)
case(
    "seq2seq abbreviations",
    "seq2seq",
    "Dr. Ruth Chen of St. Mary's Hospital led the study. It found a 12.5% drop in infections.",
    ["Dr. Ruth Chen of St. Mary's Hospital led the study.", "It found a 12.5% drop in infections."],
    style="paragraph",
)
case(
    "seq2seq unfinished sentence",
    "seq2seq",
    "The strike ended on Tuesday. Trains will run again on",
    ["The strike ended on Tuesday.", "Trains will run again on"],
    unfinished=True,
)

# --- reasoning models --------------------------------------------------------------------------
case(
    "qwen think block, list inside reasoning ignored",
    "reasoning",
    "<think>\nThe user wants bullets. Maybe:\n- mention taxes\n</think>\n\n- " + "\n- ".join(BUDGET),
    BUDGET,
)
case(
    "think opened in the prompt, only the closing tag in the output",
    "reasoning",
    "Okay, let me find the key facts.\n</think>\n\n- " + "\n- ".join(STRIKE),
    STRIKE,
)
case(
    "deepseek r1 long reasoning then numbered",
    "reasoning",
    "<think>\nOkay, so I need to summarize this article about floods. First, 2,000 people left. Then rescue teams.\n"
    "Let me check the schools part. Yes, closed until Monday.\n</think>\n\n1. "
    + FLOOD[0]
    + "\n2. "
    + FLOOD[1]
    + "\n3. "
    + FLOOD[2],
    FLOOD,
    style="numbered",
)
case("thinking tag variant", "reasoning", "<thinking>Find facts.</thinking>\n* " + "\n* ".join(STRIKE), STRIKE)
case(
    "reasoning tag variant",
    "reasoning",
    "<reasoning>\nTwo facts matter.\n</reasoning>\n" + "\n".join(STRIKE),
    STRIKE,
    style="lines",
)
case("reasoning then prose answer", "reasoning", "<think>short</think>" + " ".join(VACCINE), VACCINE, style="paragraph")
case(
    "unclosed think: cut off while reasoning",
    "reasoning",
    "<think>\nThe article says the strike ended. I should",
    [],
    style="empty",
)
case("only reasoning", "reasoning", "<think>I am not sure what the article says.</think>", [], style="empty")
case(
    "reasoning then preamble then list",
    "reasoning",
    "<think>\nplan\n</think>\nHere is the summary:\n- " + "\n- ".join(VACCINE) + "\n\nHope this helps!",
    VACCINE,
    preamble="Here is the summary:",
    outro="Hope this helps!",
)
case("uppercase THINK tags", "reasoning", "<THINK>x</THINK>- " + STRIKE[0] + "\n- " + STRIKE[1], STRIKE)
case(
    "reasoning then bold title and list",
    "reasoning",
    "<think>ok</think>\n\n**Summary**\n\n- " + "\n- ".join(FLOOD),
    FLOOD,
    preamble="**Summary**",
)
case(
    "reasoning model final line chatter",
    "reasoning",
    "<think>...</think>\n1. " + STRIKE[0] + "\n2. " + STRIKE[1] + "\nLet me know if you need more.",
    STRIKE,
    outro="Let me know if you need more.",
)

# --- classic summarizers -----------------------------------------------------------------------
case(
    "bart paragraph",
    "summarizer",
    " The city council approved a $2.1 billion budget on Monday. Property taxes will rise 3 percent. "
    'Mayor Jane Ortiz called it "a responsible plan."',
    [
        "The city council approved a $2.1 billion budget on Monday.",
        "Property taxes will rise 3 percent.",
        'Mayor Jane Ortiz called it "a responsible plan."',
    ],
    style="paragraph",
)
case("bart special tokens", "summarizer", "<s> " + " ".join(STRIKE) + "</s>", STRIKE, style="paragraph")
case("pegasus <n> with spaces", "summarizer", STRIKE[0] + " <n> " + STRIKE[1], STRIKE, style="lines")
case(
    "pegasus <n> tokenized",
    "summarizer",
    "Gary Locke will be confirmed as Kilmarnock boss on Friday .<n>The club went unbeaten in his first six games .",
    ["Gary Locke will be confirmed as Kilmarnock boss on Friday .", "The club went unbeaten in his first six games ."],
    style="lines",
)
case(
    "truncated output ending in a dangling label",
    "summarizer",
    "A father and daughter pose in front of Japanese landmarks . Related :",
    ["A father and daughter pose in front of Japanese landmarks ."],
    style="paragraph",
    outro="Related :",
)
case(
    "lead baseline lines",
    "summarizer",
    "Mr. Smith arrived in Washington on Monday.\nHe met Dr. Jones at 3 p.m.\nThe talks lasted two hours.",
    ["Mr. Smith arrived in Washington on Monday.", "He met Dr. Jones at 3 p.m.", "The talks lasted two hours."],
    style="lines",
)
case(
    "tokenized CNN/DM lines",
    "summarizer",
    "Gary Locke will be confirmed as Kilmarnock boss on Friday .\n"
    "The club went unbeaten during Locke 's first six games in charge .",
    [
        "Gary Locke will be confirmed as Kilmarnock boss on Friday .",
        "The club went unbeaten during Locke 's first six games in charge .",
    ],
    style="lines",
)
case(
    "PTB brackets are not dash markers",
    "summarizer",
    "-lrb- CNN -rrb- The strike ended .\n-lrb- AP -rrb- Trains run again .",
    ["-lrb- CNN -rrb- The strike ended .", "-lrb- AP -rrb- Trains run again ."],
    style="lines",
)
case(
    "uppercase PTB brackets are not dash markers",
    "summarizer",
    "-LRB- CNN -RRB- The strike ended .\n-LRB- AP -RRB- Trains run again .",
    ["-LRB- CNN -RRB- The strike ended .", "-LRB- AP -RRB- Trains run again ."],
    style="lines",
)
case(
    "negative number is not a marker",
    "summarizer",
    "-5 degrees is the forecast low.\nSnow is expected.",
    ["-5 degrees is the forecast low.", "Snow is expected."],
    style="lines",
)
case(
    "summeval style tokenized paragraph",
    "summarizer",
    "paul merson has restarted his row with andros townsend . the tottenham midfielder was brought on with only seven "
    "minutes remaining . townsend scored in england 's draw with italy .",
    [
        "paul merson has restarted his row with andros townsend .",
        "the tottenham midfielder was brought on with only seven minutes remaining .",
        "townsend scored in england 's draw with italy .",
    ],
    style="paragraph",
)
case(
    "ptb quotes in paragraph",
    "summarizer",
    "He said `` we will win . '' The crowd cheered .",
    ["He said `` we will win . ''", "The crowd cheered ."],
    style="paragraph",
)
case(
    "prose paragraphs are split into sentences",
    "summarizer",
    "The strike ended on Tuesday. Workers won a raise.\n\nTrains run again on Friday. Commuters cheered.",
    ["The strike ended on Tuesday.", "Workers won a raise.", "Trains run again on Friday.", "Commuters cheered."],
    style="paragraph",
)
case("one-sentence paragraphs are lines", "summarizer", STRIKE[0] + "\n\n" + STRIKE[1], STRIKE, style="lines")
case("one sentence per line summary", "summarizer", "\n".join(VACCINE), VACCINE, style="lines")
case(
    "extractive oracle lines with numbers",
    "summarizer",
    "The toll rose to 2,014 on Monday.\n15 more people were found.\nOfficials expect more.",
    ["The toll rose to 2,014 on Monday.", "15 more people were found.", "Officials expect more."],
    style="lines",
)
case(
    "xsum one sentence",
    "summarizer",
    "A rail strike that halted trains for three weeks has ended, the union says.",
    ["A rail strike that halted trains for three weeks has ended, the union says."],
    style="paragraph",
)
case(
    "pointer-generator repeated phrase",
    "summarizer",
    "the strike ended on tuesday . the strike ended on tuesday . trains run again .",
    ["the strike ended on tuesday .", "the strike ended on tuesday .", "trains run again ."],
    style="paragraph",
)
case(
    "sentence starting with a quote",
    "summarizer",
    '"We are back," the union said. Trains run Friday.',
    ['"We are back," the union said.', "Trains run Friday."],
    style="paragraph",
)
case(
    "hard-wrapped paragraph",
    "summarizer",
    "The council voted to\nraise taxes on Monday. The mayor agreed.",
    ["The council voted to raise taxes on Monday.", "The mayor agreed."],
    style="paragraph",
)
case(
    "prose closing sentence is content",
    "summarizer",
    "The council approved the budget. Overall, spending rises 4 percent.",
    ["The council approved the budget.", "Overall, spending rises 4 percent."],
    style="paragraph",
    outro="",
)

# --- chatter without list markers --------------------------------------------------------------
case(
    "here-is sentence before paragraph",
    "chat",
    "Here is a summary of the article. " + " ".join(STRIKE),
    STRIKE,
    style="paragraph",
    preamble="Here is a summary of the article.",
)
case(
    "sure line then paragraph",
    "chat",
    "Sure! Here's a short summary.\n\n" + " ".join(STRIKE),
    STRIKE,
    style="paragraph",
    preamble="Sure! Here's a short summary.",
)
case(
    "bold title then lines", "chat", "**Summary**\n" + "\n".join(STRIKE), STRIKE, style="lines", preamble="**Summary**"
)
case("plain title then lines", "chat", "Summary\n" + "\n".join(FLOOD), FLOOD, style="lines", preamble="Summary")
case(
    "short headline title then prose",
    "chat",
    "Rail strike ends\n\n" + " ".join(STRIKE),
    STRIKE,
    preamble="Rail strike ends",
)
case(
    "colon preamble then lines",
    "chat",
    "Here are the key points:\n" + "\n".join(STRIKE) + "\nUnions claimed victory.",
    STRIKE + ["Unions claimed victory."],
    style="lines",
    preamble="Here are the key points:",
)
case(
    "chatter after lines",
    "chat",
    "\n".join(STRIKE) + "\nLet me know if you'd like more detail.",
    STRIKE,
    outro="Let me know if you'd like more detail.",
)
case(
    "chatter ending a paragraph",
    "chat",
    "Summary: " + " ".join(STRIKE) + " I hope this helps!",
    STRIKE,
    outro="I hope this helps!",
)
case(
    "in conclusion line after lines",
    "chat",
    "\n".join(FLOOD) + "\nIn conclusion, the town is recovering.",
    FLOOD,
    outro="In conclusion, the town is recovering.",
)
case(
    "bold sentences in a paragraph",
    "chat",
    "**" + VACCINE[0] + "** **" + VACCINE[1] + "** " + VACCINE[2],
    VACCINE,
    style="paragraph",
)
case(
    "bold lead-in within a line",
    "chat",
    "**Budget:** The council approved $2.1 billion.\n**Taxes:** They rise 3%.",
    ["Budget: The council approved $2.1 billion.", "Taxes: They rise 3%."],
    style="lines",
)
case(
    "meta sentence then prose",
    "chat",
    "This article discusses a rail strike. " + " ".join(STRIKE),
    STRIKE,
    preamble="This article discusses a rail strike.",
)
case(
    "here are lines without colon",
    "chat",
    "Here are the bullet points\n" + "\n".join(STRIKE),
    STRIKE,
    preamble="Here are the bullet points",
)

# --- nothing usable and edge cases ----------------------------------------------------------------
case("empty", "edge", "", [], style="empty", preamble="")
case("whitespace only", "edge", "  \n\t \n", [], style="empty")
case("only a preamble", "edge", "Here is a summary:", [], style="empty", preamble="Here is a summary:")
case("only markers", "edge", "-\n*\n•", [], style="empty")
case("only special tokens", "edge", "<s></s><pad>", [], style="empty")
case("a single bullet", "edge", "- The strike ended on Tuesday.", ["The strike ended on Tuesday."], style="dash")
case("a single word", "edge", "Strike", ["Strike"], style="paragraph")
case(
    "non-English bullets",
    "edge",
    "- Der Streik endete am Dienstag.\n- Die Züge fahren ab Freitag.",
    ["Der Streik endete am Dienstag.", "Die Züge fahren ab Freitag."],
    style="dash",
)
case("CJK bullets", "edge", "・罢工于周二结束。\n・火车周五恢复运行。", ["罢工于周二结束。", "火车周五恢复运行。"])
case("very long single bullet", "edge", "- " + "word " * 300, ["word " * 299 + "word"], style="dash")
case(
    "hashtag line is not a heading",
    "edge",
    "#RailStrike ends\nTrains run Friday.",
    ["#RailStrike ends", "Trains run Friday."],
    style="lines",
)
case(
    "dash inside text is not a marker",
    "edge",
    "The vote was 7-2.\nThe plan - approved Monday - starts in May.",
    ["The vote was 7-2.", "The plan - approved Monday - starts in May."],
    style="lines",
)
case(
    "asterisk footnote is not a list",
    "edge",
    "Taxes rise 3%*.\nThe library opens in May.",
    ["Taxes rise 3%*.", "The library opens in May."],
    style="lines",
)
case(
    "numbered list with period inside numbers",
    "edge",
    "1. Shares fell 1.5%.\n2. Bonds rose 0.2%.",
    ["Shares fell 1.5%.", "Bonds rose 0.2%."],
    style="numbered",
)
case(
    "decimal number line is not a marker",
    "edge",
    "1.5 million people fled.\nAid arrived Monday.",
    ["1.5 million people fled.", "Aid arrived Monday."],
    style="lines",
)
case(
    "line starting with a letter word is not lettered",
    "edge",
    "a lot of rain fell.\nRivers rose.",
    ["a lot of rain fell.", "Rivers rose."],
    style="lines",
)

# --- the same facts in ten more chat shapes (each a distinct reader expectation) -------------------
_TEN = [
    "Apple reported record revenue of $120 billion.",
    "iPhone sales rose 8 percent.",
    "Shares climbed 3 percent after hours.",
]
case("ten: plain dashes", "chat", "- " + "\n- ".join(_TEN), _TEN)
case(
    "ten: numbered with intro",
    "chat",
    "Here's what happened:\n1. " + _TEN[0] + "\n2. " + _TEN[1] + "\n3. " + _TEN[2],
    _TEN,
    preamble="Here's what happened:",
)
case(
    "ten: bullets with outro",
    "chat",
    "• " + "\n• ".join(_TEN) + "\n\nOverall, a strong quarter.",
    _TEN,
    outro="Overall, a strong quarter.",
)
case("ten: emoji", "chat", "✅ " + "\n✅ ".join(_TEN), _TEN, style="emoji")
case("ten: keycaps", "chat", "1️⃣ " + _TEN[0] + "\n2️⃣ " + _TEN[1] + "\n3️⃣ " + _TEN[2], _TEN, style="numbered")
case(
    "ten: bold labels",
    "chat",
    "- **Revenue:** " + _TEN[0] + "\n- **iPhone:** " + _TEN[1] + "\n- **Stock:** " + _TEN[2],
    ["Revenue: " + _TEN[0], "iPhone: " + _TEN[1], "Stock: " + _TEN[2]],
)
case(
    "ten: heading and nested",
    "chat",
    "## Apple earnings\n- " + _TEN[0] + "\n  - Services grew fastest.\n- " + _TEN[1] + "\n- " + _TEN[2],
    [_TEN[0] + " Services grew fastest.", _TEN[1], _TEN[2]],
    preamble="## Apple earnings",
    sub_points=1,
)
case("ten: prose", "summarizer", " ".join(_TEN), _TEN, style="paragraph")
case("ten: pegasus", "summarizer", "<n>".join(_TEN), _TEN, style="lines")
case(
    "ten: reasoning",
    "reasoning",
    "<think>Revenue, iPhone, shares.</think>\n\n* " + "\n* ".join(_TEN),
    _TEN,
    style="star",
)
case("ten: mixed start", "chat", _TEN[0] + "\n- " + _TEN[1] + "\n- " + _TEN[2], _TEN)
case("ten: lettered", "chat", "a) " + _TEN[0] + "\nb) " + _TEN[1] + "\nc) " + _TEN[2], _TEN, style="lettered")
case("ten: dash no space", "chat", "-" + "\n-".join(_TEN), _TEN, style="dash")
case(
    "ten: closing glued",
    "chat",
    "- " + "\n- ".join(_TEN) + "\nIn short, Apple beat expectations.",
    _TEN,
    outro="In short, Apple beat expectations.",
)
case("ten: title no colon", "chat", "Apple Q3 Summary\n\n- " + "\n- ".join(_TEN), _TEN, preamble="Apple Q3 Summary")
case(
    "sentence opening with Following is content",
    "summarizer",
    "Following his charity work , didier drogba has been given an award . He scored on wednesday .",
    ["Following his charity work , didier drogba has been given an award .", "He scored on wednesday ."],
    style="paragraph",
    preamble="",
)
case(
    "the following are line",
    "chat",
    "The following are the key facts.\n- " + "\n- ".join(STRIKE),
    STRIKE,
    preamble="The following are the key facts.",
)
case(
    "markdown headings over paragraphs",
    "chat",
    "### Bridge closure\nThe bridge closes for 14 months.\n### Cost\nThe work costs $48 million.",
    ["The bridge closes for 14 months.", "The work costs $48 million."],
    style="lines",
    preamble="### Bridge closure",
    headings=("### Cost",),
)
case(
    "bold titles over lines",
    "chat",
    "**Budget**\nThe council approved $2.1 billion.\n**Taxes**\nThey rise 3%.",
    ["The council approved $2.1 billion.", "They rise 3%."],
    preamble="**Budget**",
    headings=("**Taxes**",),
)
case(
    "whole bold sentences as lines",
    "chat",
    "**" + STRIKE[0] + "**\n**" + STRIKE[1] + "**",
    STRIKE,
    style="lines",
    preamble="",
)
case(
    "numbered bold titles with unindented explanations",
    "chat",
    "1. **Bridge closure**\nThe bridge closes for 14 months.\n2. **Cost**\nThe work costs $48 million.",
    ["Bridge closure: The bridge closes for 14 months.", "Cost: The work costs $48 million."],
    style="numbered",
)
case(
    "lede paragraph then key points list",
    "chat",
    "The council approved a budget on Monday after a long debate.\n\nKey points:\n- " + "\n- ".join(BUDGET[1:]),
    BUDGET[1:],
    preamble="The council approved a budget on Monday after a long debate.\nKey points:",
)

# --- more instruction-tuned seq2seq and reasoning replies ---------------------------------------
case(
    "flan-t5 comma list",
    "seq2seq",
    "Harbour Bridge closes for 14 months, repairs cost $48 million",
    ["Harbour Bridge closes for 14 months, repairs cost $48 million"],
    style="paragraph",
)
case(
    "flan-t5 question-style echo",
    "seq2seq",
    "Summary: bridge to close for 14 months.",
    ["bridge to close for 14 months."],
    preamble="Summary:",
)
case(
    "flan-t5 three sentences no spaces after stops",
    "seq2seq",
    "The strike ended.Trains run Friday.",
    ["The strike ended.Trains run Friday."],
    style="paragraph",
)
case(
    "t0 lowercase tokenized lines",
    "seq2seq",
    "the strike ended on tuesday .\ntrains run again on friday .",
    ["the strike ended on tuesday .", "trains run again on friday ."],
    style="lines",
)
case(
    "mt5 extra id token",
    "seq2seq",
    "<pad> <extra_id_0> The strike ended on Tuesday.</s>",
    ["The strike ended on Tuesday."],
    style="paragraph",
)
case(
    "bart-instruct star list without spaces after stars",
    "seq2seq",
    "*The strike ended on Tuesday.\n*Trains run again on Friday.",
    ["*The strike ended on Tuesday.", "*Trains run again on Friday."],
    style="lines",
)
case(
    "flan-t5 numbered in parentheses inline",
    "seq2seq",
    "(1) " + STRIKE[0] + " (2) " + STRIKE[1],
    STRIKE,
    style="numbered",
)
case(
    "seq2seq repeated bullets",
    "seq2seq",
    "- Trains run again.\n- Trains run again.\n- Trains run again.",
    ["Trains run again.", "Trains run again.", "Trains run again."],
    style="dash",
)
case(
    "qwq no think tag, reasoning closed",
    "reasoning",
    "Alright, the article is about a strike. Key facts: it ended Tuesday.\n</think>\nThe strike ended on Tuesday. "
    "Trains run again on Friday.",
    STRIKE,
    style="paragraph",
)
case(
    "gpt-oss harmony channels",
    "reasoning",
    "<|channel|>analysis<|message|>Need 2 bullets about the strike.<|end|><|start|>assistant<|channel|>final<|message|>- "
    + STRIKE[0]
    + "\n- "
    + STRIKE[1]
    + "<|return|>",
    STRIKE,
    style="dash",
)
case(
    "llama header ids",
    "chat",
    "<|start_header_id|>assistant<|end_header_id|>\n\n- " + STRIKE[0] + "\n- " + STRIKE[1] + "<|eot_id|>",
    STRIKE,
    style="dash",
)
case(
    "reasoning with a list inside and prose answer",
    "reasoning",
    "<think>\n1. strike\n2. trains\n</think>\n\nThe strike ended on Tuesday, and trains run again on Friday.",
    ["The strike ended on Tuesday, and trains run again on Friday."],
    style="paragraph",
)
case(
    "reasoning then numbered with bold and closing",
    "reasoning",
    "<think>Let me write it.</think>\n**1.** "
    + FLOOD[0]
    + "\n**2.** "
    + FLOOD[1]
    + "\n**3.** "
    + FLOOD[2]
    + "\nIn short, the town is recovering.",
    FLOOD,
    style="numbered",
    outro="In short, the town is recovering.",
)
case(
    "reasoning answer cut off mid bullet",
    "reasoning",
    "<think>ok</think>\n- " + FLOOD[0] + "\n- " + FLOOD[1] + "\n- Schools stay closed until",
    FLOOD[:2] + ["Schools stay closed until"],
    unfinished=True,
)
case(
    "reasoning with empty think",
    "reasoning",
    "<think>\n\n</think>\n\n1. " + STRIKE[0] + "\n2. " + STRIKE[1],
    STRIKE,
    style="numbered",
)
case("reasoning block mid reply", "reasoning", "- " + STRIKE[0] + "\n<think>add trains</think>\n- " + STRIKE[1], STRIKE)
case(
    "score at the start of a line is not a marker",
    "summarizer",
    "Chelsea beat Stoke on Saturday .\n2 - 1 was the final score .",
    ["Chelsea beat Stoke on Saturday .", "2 - 1 was the final score ."],
    style="lines",
)
case(
    "score with a word after the dash is not a marker",
    "summarizer",
    "Chelsea beat Stoke .\n2 - nil was the final score .",
    ["Chelsea beat Stoke .", "2 - nil was the final score ."],
    style="lines",
)
