"""The fairness table: for every autograded value item, right answers in every form a careful student might
type, and plausible wrong answers (issue 21).

``RIGHT`` forms must score and ``WRONG`` answers must not, through the real checker
(``tests/grading/test_fairness.py``). ``RETIRED`` lists the answers that scored before
on items that are no longer autograded (the final memo's 1a and 1b): they are
counted in the "before" numbers only. ``python tests/grading/fairness_table.py
--baseline REF`` runs the table against the test cells of the notebooks at git ref
``REF`` (before the checker existed) and prints the false negatives and positives.
"""

from __future__ import annotations

import datetime as dt

PS1, PS2, PS3, PS4, FINAL = ("ps1-provenance-and-citations", "ps2-claims-and-evidence",
                             "ps3-names-dates-numbers-quotes", "ps4-argument-and-alternatives", "final-source-memo")

#: (assignment, grade_id, answer name) -> {"right": [...], "wrong": [...]}
TABLE: dict[tuple[str, str, str], dict[str, list]] = {
    (PS1, "q1-tests", "comparison_C05"): {
        "right": ["misattributed", "Misattributed", " MISATTRIBUTED ",
                  "Misattributed: the words exist but belong to another speaker or outlet"],
        "wrong": ["altered_meaning", "faithful", "not_found"]},
    (PS1, "q2-tests", "comparison_C06"): {
        "right": ["truncated", "Truncated", "truncated "],
        "wrong": ["faithful", "paraphrased", "misattributed"]},
    (PS1, "q3-tests", "comparison_C04"): {
        "right": ["paraphrased", "Paraphrased", " PARAPHRASED", "Paraphrased: three statements run together"],
        "wrong": ["faithful", "misattributed", "not_found", "altered_meaning"]},
    (PS1, "q4-tests", "type_of_S007"): {
        "right": ["magazine", "Magazine", "news_website", "news website", "News website"],
        "wrong": ["wire_agency", "partisan_publication", "blog_or_aggregator"]},
    (PS1, "q5-tests", "self_citation_words"): {
        "right": ["“Answer to Question” we issued on 24/3/2012 CE", '"Answer to Question" we issued on 24/3/2012 CE',
                  "Answer to Question we issued on 24/3/2012 CE", "so we said in the “Answer to Question” we issued on 24/3/2012",
                  "'Answer to Question' we issued on 24/3/2012"],
        "wrong": ["Answer to Question", "America was behind that coup", "we issued in this regard on 24/3/2012"]},
    (PS2, "q1-tests", "verdict_K015"): {
        "right": ["inaccurate", "Inaccurate", "INACCURATE "],
        "wrong": ["accurate", "partly_accurate", "unverifiable"]},
    (PS2, "q2-tests", "page_K015"): {
        "right": ["BAC022", "bac022", " BAC 022"],
        "wrong": ["BAC021", "FOR014", "BAC220"]},
    (PS2, "q3-tests", "verdict_K016"): {
        "right": ["accurate", "Accurate", "accurate "],
        "wrong": ["inaccurate", "partly_accurate"]},
    (PS2, "q4-tests", "verdict_K067"): {
        "right": ["partly_accurate", "partly accurate", "Partly accurate", "PARTLY-ACCURATE"],
        "wrong": ["accurate", "inaccurate"]},
    (PS2, "q5-tests", "page_K067"): {
        "right": ["FOR014", "for017", "FOR064 ", "FOR065", "FOR066"],
        "wrong": ["FOR013", "BAC022", "FOR140"]},
    (PS2, "q6-tests", "verdict_K049"): {
        "right": ["partly_accurate", "partly accurate", "Partly-Accurate", " PARTLY_ACCURATE"],
        "wrong": ["accurate", "inaccurate", "unverifiable", "not_checkable"]},
    (PS2, "q7-tests", "verdict_K031"): {
        "right": ["unverifiable", "Unverifiable", " unverifiable"],
        "wrong": ["inaccurate", "not_checkable", "accurate"]},
    (PS3, "q1-tests", "actor_tojo"): {
        "right": ["A007", "a007", "A7", "A 007"],
        "wrong": ["A016", "A006"]},
    (PS3, "q2-tests", "actor_sisi"): {
        "right": ["A023", "a023 ", "A23"],
        "wrong": ["A004", "A005"]},
    (PS3, "q3-tests", "original_date_C07"): {
        "right": ["2020-08-21", "21/8/2020", "21/08/2020", "21/8/2020 CE", "21 August 2020", "August 21, 2020",
                  "21st August 2020", "2020-8-21", dt.date(2020, 8, 21)],
        "wrong": ["2020-08-22", "22/8/2020", "8/21/2020", "2020-01-01"]},
    (PS3, "q4-tests", "uk_chinook_personnel"): {
        "right": [100, 100.0, "100", " 100 "],
        "wrong": [120, 300, "about 100"]},
    (PS3, "q5-tests", "eutm_personnel"): {
        "right": [700, 700.0, "700"],
        "wrong": [620, 1100, 70]},
    (PS3, "q6-tests", "relation_Q05"): {
        "right": ["truncated", "Truncated", "translation", "Translation"],
        "wrong": ["same_statement", "altered", "different_speaker"]},
    (PS3, "q7-tests", "relation_Q17"): {
        "right": ["altered", "Altered", "ALTERED "],
        "wrong": ["same_statement", "truncated", "summary_as_quote"]},
    (PS3, "q8-tests", "aljazeera_words"): {
        "right": ["the Qatari Al-Jazeera website‘s report on 21/8/2020", "the Qatari Al-Jazeera website's report on 21/8/2020",
                  "Al-Jazeera website's report on 21/8/2020", "Qatari Al-Jazeera website‘s report on 21/8/2020:",
                  "al-jazeera websites report on 21/8/2020"],
        "wrong": ["(Al-Jazeera 21/8/2020)", "Al-Jazeera", "report on 21/8/2020"]},
    (PS4, "q1-tests", "mentioned_EV004"): {
        "right": [False, "False", "false"],
        "wrong": [True, "True"]},
    (PS4, "q2-tests", "mentioned_EV028"): {
        "right": [False, "False", "false"],
        "wrong": [True, "true"]},
    (PS4, "q3-tests", "mentioned_EV048"): {
        "right": [True, "True", "true"],
        "wrong": [False, "False"]},
    (PS4, "q4-tests", "conclusion_of_R01"): {
        "right": ["K050", "k050", "K50"],
        "wrong": ["K048", "K007", "K051"]},
    (PS4, "q5-tests", "weakness_self_citation"): {
        "right": ["circular_self_citation", "Circular self-citation", "circular self citation"],
        "wrong": ["unsupported_premise", "misattributed_evidence", "argument_from_silence"]},
    (PS4, "q6-tests", "alternative_event_R01"): {
        "right": ["EV025", "ev025", "EV022", "EV026", "EV030"],
        "wrong": ["EV042", "EV048", "EV060", "EV023"]},
    (PS4, "q7-tests", "inference_words"): {
        "right": ["Which indicates that it was behind the coup.", "which indicates that it was behind the coup",
                  "!! Which indicates that it was behind the coup.", "so it appears that America does not condemn the coup"],
        "wrong": ["so it appears", "Which indicates", "legal review"]},
}

#: Items that are no longer autograded (manual rubric points now), with wrong answers that scored before.
RETIRED: dict[tuple[str, str, str], dict[str, list]] = {
    (FINAL, "q1a-tests", "memo_subject"): {"right": [], "wrong": ["EV001", "K008"]},
    (FINAL, "q1b-tests", "memo_evidence"): {"right": [], "wrong": [["CIT000", "CIT001", "CIT002"], ["SOU000", "MET000", "ACT000"]]},
}


def baseline(ref: str) -> dict:
    """Run every row against the test cells (visible and hidden) of the notebooks at git ref ``ref``."""
    import json
    import re
    import subprocess

    from course import paths

    counts = {"right": 0, "false_negatives": 0, "wrong": 0, "false_positives": 0, "missing": []}
    cells = {}
    for (assignment, grade_id, name), row in {**TABLE, **RETIRED}.items():
        if assignment not in cells:
            text = subprocess.run(["git", "show", f"{ref}:assignments/{assignment}/{assignment}.ipynb"],
                                  cwd=paths.REPO_ROOT, capture_output=True, text=True, check=True).stdout
            cells[assignment] = {c["metadata"].get("nbgrader", {}).get("grade_id"): "".join(c["source"])
                                 for c in json.loads(text)["cells"]}
        source = cells[assignment].get(grade_id)
        if source is None:
            counts["missing"].append(grade_id)
            continue
        for side in ("right", "wrong"):
            for value in row[side]:
                try:
                    exec(source, {name: value, "re": re, "dt": dt})
                    scored = True
                except Exception:
                    scored = False
                counts[side] += 1
                if side == "right" and not scored:
                    counts["false_negatives"] += 1
                if side == "wrong" and scored:
                    counts["false_positives"] += 1
    return counts


if __name__ == "__main__":
    import sys

    print(baseline(sys.argv[sys.argv.index("--baseline") + 1] if "--baseline" in sys.argv else "main"))
