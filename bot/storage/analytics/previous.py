"""Previous days: how a member day's (pair day's) previous day in a series is found, in one place.

Two readers need it (``spans``): the nightly job, which stores each complete day's rows counted
by (day, previous day), and a report, which counts the raw days after the stored ones (today's
rows) the same way.

- The nightly job over a day or two looks each row's previous day up in the by-member index
  (walking back to the first day in the series, at most ``MAX_GAP`` days). Over a long range (the
  first run, ``rebuild-rollups``, a job days behind) that is one correlated lookup per row, which
  PostgreSQL runs as a SubPlan at ~10 µs a row (326 s at 5 M activities): there one
  ``LAG(local_day) OVER (PARTITION BY member [, pair] ORDER BY local_day)`` over the series' rows
  of the range and the ``MAX_GAP`` days before it gives the same rows (``gap_rows``).
- The nightly job also stores each member's and pair's last days as of its last day
  (``analytics_last_days``, migration 0270). A report whose raw days start the day after reads
  today's rows' previous days with one primary-key join (plus, for a raw day after another raw
  day, the last raw day before it by a window over the raw rows: ``stored_member_rows``,
  ``stored_pair_rows``); otherwise it walks back (``spans``, as before).
"""

from __future__ import annotations

from collections.abc import Collection

from bot.storage.database import Database
from bot.storage.id_lists import rows_for_ids

MAX_GAP = 2 * 366 + 1
"""A previous day further back than this is stored as none (-1): no report period (at most 366
days, against the 366 before it) can tell the two apart."""
LONG_RANGE = 7
"""The nightly job over more days than this finds previous days by a window over the range's
rows; over fewer (the usual nightly run of NIGHTLY_DAYS), by a lookup per row."""

_SOURCES = {"member_days": ("member_id",), "reply_pairs": ("member_a", "member_b")}


# -- the nightly gap rows ----------------------------------------------------------------------
def gap_rows(table: str, series: str, cond: str, guild_id: int, first_day: int, last_day: int) -> tuple[str, tuple]:
    """The INSERT of ``series``' gap rows of days first_day..last_day (rows of ``table`` matching
    ``cond``), each counted by (day, previous day in the series, -1 when none in ``MAX_GAP`` days).

    The lookup has no lower bound on the day (the clip is applied to what it finds): with one,
    PostgreSQL's estimates tie the pair's index with ``reply_pairs_by_member_b`` and it walked a
    popular member's replies for every row (15-45 s for one series of three days at 5 M
    activities, against 0.05-0.12 s through the pair's index)."""
    keys = _SOURCES[table]
    if last_day - first_day + 1 > LONG_RANGE:
        prev = "LAG(d.local_day) OVER (PARTITION BY " + ", ".join(f"d.{k}" for k in keys) + " ORDER BY d.local_day)"
        params: tuple = (guild_id, first_day - MAX_GAP, last_day, first_day)
        last = " WHERE local_day >= ?"
    else:
        same = " AND ".join(f"p.{k} = d.{k}" for k in keys)
        prev = (
            f"(SELECT p.local_day FROM {table} p WHERE p.guild_id = d.guild_id AND {same} AND p.local_day < "
            "d.local_day" + cond.format(t="p") + " ORDER BY p.local_day DESC LIMIT 1)"
        )
        params, last = (guild_id, first_day, last_day), ""
    return (
        "INSERT INTO analytics_gaps (guild_id, series, local_day, prev_day, n) SELECT guild_id, ?, local_day, "
        "prev_day, COUNT(*) FROM (SELECT guild_id, local_day, CASE WHEN prev IS NULL OR prev < local_day - ? "
        f"THEN -1 ELSE prev END AS prev_day FROM (SELECT d.guild_id, d.local_day, {prev} AS prev FROM {table} d "
        "WHERE d.guild_id = ? AND d.local_day BETWEEN ? AND ?" + cond.format(t="d") + f") AS w{last}) AS g "
        "GROUP BY guild_id, local_day, prev_day",
        (series, MAX_GAP, *params),
    )


# -- the stored last days ----------------------------------------------------------------------
def _latest(cond: str) -> str:
    return f"COALESCE(MAX(CASE WHEN {cond} THEN local_day END), -1)"


def _newer(table: str, columns: tuple[str, ...]) -> str:
    return ", ".join(
        f"{c} = CASE WHEN excluded.{c} > {table}.{c} THEN excluded.{c} ELSE {table}.{c} END" for c in columns
    )


_STORE_MEMBERS = (
    "INSERT INTO analytics_last_days (guild_id, member_id, last_day, last_talked) SELECT guild_id, member_id, "
    f"MAX(local_day), {_latest('messages > 0')} FROM member_days WHERE guild_id = ? AND local_day BETWEEN ? AND ? "
    "GROUP BY guild_id, member_id ON CONFLICT (guild_id, member_id) DO UPDATE SET "
    + _newer("analytics_last_days", ("last_day", "last_talked"))
)
_STORE_PAIRS = (
    "INSERT INTO analytics_pair_last_days (guild_id, member_a, member_b, last_day, last_any, last_ab, last_ba) "
    f"SELECT guild_id, member_a, member_b, MAX(local_day), {_latest('a_to_b > 0 OR b_to_a > 0')}, "
    f"{_latest('a_to_b > 0')}, {_latest('b_to_a > 0')} FROM reply_pairs WHERE guild_id = ? AND local_day BETWEEN ? "
    "AND ? GROUP BY guild_id, member_a, member_b ON CONFLICT (guild_id, member_a, member_b) DO UPDATE SET "
    + _newer("analytics_pair_last_days", ("last_day", "last_any", "last_ab", "last_ba"))
)
LAST_DAY_TABLES = ("analytics_last_days", "analytics_pair_last_days", "analytics_last_day_state")


async def store_last_days(db: Database, guild_id: int, first_day: int, last_day: int, now_ms: int) -> None:
    """Bring the stored last days to ``last_day`` after the nightly job recomputed days
    first_day..last_day: merged from those days' rows when the stored ones reach at least the day
    before ``first_day`` (rows are only added to member_days and reply_pairs; forget-me deletes the
    member's stored rows too), otherwise recomputed from every day up to ``last_day``."""
    state = await stored_through(db, guild_id)
    if state is None or state < first_day - 1 or state > last_day:
        for table in LAST_DAY_TABLES[:2]:
            await db.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
        first_day = -(2**31)
    for statement in (_STORE_MEMBERS, _STORE_PAIRS):
        await db.execute(statement, (guild_id, first_day, last_day))
    await db.execute(
        "INSERT INTO analytics_last_day_state (guild_id, local_day, computed_at) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id) DO UPDATE SET local_day = excluded.local_day, computed_at = excluded.computed_at",
        (guild_id, last_day, now_ms),
    )


async def stored_through(db: Database, guild_id: int) -> int | None:
    """The day the stored last days are as of (None: not stored)."""
    day = await db.fetchval("SELECT local_day FROM analytics_last_day_state WHERE guild_id = ?", (guild_id,))
    return None if day is None else int(day)


async def seen_between(
    db: Database, guild_id: int, members: Collection[int], first_day: int, last_day: int
) -> set[int]:
    """Of ``members``, those whose stored last day is in first_day..last_day: each has a
    member_days row that day (rows are only ever added; forget-me and retention take the stored
    day out with the member's rows, rebuild-rollups clears them). The others may have one too (a
    day after the stored ones, a late row): the caller reads their days."""
    rows = await rows_for_ids(
        db, "SELECT member_id FROM analytics_last_days WHERE guild_id = ? AND {ids} AND last_day BETWEEN ? AND ?",
        members, (guild_id,), (first_day, last_day),
    )
    return {int(r[0]) for r in rows}


# -- a report's raw days -----------------------------------------------------------------------
_RAW_WINDOW = (
    " WINDOW w AS (PARTITION BY {keys} ORDER BY {t}.local_day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
)


def stored_member_rows(first_day: int, last_day: int) -> str:
    """``spans``' raw member rows of first_day..last_day (params: guild, first, last) grouped as
    (day, prev, talked_prev, n, replies, member_replies), each row's previous days from the last
    days stored as of ``first_day - 1`` (and, on a later raw day, the member's raw days before it)."""
    several = last_day > first_day
    within = "MAX(d.local_day) OVER w" if several else "NULL"
    talked = "MAX(CASE WHEN d.messages > 0 THEN d.local_day END) OVER w" if several else "NULL"
    return (
        "SELECT local_day, prev, talked_prev, COUNT(*), SUM(replies), SUM(member_replies) FROM (SELECT d.local_day, "
        f"d.replies, d.member_replies, COALESCE({within}, s.last_day) AS prev, CASE WHEN d.messages > 0 THEN "
        f"COALESCE({talked}, s.last_talked, -1) END AS talked_prev FROM member_days d LEFT JOIN analytics_last_days s "
        "ON s.guild_id = d.guild_id AND s.member_id = d.member_id WHERE d.guild_id = ? AND d.local_day BETWEEN ? AND ?"
        + (_RAW_WINDOW.format(keys="d.member_id", t="d") if several else "")
        + ") AS r GROUP BY local_day, prev, talked_prev"
    )


def stored_pair_rows(first_day: int, last_day: int) -> str:
    """``spans``' raw pair rows of first_day..last_day (params: guild, first, last) grouped as (day,
    ab, ba, prev, prev_any, prev_ab, prev_ba, n), the previous days as for ``stored_member_rows``
    (NULL or -1: none; NULL too for a row not in the one-way series)."""
    several = last_day > first_day

    def within(cond: str) -> str:
        return f"MAX(CASE WHEN {cond} THEN x.local_day END) OVER w" if several else "NULL"

    ab, ba, either = "x.a_to_b > 0", "x.b_to_a > 0", "(x.a_to_b > 0 OR x.b_to_a > 0)"
    return (
        "SELECT local_day, ab, ba, prev, prev_any, prev_ab, prev_ba, COUNT(*) FROM (SELECT x.local_day, "
        f"CASE WHEN {ab} THEN 1 ELSE 0 END AS ab, CASE WHEN {ba} THEN 1 ELSE 0 END AS ba, "
        f"COALESCE({'MAX(x.local_day) OVER w' if several else 'NULL'}, s.last_day) AS prev, "
        f"CASE WHEN {either} THEN COALESCE({within(either)}, s.last_any) END AS prev_any, "
        f"CASE WHEN {ab} THEN COALESCE({within(ab)}, s.last_ab) END AS prev_ab, "
        f"CASE WHEN {ba} THEN COALESCE({within(ba)}, s.last_ba) END AS prev_ba "
        "FROM reply_pairs x LEFT JOIN analytics_pair_last_days s ON s.guild_id = x.guild_id AND s.member_a = "
        "x.member_a AND s.member_b = x.member_b WHERE x.guild_id = ? AND x.local_day BETWEEN ? AND ?"
        + (_RAW_WINDOW.format(keys="x.member_a, x.member_b", t="x") if several else "")
        + ") AS r GROUP BY local_day, ab, ba, prev, prev_any, prev_ab, prev_ba"
    )
