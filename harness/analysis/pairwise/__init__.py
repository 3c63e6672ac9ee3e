"""`harness pairwise`: the runs' summaries judged two at a time, in both orders, ranked by
Bradley-Terry strengths with the judge's position and length biases measured and controlled.

- design.py: which pairs are judged on which documents;
- judging.py: the requests (prompt task `pairwise`) and their verdicts;
- compute.py: runs in, `PairwiseResult` out (comparability, data check, outcomes, statistics);
- output.py: pairwise.json and pairwise.md, the printed table, and `ranking_rows` for other tables;
- ranking.py: a written pairwise.json's ranking read back (`load_ranking`) and matched to the runs
  `compare` and the report show (`for_runs`), as Markdown, CSV records and text cells;
- the statistics: harness/analysis/bradley_terry.py.
The command line is harness/cli/pairwise.py.
"""
