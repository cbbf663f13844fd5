"""Reporting figures against a history small enough to count by hand.

`build_history` makes eight candidates with explicit phase changes. Day N means
2026-01-05 10:00 UTC + N days (`at(N)`); c3 registers at 23:30 UTC on 9 January, which is
already 10 January in Brussels, to test the period's day boundary.

     country campaign     registered  phase changes (day: from → to)           now
c1   NA      Namibia 2026 at(0)       10 out→imm, 100 imm→men, 130 men→cp,      placed
                                      150 cp→placed
c2   NA      Namibia 2026 at(2)       6 out→imm, 66 imm→men (staff override),   placement
                                      86 men→cp, 96 cp→men (fell through),
                                      126 men→cp
c3   ZA      Cape Talent  at(4.5625)  24.5625 out→imm, 144.5625 imm→men         mentoring
c4   ZA      —            at(7)       8.5 out→men (begin_mentoring), 48 men→cp, placed
                                      53 cp→placed
c5   NL      —            at(40)      (a `registered` row only, no change)      outreach
c6   BW      Cape Talent  at(45)      47 out→imm, 57 imm→hold, 87 hold→imm,     withdrawn
                                      90 imm→withdrawn
c7   NA      Namibia 2026 at(60)      65 out→imm, 135 imm→men, 145 men→cp       placement
c8   ZA      Cape Talent  at(80)      90 out→imm                                immersion

Dutch assessments (recorded on day): c1 A2@50, B1@95; c2 A2@30; c3 B2@140, C1@160 (after
its completion, so it does not count); c7 B1@130.
Placements: c1 started at Genk Co (Genk); c2 withdrawn at Genk Co and accepted at Hasselt Co
(Hasselt); c4 started at Genk Co; c7 proposed at Hasselt Co.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from onboarding.extensions import db
from onboarding.models import AuditEvent, Campaign, LanguageAssessment, Placement
from onboarding.services import reports
from onboarding.services.reports import (
    CampaignRow,
    ConversionRow,
    DurationRow,
    FunnelRow,
    ReportFilter,
    percentile,
)
from tests.factories import make_candidate, make_company

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
OUT, IMM, MEN, CP = "outreach", "language_immersion", "mentoring", "company_placement"
PLACED, HOLD, GONE = "placed", "on_hold", "withdrawn"


def at(day: float) -> datetime:
    return T0 + timedelta(days=day)


# (name, country, campaign key, registered day, [(day, trigger, from, to, detail)], phase)
HISTORY = [
    ("c1", "NA", "A", 0, [(10, "start_immersion", OUT, IMM),
                          (100, "complete_immersion", IMM, MEN),
                          (130, "propose_placement", MEN, CP),
                          (150, "confirm_placement", CP, PLACED)], PLACED),
    ("c2", "NA", "A", 2, [(6, "start_immersion", OUT, IMM),
                          (66, "complete_immersion", IMM, MEN, "dutch_override"),
                          (86, "propose_placement", MEN, CP),
                          (96, "placement_fell_through", CP, MEN),
                          (126, "propose_placement", MEN, CP)], CP),
    ("c3", "ZA", "B", 4.5625, [(24.5625, "start_immersion", OUT, IMM),
                               (144.5625, "complete_immersion", IMM, MEN)], MEN),
    ("c4", "ZA", None, 7, [(8.5, "begin_mentoring", OUT, MEN), (48, "propose_placement", MEN, CP),
                           (53, "confirm_placement", CP, PLACED)], PLACED),
    ("c5", "NL", None, 40, [], OUT),
    ("c6", "BW", "B", 45, [(47, "start_immersion", OUT, IMM), (57, "pause", IMM, HOLD),
                           (87, "resume", HOLD, IMM), (90, "withdraw", IMM, GONE)], GONE),
    ("c7", "NA", "A", 60, [(65, "start_immersion", OUT, IMM), (135, "complete_immersion", IMM, MEN),
                           (145, "propose_placement", MEN, CP)], CP),
    ("c8", "ZA", "B", 80, [(90, "start_immersion", OUT, IMM)], IMM),
]  # fmt: skip
ASSESSMENTS = [("c1", "A2", 50), ("c1", "B1", 95), ("c2", "A2", 30), ("c3", "B2", 140),
               ("c3", "C1", 160), ("c7", "B1", 130)]  # fmt: skip


def build_history(session) -> dict:
    """The eight candidates above; returns their ids and the campaign ids by key."""
    campaigns = {
        "A": Campaign(name="Namibia 2026", kind="partner_referral"),
        "B": Campaign(name="Cape Talent", kind="knowledge_tourism"),
    }
    session.add_all(campaigns.values())
    session.commit()
    ids: dict = {"A": campaigns["A"].id, "B": campaigns["B"].id}
    for name, country, campaign, day, changes, phase in HISTORY:
        candidate = make_candidate(
            name=f"Report {name}",
            country=country,
            phase=phase,
            campaign_id=campaigns[campaign].id if campaign else None,
            created_at=at(day),
            phase_entered_at=at(changes[-1][0]) if changes else at(day),
        )
        ids[name] = candidate.id
        # Facts that are not phase changes must not count as phase changes.
        session.add(AuditEvent(candidate_id=candidate.id, at=at(day), action="registered",
                               from_phase=OUT, to_phase=OUT))  # fmt: skip
        for change_day, trigger, source, dest, *detail in changes:
            session.add(
                AuditEvent(candidate_id=candidate.id, at=at(change_day), action=trigger,
                           from_phase=source, to_phase=dest, detail=detail[0] if detail else None)
            )  # fmt: skip
    for name, level, day in ASSESSMENTS:
        session.add(
            LanguageAssessment(candidate_id=ids[name], level=level, created_at=at(day),
                               assessed_on=at(day).date())
        )  # fmt: skip
    session.commit()
    genk = make_company("Genk Co", municipality="Genk")
    hasselt = make_company("Hasselt Co", municipality="Hasselt")
    for name, company, status in [
        ("c1", genk, "started"),
        ("c2", genk, "withdrawn"),
        ("c2", hasselt, "accepted"),
        ("c4", genk, "started"),
        ("c7", hasselt, "proposed"),
    ]:
        session.add(
            Placement(candidate_id=ids[name], company_id=company.id, project_title="Pilot",
                      status=status,
                      start_date=date(2026, 7, 1) if status in ("accepted", "started") else None)
        )  # fmt: skip
    session.commit()
    return ids


@pytest.fixture
def ids(ctx):
    return build_history(db.session)


def funnel(report) -> dict:
    return {row.phase: (row.reached, row.now) for row in report.funnel}


def durations(report) -> dict:
    return {row.phase: (row.stays, row.median, row.p90) for row in report.durations}


def conversion(report) -> dict:
    return {(row.phase, row.next_phase): (row.reached, row.converted) for row in report.conversion}


def test_everything_unfiltered(ids):
    report = reports.build_report(ReportFilter())
    assert report.total == 8
    # Reached: everyone starts in outreach; immersion c1 c2 c3 c6 c7 c8; mentoring c1 c2 c3 c4
    # c7; company placement c1 c2 c4 c7; placed c1 c4; on hold and withdrawn c6.
    # Now: outreach c5; immersion c8; mentoring c3; placement c2 c7; placed c1 c4; gone c6.
    assert report.funnel == [
        FunnelRow(OUT, 8, 1),
        FunnelRow(IMM, 6, 1),
        FunnelRow(MEN, 5, 1),
        FunnelRow(CP, 4, 2),
        FunnelRow(PLACED, 2, 2),
        FunnelRow(HOLD, 1, 0),
        FunnelRow(GONE, 1, 1),
    ]
    # NA c1 c2 c7; ZA c3 c4 c8; BW c6; NL c5 — most first, ties by code.
    assert report.countries == [("NA", 3), ("ZA", 3), ("BW", 1), ("NL", 1)]
    # Namibia 2026 c1 c2 c7; Cape Talent c3 c6 c8; none c4 c5.
    assert report.campaigns == [
        CampaignRow(ids["B"], "Cape Talent", 3),
        CampaignRow(ids["A"], "Namibia 2026", 3),
        CampaignRow(None, None, 2),
    ]
    # Accepted or started: c1 Genk, c4 Genk, c2 Hasselt (its withdrawn Genk placement and
    # c7's proposed one at Hasselt do not count).
    assert report.municipalities == [("Genk", 2), ("Hasselt", 1)]
    # Completed stays, sorted, nearest rank (median rank ⌈n/2⌉, p90 rank ⌈0.9n⌉):
    # outreach  c4 1.5, c6 2, c2 4, c7 5, c1 10, c8 10, c3 20 → n 7, rank 4 = 5, rank 7 = 20
    #           (c5 still in outreach: left out)
    # immersion c6 3, c6 10, c2 60, c7 70, c1 90, c3 120 → n 6, rank 3 = 60 (not 65), rank 6
    #           = 120 (c8 still in immersion)
    # mentoring c7 10, c2 20, c1 30, c2 30, c4 39.5 → n 5, rank 3 = 30, rank 5 = 39.5
    #           (c3 still in mentoring)
    # placement c4 5, c2 10, c1 20 → n 3, rank 2 = 10, rank 3 = 20 (c2's second stay and c7
    #           still running)
    # on hold   c6 30 → 30, 30
    assert durations(report) == {
        OUT: (7, 5.0, 20.0),
        IMM: (6, 60.0, 120.0),
        MEN: (5, 30.0, 39.5),
        CP: (3, 10.0, 20.0),
        HOLD: (1, 30.0, 30.0),
    }
    # outreach 8 → immersion 6 (c4 skipped it, c5 still in outreach): 75 %
    # immersion 6 → mentoring c1 c2 c3 c7 = 4: 66.7 %
    # mentoring 5 → placement c1 c2 c4 c7 = 4: 80 %
    # placement 4 → placed c1 c4 = 2: 50 %
    assert conversion(report) == {
        (OUT, IMM): (8, 6),
        (IMM, MEN): (6, 4),
        (MEN, CP): (5, 4),
        (CP, PLACED): (4, 2),
    }
    assert [round(row.share, 4) for row in report.conversion] == [0.75, 0.6667, 0.8, 0.5]
    # c1 best before day 100: B1; c2 override; c3 B2 (C1 came after); c7 B1.
    assert report.immersion == [
        ("A1", 0), ("A2", 0), ("B1", 2), ("B2", 1), ("C1", 0), ("C2", 0), ("override", 1),
    ]  # fmt: skip


def test_period_filter(ids):
    # 5 to 12 January (Brussels days): c1 c2 c3 c4.
    report = reports.build_report(ReportFilter(date(2026, 1, 5), date(2026, 1, 12)))
    assert report.total == 4
    assert funnel(report) == {
        OUT: (4, 0), IMM: (3, 0), MEN: (4, 1), CP: (3, 1), PLACED: (2, 2), HOLD: (0, 0),
        GONE: (0, 0),
    }  # fmt: skip
    assert report.countries == [("NA", 2), ("ZA", 2)]
    assert report.campaigns == [
        CampaignRow(ids["A"], "Namibia 2026", 2),
        CampaignRow(ids["B"], "Cape Talent", 1),
        CampaignRow(None, None, 1),
    ]
    assert report.municipalities == [("Genk", 2), ("Hasselt", 1)]
    # outreach c4 1.5, c2 4, c1 10, c3 20 → rank 2 = 4, rank 4 = 20
    assert report.durations[0] == DurationRow(OUT, 4, 4.0, 20.0)
    # 3/4, 3/3, 3/4 (c3 still mentoring), 2/3 (c2 back in placement)
    assert conversion(report) == {
        (OUT, IMM): (4, 3), (IMM, MEN): (3, 3), (MEN, CP): (4, 3), (CP, PLACED): (3, 2),
    }  # fmt: skip
    assert dict(report.immersion) == {
        "A1": 0, "A2": 0, "B1": 1, "B2": 1, "C1": 0, "C2": 0, "override": 1,
    }  # fmt: skip


def test_period_days_are_brussels_days(ids):
    # c3 registered 9 January 23:30 UTC = 10 January 00:30 in Brussels.
    first = reports.build_report(ReportFilter(date(2026, 1, 5), date(2026, 1, 9)))
    assert first.total == 2
    assert first.countries == [("NA", 2)]  # c1 c2
    second = reports.build_report(ReportFilter(date(2026, 1, 10), date(2026, 1, 12)))
    assert second.total == 2
    assert second.countries == [("ZA", 2)]  # c3 c4
    only_from = reports.build_report(ReportFilter(registered_from=date(2026, 2, 1)))
    assert only_from.total == 4  # c5 c6 c7 c8
    assert only_from.countries == [("BW", 1), ("NA", 1), ("NL", 1), ("ZA", 1)]


def test_campaign_filter(ids):
    # Cape Talent: c3 c6 c8.
    report = reports.build_report(ReportFilter(campaign=ids["B"]))
    assert report.total == 3
    assert funnel(report) == {
        OUT: (3, 0), IMM: (3, 1), MEN: (1, 1), CP: (0, 0), PLACED: (0, 0), HOLD: (1, 0),
        GONE: (1, 1),
    }  # fmt: skip
    assert report.countries == [("ZA", 2), ("BW", 1)]
    assert report.campaigns == [CampaignRow(ids["B"], "Cape Talent", 3)]
    assert report.municipalities == []
    # outreach c6 2, c8 10, c3 20 → 10, 20; immersion c6 3, c6 10, c3 120 → 10, 120
    assert durations(report) == {
        OUT: (3, 10.0, 20.0),
        IMM: (3, 10.0, 120.0),
        MEN: (0, None, None),
        CP: (0, None, None),
        HOLD: (1, 30.0, 30.0),
    }
    assert conversion(report) == {
        (OUT, IMM): (3, 3), (IMM, MEN): (3, 1), (MEN, CP): (1, 0), (CP, PLACED): (0, 0),
    }  # fmt: skip
    assert [row.share for row in report.conversion][2:] == [0.0, None]
    assert dict(report.immersion)["B2"] == 1
    assert sum(dict(report.immersion).values()) == 1


def test_without_campaign_and_combined_filters(ids):
    none = reports.build_report(ReportFilter(campaign=reports.NO_CAMPAIGN))
    assert none.total == 2  # c4 c5
    assert none.countries == [("NL", 1), ("ZA", 1)]
    assert none.campaigns == [CampaignRow(None, None, 2)]
    assert none.municipalities == [("Genk", 1)]
    both = reports.build_report(ReportFilter(date(2026, 1, 5), date(2026, 1, 9), ids["A"]))
    assert both.total == 2  # c1 c2
    assert funnel(both)[CP] == (2, 1)
    assert dict(both.immersion)["override"] == 1
    assert dict(both.immersion)["B1"] == 1


def test_empty_selection(ids):
    report = reports.build_report(ReportFilter(date(2030, 1, 1), date(2030, 12, 31)))
    assert report.total == 0
    assert all(row.reached == row.now == 0 for row in report.funnel)
    assert report.countries == report.campaigns == report.municipalities == []
    assert all(row.stays == 0 and row.median is None for row in report.durations)
    assert all(row.share is None for row in report.conversion)
    assert sum(number for _level, number in report.immersion) == 0


def test_completion_without_any_assessment_is_shown_as_such(ctx):
    candidate = make_candidate(phase=MEN, created_at=at(0), phase_entered_at=at(20))
    db.session.add_all(
        [
            AuditEvent(candidate_id=candidate.id, at=at(5), action="start_immersion",
                       from_phase=OUT, to_phase=IMM),
            AuditEvent(candidate_id=candidate.id, at=at(20), action="complete_immersion",
                       from_phase=IMM, to_phase=MEN),
        ]
    )  # fmt: skip
    db.session.commit()
    assert dict(reports.build_report(ReportFilter()).immersion)[reports.NO_ASSESSMENT] == 1


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([], 50, None),
        ([7.0], 90, 7.0),
        ([4.0, 1.0, 3.0, 2.0], 50, 2.0),  # lower middle value, not 2.5
        ([4.0, 1.0, 3.0, 2.0], 90, 4.0),
        (list(map(float, range(1, 11))), 90, 9.0),  # rank ⌈9⌉ = 9, no float drift to 10
        (list(map(float, range(1, 21))), 90, 18.0),
        ([5.0, 1.0, 3.0], 50, 3.0),
    ],
)
def test_percentile_is_nearest_rank(values, p, expected):
    assert percentile(values, p) == expected


def test_conversion_row_share():
    assert ConversionRow(OUT, IMM, 3, 2).share == pytest.approx(2 / 3)
    assert ConversionRow(OUT, IMM, 0, 0).share is None
