"""`harness annotations`: human judgments from the report, read, merged and measured for agreement."""
