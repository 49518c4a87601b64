"""Generate the ror-graph demo community: a coffee roaster (``brand``) and the ~300 people around it.

Synthetic and deterministic: every random draw comes from ``numpy.random.default_rng(SEED)``
in a fixed order, and no wall clock is read, so the same seed always writes the same bytes.

    python sample_data/generate.py                # rewrite the committed files next to this script
    python sample_data/generate.py --out /tmp/x   # write them somewhere else
    python sample_data/generate.py --seed 7       # another community, same recipe

Files written (see README.md for the columns):

- ``events.csv``          the canonical events table, sorted by time
- ``actors.csv``          id, name, platform, followers
- ``planted_truth.csv``   node_id, role, detail: the people planted with a known story

The story, in short. Northwind Coffee Roasters posts on Instagram. Around it live five
interest clusters (espresso nerds, neighbours, cafe pros, home bakers, cyclists) whose members
follow, like, reply to, message and share each other along ties that each have their own
rhythm. Planted in that community:

- ``fading_valuable``  high-reach people with a strong, reciprocal, share- and referral-heavy
  relationship with the brand that stopped weeks or months before the end, after a silence of
  many times their own usual gap (some taper off first, some stop dead);
- ``loyal_active``     equally strong relationships that keep their rhythm up to the end;
- ``one_sided_fan``    people who like, share and mention the brand a lot and never hear back;
- ``influencer``       people many others follow and engage with (the brand courts them);
- ``one_off``          exactly one interaction with the brand, ever;
- ``bridge``           the only people linking the brand's community to a separate ceramics
  collective on Mastodon (``outer_community``, 40 people who never touch the brand).
"""

from __future__ import annotations

import argparse
import csv
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

SEED = 2026
START = datetime(2025, 1, 1, tzinfo=timezone.utc)
END = datetime(2026, 7, 1, tzinfo=timezone.utc)  # exclusive: the data ends on 2026-06-30
DAY = 86_400.0
HOUR = 3_600.0
SPAN = (END - START).total_seconds()

BRAND = "brand"
BRAND_NAME = "Northwind Coffee Roasters"
BRAND_FOLLOWERS = 12_840

N_MAIN = 257  # the brand's community, planted people included (bridges excluded)
N_BRIDGES = 3
N_OUTER = 40  # the separate ceramics collective
N_FADING = 9
N_LOYAL = 10
N_FANS = 10
N_INFLUENCERS = 5
N_ONE_OFFS = 20

CLUSTERS = ("espresso_nerds", "neighbours", "cafe_pros", "home_bakers", "cyclists")

# ---------------------------------------------------------------------------------------------
# names

FIRST = (
    "ana", "kofi", "maria", "liam", "priya", "tomas", "yuki", "omar", "lena", "diego", "amara",
    "felix", "sofia", "noah", "ines", "ravi", "chen", "hana", "marco", "elif", "sam", "nadia",
    "jonas", "leila", "pablo", "mei", "ivan", "zara", "oscar", "aisha", "luca", "emma", "kwame",
    "sara", "theo", "nina", "arjun", "clara", "mateo", "freya", "ade", "julia", "kai", "rosa",
    "ben", "lucia", "hugo", "maya", "finn", "alba", "tariq", "eva", "joel", "ida", "malik",
    "vera", "rui", "anya", "dev", "lotte", "sean", "tia", "karl", "nora", "jin", "paula",
    "ezra", "mila", "femi", "greta", "leo", "rania", "max", "alma", "ivo", "keira", "yusuf",
    "bea", "tom", "suki", "dara", "olu", "hanne", "nico", "petra", "sol", "wren", "abel",
)
LAST = (
    "silva", "mensah", "garcia", "oconnor", "patel", "novak", "tanaka", "haddad", "berg",
    "torres", "okafor", "wagner", "rossi", "kim", "costa", "iyer", "wang", "sato", "ferrari",
    "yilmaz", "clarke", "hassan", "lindgren", "farah", "moreno", "lin", "petrov", "ali",
    "nilsson", "bello", "romano", "dubois", "asante", "cohen", "muller", "jansen", "nair",
    "santos", "vargas", "olsen", "adeyemi", "hughes", "fischer", "reyes", "walsh", "kowalski",
    "baker", "mendes", "brooks", "quinn", "duarte", "weiss", "osei", "larsen", "cruz", "evans",
)
# People whose handles are not ASCII (the demo should show that ids are plain Unicode text).
UNICODE_PEOPLE = (
    ("zoë", "Zoë Martin"),
    ("jürgen.b", "Jürgen Becker"),
    ("josé.m", "José Martínez"),
    ("søren_k", "Søren Kjær"),
    ("chloé.d", "Chloé Dubois"),
    ("björn", "Björn Lindqvist"),
    ("ayşe.k", "Ayşe Kaya"),
    ("françois_l", "François Lefèvre"),
    ("łucja.w", "Łucja Wójcik"),
    ("noémie", "Noémie Roy"),
)
OUTER_UNICODE = (("ingrid.ø", "Ingrid Østby"), ("mãe_barro", "Conceição Barros"))


def make_people(rng: np.random.Generator, n: int, taken: set[str], unicode_people=()) -> list[tuple[str, str]]:
    """n (handle, display name) pairs with realistic, unique handles."""
    people: list[tuple[str, str]] = []
    for handle, name in unicode_people:
        taken.add(handle)
        people.append((handle, name))
    while len(people) < n:
        first = FIRST[rng.integers(len(FIRST))]
        last = LAST[rng.integers(len(LAST))]
        style = rng.integers(7)
        handle = (
            f"{first}.{last}",
            f"{first}_{last[0]}",
            f"{first}{last}",
            f"{first}.{last[0]}",
            f"{first}_{last}{rng.integers(10, 99)}",
            f"{last}.{first}",
            f"{first}_{last[:3]}",
        )[style]
        if handle in taken:
            continue
        taken.add(handle)
        surname = "O'Connor" if last == "oconnor" else last.capitalize()
        name = f"{first.capitalize()} {surname}"
        people.append((handle, name))
    order = rng.permutation(len(people))  # spread the Unicode handles through the list
    return [people[i] for i in order]


# ---------------------------------------------------------------------------------------------
# time helpers (times are float seconds since START)

# Share of activity by hour of the day (UTC): quiet at night, peaks at breakfast and evening.
_HOURS = np.array([1, 0.5, 0.3, 0.2, 0.3, 0.8, 2, 4, 6, 6, 5, 5, 6, 5, 4, 4, 5, 6, 7, 8, 8, 6, 4, 2])
HOUR_P = _HOURS / _HOURS.sum()


def at_daytime(rng: np.random.Generator, t: float) -> float:
    """The same day as t at a plausible hour."""
    day = math.floor(t / DAY) * DAY
    return day + rng.choice(24, p=HOUR_P) * HOUR + rng.uniform(0, HOUR)


def renewal(rng: np.random.Generator, t0: float, t1: float, gap_days: float, shape: float) -> list[float]:
    """Session times on [t0, t1): gamma gaps with mean ``gap_days`` (higher shape: steadier)."""
    times: list[float] = []
    t = t0 + rng.uniform(0, gap_days * DAY)
    while t < t1:
        times.append(at_daytime(rng, t))
        t += rng.gamma(shape, gap_days * DAY / shape)
    return times


def brand_delay(rng: np.random.Generator, t: float) -> float:
    """When the brand's community manager answers something that happened at t."""
    answer = t + rng.exponential(2.5 * HOUR) + 5 * 60
    hour = (answer % DAY) / HOUR
    if hour < 8 or hour >= 21:  # nobody at the desk: next morning
        answer = math.floor(answer / DAY) * DAY + (DAY if hour >= 21 else 0) + 8 * HOUR
        answer += rng.exponential(1.5 * HOUR)
    return answer


def lognormal_days(rng: np.random.Generator, median: float, sigma: float, lo: float, hi: float) -> float:
    return float(np.clip(median * math.exp(sigma * rng.standard_normal()), lo, hi))


# ---------------------------------------------------------------------------------------------
# the log


@dataclass
class Log:
    rows: list[tuple[float, str, str, str, float, str]] = field(default_factory=list)

    def add(self, t: float, src: str, dst: str, kind: str, channel: str, weight: float = 1.0) -> None:
        if src == dst:
            raise AssertionError(f"self-loop {src}")
        if 0 <= t < SPAN:  # answers that would fall after the end simply have not happened yet
            self.rows.append((t, src, dst, kind, weight, channel))


def pick(rng: np.random.Generator, table: dict[str, float]) -> str:
    kinds = list(table)
    p = np.array([table[k] for k in kinds])
    return kinds[rng.choice(len(kinds), p=p / p.sum())]


def channel_of(kind: str, platform: str) -> str:
    return {"message": "dm", "referral": "referral_code", "rating": "google_reviews", "visit": "store"}.get(
        kind, platform
    )


def weight_of(rng: np.random.Generator, kind: str, stars=(3, 4, 5), p=(0.15, 0.35, 0.5)) -> float:
    return float(rng.choice(stars, p=p)) if kind == "rating" else 1.0


# ---------------------------------------------------------------------------------------------
# relationships with the brand

STRONG_GIVES = {  # what a close customer does for the brand in one session
    "like": 0.22, "share": 0.2, "mention": 0.15, "reply": 0.15,
    "message": 0.1, "referral": 0.09, "visit": 0.06, "rating": 0.03,
}
BRAND_ANSWERS = {"reply": 0.6, "like": 0.25, "message": 0.15}
BRAND_REACHES_OUT = {"mention": 0.45, "share": 0.3, "message": 0.25}


def strong_sessions(rng: np.random.Generator, log: Log, person: str, times: list[float]) -> None:
    """A close, reciprocal relationship: each session the person gives 1-3 things and the
    brand usually answers; now and then the brand reaches out first."""
    for t in times:
        tp = t
        if t == times[0]:
            log.add(tp, person, BRAND, "follow", "instagram")
            log.add(brand_delay(rng, tp), BRAND, person, "follow", "instagram")
        for _ in range(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1])):
            kind = pick(rng, STRONG_GIVES)
            log.add(tp, person, BRAND, kind, channel_of(kind, "instagram"), weight_of(rng, kind, p=(0, 0.2, 0.8)))
            tp += rng.exponential(1.5 * HOUR) + 60
        if rng.random() < 0.85:
            kind = pick(rng, BRAND_ANSWERS)
            log.add(brand_delay(rng, t), BRAND, person, kind, channel_of(kind, "instagram"))
        if rng.random() < 0.2:
            kind = pick(rng, BRAND_REACHES_OUT)
            log.add(brand_delay(rng, t + rng.uniform(0.3, 1.5) * DAY), BRAND, person, kind, channel_of(kind, "instagram"))


def fading_relationship(rng: np.random.Generator, log: Log, person: str, taper: bool) -> dict:
    gap = lognormal_days(rng, 6.0, 0.45, 2.5, 12.0)
    silence = max(rng.uniform(35, 150), gap * rng.uniform(8, 14))
    start = rng.uniform(0, 60) * DAY
    stop = SPAN - silence * DAY
    if taper:  # the last few sessions come further and further apart, then nothing
        steps = [gap * f for f in (1.7, 2.5, 3.4)]
        times = renewal(rng, start, stop - sum(steps) * DAY, gap, shape=6.0)
        t = times[-1]
        for step in steps:
            t += step * DAY
            times.append(at_daytime(rng, t))
    else:
        times = renewal(rng, start, stop, gap, shape=6.0)
    strong_sessions(rng, log, person, times)
    return {"gap": gap, "taper": taper}


def loyal_relationship(rng: np.random.Generator, log: Log, person: str) -> dict:
    gap = lognormal_days(rng, 5.5, 0.5, 2.0, 12.0)
    start = rng.uniform(0, 240) * DAY
    times = renewal(rng, start, SPAN, gap, shape=6.0)
    if SPAN - times[-1] > 0.8 * gap * DAY:  # keep the rhythm right up to the end
        times.append(at_daytime(rng, SPAN - rng.uniform(0.5, 0.8) * gap * DAY))
    strong_sessions(rng, log, person, times)
    return {"gap": gap}


FAN_GIVES = {"like": 0.5, "share": 0.25, "mention": 0.2, "rating": 0.05}


def fan_relationship(rng: np.random.Generator, log: Log, person: str) -> None:
    """Likes, shares and mentions the brand a lot; the brand never answers."""
    gap = lognormal_days(rng, 5.0, 0.5, 1.5, 12.0)
    times = renewal(rng, rng.uniform(0, 200) * DAY, SPAN, gap, shape=3.0)
    log.add(times[0] - rng.uniform(1, 20) * DAY, person, BRAND, "follow", "instagram")
    for t in times:
        kind = pick(rng, FAN_GIVES)
        log.add(t, person, BRAND, kind, channel_of(kind, "instagram"), weight_of(rng, kind, p=(0, 0.1, 0.9)))


ONE_OFF = {"rating": 0.3, "visit": 0.25, "mention": 0.2, "like": 0.15, "share": 0.1}


def one_off(rng: np.random.Generator, log: Log, person: str) -> None:
    kind = pick(rng, ONE_OFF)
    log.add(at_daytime(rng, rng.uniform(0, SPAN - DAY)), person, BRAND, kind, channel_of(kind, "instagram"),
            weight_of(rng, kind))


def influencer_relationship(rng: np.random.Generator, log: Log, person: str) -> None:
    """The brand courts influencers; they answer now and then."""
    for t in renewal(rng, rng.uniform(0, 120) * DAY, SPAN, lognormal_days(rng, 18, 0.3, 10, 30), shape=2.0):
        kind = pick(rng, {"mention": 0.4, "share": 0.35, "like": 0.25})
        log.add(t, BRAND, person, kind, "instagram")
        if rng.random() < 0.25:
            log.add(t + rng.exponential(6 * HOUR), person, BRAND, pick(rng, {"like": 0.7, "reply": 0.3}), "instagram")


BACKGROUND_GIVES = {
    "like": 0.45, "share": 0.13, "mention": 0.15, "reply": 0.1, "rating": 0.05, "visit": 0.08, "referral": 0.04,
}


def background_relationship(rng: np.random.Generator, log: Log, person: str) -> None:
    """An ordinary follower: maybe follows, maybe engages now and then, sometimes answered."""
    if rng.random() < 0.65:
        t = at_daytime(rng, rng.uniform(0, SPAN))
        log.add(t, person, BRAND, "follow", "instagram")
        if rng.random() < 0.1:
            log.add(brand_delay(rng, t), BRAND, person, "follow", "instagram")
    if rng.random() < 0.55:
        gap = lognormal_days(rng, 40, 0.6, 10, 200)
        start = rng.uniform(0, SPAN - 30 * DAY)
        stop = SPAN if rng.random() < 0.7 else rng.uniform(start + 30 * DAY, SPAN)
        for t in renewal(rng, start, stop, gap, shape=1.5):
            kind = pick(rng, BACKGROUND_GIVES)
            log.add(t, person, BRAND, kind, channel_of(kind, "instagram"), weight_of(rng, kind))
            if kind in ("mention", "reply") and rng.random() < 0.4:
                log.add(brand_delay(rng, t), BRAND, person, "reply", "instagram")


# ---------------------------------------------------------------------------------------------
# relationships between people

BETWEEN_PEOPLE = {"like": 0.32, "reply": 0.2, "message": 0.2, "mention": 0.13, "share": 0.15}
ANSWERS = {"reply": 0.5, "like": 0.3, "message": 0.2}


def social_tie(rng: np.random.Generator, log: Log, a: str, b: str, platform: str) -> None:
    """A tie between two people with its own rhythm; mutual ties go both ways."""
    mutual = rng.random() < 0.6
    gap = lognormal_days(rng, 60, 0.6, 5, 180)
    start = rng.uniform(0, SPAN - 45 * DAY)
    stop = SPAN if rng.random() < 0.75 else rng.uniform(start + 45 * DAY, SPAN)
    t_follow = at_daytime(rng, start)
    log.add(t_follow, a, b, "follow", platform)
    if mutual:
        log.add(t_follow + rng.exponential(2 * DAY), b, a, "follow", platform)
    for t in renewal(rng, start + DAY, stop, gap, shape=2.0):
        src, dst = (a, b) if (not mutual or rng.random() < 0.5) else (b, a)
        kind = pick(rng, BETWEEN_PEOPLE)
        log.add(t, src, dst, kind, channel_of(kind, platform))
        if mutual and rng.random() < 0.35:
            kind = pick(rng, ANSWERS)
            log.add(t + rng.exponential(3 * HOUR) + 60, dst, src, kind, channel_of(kind, platform))


def friend_ties(
    rng: np.random.Generator, members: list[str], cluster_of: dict[str, int], pop: dict[str, float],
    mean_degree: float, within: float,
) -> list[tuple[str, str]]:
    """Undirected ties: a random tree inside each cluster (so nobody is isolated) plus extra ties,
    mostly within the cluster, towards popular people."""
    ties: dict[tuple[str, str], None] = {}
    by_cluster: dict[int, list[str]] = {}
    for m in members:
        by_cluster.setdefault(cluster_of[m], []).append(m)

    def add(a: str, b: str) -> None:
        if a != b:
            ties[(a, b) if a < b else (b, a)] = None

    for group in by_cluster.values():
        for i in range(1, len(group)):
            add(group[i], group[rng.integers(i)])
    weights_all = np.array([pop[m] for m in members])
    for m in members:
        extra = int(np.clip(round(rng.lognormal(math.log(mean_degree), 0.7)), 0, 30))
        group = by_cluster[cluster_of[m]]
        for _ in range(extra):
            pool = group if rng.random() < within else members
            w = weights_all if pool is members else np.array([pop[x] for x in pool])
            add(m, pool[rng.choice(len(pool), p=w / w.sum())])
    return list(ties)


# ---------------------------------------------------------------------------------------------
# the community


def generate(seed: int = SEED) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Return (events, actors, planted) rows, ready to write."""
    rng = np.random.default_rng(seed)
    taken = {BRAND}
    main_people = make_people(rng, N_MAIN + N_BRIDGES, taken, UNICODE_PEOPLE)
    outer_people = make_people(rng, N_OUTER, taken, OUTER_UNICODE)
    main = [h for h, _ in main_people]
    outer = [h for h, _ in outer_people]
    names = dict(main_people + outer_people)

    # planted roles: disjoint groups drawn from the brand's community
    order = [main[i] for i in rng.permutation(len(main))]
    roles: dict[str, list[str]] = {}
    cursor = 0
    for role, n in (("fading_valuable", N_FADING), ("loyal_active", N_LOYAL), ("one_sided_fan", N_FANS),
                    ("influencer", N_INFLUENCERS), ("one_off", N_ONE_OFFS), ("bridge", N_BRIDGES)):
        roles[role] = order[cursor:cursor + n]
        cursor += n
    role_of = {p: r for r, ps in roles.items() for p in ps}
    role_of.update({p: "outer_community" for p in outer})

    # followers (reach) and popularity (how much attention a person attracts)
    followers: dict[str, int] = {BRAND: BRAND_FOLLOWERS}
    pop: dict[str, float] = {}
    for p in main + outer:
        role = role_of.get(p)
        if role == "influencer":
            followers[p] = int(rng.uniform(20_000, 180_000))
            pop[p] = 6.0
        elif role == "fading_valuable":
            followers[p] = int(rng.uniform(2_500, 15_000))
            pop[p] = 3.0
        elif role == "loyal_active":
            followers[p] = int(rng.uniform(600, 6_000))
            pop[p] = 2.0
        else:
            followers[p] = int(np.clip(rng.lognormal(math.log(320), 1.0), 12, 9_000))
            pop[p] = float(rng.lognormal(0, 0.6))

    cluster_of = {p: int(rng.integers(len(CLUSTERS))) for p in main}
    cluster_of.update({p: len(CLUSTERS) for p in outer})

    log = Log()
    # relationships with the brand
    fading_info = {}
    for i, p in enumerate(roles["fading_valuable"]):
        fading_info[p] = fading_relationship(rng, log, p, taper=i % 2 == 1)
    for p in roles["loyal_active"]:
        loyal_relationship(rng, log, p)
    for p in roles["one_sided_fan"]:
        fan_relationship(rng, log, p)
    for p in roles["influencer"]:
        influencer_relationship(rng, log, p)
    for p in roles["one_off"]:
        one_off(rng, log, p)
    for p in main:
        if p not in role_of or role_of[p] == "bridge":
            background_relationship(rng, log, p)

    # the brand's community among themselves
    for a, b in friend_ties(rng, main, cluster_of, pop, mean_degree=3.0, within=0.85):
        social_tie(rng, log, a, b, "instagram")
    # audiences: many people follow and engage with influencers (and with the high-reach people)
    stars = roles["influencer"] + roles["fading_valuable"]
    for p in main:
        for s in stars:
            share = 0.3 if role_of[s] == "influencer" else 0.06
            if p == s or rng.random() >= share:
                continue
            t = at_daytime(rng, rng.uniform(0, SPAN))
            log.add(t, p, s, "follow", "instagram")
            for t2 in renewal(rng, t, SPAN, lognormal_days(rng, 75, 0.5, 20, 240), shape=1.5):
                kind = pick(rng, {"like": 0.65, "share": 0.2, "mention": 0.08, "reply": 0.07})
                log.add(t2, p, s, kind, "instagram")

    # the ceramics collective on Mastodon, joined to the rest only through the bridges
    for a, b in friend_ties(rng, outer, cluster_of, {p: pop[p] for p in outer}, mean_degree=2.5, within=1.0):
        social_tie(rng, log, a, b, "mastodon")
    for bridge in roles["bridge"]:
        for j in rng.choice(len(outer), size=int(rng.integers(6, 12)), replace=False):
            social_tie(rng, log, bridge, outer[j], "mastodon")

    events = sorted((int(t), src, dst, kind, w, ch) for t, src, dst, kind, w, ch in log.rows)
    rows = []
    for n, (t, src, dst, kind, w, ch) in enumerate(events, start=1):
        ts = (START + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append((src, dst, kind, ts, f"{w:g}", ch, f"e{n:05d}"))

    actors = [(BRAND, BRAND_NAME, "instagram", BRAND_FOLLOWERS)]
    for p in main + outer:
        actors.append((p, names[p], "mastodon" if p in outer else "instagram", followers[p]))

    planted = [(p, role, describe(p, role, rows, fading_info, followers))
               for role in ("fading_valuable", "loyal_active", "one_sided_fan", "influencer", "bridge", "one_off")
               for p in roles[role]]
    planted += [(p, "outer_community", "member of the ceramics collective on Mastodon; reaches the brand only via a bridge")
                for p in outer]
    return rows, actors, planted


def _days(seconds: float) -> float:
    return seconds / DAY


def describe(p: str, role: str, rows: list[tuple], fading_info: dict, followers: dict[str, int]) -> str:
    """One line that says, from the data itself, why this person has this role."""
    def when(ts: str) -> datetime:
        return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)

    last_ts = when(rows[-1][3])
    to_brand = [r for r in rows if r[0] == p and r[1] == BRAND]
    from_brand = [r for r in rows if r[0] == BRAND and r[1] == p]
    if role in ("fading_valuable", "loyal_active"):
        times = sorted(when(r[3]) for r in to_brand)
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
        usual = _days(float(np.median(gaps)))
        last = max(when(r[3]) for r in to_brand + from_brand)
        silent = _days((last_ts - last).total_seconds())
        shares = sum(r[2] == "share" for r in to_brand)
        referrals = sum(r[2] == "referral" for r in to_brand)
        head = (f"{len(to_brand)} events to the brand ({shares} shares, {referrals} referrals), "
                f"{len(from_brand)} back; {followers[p]:,} followers; usual gap {usual:.1f} days; ")
        if role == "loyal_active":
            return head + f"last contact {last:%Y-%m-%d}, still on rhythm"
        how = "tapered off, then stopped" if fading_info[p]["taper"] else "stopped abruptly"
        return head + f"{how}; silent since {last:%Y-%m-%d} ({silent:.0f} days, {silent / usual:.0f}x usual)"
    if role == "one_sided_fan":
        return f"{len(to_brand)} events to the brand (follow, likes, shares, mentions), none back"
    if role == "influencer":
        fans = {r[0] for r in rows if r[1] == p}
        return f"{followers[p]:,} followers; {len(fans)} people in the network give them attention"
    if role == "bridge":
        outer = {r[1] for r in rows if r[0] == p and r[5] == "mastodon"} | {
            r[0] for r in rows if r[1] == p and r[5] == "mastodon"}
        return (f"ties with {len(outer)} members of the ceramics collective on Mastodon; the bridges are "
                "its only link to the brand's community")
    if role == "one_off":
        r = (to_brand + from_brand)[0]
        return f"single {r[2]} to the brand on {r[3][:10]}"
    raise ValueError(role)


def write(out: Path, seed: int = SEED) -> None:
    out.mkdir(parents=True, exist_ok=True)
    events, actors, planted = generate(seed)
    for name, header, rows in (
        ("events.csv", ("src", "dst", "kind", "ts", "weight", "channel", "event_id"), events),
        ("actors.csv", ("id", "name", "platform", "followers"), actors),
        ("planted_truth.csv", ("node_id", "role", "detail"), planted),
    ):
        with open(out / name, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="output directory")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    args = parser.parse_args(argv)
    write(args.out, args.seed)


if __name__ == "__main__":
    main()
