"""pyodk 1.3, unmodified, against a live Baobab after a tablet's offline run arrived out of order:
the submissions sent with pyodk's submissions.create (as Collect's XML), the entity read back
with entities.list (currentVersion.baseVersion as stored, Central's numbering), then updated
with base_version as Central requires, and the OData table's conflict."""

from __future__ import annotations

import pyodk.errors as pyodk_errors
import pytest

from tests.support.entities import E1, intake
from tests.support.forms import XLSX
from tests.support.offline_entities import BRANCH, update
from tests.support.paths import FORMS
from tests.support.pyodk import pyodk_publish


def test_an_offline_run_out_of_order_reads_and_updates_through_pyodk(client, project):
    for name in ("reintegration_followup", "returnee_intake"):
        pyodk_publish(client, project, FORMS / f"{name}.xlsx", XLSX)
    runs = [update(E1, n, trunk=1, branch=BRANCH, count=n) for n in (1, 2, 3)]
    for xml, form in [
        (runs[2], "reintegration_followup"),
        (intake(E1), "returnee_intake"),
        (runs[0], "reintegration_followup"),
        (runs[1], "reintegration_followup"),
    ]:
        client.submissions.create(xml=xml.decode(), form_id=form)
    (returnee,) = client.entities.list(entity_list_name="returnees")
    assert returnee.currentVersion.version == 4 and returnee.currentVersion.baseVersion == 3
    assert returnee.conflict is None
    with pytest.raises(pyodk_errors.PyODKError, match="409"):  # the branch's base is stale
        client.entities.update(
            E1, data={"followup_count": "9"}, base_version=3, entity_list_name="returnees"
        )
    updated = client.entities.update(
        E1, data={"followup_count": "4"}, base_version=4, entity_list_name="returnees"
    )
    assert (updated.currentVersion.version, updated.currentVersion.baseVersion) == (5, 4)
    table = client.entities.get_table(entity_list_name="returnees")
    assert [
        (r["__id"], r["__system"]["version"], r["__system"]["conflict"]) for r in table["value"]
    ] == [(E1, 5, None)]
