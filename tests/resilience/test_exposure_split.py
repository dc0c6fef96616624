"""compute() on a large network: segments and premises read in this session, the point assets in
a second one over its own area tables (services/exposure.py `_split`), at once. The figures and
the exposed assets are those of the one-session path. Committed data (transactional test): the
second session does not see the test's transaction."""
import pytest

from resilience.services import exposure
from resilience.services.ingest import ingest_payload
from tests.builders import build_small_network

from .capdocs import cap, info


@pytest.mark.django_db(transaction=True)
def test_two_sessions_give_the_figures_and_assets_of_one(settings, monkeypatch):
    net = build_small_network()
    # orange snow-ice: segments, supports and the enclosures on them (test_alerts_exposure_layers)
    alert = ingest_payload(cap(infos=[info(event="Neige", awareness="2; snow-ice")]), "cap").alerts[0]
    calls = []
    own_session = exposure._grouped_in_own_session

    def spy(*args):
        calls.append(args)
        return own_session(*args)

    monkeypatch.setattr(exposure, "_grouped_in_own_session", spy)
    settings.EXPOSURE_SPLIT_MIN_SEGMENTS = 10 ** 9
    one = exposure.compute(alert, net.network)
    assert calls == []
    settings.EXPOSURE_SPLIT_MIN_SEGMENTS = 1
    two = exposure.compute(alert, net.network)
    assert len(calls) == 1
    for kind in ("segments", "supports", "sites", "enclosures"):
        assert getattr(two["exposed"], kind) == getattr(one["exposed"], kind), kind
    assert two["exposed"].supports and two["exposed"].enclosures  # the second session's part is not empty
    assert two["per_commune"] == one["per_commune"] and two["totals"] == one["totals"]
    exposure.forget_area()
