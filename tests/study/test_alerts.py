"""Early warnings over a constructed store, end to end: files imported as a bureau keeps them, a
run of the shipped rules recorded, the warnings it must raise and none it must not, a second run
finding the same ones (not new), states changed with notes and kept, and each role seeing only
the warnings of its region, park or none."""

from __future__ import annotations

import datetime as dt

import pytest

from clusteratlas.io import import_files
from clusteratlas.policy.access import PUBLIC, User, visible_alerts
from clusteratlas.study import Settings, diagnose, open_study
from clusteratlas.study.alerts import AlertRefused, alert_history, alerts, mark_alert, run_alerts
from tests.conftest import write_csv

AS_OF = dt.date(2006, 12, 31)


@pytest.fixture
def warned(base_store, tmp_path):
    """The base store (F1 四机厂 and F2 in park P01, F3 拍马集团 outside it) with two years of
    figures and two projects, and one run of the shipped rules."""
    write_csv(tmp_path / "企业年报.csv", [
        ["企业代码", "统计期", "工业总产值(万元)", "实缴税金(万元)", "用电量(万千瓦时)"],
        ["F1", "2005年", "10000", "500", "800"], ["F1", "2006年", "6000", "480", "760"],   # output −40 %
        ["F2", "2005年", "1000", "50", "100"], ["F2", "2006年", "950", "49", "60"],        # electricity −40 %
        ["F3", "2005年", "2000", "100", "300"], ["F3", "2006年", "2100", "60", "310"],     # tax −40 %
    ])
    write_csv(tmp_path / "项目.csv", [
        ["项目编号", "项目名称", "项目阶段", "行业代码", "所在地区", "入驻园区", "签约日期", "协议投资额(万元)", "到位资金(万元)"],
        ["J1", "管材项目", "signed", "3130", "421003", "P01", "2006-01-10", "20000", "1000"],  # 355 days, not started
        ["J2", "液压项目", "signed", "3444", "421003", "P01", "2006-11-01", "5000", "500"],    # 60 days
    ])
    import_files(base_store, [tmp_path / "企业年报.csv", tmp_path / "项目.csv"])
    d = diagnose(open_study(base_store, "421003", (2006, 12)), Settings(n_sim=0))
    run = run_alerts(base_store, d, "系统", as_of=AS_OF)
    return base_store, d, run


def test_a_run_raises_the_warnings_the_figures_call_for_and_no_others(warned):
    s, _, run = warned
    found = {(r.rule_id, r.alert_key.split(":")[1]) for r in alerts(s).itertuples()}
    assert found == {("output_drop", "F1"), ("electricity_drop", "F2"), ("tax_drop", "F3"),
                     ("project_not_started", "J1")}
    assert run == {"run_id": 1, "alerts": 4, "new": 4}
    a = alerts(s).set_index("rule_id")
    assert a.loc["output_drop", "message_zh"].startswith("四机厂（2006年）工业总产值 6,000.0 万元，同比 -40.0%")
    assert a.loc["project_not_started", "message_zh"] == "管材项目于 2006-01-10 签约，至 2006-12-31 已 355 天仍未开工"
    assert set(a["state"]) == {"new"}
    runs = s.sql("SELECT * FROM alert_runs")
    assert runs.loc[0, ["ruleset", "alerts", "new_alerts", "period"]].tolist() == ["default", 4, 4, "2006年"]


def test_a_second_run_finds_the_same_warnings_and_their_states_stay(warned):
    s, d, _ = warned
    first = alerts(s).set_index("alert_key")["alert_id"]
    drop = int(first[first.index.str.startswith("output_drop")].iloc[0])
    mark_alert(s, drop, "seen", "王科长")
    with pytest.raises(AlertRefused, match="a note is required"):
        mark_alert(s, drop, "handled", "王科长")
    with pytest.raises(AlertRefused, match="state must be seen or handled"):
        mark_alert(s, drop, "closed", "王科长", "x")
    mark_alert(s, drop, "handled", "王科长", "已走访四机厂：订单季节性下滑")
    again = run_alerts(s, d, "系统", as_of=AS_OF)
    assert again == {"run_id": 2, "alerts": 4, "new": 0}
    now = alerts(s).set_index("alert_key")
    assert (now["alert_id"] == first.loc[now.index]).all()  # the same warnings
    assert now.loc[now.index.str.startswith("output_drop"), "state"].iloc[0] == "handled"
    assert now["last_run_id"].eq(2).all() and now["first_run_id"].eq(1).all()
    history = alert_history(s, drop)
    assert history["state"].tolist() == ["new", "seen", "handled"] and history["note"].iloc[-1].startswith("已走访")
    assert s.sql("SELECT count(*) AS n FROM audit_log WHERE resource = 'alerts'")["n"].iloc[0] == 4


@pytest.mark.parametrize("user, sees", [
    (User("admin", "admin"), {"F1", "F2", "F3", "J1"}),
    (User("analyst", "analyst", region_id="421003"), {"F1", "F2", "F3", "J1"}),
    (User("outsider", "analyst", region_id="421002"), set()),
    (User("p01", "park_manager", park_id="P01"), {"F1", "F2", "J1"}),  # not F3: outside the park
    (User("p02", "park_manager", park_id="P02"), set()),
    (User("f1", "firm", firm_id="F1"), set()),
    (PUBLIC, set()),
])
def test_a_warning_reaches_only_the_roles_and_scopes_allowed(warned, user, sees):
    s, _, _ = warned
    shown = visible_alerts(alerts(s), user)
    assert {k.split(":")[1] for k in shown["alert_key"]} == sees
