"""Meta-evaluation: how well do the harness's metrics agree with human judgments?"""
