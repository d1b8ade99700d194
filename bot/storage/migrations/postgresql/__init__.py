"""PostgreSQL versions of the migrations whose semantics differ (the rollup triggers): same file names."""
