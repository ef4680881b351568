"""The evidence library pages, its curation in the admin, and check_evidence_links."""

from __future__ import annotations

import math
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command

from evidence.models import DESIGN_STRENGTH, Evidence
from groups.models import Condition
from tests.support.organisers import with_two_factor

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.evidence_fixtures"]


def listed_keys(html: str) -> list[str]:
    return re.findall(
        r'<th scope="row" class="nhsuk-table__cell"><a href="/evidence/([^"/]+)/">', html
    )


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("curator", "c@example.org", "pw-Admin-1")
    with_two_factor(user)
    client.force_login(user)
    client.user = user
    return client


# --- The library --------------------------------------------------------------------


def test_it_lists_every_published_record_twenty_a_page(client):
    total = Evidence.objects.published().count()
    pages = math.ceil(total / 20)
    first = client.get("/evidence/")
    assert first.status_code == 200
    html = first.content.decode()
    assert f"{total} records" in html
    assert len(listed_keys(html)) == 20
    assert "<caption" in html and 'scope="col"' in html
    assert f"Page 2 of {pages}" in html and 'href="?page=2"' in html
    last = client.get("/evidence/", {"page": pages}).content.decode()
    assert len(listed_keys(last)) == total - 20 * (pages - 1)
    assert "Next" not in last
    filtered = client.get("/evidence/", {"design": "qualitative"}).content.decode()
    if "Page 2 of" in filtered:
        assert 'href="?design=qualitative&amp;page=2"' in filtered, "filters kept"
    assert client.get("/evidence/", {"page": pages + 1}).status_code == 404
    assert client.get("/evidence/", {"page": "x"}).status_code == 404


def test_it_lists_the_strongest_designs_first(client):
    keys = listed_keys(client.get("/evidence/").content.decode())
    designs = dict(Evidence.objects.values_list("key", "design"))
    strengths = [DESIGN_STRENGTH[designs[key]] for key in keys]
    assert strengths == sorted(strengths)
    strongest = min(DESIGN_STRENGTH[d] for d in designs.values())
    assert strengths[0] == strongest


FILTERS = [
    {"condition": "chronic_fatigue_syndrome"},
    {"group_type": "harm_reduction"},
    {"design": "rct"},
    {"outcome_direction": "mixed"},
    {"condition": "psychosis", "design": "rct"},
    {"condition": "alcohol", "group_type": "twelve_step", "outcome_direction": "negative"},
    {"kind": "opinion"},
    {"studied": "not_mutual_aid"},
]


def expected_keys(params: dict[str, str]) -> set[str]:
    records = Evidence.objects.published()
    lookups = {"condition": "conditions__slug", "group_type": "group_types__slug"}
    for name, value in params.items():
        records = records.filter(**{lookups.get(name, name): value})
    return set(records.values_list("key", flat=True))


@pytest.mark.parametrize("params", FILTERS)
def test_it_filters_by_condition_group_type_design_kind_and_outcome(client, params):
    expected = expected_keys(params)
    response = client.get("/evidence/", params)
    assert response.status_code == 200
    html = response.content.decode()
    assert set(listed_keys(html)) == expected
    assert f"{len(expected)} record" in html
    if not expected:
        assert "No record in the library matches these filters." in html
    for name, value in params.items():
        assert re.search(rf'<option value="{value}" selected>', html), name


def test_the_filters_find_what_the_issue_names():
    assert expected_keys({"condition": "chronic_fatigue_syndrome"}) >= {
        "bentall-et-al-2002",
        "carelsen-2003",
    }
    assert expected_keys({"kind": "opinion"}) >= {"nelles-1990", "baldacchino-rassool-2006"}
    assert "lecomte-et-al-1999" in expected_keys({"studied": "not_mutual_aid"})


def test_filters_have_labels(client):
    html = client.get("/evidence/").content.decode()
    for name in ("condition", "group_type", "kind", "studied", "design", "outcome_direction"):
        assert f'<label class="nhsuk-label" for="id_{name}">' in html
        assert f'<select class="nhsuk-select" id="id_{name}" name="{name}"' in html


def test_a_bad_filter_value_is_an_error_not_a_crash(client):
    response = client.get("/evidence/", {"design": "horoscope", "condition": "nonsense"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_design"' in html and 'href="#id_condition"' in html


def test_unpublished_records_are_not_shown(client, make_evidence):
    draft = make_evidence("Draft, A.", published=False)
    assert draft.key not in listed_keys(client.get("/evidence/", {"page": 3}).content.decode())
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/evidence/no-such-record/").status_code == 404


# --- A record's page ----------------------------------------------------------------


def test_a_records_page_shows_its_citation_finding_and_the_groups_it_applies_to(client, make_group):
    cfs = make_group("ME/CFS circle", conditions=("chronic_fatigue_syndrome",))
    make_group("Draft ME group", conditions=("chronic_fatigue_syndrome",), status="draft")
    make_group("Drinkers", conditions=("alcohol",))
    response = client.get("/evidence/bentall-et-al-2002/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Bentall et al. (2002)",
        "Bentall, R.P., Powell, P., Nye, F.J., &amp; Edwards, R.H.T. (2002) Predictors of "
        "response to treatment for chronic fatigue syndrome. British Journal of Psychiatry, "
        "181, 248\u2013252.",
        "membership of a self-help group predicted a poor response to that treatment",
        "Cohort study",
        "95 participants",
        "Negative evidence",
        "Chronic fatigue syndrome (ME/CFS)",
        "Mutual aid groups of any type",
        "The potential for harm",
    ]:
        assert text in html, text
    applies = html[html.index("Groups it applies to") :]
    assert f'<a href="{cfs.get_absolute_url()}">ME/CFS circle</a>' in applies
    assert "Draft ME group" not in applies
    assert "Drinkers" not in applies


def test_missing_year_title_or_country_says_not_reported(client):
    refuge = client.get("/evidence/review-authors-refuge-pilot/").content.decode()
    assert re.search(r"Year</dt><dd[^>]*>Not reported<", refuge)
    assert re.search(r"Title</dt><dd[^>]*>Not reported<", refuge)
    assert "(year not reported) Title not reported." in refuge
    tonigan = client.get("/evidence/tonigan-et-al-1998/").content.decode()
    assert re.search(r"Country</dt><dd[^>]*>Not reported<", tonigan)
    assert re.search(r"Sample size</dt><dd[^>]*>Not reported<", tonigan)
    alliance = client.get("/evidence/depression-alliance-2008/").content.decode()
    assert "Depression Alliance (2008) Title not reported." in alliance
    listing = client.get("/evidence/", {"condition": "depression"}).content.decode()
    assert "Title not reported" in listing
    listing = client.get("/evidence/", {"condition": "alcohol"}).content.decode()
    assert re.search(r'<td class="nhsuk-table__cell">Not reported</td>', listing)


def test_a_general_record_applies_to_groups_for_any_condition(client, make_group):
    make_group("Gamblers together", conditions=("gambling",), group_type="faith_based")
    html = client.get("/evidence/wituk-et-al-2002/").content.decode()
    assert "It is not specific to one condition" in html
    assert "Gamblers together" in html
    assert "339 groups" in html


def test_a_directly_linked_group_is_listed_whatever_its_type(client, make_group, make_evidence):
    group = make_group("Linked group", conditions=("gambling",), group_type="advocacy")
    record = make_evidence(conditions=("psychosis",), group_types=("educational",), groups=(group,))
    assert "Linked group" in client.get(record.get_absolute_url()).content.decode()


def test_group_pages_link_to_the_library(client, make_group):
    html = client.get(make_group().get_absolute_url()).content.decode()
    assert 'href="/evidence/"' in html


# --- Curation in the admin ----------------------------------------------------------


def test_curators_search_by_author_or_title(admin_client):
    html = admin_client.get("/admin/evidence/evidence/", {"q": "Bentall"}).content.decode()
    assert "Bentall et al. (2002)" in html and "Vaillant" not in html
    html = admin_client.get("/admin/evidence/evidence/", {"q": "allotment"}).content.decode()
    assert "Fieldhouse (2003)" in html and "Bentall" not in html


def test_curators_add_evidence_with_its_tags_and_are_recorded_as_curator(admin_client, make_group):
    group = make_group("Linked")
    form = admin_client.get("/admin/evidence/evidence/add/").content.decode()
    assert f'<option value="{admin_client.user.pk}" selected>' in form
    assert "selectfilter" in form  # filter_horizontal for the taxonomies
    alcohol = Condition.objects.get(slug="alcohol")
    response = admin_client.post(
        "/admin/evidence/evidence/add/",
        {
            "key": "",
            "authors": "Newman, A., & Old, B.",
            "year": "2024",
            "title": "A new trial",
            "venue": "",
            "doi": "10.1000/xyz123",
            "url": "",
            "kind": "outcome_study",
            "studied": "mutual_aid",
            "origin": "source_itself",
            "basis": "[]",
            "main_outcome": "staying sober",
            "design": "rct",
            "sample_size": "120",
            "sample_unit": "participants",
            "country": "UK",
            "setting": "Community",
            "orientation": "",
            "outcome_direction": "positive",
            "outcome_measures": '["abstinence"]',
            "finding": "More people stayed sober.",
            "source_section": "",
            "conditions": [alcohol.pk],
            "groups": [group.pk],
            "is_published": "on",
            "curated_by": admin_client.user.pk,
            "last_reviewed": "2026-11-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    record = Evidence.objects.get(key="newman-old-2024")
    assert record.curated_by == admin_client.user
    assert [c.slug for c in record.conditions.all()] == ["alcohol"]
    assert list(record.groups.all()) == [group]
    assert record.source_url == "https://doi.org/10.1000/xyz123"


def test_the_admin_refuses_a_bad_doi_or_measures(admin_client):
    response = admin_client.post(
        "/admin/evidence/evidence/add/",
        {
            "authors": "Bad, A.",
            "kind": "descriptive",
            "studied": "not_stated",
            "origin": "review_2008",
            "basis": "[]",
            "design": "rct",
            "outcome_direction": "positive",
            "finding": "x",
            "doi": "doi.org/10.1/x",
            "outcome_measures": '{"a": 1}',
            "sample_unit": "participants",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a DOI such as" in html
    assert "Enter a list of measures" in html
    assert "Leave this blank: only outcome studies" in html
    assert "Copy the review&#x27;s words" in html


def test_curators_unpublish_evidence_and_it_leaves_the_site(admin_client, client, make_group):
    record = Evidence.objects.get(key="bentall-et-al-2002")
    response = admin_client.post(
        "/admin/evidence/evidence/",
        {"action": "unpublish", "_selected_action": [record.pk]},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert not record.is_published
    client.logout()
    assert client.get(record.get_absolute_url()).status_code == 404
    group = make_group(conditions=("chronic_fatigue_syndrome",))
    assert "Bentall" not in client.get(group.get_absolute_url()).content.decode()


# --- check_evidence_links -----------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []
    STATUS = {"/ok": 200, "/no-head": 200, "/moved": 301, "/gone": 404, "/broken": 500}

    def do_HEAD(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        self.seen.append((self.command, self.path))
        status = self.STATUS.get(self.path, 404)
        if self.command == "HEAD" and self.path == "/no-head":
            status = 405
        self.send_response(status)
        if status == 301:
            self.send_header("Location", "/ok")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_check_evidence_links_reports_addresses_that_no_longer_answer_and_changes_nothing(
    empty_library, make_evidence, local_server, monkeypatch
):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    refused = f"http://127.0.0.1:{_closed_port()}/ok"
    for key, url in [
        ("ok", f"{local_server}/ok"),
        ("no-head", f"{local_server}/no-head"),
        ("moved", f"{local_server}/moved"),
        ("gone", f"{local_server}/gone"),
        ("broken", f"{local_server}/broken"),
        ("refused", refused),
    ]:
        make_evidence(key=key, url=url)
    make_evidence(key="no-address", url="")
    make_evidence(key="draft-gone", url=f"{local_server}/gone", published=False)
    before = list(Evidence.objects.order_by("pk").values())

    out = StringIO()
    call_command("check_evidence_links", "--timeout", "5", stdout=out)
    lines = out.getvalue().splitlines()
    reported = {line.split(":", 1)[0] for line in lines[:-1]}
    assert reported == {"gone", "broken", "refused", "draft-gone"}
    assert f"gone: {local_server}/gone (HTTP 404)" in lines
    assert f"broken: {local_server}/broken (HTTP 500)" in lines
    assert lines[-1] == "Checked 7 web addresses: 4 no longer answer."
    assert ("HEAD", "/no-head") in _Handler.seen and ("GET", "/no-head") in _Handler.seen
    assert ("GET", "/ok") not in _Handler.seen  # HEAD was enough
    assert list(Evidence.objects.order_by("pk").values()) == before

    out = StringIO()
    call_command("check_evidence_links", "--published-only", stdout=out)
    assert "draft-gone" not in out.getvalue()
    assert out.getvalue().splitlines()[-1] == "Checked 6 web addresses: 3 no longer answer."


# --- Generated text, links, the rating page (issue 12, points 4, 5 and 9) ---------------


def test_the_librarys_intro_is_written_from_the_records(client, make_evidence):
    from collections import Counter

    from evidence.intro import KIND_NOUNS

    html = client.get("/evidence/").content.decode().replace("&#x27;", "'")
    intro = html[html.index("app-library-intro") : html.index("app-evidence-caveats")]
    records = list(Evidence.objects.published())
    kinds = Counter(r.kind for r in records)
    assert f"The library holds {len(records)} records:" in intro
    for kind, n in kinds.items():
        assert f"{n} {KIND_NOUNS[kind][0 if n == 1 else 1]}" in intro
    uk = sum("UK" in r.countries for r in records)
    us = sum("US" in r.countries for r in records)
    unknown = sum(not r.countries for r in records)
    assert f"{uk} are from the UK and {us} from the US" in intro
    assert f"{unknown} do not say where" in intro
    undesigned = sum(r.design == "other" for r in records)
    assert f"{undesigned} records do not report a design" in intro
    # A record added by an editor changes the intro at once; no test needs rewriting.
    make_evidence("Newer, A.", 2024, country="US", kind="descriptive", direction="")
    html = client.get("/evidence/").content.decode()
    assert f"The library holds {len(records) + 1} records:" in html


def test_the_library_and_the_rating_page_give_the_reviews_caveats(client):
    from evidence import review_words

    for url in ("/evidence/", "/evidence/how-we-rate/"):
        html = client.get(url).content.decode().replace("&#x27;", "'")
        for caveat in (
            review_words.PUBLICATION_BIAS,
            review_words.SUBJECTIVE_ONLY,
            review_words.UK_RARE,
            review_words.POOR_QUALITY,
        ):
            assert caveat in html, (url, caveat)


def test_the_how_we_rate_page_states_the_rules_from_the_engine(client):
    from evidence.certainty import MAX_DOWNGRADE, SMALL_SAMPLE, START, Level

    html = client.get("/evidence/how-we-rate/").content.decode()
    assert "<h1>How we rate evidence</h1>" in html
    assert f"fewer than {SMALL_SAMPLE} people" in html
    assert f"at most {MAX_DOWNGRADE} levels" in html
    for design, level in START.items():
        label = Evidence(design=design).get_design_display()
        row = html[html.index(f">{level.label.capitalize()}</dt>") :]
        assert label in row[: row.index("</dd>")], design
    assert Level.MODERATE.label in html


def test_a_journal_articles_page_links_to_pubmed_or_its_doi_and_fetches_nothing(client):
    bentall = client.get("/evidence/bentall-et-al-2002/").content.decode()
    link = re.search(r'href="(https://pubmed\.ncbi\.nlm\.nih\.gov/\?term=[^"]+)"', bentall)
    assert link and "Bentall%5Bau%5D" in link[1] and "2002%5Bdp%5D" in link[1]
    cochrane = client.get("/evidence/kelly-et-al-2020/").content.decode()
    assert 'href="https://doi.org/10.1002/14651858.CD012880.pub2"' in cochrane
    guideline = client.get("/evidence/sign-2004/").content.decode()
    assert "pubmed" not in guideline  # not a journal article


def test_a_records_page_quotes_the_review_and_says_how_it_counts(client):
    from evidence import shipped

    for item in shipped.shipped_records():
        if item["key"] not in {"bentall-et-al-2002", "lecomte-et-al-1999", "nelles-1990"}:
            continue
        html = client.get(f"/evidence/{item['key']}/").content.decode().replace("&#x27;", "'")
        for fragment in item["basis"]:
            assert fragment.replace("'", "'") in html
    bentall = client.get("/evidence/bentall-et-al-2002/").content.decode()
    assert "starts at <strong>low</strong>" in bentall
    assert "That leaves it at <strong>very low</strong>" in bentall
    lecomte = client.get("/evidence/lecomte-et-al-1999/").content.decode()
    assert "never counts towards a rating" in lecomte
    assert 'href="/evidence/how-we-rate/"' in lecomte


# --- Report a problem with this evidence ----------------------------------------------


def _shown(seconds_ago: float = 10) -> str:
    import time

    from django.core import signing

    from moderation.forms import SALT

    return signing.dumps(time.time() - seconds_ago, salt=SALT)


def test_a_report_about_a_record_reaches_the_moderators(client, admin_user, make_evidence):
    from evidence.models import EvidenceReport
    from moderation.digest import build_digest

    page = client.get("/evidence/bentall-et-al-2002/").content.decode()
    assert 'href="/evidence/bentall-et-al-2002/report/">Report a problem with this evidence' in page
    form = client.get("/evidence/bentall-et-al-2002/report/")
    assert form.status_code == 200 and 'name="shown_at"' in form.content.decode()
    response = client.post(
        "/evidence/bentall-et-al-2002/report/",
        {
            "problem": "too_strong",
            "details": "The source only says 'predicted'.",
            "shown_at": _shown(),
        },
    )
    assert response.status_code == 200
    assert "your report has been sent" in response.content.decode()
    report = EvidenceReport.objects.get()
    assert (report.record.key, report.problem, report.status) == (
        "bentall-et-al-2002",
        "too_strong",
        "open",
    )
    # In the moderation queue, and in the moderators' digest in the site's own words.
    client.force_login(admin_user)
    queue = client.get("/moderation/").content.decode()
    assert f'href="/evidence/reports/{report.pk}/"' in queue
    lines = [line for section in build_digest() for line in section.lines]
    assert any(line.url == f"/evidence/reports/{report.pk}/" for line in lines)
    assert all("predicted" not in line.text for line in lines)
    # A moderator closes it, saying what they did.
    detail = client.get(f"/evidence/reports/{report.pk}/").content.decode()
    assert "The source only says" in detail
    closed = client.post(f"/evidence/reports/{report.pk}/", {"note": "Checked; kept."})
    assert closed.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.resolution, report.resolved_by) == (
        "resolved",
        "Checked; kept.",
        admin_user,
    )


def test_reports_about_evidence_refuse_bad_input_and_spam(client):
    from evidence.models import EvidenceReport

    url = "/evidence/bentall-et-al-2002/report/"
    missing = client.post(url, {"problem": "", "shown_at": _shown()})
    assert missing.status_code == 200
    assert "Choose what is wrong with the record." in missing.content.decode()
    assert client.post(url, {"problem": "other", "website": "spam", "shown_at": _shown()})
    too_quick = client.post(url, {"problem": "other", "shown_at": _shown(0.5)})
    assert "very quick" in too_quick.content.decode()
    assert not EvidenceReport.objects.exists()
    assert client.get("/evidence/no-such-record/report/").status_code == 404


def test_only_staff_read_reports_about_evidence(client, make_evidence, django_user_model):
    from evidence.models import EvidenceReport

    report = EvidenceReport.objects.create(
        record=Evidence.objects.get(key="nelles-1990"), problem="other"
    )
    url = f"/evidence/reports/{report.pk}/"
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(django_user_model.objects.create_user("someone", "s@example.org", "pw"))
    assert client.get(url).status_code == 404
