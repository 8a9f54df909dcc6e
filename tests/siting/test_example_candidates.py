"""The example candidates of docs/examples/county-candidates.csv read against the bundled
county, and each site is nearer to its village's farms than any point open today."""

from __future__ import annotations

import pytest
from builders import INSTANCES, REPO

from agrichain.io import load_scenario
from agrichain.siting import coverage, read_candidates
from agrichain.siting.coverage import default_travel, farm_point_matrix, village_of

EXAMPLE = REPO / "docs" / "examples" / "county-candidates.csv"
#: The village each example site serves.
VILLAGE = {"C_DT": "东田村", "C_BW": "北湾村"}


@pytest.mark.parametrize("candidate_id", sorted(VILLAGE))
def test_an_example_site_is_nearer_to_its_village_than_todays_points(candidate_id: str) -> None:
    county = load_scenario(INSTANCES / "county")
    sites = {c.candidate_id: c for c in read_candidates(EXAMPLE, county)}
    assert set(VILLAGE) <= set(sites)
    assert all(c.cold_capacity_kg <= c.capacity_kg for c in sites.values())
    farms = [f for f in county.farms if village_of(f) == VILLAGE[candidate_id]]
    assert farms
    site = sites[candidate_id]
    minutes, _ = farm_point_matrix(farms, [(site.lat, site.lon)], default_travel(county))
    today = {r.farm_id: r.minutes for r in coverage(county, 60).farms}
    assert all(minutes[i, 0] < today[f.farm_id] for i, f in enumerate(farms))
