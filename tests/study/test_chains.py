"""The chain office's records in the store: tasks opened, changed and closed with every state
kept and audited, overdue flagged; 链长 and 链主 named and stood down; an office's own template
kept and used for a ledger; every bad change refused with the reason and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

from clusteratlas.study.chains import (
    ChainRefused,
    add_chain_template,
    assign_role,
    chain_template,
    chain_templates,
    open_task,
    roles,
    task_history,
    tasks,
    update_task,
)

CHAIN, REGION = "petroleum_machinery", "421003"


def test_a_task_goes_from_open_to_done_with_every_state_kept_and_audited(base_store):
    s = base_store
    t = open_task(s, CHAIN, REGION, "引进石油专用管材企业", "区招商局", "王科长", due_date="2006-09-30",
                  link_id="steel_tubulars", note="宝鸡石油钢管为首选")
    update_task(s, t, "王科长", status="in_progress", note="已赴宝鸡洽谈")
    update_task(s, t, "李处长", owner="区经信局", due_date="2006-12-31")
    now = tasks(s, CHAIN, REGION, today=dt.date(2006, 10, 1)).set_index("task_id").loc[t]
    assert (now["status"], now["owner"], str(now["due_date"])[:10], now["changes"]) == \
        ("in_progress", "区经信局", "2006-12-31", 2)
    assert not now["overdue"]  # its new due date has not passed
    assert tasks(s, today=dt.date(2007, 1, 2)).set_index("task_id").at[t, "overdue"]
    history = task_history(s, t)
    assert history["status"].tolist() == ["open", "in_progress", "in_progress"]
    assert history["actor"].tolist() == ["王科长", "王科长", "李处长"]
    assert history["note"].tolist()[:2] == ["宝鸡石油钢管为首选", "已赴宝鸡洽谈"]
    update_task(s, t, "王科长", status="done", note="签约")
    assert tasks(s, open_only=True).empty and len(tasks(s)) == 1
    log = s.sql("SELECT username, detail FROM audit_log WHERE resource = 'chain_tasks' ORDER BY audit_id")
    assert len(log) == 4 and log["detail"].iloc[0].startswith(f"task {t} opened")


@pytest.mark.parametrize("change, says", [
    (dict(chain_id="no_such_chain"), "no chain 'no_such_chain'"),
    (dict(link_id="nope"), "has no link 'nope'"),
    (dict(firm_id="F-NOT-HERE"), "no firm 'F-NOT-HERE'"),
    (dict(due_date="30/09/2006"), "write it as YYYY-MM-DD"),
    (dict(title="  "), "title is required"),
    (dict(owner="x" * 2001), "at most 2000 characters"),
])
def test_a_bad_task_is_refused_and_nothing_is_written(base_store, change, says):
    args = dict(chain_id=CHAIN, region_id=REGION, title="t", owner="o", actor="a")
    args.update(change)
    with pytest.raises((ChainRefused, KeyError), match=says):
        open_task(base_store, args.pop("chain_id"), args.pop("region_id"), args.pop("title"), args.pop("owner"),
                  args.pop("actor"), **args)
    assert tasks(base_store).empty


def test_tasks_without_a_due_date_are_never_overdue(base_store):
    """(A list of tasks none of which has a due date once made the chain page answer 500.)"""
    open_task(base_store, CHAIN, REGION, "四机厂铸锻件本地配套", "区经信局", "王科长")
    listed = tasks(base_store, today=dt.date(2030, 1, 1))
    assert len(listed) == 1 and not listed["overdue"].iloc[0]


def test_a_bad_change_to_a_task_is_refused(base_store):
    t = open_task(base_store, CHAIN, REGION, "t", "o", "a")
    with pytest.raises(ChainRefused, match="status must be one of"):
        update_task(base_store, t, "a", status="finished")
    with pytest.raises(ChainRefused, match="nothing to change"):
        update_task(base_store, t, "a")
    with pytest.raises(ChainRefused, match="no task 99"):
        update_task(base_store, 99, "a", status="done")
    assert len(task_history(base_store, t)) == 1


def test_the_chief_and_the_leading_firms_are_named_and_stood_down(base_store):
    s = base_store
    firm = s.table("firms")["firm_id"].iloc[0]
    assign_role(s, CHAIN, REGION, "chief", "张三", "区委办", title="副区长")
    assign_role(s, CHAIN, REGION, "leader_firm", firm, "区委办")
    with pytest.raises(ChainRefused, match="a 链主 is a firm of the store"):
        assign_role(s, CHAIN, REGION, "leader_firm", "NOT-A-FIRM", "区委办")
    with pytest.raises(ChainRefused, match="role must be one of"):
        assign_role(s, CHAIN, REGION, "mayor", "李四", "区委办")
    now = roles(s, CHAIN, REGION)
    assert now[["role_zh", "holder", "title"]].values.tolist()[0] == ["链长", "张三", "副区长"]
    assign_role(s, CHAIN, REGION, "chief", "张三", "区委办", end=True)
    assign_role(s, CHAIN, REGION, "chief", "王五", "区委办", title="区长")
    assert roles(s, CHAIN, REGION)[["role", "holder"]].values.tolist() == [["chief", "王五"], ["leader_firm", firm]]
    with pytest.raises(ChainRefused, match="does not hold 链长"):
        assign_role(s, CHAIN, REGION, "chief", "张三", "区委办", end=True)


OWN = """
id: optics_valley
name_zh: 光电子信息
name_en: Optoelectronics
core_codes: ["3976"]
sources: ['the office''s own chain study (test)']
links:
  - {id: chips, stage: upstream, name_zh: 芯片, name_en: Chips, products: [芯片], codes: ["3973"]}
  - {id: devices, stage: midstream, name_zh: 光器件, name_en: Optical devices, products: [光模块, 光器件], codes: ["3976"]}
  - {id: telecoms, stage: downstream, name_zh: 通信, name_en: Telecoms, products: [通信], codes: ["63"]}
"""


def test_an_office_adds_its_own_chain_and_a_shipped_name_is_refused(base_store):
    s = base_store
    add_chain_template(s, OWN, "规划科")
    t = chain_template("optics_valley", s)
    assert [lk.id for lk in t.links] == ["chips", "devices", "telecoms"]
    listed = chain_templates(s).set_index("name")
    assert listed.at["optics_valley", "source"].startswith("store (规划科") and len(listed) == 10
    with pytest.raises(ChainRefused, match="is a shipped chain"):
        add_chain_template(s, OWN.replace("id: optics_valley", "id: petroleum_machinery"), "规划科")
    with pytest.raises(ValueError, match="not a GB/T 4754"):
        add_chain_template(s, OWN.replace('"63"', '"99"'), "规划科")
    assert len(chain_templates(s)) == 10


def test_the_ledger_of_the_sample_store_through_the_diagnosis(sample_study):
    from clusteratlas.study import Settings, diagnose

    d = diagnose(sample_study, Settings(n_sim=19))
    ledger = d.chain_ledger(chain_template(CHAIN))
    assert ledger.year == 2005 and ledger.region == REGION
    assert d.chain_ledger(chain_template(CHAIN)) is ledger  # computed once
    assert (ledger.supporting_rates["year"] <= ledger.year).all()
