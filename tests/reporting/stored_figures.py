"""A report's figures exactly as the code kept them before the JSON carried a format version
(so read as version 1): AL-0001's October 2026 report, headsets 6 % above ordered."""

BEFORE_VERSIONS = {
    "month": "2026-10-01",
    "contract": {"id": 1, "start": "2026-01-01", "end": "2027-12-31", "currency": "EUR",
                 "status": "active", "baseline_version": 1, "baseline_effective": "2026-01-01"},
    "source": {"kind": "lens", "date": "2026-10-20"},
    "categories": [
        {"category": "headsets", "ordered": 100, "baseline": "105.0000", "actual": 106,
         "change_percent": "6.0", "status": "true_up_due"},
        {"category": "video", "ordered": 10, "baseline": "10.5000", "actual": 10,
         "change_percent": "0.0", "status": "within_baseline"},
    ],
    "trend": {
        "months": ["2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01",
                   "2026-04-01", "2026-05-01", "2026-06-01", "2026-07-01", "2026-08-01",
                   "2026-09-01", "2026-10-01"],
        "series": {"headsets": [None, None, None, None, None, None,
                                100, 101, 102, 103, 104, 106],
                   "video": [None, None, None, None, None, None, 10, 10, 10, 10, 10, 10]},
    },
    "true_up": {
        "due": True, "adjustment_month": "2026-11-01", "term_end": "2027-12-31", "months": 14,
        "lines": [{"category": "headsets", "ordered": 100, "actual": 106, "added": 6,
                   "annual_price": "24.00", "months": 14, "amount": "168.00"}],
        "total": "168.00", "threshold_percent": "5.00",
    },
    "headsets": {"year": 2026, "base": 100, "approved": 0, "percent": "0.0",
                 "threshold_percent": "5.0", "chargeable": 0, "charges": "0.00"},
    "tickets": {
        "opened": 2, "resolved": 2, "p1": 0, "escalations": 0, "cloud_incidents": 0,
        "breaches": 1,
        "sla": {"P1": {"resolved": 0, "met": 0, "percent": None},
                "P2": {"resolved": 1, "met": 1, "percent": "100.0"},
                "P3": {"resolved": 1, "met": 0, "percent": "0.0"},
                "P4": {"resolved": 0, "met": 0, "percent": None}},
    },
    "firmware": {"reporting": 1, "outdated": 0, "percent_current": "100.0"},
    "uncovered": [{"sku": "OLD-1", "name": "Old Phone", "category": "phones",
                   "reason": "end_of_life", "count": 1}],
    "uncovered_total": 1,
    "csm_hours": {"used": "3.50", "purchased": 16},
}
